package repgeo_test

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"

	"github.com/repgeo/repgeo/repgeo"
)

// pathReps returns four representations of the same 40 inputs, as a small
// network would produce them: the input and three layers of varying width,
// each a squashed mixture of the previous one.
func pathReps() []mat.Matrix {
	const m = 40
	x := mat.NewDense(m, 3, nil)
	for i := 0; i < m; i++ {
		for j := 0; j < 3; j++ {
			x.Set(i, j, math.Sin(float64((i+1)*(j+3))))
		}
	}
	reps := []mat.Matrix{x}
	prev := x
	for l, width := range []int{5, 8, 4} {
		_, d := prev.Dims()
		w := mat.NewDense(d, width, nil)
		for i := 0; i < d; i++ {
			for j := 0; j < width; j++ {
				v := 0.4 * math.Cos(float64(7*i+3*j+l+1))
				if i == j%d {
					v++
				}
				w.Set(i, j, v)
			}
		}
		h := mat.NewDense(m, width, nil)
		h.Mul(prev, w)
		h.Apply(func(_, _ int, v float64) float64 { return math.Tanh(2 * v) }, h)
		reps = append(reps, h)
		prev = h
	}
	return reps
}

// ckaPoints maps the representations to points of angular CKA.
func ckaPoints(reps []mat.Matrix) (repgeo.Metric, []repgeo.Point) {
	cka, err := repgeo.NewMetric("angular-cka", repgeo.DefaultOptions())
	if err != nil {
		panic(err)
	}
	pts, err := repgeo.Points(cka, reps, nil)
	if err != nil {
		panic(err)
	}
	return cka, pts
}

func ExampleAngle() {
	cka, pts := ckaPoints(pathReps())
	a, err := repgeo.Angle(cka, pts[0], pts[1], pts[2])
	if err != nil {
		panic(err)
	}
	fmt.Printf("angle at layer 1: %.4f rad\n", a)

	// A point on the geodesic between two others makes a straight angle.
	mid, err := repgeo.Midpoint(cka, pts[0], pts[2])
	if err != nil {
		panic(err)
	}
	a, err = repgeo.Angle(cka, pts[0], mid, pts[2])
	if err != nil {
		panic(err)
	}
	fmt.Printf("angle at the midpoint: %.6f rad (pi = %.6f)\n", a, math.Pi)
	// Output:
	// angle at layer 1: 1.2230 rad
	// angle at the midpoint: 3.141593 rad (pi = 3.141593)
}

func ExampleProject() {
	cka, pts := ckaPoints(pathReps())
	// How far does layer 2 get along the geodesic from the input to layer 3?
	pr, err := repgeo.Project(cka, pts[0], pts[3], pts[2])
	if err != nil {
		panic(err)
	}
	fmt.Printf("t = %.4f, distance from the geodesic %.4f rad\n", pr.T, pr.Distance)
	// Output:
	// t = 0.5269, distance from the geodesic 0.2426 rad
}

func ExampleSubdivide() {
	cka, pts := ckaPoints(pathReps())
	sub, err := repgeo.Subdivide(cka, pts[0], pts[3], 4)
	if err != nil {
		panic(err)
	}
	for i := 0; i+1 < len(sub); i++ {
		d, _ := cka.Distance(sub[i], sub[i+1])
		fmt.Printf("%.4f ", d)
	}
	d, _ := cka.Distance(pts[0], pts[3])
	fmt.Printf("(total %.4f)\n", d)
	// Output:
	// 0.1484 0.1484 0.1484 0.1484 (total 0.5935)
}

