package repgeo

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// The geometry tests use two spaces defined here, independent of the
// registered metrics: flat Euclidean space of m×d matrices and the unit sphere
// of m×d matrices (Frobenius norm 1), both Riemannian with the ambient inner
// product.

// geoPoint is a point of geoFlat or geoSphere: an m×d matrix.
type geoPoint struct{ x *mat.Dense }

func (p geoPoint) Inputs() int { r, _ := p.x.Dims(); return r }

func geoMat(p Point) *mat.Dense { return p.(geoPoint).x }

// geoFlat is Euclidean space of m×d matrices.
type geoFlat struct{}

func (geoFlat) Name() string   { return "test-flat" }
func (geoFlat) String() string { return "test-flat()" }

func (geoFlat) ToPoint(x mat.Matrix) (Point, error) {
	if err := CheckRepresentation(x); err != nil {
		return nil, err
	}
	return geoPoint{mat.DenseCopyOf(x)}, nil
}

func (geoFlat) Distance(p, q Point) (float64, error) {
	if err := checkSameInputs(p, q); err != nil {
		return 0, err
	}
	var d mat.Dense
	d.Sub(geoMat(p), geoMat(q))
	return mat.Norm(&d, 2), nil
}

func (geoFlat) Geodesic(p, q Point, t float64) (Point, error) {
	var a, b mat.Dense
	a.Scale(1-t, geoMat(p))
	b.Scale(t, geoMat(q))
	a.Add(&a, &b)
	return geoPoint{&a}, nil
}

func (geoFlat) Log(p, q Point) (*mat.Dense, error) {
	var d mat.Dense
	d.Sub(geoMat(q), geoMat(p))
	return &d, nil
}

func (geoFlat) Exp(p Point, v *mat.Dense) (Point, error) {
	var d mat.Dense
	d.Add(geoMat(p), v)
	return geoPoint{&d}, nil
}

func (geoFlat) Inner(_ Point, v, w *mat.Dense) float64 { return mat.Sum(geoMulElem(v, w)) }

func (geoFlat) Transport(_, _ Point, v *mat.Dense) (*mat.Dense, error) {
	return mat.DenseCopyOf(v), nil
}

func geoMulElem(v, w *mat.Dense) *mat.Dense {
	var e mat.Dense
	e.MulElem(v, w)
	return &e
}

// geoSphere is the unit sphere of m×d matrices.
type geoSphere struct{}

func (geoSphere) Name() string                { return "test-sphere" }
func (geoSphere) String() string              { return "test-sphere()" }
func (geoSphere) SectionalCurvature() float64 { return 1 }

func (geoSphere) ToPoint(x mat.Matrix) (Point, error) {
	if err := CheckRepresentation(x); err != nil {
		return nil, err
	}
	var p mat.Dense
	p.Scale(1/mat.Norm(x, 2), x)
	return geoPoint{&p}, nil
}

func (geoSphere) Distance(p, q Point) (float64, error) {
	if err := checkSameInputs(p, q); err != nil {
		return 0, err
	}
	var dm, dp mat.Dense
	dm.Sub(geoMat(p), geoMat(q))
	dp.Add(geoMat(p), geoMat(q))
	return 2 * math.Atan2(mat.Norm(&dm, 2), mat.Norm(&dp, 2)), nil
}

func (s geoSphere) Log(p, q Point) (*mat.Dense, error) {
	P, Q := geoMat(p), geoMat(q)
	c := mat.Sum(geoMulElem(P, Q))
	var u mat.Dense
	u.Scale(-c, P)
	u.Add(Q, &u)
	nu := mat.Norm(&u, 2)
	if nu == 0 {
		return mat.NewDense(P.RawMatrix().Rows, P.RawMatrix().Cols, nil), nil
	}
	u.Scale(math.Atan2(nu, c)/nu, &u)
	return &u, nil
}

func (geoSphere) Exp(p Point, v *mat.Dense) (Point, error) {
	n := mat.Norm(v, 2)
	P := geoMat(p)
	if n == 0 {
		return p, nil
	}
	var a, b mat.Dense
	a.Scale(math.Cos(n), P)
	b.Scale(math.Sin(n)/n, v)
	a.Add(&a, &b)
	a.Scale(1/mat.Norm(&a, 2), &a)
	return geoPoint{&a}, nil
}

func (s geoSphere) Geodesic(p, q Point, t float64) (Point, error) {
	l, err := s.Log(p, q)
	if err != nil {
		return nil, err
	}
	l.Scale(t, l)
	return s.Exp(p, l)
}

