//go:build !openblas

package repgeo

import (
	"gonum.org/v1/gonum/blas/blas64"

	"github.com/repgeo/repgeo/internal/fastblas"
)

// useFastBLAS installs internal/fastblas as gonum's BLAS: gonum's pure-Go
// BLAS with a packed, cache-blocked Dgemm (AVX-512 or AVX2/FMA assembly
// micro-kernel on amd64) and Dsyrk, Dtrmm and Dtrsm on top of it.
func useFastBLAS() {
	blas64.Use(fastblas.Implementation{})
}

// BLASImplementation names the BLAS that UseFastBLAS installs in this
// build: fastblas (pure Go with Go assembly) by default, OpenBLAS with the
// build tag openblas.
const BLASImplementation = "fastblas (pure Go + AVX-512 or AVX2/FMA assembly)"

// singleThreadedBLAS makes fastblas run each product on its calling goroutine
// while this package runs its own goroutines over the cores, and returns the
// function that lets it split products again.
func singleThreadedBLAS() (restore func()) { return fastblas.Serial() }

// serialPointBLAS reports whether the products that build points run on
// their calling goroutine when points are built in parallel: not in this
// build, whose goroutines share the cores with the callers' through the Go
// scheduler, so that a wide layer's product uses the cores the narrow ones
// leave idle.
const serialPointBLAS = false
