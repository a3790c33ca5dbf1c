package repgeo_test

import (
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"

	"github.com/repgeo/repgeo/repgeo"
)

// shapeLayers returns a 30×3 representation, the same one with its units
// rotated and scaled, and a squashed 30×5 function of it.
func shapeLayers() (x, rotated, squashed *mat.Dense) {
	const m = 30
	x = mat.NewDense(m, 3, nil)
	squashed = mat.NewDense(m, 5, nil)
	for i := 0; i < m; i++ {
		for j := 0; j < 3; j++ {
			x.Set(i, j, math.Cos(float64((i+1)*(j+1))/7))
		}
		for j := 0; j < 5; j++ {
			squashed.Set(i, j, math.Tanh(x.At(i, j%3)+0.5*x.At(i, (j+1)%3)))
		}
	}
	c, s := math.Cos(1), math.Sin(1)
	rot := mat.NewDense(3, 3, []float64{c, -s, 0, s, c, 0, 0, 0, 1})
	rotated = mat.NewDense(m, 3, nil)
	rotated.Mul(x, rot)
	rotated.Scale(4, rotated)
	return x, rotated, squashed
}

// The angular shape metric ignores rotations and the scale of the units; the
// Euclidean one keeps the scale. Geodesics between points are points too.
func ExampleShapeMetric() {
	x, rotated, squashed := shapeLayers()
	for _, name := range []string{"angular-shape", "euclidean-shape"} {
		m, err := repgeo.NewMetric(name, repgeo.DefaultOptions())
		if err != nil {
			fmt.Println(err)
			return
		}
		px, _ := m.ToPoint(x)
		pr, _ := m.ToPoint(rotated)
		ps, _ := m.ToPoint(squashed)
		dRot, _ := m.Distance(px, pr)
		dSq, _ := m.Distance(px, ps)
		mid, _ := m.(repgeo.Geodesic).Geodesic(px, ps, 0.5)
		dMid, _ := m.Distance(px, mid)
		fmt.Printf("%s: rotated %.4f, squashed %.4f, midpoint %.4f\n", name, dRot, dSq, dMid)
	}
	// Output:
	// angular-shape: rotated 0.0000, squashed 0.2817, midpoint 0.1408
	// euclidean-shape: rotated 19.7275, squashed 1.8612, midpoint 0.9306
}

// AIR compares Gram (or covariance) matrices as positive definite matrices;
// without a ridge a Gram matrix is singular and has no finite distance.
func ExampleAIR() {
	x, rotated, squashed := shapeLayers()
	air, _ := repgeo.NewAIR(repgeo.AIRConfig{Mode: repgeo.GramMode, Eps: 0.1})
	px, _ := air.ToPoint(x)
	pr, _ := air.ToPoint(rotated) // rotated and scaled by 4
	var unscaled mat.Dense
	unscaled.Scale(0.25, rotated)
	pu, _ := air.ToPoint(&unscaled) // rotated only
	ps, _ := air.ToPoint(squashed)
	dRot, _ := air.Distance(px, pu)
	dScaled, _ := air.Distance(px, pr)
	dSq, _ := air.Distance(px, ps)
	fmt.Printf("rotated %.4f, rotated and scaled %.4f, squashed %.4f\n", dRot, dScaled, dSq)

	// The zero configuration is the default ridge; no ridge at all is an
	// error in mode gram.
	def, _ := repgeo.NewAIR(repgeo.AIRConfig{})
	fmt.Println(def)
	_, err := repgeo.NewAIR(repgeo.AIRConfig{Mode: repgeo.GramMode, Eps: repgeo.NoRidge})
	fmt.Println(errors.Is(err, repgeo.ErrSingular))
	// Output:
	// rotated 0.0000, rotated and scaled 4.7901, squashed 2.9454
	// air(mode=gram,eps=0.1)
	// true
}