func (geoSphere) Inner(_ Point, v, w *mat.Dense) float64 { return mat.Sum(geoMulElem(v, w)) }

func (s geoSphere) Transport(p, q Point, v *mat.Dense) (*mat.Dense, error) {
	l, _ := s.Log(p, q)
	w := mat.Norm(l, 2)
	out := mat.DenseCopyOf(v)
	if w == 0 {
		return out, nil
	}
	var e mat.Dense
	e.Scale(1/w, l)
	k := mat.Sum(geoMulElem(&e, v))
	var d, pp mat.Dense
	d.Scale(k*(math.Cos(w)-1), &e)
	pp.Scale(-k*math.Sin(w), geoMat(p))
	out.Add(out, &d)
	out.Add(out, &pp)
	return out, nil
}

// geoHidden hides every method of a Riemannian metric but the interface's,
// so that SectionalCurvature is not seen: the sphere then takes the generic
// iterative code paths.
type geoHidden struct{ Riemannian }

// geoGeodesicOnly exposes only the Geodesic interface of a metric.
type geoGeodesicOnly struct{ g Geodesic }

func (m geoGeodesicOnly) Name() string                         { return m.g.Name() }
func (m geoGeodesicOnly) String() string                       { return m.g.String() }
func (m geoGeodesicOnly) ToPoint(x mat.Matrix) (Point, error)  { return m.g.ToPoint(x) }
func (m geoGeodesicOnly) Distance(p, q Point) (float64, error) { return m.g.Distance(p, q) }
func (m geoGeodesicOnly) Geodesic(p, q Point, t float64) (Point, error) {
	return m.g.Geodesic(p, q, t)
}

// geoMetricOnly exposes only distances.
type geoMetricOnly struct{ Metric }

// geoRand returns an r×c matrix of standard normal entries.
func geoRand(rng *rand.Rand, r, c int) *mat.Dense {
	x := mat.NewDense(r, c, nil)
	for i := 0; i < r; i++ {
		for j := 0; j < c; j++ {
			x.Set(i, j, rng.NormFloat64())
		}
	}
	return x
}

// geoPoints maps n random m×d matrices to points of metric m.
func geoPoints(t testing.TB, m Metric, seed uint64, n, rows, cols int) []Point {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 7))
	pts := make([]Point, n)
	for i := range pts {
		p, err := m.ToPoint(geoRand(rng, rows, cols))
		if err != nil {
			t.Fatalf("%s: ToPoint: %v", m.Name(), err)
		}
		pts[i] = p
	}
	return pts
}

// geoNear fails unless |got - want| <= tol.
func geoNear(t testing.TB, what string, got, want, tol float64) {
	t.Helper()
	if !(math.Abs(got-want) <= tol) {
		t.Errorf("%s = %.15g, want %.15g (|diff| %.3g > %.3g)", what, got, want, math.Abs(got-want), tol)
	}
}

func TestAngleFlatMatchesVectorAngle(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	m := geoFlat{}
	for k := 0; k < 10; k++ {
		a, b, c := geoRand(rng, 5, 3), geoRand(rng, 5, 3), geoRand(rng, 5, 3)
		var u, v mat.Dense
		u.Sub(a, b)
		v.Sub(c, b)
		want := math.Acos(mat.Sum(geoMulElem(&u, &v)) / (mat.Norm(&u, 2) * mat.Norm(&v, 2)))
		for _, mm := range []Metric{m, geoGeodesicOnly{m}} {
			got, err := Angle(mm, geoPoint{a}, geoPoint{b}, geoPoint{c})
			if err != nil {
				t.Fatal(err)
			}
			geoNear(t, fmt.Sprintf("%T angle %d", mm, k), got, want, 1e-10)
		}
	}
}

