//go:build !openblas

// Package blasimport_test checks that importing repgeo leaves gonum's BLAS
// alone and that repgeo.UseFastBLAS installs the fast one. It is a package
// of its own because repgeo's tests install the fast BLAS in TestMain.
package blasimport_test

import (
	"testing"

	"gonum.org/v1/gonum/blas/blas64"

	"github.com/repgeo/repgeo/internal/fastblas"
	"github.com/repgeo/repgeo/repgeo"
)

func TestImportLeavesBLASAlone(t *testing.T) {
	if _, ok := blas64.Implementation().(fastblas.Implementation); ok {
		t.Fatal("importing repgeo installed fastblas as gonum's BLAS")
	}
	repgeo.UseFastBLAS()
	if _, ok := blas64.Implementation().(fastblas.Implementation); !ok {
		t.Fatalf("after UseFastBLAS gonum's BLAS is %T, want fastblas", blas64.Implementation())
	}
}
