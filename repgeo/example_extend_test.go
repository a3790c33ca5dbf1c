package repgeo_test

import (
	"fmt"
	"math"

	"github.com/repgeo/repgeo/repgeo"
	"gonum.org/v1/gonum/mat"
)

// angularRSA is the worked example of docs/extending.md: representational
// similarity analysis as an angle. A representation becomes its
// representational dissimilarity matrix (squared Euclidean distances between
// inputs, upper triangle), centred and scaled to unit norm, so points lie on
// a sphere and the distance is the arccos of the RDMs' Pearson correlation.
type angularRSA struct{}

// rsaPoint is the centred, unit-norm upper triangle of an RDM.
type rsaPoint struct {
	m int
	v []float64
}

func (p *rsaPoint) Inputs() int { return p.m }

func (angularRSA) Name() string { return "angular-rsa" }

// String returns the name with the full configuration (none here): caches
// of results key on it.
func (angularRSA) String() string { return "angular-rsa()" }

func (angularRSA) ToPoint(x mat.Matrix) (repgeo.Point, error) {
	if err := repgeo.CheckRepresentation(x); err != nil {
		return nil, err
	}
	m, d := x.Dims()
	v := make([]float64, 0, m*(m-1)/2)
	for i := 0; i < m; i++ {
		for j := i + 1; j < m; j++ {
			s := 0.0
			for k := 0; k < d; k++ {
				diff := x.At(i, k) - x.At(j, k)
				s += diff * diff
			}
			v = append(v, s)
		}
	}
	mean := 0.0
	for _, e := range v {
		mean += e
	}
	mean /= float64(len(v))
	norm := 0.0
	for i := range v {
		v[i] -= mean
		norm += v[i] * v[i]
	}
	if norm == 0 {
		return nil, fmt.Errorf("angular-rsa: %w: all inputs are equidistant; the RDM has no variance", repgeo.ErrConstant)
	}
	norm = math.Sqrt(norm)
	for i := range v {
		v[i] /= norm
	}
	return &rsaPoint{m: m, v: v}, nil
}

func (angularRSA) Distance(p, q repgeo.Point) (float64, error) {
	a, okA := p.(*rsaPoint)
	b, okB := q.(*rsaPoint)
	if !okA || !okB {
		return 0, fmt.Errorf("angular-rsa: %w", repgeo.ErrForeignPoint)
	}
	if a.m != b.m {
		return 0, fmt.Errorf("angular-rsa: %w: %d and %d", repgeo.ErrInputMismatch, a.m, b.m)
	}
	dot := 0.0
	for i := range a.v {
		dot += a.v[i] * b.v[i]
	}
	return math.Acos(math.Max(-1, math.Min(1, dot))), nil
}

// Geodesic makes the metric a repgeo.Geodesic: slerp between unit vectors.
// With it, Midpoint, Subdivide and Angle (by the law of cosines) work too.
func (r angularRSA) Geodesic(p, q repgeo.Point, t float64) (repgeo.Point, error) {
	w, err := r.Distance(p, q)
	if err != nil {
		return nil, err
	}
	a, b := p.(*rsaPoint), q.(*rsaPoint)
	if w == 0 {
		return a, nil
	}
	sa, sb := math.Sin((1-t)*w)/math.Sin(w), math.Sin(t*w)/math.Sin(w)
	v := make([]float64, len(a.v))
	for i := range v {
		v[i] = sa*a.v[i] + sb*b.v[i]
	}
	return &rsaPoint{m: a.m, v: v}, nil
}

// Example_customMetric shows that a metric defined outside the package works
// with the all-pairs engine and the geometric operations.
func Example_customMetric() {
	// Three toy layers of five inputs: x, a rotated copy of x, and its square.
	x := mat.NewDense(5, 2, []float64{0, 0, 1, 0, 0, 1, 1, 1, 2, 3})
	rot := mat.NewDense(2, 2, []float64{0, -1, 1, 0})
	var y, z mat.Dense
	y.Mul(x, rot)
	z.Apply(func(_, _ int, v float64) float64 { return v * v }, x)

	var rsa angularRSA
	d, err := repgeo.Pairwise(rsa, []mat.Matrix{x, &y, &z}, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("d(x, rotated x) = %.4f\n", d.At(0, 1))
	fmt.Printf("d(x, x squared) = %.4f\n", d.At(0, 2))

	pts, _ := repgeo.Points(rsa, []mat.Matrix{x, &z}, nil)
	mid, _ := repgeo.Midpoint(rsa, pts[0], pts[1])
	dm, _ := rsa.Distance(pts[0], mid)
	fmt.Printf("d(x, midpoint) = %.4f\n", dm)
	// Output:
	// d(x, rotated x) = 0.0000
	// d(x, x squared) = 0.3268
	// d(x, midpoint) = 0.1634
}