func TestAngleSphere(t *testing.T) {
	s := geoSphere{}
	pts := geoPoints(t, s, 3, 30, 6, 4)
	for k := 0; k+2 < len(pts); k += 3 {
		a, b, c := pts[k], pts[k+1], pts[k+2]
		// Spherical law of cosines from the three sides.
		x, _ := s.Distance(b, a)
		y, _ := s.Distance(b, c)
		z, _ := s.Distance(a, c)
		want := math.Acos((math.Cos(z) - math.Cos(x)*math.Cos(y)) / (math.Sin(x) * math.Sin(y)))
		got, err := Angle(s, a, b, c)
		if err != nil {
			t.Fatal(err)
		}
		geoNear(t, "sphere angle", got, want, 1e-10)
		// The log-map angle, as for any Riemannian metric.
		logs, err := Angle(geoHidden{s}, a, b, c)
		if err != nil {
			t.Fatal(err)
		}
		geoNear(t, "sphere angle from log maps", logs, want, 1e-10)
		// The law-of-cosines fallback is first-order accurate in its fraction.
		approx, err := Angle(geoGeodesicOnly{s}, a, b, c)
		if err != nil {
			t.Fatal(err)
		}
		geoNear(t, "geodesic-only sphere angle", approx, want, 2e-3)
	}
}

func TestAngleOnGeodesicIsPi(t *testing.T) {
	for _, m := range []Riemannian{geoFlat{}, geoSphere{}} {
		pts := geoPoints(t, m, 4, 2, 5, 3)
		for _, frac := range []float64{0.5, 0.1, 0.9} {
			mid, err := m.Geodesic(pts[0], pts[1], frac)
			if err != nil {
				t.Fatal(err)
			}
			got, err := Angle(m, pts[0], mid, pts[1])
			if err != nil {
				t.Fatal(err)
			}
			geoNear(t, m.Name()+" angle on geodesic", got, math.Pi, 1e-12)
			// Coming back along the same geodesic: angle 0.
			got, err = Angle(m, pts[0], mid, pts[0])
			if err != nil {
				t.Fatal(err)
			}
			geoNear(t, m.Name()+" angle back", got, 0, 1e-12)
		}
	}
}

func TestGeometryErrors(t *testing.T) {
	s := geoSphere{}
	pts := geoPoints(t, s, 5, 3, 5, 3)
	other := geoPoints(t, s, 6, 1, 7, 3)[0]
	a, b, c := pts[0], pts[1], pts[2]
	tests := []struct {
		name string
		run  func() error
		is   error
	}{
		{"angle a=b", func() error { _, err := Angle(s, b, b, c); return err }, ErrCoincide},
		{"angle c=b", func() error { _, err := Angle(s, a, b, b); return err }, ErrCoincide},
		{"angle geodesic-only a=b", func() error { _, err := Angle(geoGeodesicOnly{s}, b, b, c); return err }, ErrCoincide},
		{"angle inputs", func() error { _, err := Angle(s, a, b, other); return err }, ErrInputMismatch},
		{"angle no geodesics", func() error { _, err := Angle(geoMetricOnly{s}, a, b, c); return err }, nil},
		{"angle nil metric", func() error { _, err := Angle(nil, a, b, c); return err }, nil},
		{"angle nil point", func() error { _, err := Angle(s, a, nil, c); return err }, nil},
		{"project a=b", func() error { _, err := Project(s, a, a, c); return err }, ErrCoincide},
		{"project a=b generic", func() error { _, err := Project(geoHidden{s}, a, a, c); return err }, ErrCoincide},
		{"project geodesic-only", func() error { _, err := Project(geoGeodesicOnly{s}, a, b, c); return err }, nil},
		{"project inputs", func() error { _, err := Project(s, a, other, c); return err }, ErrInputMismatch},
		{"midpoint no geodesics", func() error { _, err := Midpoint(geoMetricOnly{s}, a, b); return err }, nil},
		{"midpoint inputs", func() error { _, err := Midpoint(s, a, other); return err }, ErrInputMismatch},
		{"subdivide n=0", func() error { _, err := Subdivide(s, a, b, 0); return err }, nil},
		{"curvature inputs", func() error { _, err := Curvature(s, a, b, other); return err }, ErrInputMismatch},
		{"curvature no geodesics", func() error { _, err := Curvature(geoMetricOnly{s}, a, b, c); return err }, nil},
	}
	for _, tc := range tests {
		err := tc.run()
		if err == nil {
			t.Errorf("%s: no error", tc.name)
			continue
		}
		if tc.is != nil && !errors.Is(err, tc.is) {
			t.Errorf("%s: error %q does not wrap %q", tc.name, err, tc.is)
		}
	}
}

