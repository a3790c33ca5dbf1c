package repgeo_test

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"

	"github.com/repgeo/repgeo/repgeo"
)

// layers returns three representations of the same 50 inputs: a 50×4
// matrix, the same matrix rotated, scaled and shifted, and a squashed
// 50×3 function of it.
func layers() []mat.Matrix {
	const m = 50
	x := mat.NewDense(m, 4, nil)
	for i := 0; i < m; i++ {
		for j := 0; j < 4; j++ {
			x.Set(i, j, math.Sin(float64((i+1)*(j+2))))
		}
	}
	c, s := math.Cos(0.3), math.Sin(0.3)
	rot := mat.NewDense(4, 4, []float64{c, -s, 0, 0, s, c, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1})
	y := mat.NewDense(m, 4, nil)
	y.Mul(x, rot)
	y.Apply(func(i, j int, v float64) float64 { return 2*v + 1 }, y)
	z := mat.NewDense(m, 3, nil)
	for i := 0; i < m; i++ {
		for j := 0; j < 3; j++ {
			z.Set(i, j, math.Tanh(2*x.At(i, j)+x.At(i, j+1)))
		}
	}
	return []mat.Matrix{x, y, z}
}

func ExampleNewMetric() {
	reps := layers()
	cka, err := repgeo.NewMetric("angular-cka", repgeo.DefaultOptions())
	if err != nil {
		panic(err)
	}
	p, err := cka.ToPoint(reps[0])
	if err != nil {
		panic(err)
	}
	q, err := cka.ToPoint(reps[2])
	if err != nil {
		panic(err)
	}
	d, err := cka.Distance(p, q)
	if err != nil {
		panic(err)
	}
	fmt.Printf("angular CKA distance %.4f rad, CKA %.4f\n", d, math.Cos(d))

	// The point halfway along the geodesic is at half the distance from each end.
	mid, err := cka.(repgeo.Geodesic).Geodesic(p, q, 0.5)
	if err != nil {
		panic(err)
	}
	dm, _ := cka.Distance(p, mid)
	fmt.Printf("to the midpoint %.4f rad\n", dm)
	// Output:
	// angular CKA distance 0.6152 rad, CKA 0.8167
	// to the midpoint 0.3076 rad
}

func ExamplePairwise() {
	reps := layers()
	for _, name := range []string{"angular-cka", "stress"} {
		m, err := repgeo.NewMetric(name, repgeo.DefaultOptions())
		if err != nil {
			panic(err)
		}
		d, err := repgeo.Pairwise(m, reps, &repgeo.PairwiseOptions{Workers: 2})
		if err != nil {
			panic(err)
		}
		fmt.Printf("%s:\n%.4f\n", name, mat.Formatted(d, mat.Squeeze()))
	}
	// Angular CKA is invariant to rotation, scale and shift (layers 0 and 1
	// coincide); stress is not invariant to scale.

	// Output:
	// angular-cka:
	// ⎡0.0000  0.0000  0.6152⎤
	// ⎢0.0000  0.0000  0.6152⎥
	// ⎣0.6152  0.6152  0.0000⎦
	// stress:
	// ⎡0.0000  2.0153  0.4411⎤
	// ⎢2.0153  0.0000  2.1722⎥
	// ⎣0.4411  2.1722  0.0000⎦
}