func ExampleNewPath() {
	cka, err := repgeo.NewMetric("angular-cka", repgeo.DefaultOptions())
	if err != nil {
		panic(err)
	}
	path, err := repgeo.NewPath(cka, []string{"input", "h1", "h2", "h3"}, pathReps(), nil)
	if err != nil {
		panic(err)
	}
	pm, err := path.Measure()
	if err != nil {
		panic(err)
	}
	fmt.Printf("length %.4f, shortcut %.4f, tortuosity %.4f\n", pm.TotalLength, pm.EndpointDistance, pm.Tortuosity)
	for i, label := range path.Labels {
		fmt.Printf("%-5s to end %.4f  progress %.4f\n", label, pm.EndDistances[i], pm.Progress[i])
	}
	// Output:
	// length 1.0633, shortcut 0.5935, tortuosity 1.7917
	// input to end 0.5935  progress 0.0000
	// h1    to end 0.5560  progress 0.2276
	// h2    to end 0.3689  progress 0.5269
	// h3    to end 0.0000  progress 1.0000
}

func ExampleCurvature() {
	cka, pts := ckaPoints(pathReps())
	al, err := repgeo.Curvature(cka, pts[0], pts[1], pts[3])
	if err != nil {
		panic(err)
	}
	// Angular CKA lives on a sphere: the median is longer than in the plane.
	fmt.Printf("measured %.5f, Euclidean %.5f, difference %+.1e\n", al.Measured, al.Euclidean, al.Difference)
	// Output:
	// measured 0.36314, Euclidean 0.35870, difference +4.4e-03
}

func ExampleFrechetMean() {
	cka, pts := ckaPoints(pathReps())
	mean, err := repgeo.FrechetMean(cka, pts, nil)
	if err != nil {
		panic(err)
	}
	for i, p := range pts {
		d, _ := cka.Distance(mean, p)
		fmt.Printf("d(mean, %d) = %.4f\n", i, d)
	}
	// Output:
	// d(mean, 0) = 0.2895
	// d(mean, 1) = 0.2519
	// d(mean, 2) = 0.1657
	// d(mean, 3) = 0.3542
}

func ExampleClassicalMDS() {
	// Distances between the corners of a 3×4 rectangle.
	d := mat.NewSymDense(4, []float64{
		0, 3, 5, 4,
		3, 0, 4, 5,
		5, 4, 0, 3,
		4, 5, 3, 0,
	})
	x, err := repgeo.ClassicalMDS(d, 2)
	if err != nil {
		panic(err)
	}
	// The coordinates are centred; rotation and reflection are arbitrary,
	// but the distances are recovered.
	for i := 1; i < 4; i++ {
		fmt.Printf("d(0, %d) = %.4f\n", i, mat.Norm(vecSub(x.RawRowView(0), x.RawRowView(i)), 2))
	}
	// Output:
	// d(0, 1) = 3.0000
	// d(0, 2) = 5.0000
	// d(0, 3) = 4.0000
}

func ExampleSphericalMDS() {
	// Angles between four directions on a great circle, 0.5 rad apart.
	d := mat.NewSymDense(4, nil)
	for i := 0; i < 4; i++ {
		for j := i + 1; j < 4; j++ {
			d.SetSym(i, j, 0.5*float64(j-i))
		}
	}
	x, err := repgeo.SphericalMDS(d, 2, 1)
	if err != nil {
		panic(err)
	}
	for i := 1; i < 4; i++ {
		u, v := x.RawRowView(0), x.RawRowView(i)
		fmt.Printf("angle(0, %d) = %.4f, |x_%d| = %.4f\n", i, math.Acos(u[0]*v[0]+u[1]*v[1]+u[2]*v[2]), i, mat.Norm(x.RowView(i), 2))
	}
	// Output:
	// angle(0, 1) = 0.5000, |x_1| = 1.0000
	// angle(0, 2) = 1.0000, |x_2| = 1.0000
	// angle(0, 3) = 1.5000, |x_3| = 1.0000
}

// vecSub returns x - y as a vector.
func vecSub(x, y []float64) *mat.VecDense {
	v := mat.NewVecDense(len(x), nil)
	for i := range x {
		v.SetVec(i, x[i]-y[i])
	}
	return v
}
