package svd_test

import (
	"fmt"

	"gonum.org/v1/gonum/blas/blas64"

	"github.com/repgeo/repgeo/internal/svd"
)

func ExampleValues() {
	// A 3×2 matrix; Values overwrites it.
	a := blas64.General{Rows: 3, Cols: 2, Stride: 2, Data: []float64{
		3, 0,
		4, 5,
		0, 0,
	}}
	s, err := svd.Values(a)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%.4f\n", s) // √45 and √5
	// Output:
	// [6.7082 2.2361]
}