func TestProjectFlat(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	m := geoFlat{}
	a, b := geoRand(rng, 4, 3), geoRand(rng, 4, 3)
	var ab mat.Dense
	ab.Sub(b, a)
	for _, want := range []float64{-2.5, -0.3, 0, 0.4, 1, 1.7, 12} {
		// c = a + want (b - a) + n, n orthogonal to b - a.
		n := geoRand(rng, 4, 3)
		var proj mat.Dense
		proj.Scale(mat.Sum(geoMulElem(n, &ab))/mat.Sum(geoMulElem(&ab, &ab)), &ab)
		n.Sub(n, &proj)
		c := mat.DenseCopyOf(a)
		var s mat.Dense
		s.Scale(want, &ab)
		c.Add(c, &s)
		c.Add(c, n)
		for _, mm := range []Metric{m, geoHidden{m}} {
			pr, err := Project(mm, geoPoint{a}, geoPoint{b}, geoPoint{c})
			if err != nil {
				t.Fatal(err)
			}
			geoNear(t, fmt.Sprintf("flat T for %v", want), pr.T, want, 1e-10*math.Max(1, math.Abs(want)))
			geoNear(t, fmt.Sprintf("flat distance for %v", want), pr.Distance, mat.Norm(n, 2), 1e-10)
			d, _ := m.Distance(pr.Point, geoPoint{c})
			geoNear(t, "flat distance to the returned point", d, pr.Distance, 1e-10)
		}
	}
}

// TestProjectSphereClosedFormMatchesIteration checks the great-circle closed
// form against the generic iteration and the minimality of the distance.
func TestProjectSphereClosedFormMatchesIteration(t *testing.T) {
	s := geoSphere{}
	pts := geoPoints(t, s, 9, 24, 6, 3)
	for k := 0; k+2 < len(pts); k += 3 {
		a, b, c := pts[k], pts[k+1], pts[k+2]
		closed, err := Project(s, a, b, c)
		if err != nil {
			t.Fatal(err)
		}
		iter, err := Project(geoHidden{s}, a, b, c)
		if err != nil {
			t.Fatal(err)
		}
		geoNear(t, "sphere T closed vs iterated", closed.T, iter.T, 1e-9)
		// The closed form from log maps (used near degenerate triangles).
		v, _ := s.Log(a, b)
		w, _ := s.Log(a, c)
		fromLogs, err := projectSphere(s, a, b, v, w, mat.Norm(v, 2))
		if err != nil {
			t.Fatal(err)
		}
		geoNear(t, "sphere T from distances vs logs", closed.T, fromLogs.T, 1e-12)
		geoNear(t, "sphere distance from distances vs logs", closed.Distance, fromLogs.Distance, 1e-12)
		geoNear(t, "sphere distance closed vs iterated", closed.Distance, iter.Distance, 1e-10)
		d, _ := s.Distance(c, closed.Point)
		geoNear(t, "sphere distance to returned point", d, closed.Distance, 1e-12)
		dab, _ := s.Distance(a, b)
		for _, h := range []float64{-1e-3, 1e-3} {
			p, _ := s.Geodesic(a, b, closed.T+h/dab)
			dh, _ := s.Distance(c, p)
			if dh < closed.Distance {
				t.Errorf("distance at T%+g is %v, below the projection's %v", h, dh, closed.Distance)
			}
		}
	}
}

func TestProjectOnGeodesicReturnsT(t *testing.T) {
	for _, m := range []Riemannian{geoFlat{}, geoSphere{}, geoHidden{geoSphere{}}} {
		pts := geoPoints(t, m, 10, 2, 5, 3)
		for _, want := range []float64{-0.4, 0, 0.25, 0.5, 1, 1.3} {
			g, err := m.Geodesic(pts[0], pts[1], want)
			if err != nil {
				t.Fatal(err)
			}
			pr, err := Project(m, pts[0], pts[1], g)
			if err != nil {
				t.Fatal(err)
			}
			geoNear(t, fmt.Sprintf("%T T", m), pr.T, want, 1e-9)
			geoNear(t, fmt.Sprintf("%T distance", m), pr.Distance, 0, 1e-7)
		}
	}
}

