package fastblas_test

import (
	"fmt"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/mat"

	"github.com/repgeo/repgeo/internal/fastblas"
)

func ExampleImplementation() {
	// C = A·Bᵀ for A 2×3 and B 2×3, row-major.
	a := []float64{1, 2, 3, 4, 5, 6}
	b := []float64{1, 0, 1, 0, 1, 0}
	c := make([]float64, 4)
	fastblas.Implementation{}.Dgemm(blas.NoTrans, blas.Trans, 2, 2, 3, 1, a, 3, b, 3, 0, c, 2)
	fmt.Println(c)

	// Installed for gonum, it runs every matrix product of package mat.
	defer blas64.Use(blas64.Implementation())
	blas64.Use(fastblas.Implementation{})
	var p mat.Dense
	p.Mul(mat.NewDense(2, 3, a), mat.NewDense(2, 3, b).T())
	fmt.Println(mat.Formatted(&p))
	// Output:
	// [4 2 10 5]
	// ⎡ 4   2⎤
	// ⎣10   5⎦
}

func ExampleMulTN() {
	// C = Aᵀ·B for a lower triangular A (3×2) and a 3×2 B, kept in strips.
	a := blas64.General{Rows: 3, Cols: 2, Stride: 2, Data: []float64{
		1, 0,
		2, 3,
		4, 5,
	}}
	b := blas64.General{Rows: 3, Cols: 2, Stride: 2, Data: []float64{
		1, 1,
		0, 1,
		1, 0,
	}}
	c := blas64.General{Rows: 2, Cols: 2, Stride: 2, Data: make([]float64, 4)}
	fastblas.MulTN(fastblas.NewStrips(a), fastblas.NewStrips(b), true, false, c)
	fmt.Println(c.Data)
	// Output:
	// [5 3 5 3]
}