func TestSubdivideMidpoint(t *testing.T) {
	for _, m := range []Geodesic{geoFlat{}, geoSphere{}} {
		pts := geoPoints(t, m, 11, 2, 5, 3)
		a, b := pts[0], pts[1]
		dab, _ := m.Distance(a, b)
		sub, err := Subdivide(m, a, b, 4)
		if err != nil {
			t.Fatal(err)
		}
		if len(sub) != 5 || sub[0] != a || sub[4] != b {
			t.Fatalf("Subdivide returned %d points, ends %v %v", len(sub), sub[0] == a, sub[4] == b)
		}
		for i := 0; i < 4; i++ {
			d, _ := m.Distance(sub[i], sub[i+1])
			geoNear(t, m.Name()+" subdivision step", d, dab/4, 1e-12)
		}
		mid, err := Midpoint(m, a, b)
		if err != nil {
			t.Fatal(err)
		}
		d1, _ := m.Distance(a, mid)
		d2, _ := m.Distance(mid, b)
		geoNear(t, m.Name()+" d(a, mid)", d1, dab/2, 1e-12)
		geoNear(t, m.Name()+" d(mid, b)", d2, dab/2, 1e-12)
		d3, _ := m.Distance(mid, sub[2])
		geoNear(t, m.Name()+" midpoint vs subdivision", d3, 0, 1e-7)
	}
}

func TestCurvature(t *testing.T) {
	tests := []struct {
		m    Geodesic
		sign int
	}{{geoFlat{}, 0}, {geoSphere{}, 1}}
	for _, tc := range tests {
		pts := geoPoints(t, tc.m, 12, 9, 4, 3)
		for k := 0; k+2 < len(pts); k += 3 {
			al, err := Curvature(tc.m, pts[k], pts[k+1], pts[k+2])
			if err != nil {
				t.Fatal(err)
			}
			want := math.Sqrt(al.AB*al.AB/2 + al.BC*al.BC/2 - al.AC*al.AC/4)
			geoNear(t, "Euclidean comparison", al.Euclidean, want, 1e-12)
			geoNear(t, "difference", al.Difference, al.Measured-al.Euclidean, 1e-15)
			geoNear(t, "ratio", al.Ratio, al.Measured/al.Euclidean, 1e-15)
			switch tc.sign {
			case 0:
				geoNear(t, "flat difference", al.Difference, 0, 1e-12)
			case 1:
				if !(al.Difference > 1e-6) || !(al.Ratio > 1) {
					t.Errorf("sphere triangle %d: difference %v, ratio %v, want positive and above 1", k, al.Difference, al.Ratio)
				}
			}
		}
	}
}

// TestRegisteredMetricIdentities checks the geometric identities of
// geometry.md on every registered metric with default options, on random
// data: distances along geodesics, exp of log, the straight angle and
// projections of geodesic points.
func TestRegisteredMetricIdentities(t *testing.T) {
	names := MetricNames()
	if len(names) == 0 {
		t.Fatal("no registered metrics")
	}
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			m, err := NewMetric(name, DefaultOptions())
			if err != nil {
				t.Fatal(err)
			}
			r, ok := m.(Riemannian)
			if !ok {
				t.Fatalf("%s is not Riemannian", name)
			}
			pts := geoPoints(t, m, 13, 3, 16, 5)
			a, b := pts[0], pts[1]
			dab, err := m.Distance(a, b)
			if err != nil {
				t.Fatal(err)
			}
			// Tolerances: relative to the scale of the distances; arccos-based
			// distances resolve coincidence only to about 1e-7.
			tol := 1e-8 * math.Max(1, dab)
			for _, frac := range []float64{0.25, 0.5, 0.8} {
				g, err := r.Geodesic(a, b, frac)
				if err != nil {
					t.Fatal(err)
				}
				d1, _ := m.Distance(a, g)
				d2, _ := m.Distance(g, b)
				geoNear(t, fmt.Sprintf("d(a, g(%v))", frac), d1, frac*dab, tol)
				geoNear(t, fmt.Sprintf("d(g(%v), b)", frac), d2, (1-frac)*dab, tol)
				ang, err := Angle(m, a, g, b)
				if err != nil {
					t.Fatal(err)
				}
				geoNear(t, fmt.Sprintf("Angle(a, g(%v), b)", frac), ang, math.Pi, 1e-6)
			}
			for _, frac := range []float64{-0.2, 0.3, 0.7, 1.2} {
				g, err := r.Geodesic(a, b, frac)
				if err != nil {
					t.Fatal(err)
				}
				pr, err := Project(m, a, b, g)
				if err != nil {
					t.Fatal(err)
				}
				geoNear(t, fmt.Sprintf("Project(a, b, g(%v)).T", frac), pr.T, frac, 1e-7)
				geoNear(t, fmt.Sprintf("Project(a, b, g(%v)).Distance", frac), pr.Distance, 0, 1e-6*math.Max(1, dab))
			}
			v, err := r.Log(a, b)
			if err != nil {
				t.Fatal(err)
			}
			geoNear(t, "|log_a b|", math.Sqrt(r.Inner(a, v, v)), dab, tol)
			e, err := r.Exp(a, v)
			if err != nil {
				t.Fatal(err)
			}
			d, _ := m.Distance(e, b)
			geoNear(t, "d(exp_a(log_a b), b)", d, 0, 1e-6*math.Max(1, dab))

			// The Fréchet mean of two points is their midpoint.
			mean, err := FrechetMean(m, []Point{a, b}, nil)
			if err != nil {
				t.Fatal(err)
			}
			d1, _ := m.Distance(a, mean)
			d2, _ := m.Distance(mean, b)
			geoNear(t, "d(a, mean(a, b))", d1, dab/2, 1e-7*math.Max(1, dab))
			geoNear(t, "d(mean(a, b), b)", d2, dab/2, 1e-7*math.Max(1, dab))
		})
	}
}

// TestRegisteredMetricCurvatureSigns checks the sign of the Alexandrov
// comparison on each registered space: spheres and quotients of spheres or
// flat spaces by rotations are positively curved, the SPD manifold of AIR
// negatively, and stress is flat.
func TestRegisteredMetricCurvatureSigns(t *testing.T) {
	signs := map[string]int{"angular-cka": 1, "angular-shape": 1, "euclidean-shape": 1, "air": -1, "stress": 0}
	for _, name := range MetricNames() {
		want, ok := signs[name]
		if !ok {
			continue // a metric registered later; its curvature is unknown here
		}
		m, err := NewMetric(name, DefaultOptions())
		if err != nil {
			t.Fatal(err)
		}
		pts := geoPoints(t, m, 17, 9, 12, 4)
		for k := 0; k+2 < len(pts); k += 3 {
			al, err := Curvature(m, pts[k], pts[k+1], pts[k+2])
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			// Random triangles of these sizes are clearly curved: at least
			// 1e-3 of the comparison value (0.5% to 10% in practice).
			tol := 1e-3 * al.Euclidean
			switch {
			case want > 0 && !(al.Difference > tol):
				t.Errorf("%s triangle %d: difference %v, want > %v", name, k, al.Difference, tol)
			case want < 0 && !(al.Difference < -tol):
				t.Errorf("%s triangle %d: difference %v, want < %v", name, k, al.Difference, -tol)
			case want == 0 && !(math.Abs(al.Difference) <= 1e-12*al.Euclidean):
				t.Errorf("%s triangle %d: difference %v, want 0", name, k, al.Difference)
			}
		}
	}
}

func TestGeomCombinePadsNarrowerVector(t *testing.T) {
	u := mat.NewDense(2, 3, []float64{1, 2, 3, 4, 5, 6})
	v := mat.NewDense(2, 1, []float64{10, 20})
	got := geomCombine(2, u, -1, v)
	want := mat.NewDense(2, 3, []float64{-8, 4, 6, -12, 10, 12})
	if !mat.Equal(got, want) {
		t.Errorf("geomCombine = %v, want %v", mat.Formatted(got), mat.Formatted(want))
	}
	if got := geomCombine(1, v, 1, u); !mat.Equal(got, mat.NewDense(2, 3, []float64{11, 2, 3, 24, 5, 6})) {
		t.Errorf("geomCombine(v, u) = %v", mat.Formatted(got))
	}
}

// geoNoisyLog is flat space whose log map towards one point carries noise,
// so that Project's iteration cannot settle.
type geoNoisyLog struct {
	geoFlat
	target Point
	rng    *rand.Rand
}

func (m geoNoisyLog) Log(p, q Point) (*mat.Dense, error) {
	l, err := m.geoFlat.Log(p, q)
	if err != nil || q != m.target {
		return l, err
	}
	r, c := l.Dims()
	l.Add(l, geoRand(m.rng, r, c))
	return l, nil
}

func TestProjectReportsNonConvergence(t *testing.T) {
	pts := geoPoints(t, geoFlat{}, 51, 3, 4, 3)
	m := geoNoisyLog{target: pts[2], rng: rand.New(rand.NewPCG(52, 53))}
	pr, err := Project(m, pts[0], pts[1], pts[2])
	if err == nil || !strings.Contains(err.Error(), "did not converge") || !errors.Is(err, ErrNoConvergence) {
		t.Fatalf("Project with a noisy log map: %+v, error %v; want a convergence error wrapping ErrNoConvergence", pr, err)
	}
}
