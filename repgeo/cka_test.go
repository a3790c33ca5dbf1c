package repgeo

import (
	"errors"
	"math"
	"math/rand/v2"
	"sort"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// Tolerances from testdata/geometry/README.md: 1e-8 absolute on distances,
// 1e-6 on values near zero (arccos is inexact there).
const (
	tolDist = 1e-8
	tolZero = 1e-6
)

// fixtureCase is one distance matrix of reference.json and the metric that
// should reproduce it.
type fixtureCase struct {
	key    string // entry of "pairwise" or "pairwise_extra"
	extra  bool
	metric string
	opts   Options
}

var myFixtureCases = []fixtureCase{
	{key: "angular-cka-biased", metric: "angular-cka", opts: Options{Kernel: LinearKernel}},
	{key: "angular-cka-unbiased", metric: "angular-cka", opts: Options{Kernel: LinearKernel, Unbiased: true}},
	{key: "stress", metric: "stress", opts: DefaultOptions()},
	{key: "angular-cka-rbf-median-biased", extra: true, metric: "angular-cka", opts: Options{Kernel: RBFKernel}},
	{key: "angular-cka-laplace-median-biased", extra: true, metric: "angular-cka", opts: Options{Kernel: LaplaceKernel}},
	{key: "angular-cka-rbf-2.5-biased", extra: true, metric: "angular-cka", opts: Options{Kernel: RBFKernel, LengthScale: 2.5}},
}

// fixtureMatrix returns the layers and reference distance matrix of one case.
func fixtureMatrix(t *testing.T, f *fixture, c fixtureCase) ([]mat.Matrix, [][]float64) {
	t.Helper()
	var layers []int
	var want [][]float64
	if c.extra {
		var extra map[string]struct {
			Layers    []int       `json:"layers"`
			Distances [][]float64 `json:"distances"`
		}
		f.section(t, "pairwise_extra", &extra)
		e, ok := extra[c.key]
		if !ok {
			t.Fatalf("%s: no pairwise_extra %q", f.Name, c.key)
		}
		layers, want = e.Layers, e.Distances
	} else {
		var pw map[string][][]float64
		f.section(t, "pairwise", &pw)
		w, ok := pw[c.key]
		if !ok {
			t.Fatalf("%s: no pairwise %q", f.Name, c.key)
		}
		want = w
		for l := range f.Layers {
			layers = append(layers, l)
		}
	}
	reps := make([]mat.Matrix, len(layers))
	for k, l := range layers {
		reps[k] = f.Layers[l]
	}
	if len(want) != len(reps) {
		t.Fatalf("%s %s: reference is %d×%d for %d layers", f.Name, c.key, len(want), len(want), len(reps))
	}
	return reps, want
}

// compareDistances checks got against the reference with the README's tolerances.
func compareDistances(t *testing.T, label string, got mat.Symmetric, want [][]float64) {
	t.Helper()
	var worst float64
	for i := range want {
		for j := range want[i] {
			if i != j {
				worst = math.Max(worst, math.Abs(got.At(i, j)-want[i][j]))
			}
			tol := tolDist
			if i == j || want[i][j] < 1e-4 {
				tol = tolZero
			}
			if d := math.Abs(got.At(i, j) - want[i][j]); d > tol {
				t.Errorf("%s: D[%d][%d] = %.12g, reference %.12g (|diff| %.2g > %g)", label, i, j, got.At(i, j), want[i][j], d, tol)
			}
		}
	}
	t.Logf("%s: largest off-diagonal |diff| %.1e", label, worst)
}

// TestFixturePairwise reproduces the repsim distance matrices of the fixture
// (reference.json "pairwise" and "pairwise_extra") with Pairwise and with a
// loop of Distance calls over points built by ToPoint.
func TestFixturePairwise(t *testing.T) {
	for _, set := range fixtureSets {
		f := loadFixture(t, set)
		for _, c := range myFixtureCases {
			t.Run(set+"/"+c.key, func(t *testing.T) {
				reps, want := fixtureMatrix(t, f, c)
				m, err := NewMetric(c.metric, c.opts)
				if err != nil {
					t.Fatal(err)
				}
				got, err := Pairwise(m, reps, nil)
				if err != nil {
					t.Fatal(err)
				}
				compareDistances(t, "Pairwise", got, want)
				loop := mat.NewSymDense(len(reps), nil)
				var pts []Point
				for i, x := range reps {
					p, err := m.ToPoint(x)
					if err != nil {
						t.Fatalf("layer %d: %v", i, err)
					}
					pts = append(pts, p)
				}
				for i := range pts {
					for j := i; j < len(pts); j++ {
						d, err := m.Distance(pts[i], pts[j])
						if err != nil {
							t.Fatal(err)
						}
						loop.SetSym(i, j, d)
					}
				}
				compareDistances(t, "Distance loop", loop, want)
			})
		}
	}
}

// randRep returns an m×d matrix of standard normal entries passed through a
// random linear map and tanh, so that layers are correlated but not equal.
func randRep(rng *rand.Rand, m, d int) *mat.Dense {
	x := mat.NewDense(m, d, nil)
	for i := 0; i < m; i++ {
		for j := 0; j < d; j++ {
			x.Set(i, j, rng.NormFloat64())
		}
	}
	return x
}

// relatedReps returns n representations of m inputs derived from a common
// latent matrix, with the given widths.
func relatedReps(seed uint64, m int, widths []int) []*mat.Dense {
	rng := rand.New(rand.NewPCG(seed, 1))
	h := randRep(rng, m, 6)
	var out []*mat.Dense
	for _, d := range widths {
		_, k := h.Dims()
		w := randRep(rng, k, d)
		next := mat.NewDense(m, d, nil)
		next.Mul(h, w)
		next.Apply(func(i, j int, v float64) float64 {
			return math.Tanh(v/math.Sqrt(float64(k))) + 0.3*rng.NormFloat64()
		}, next)
		out = append(out, next)
		h = next
	}
	return out
}

// randOrthogonal returns a random d×d orthogonal matrix (Q of a QR factorization).
func randOrthogonal(rng *rand.Rand, d int) *mat.Dense {
	var qr mat.QR
	qr.Factorize(randRep(rng, d, d))
	var q mat.Dense
	qr.QTo(&q)
	return &q
}

// ckaVariants are the option sets the property tests run on; scaleInv says
// whether the variant is invariant to an isotropic scale of X.
var ckaVariants = []struct {
	name     string
	opts     Options
	scaleInv bool
}{
	{"linear-biased", Options{Kernel: LinearKernel}, true},
	{"linear-unbiased", Options{Kernel: LinearKernel, Unbiased: true}, true},
	{"rbf-median", Options{Kernel: RBFKernel}, true},
	{"laplace-median-unbiased", Options{Kernel: LaplaceKernel, Unbiased: true}, true},
	{"rbf-2.5", Options{Kernel: RBFKernel, LengthScale: 2.5}, false},
}

func mustPoint(t *testing.T, m Metric, x mat.Matrix) Point {
	t.Helper()
	p, err := m.ToPoint(x)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func mustDist(t *testing.T, m Metric, p, q Point) float64 {
	t.Helper()
	d, err := m.Distance(p, q)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// transformed returns a X Q + 1 cᵀ for a random orthogonal Q and offset c.
func transformed(rng *rand.Rand, x *mat.Dense, scale float64, rotate, translate bool) *mat.Dense {
	m, d := x.Dims()
	y := mat.NewDense(m, d, nil)
	y.Scale(scale, x)
	if rotate {
		var r mat.Dense
		r.Mul(y, randOrthogonal(rng, d))
		y = &r
	}
	if translate {
		c := make([]float64, d)
		for j := range c {
			c[j] = 3 * rng.NormFloat64()
		}
		y.Apply(func(i, j int, v float64) float64 { return v + c[j] }, y)
	}
	return y
}

// metricProperties checks the metric axioms and invariances on random
// representations: zero self-distance, symmetry, the triangle inequality on
// random triples, and invariance to translation, orthogonal rotation of the
// columns and (if scaleInv) isotropic scaling.
func metricProperties(t *testing.T, m Metric, scaleInv bool) {
	reps := relatedReps(7, 40, []int{5, 12, 30, 60, 8, 20})
	var pts []Point
	for _, x := range reps {
		pts = append(pts, mustPoint(t, m, x))
	}
	n := len(pts)
	for i := 0; i < n; i++ {
		if d := mustDist(t, m, pts[i], pts[i]); d != 0 {
			t.Errorf("d(p%d, p%d) = %g, want 0", i, i, d)
		}
		again := mustPoint(t, m, reps[i])
		if d := mustDist(t, m, pts[i], again); d > tolZero {
			t.Errorf("d(p%d, ToPoint again) = %g, want < %g", i, d, tolZero)
		}
		for j := 0; j < n; j++ {
			dij, dji := mustDist(t, m, pts[i], pts[j]), mustDist(t, m, pts[j], pts[i])
			if math.Abs(dij-dji) > 1e-14 {
				t.Errorf("d(p%d,p%d) = %.17g but d(p%d,p%d) = %.17g", i, j, dij, j, i, dji)
			}
			if i != j && dij < 1e-3 {
				t.Errorf("d(p%d,p%d) = %g: test layers should differ", i, j, dij)
			}
		}
	}
	rng := rand.New(rand.NewPCG(3, 4))
	for trial := 0; trial < 30; trial++ {
		i, j, k := rng.IntN(n), rng.IntN(n), rng.IntN(n)
		dik, dij, djk := mustDist(t, m, pts[i], pts[k]), mustDist(t, m, pts[i], pts[j]), mustDist(t, m, pts[j], pts[k])
		if dik > dij+djk+1e-12 {
			t.Errorf("triangle: d(%d,%d) = %g > d(%d,%d) + d(%d,%d) = %g", i, k, dik, i, j, j, k, dij+djk)
		}
	}
	transforms := []struct {
		name               string
		scale              float64
		rotate, translate  bool
		needScaleInvariant bool
	}{
		{"translation", 1, false, true, false},
		{"rotation", 1, true, false, false},
		{"rotation+translation", 1, true, true, false},
		{"scale", 3.7, false, false, true},
		{"scale+rotation+translation", 0.25, true, true, true},
		{"zero columns appended", 1, false, false, false},
	}
	for _, tr := range transforms {
		if tr.needScaleInvariant && !scaleInv {
			continue
		}
		for i, x := range reps {
			y := transformed(rng, x, tr.scale, tr.rotate, tr.translate)
			if strings.HasPrefix(tr.name, "zero columns") {
				r, c := x.Dims()
				y = mat.NewDense(r, c+3, nil)
				y.Slice(0, r, 0, c).(*mat.Dense).Copy(x)
			}
			py := mustPoint(t, m, y)
			if d := mustDist(t, m, pts[i], py); d > tolZero {
				t.Errorf("%s of layer %d moved the point by %g", tr.name, i, d)
			}
			// Distances to the other points are unchanged.
			j := (i + 1) % n
			d0, d1 := mustDist(t, m, pts[i], pts[j]), mustDist(t, m, py, pts[j])
			if math.Abs(d0-d1) > tolDist {
				t.Errorf("%s of layer %d: d to layer %d %g -> %g", tr.name, i, j, d0, d1)
			}
		}
	}
}

func TestCKAMetricProperties(t *testing.T) {
	for _, v := range ckaVariants {
		t.Run(v.name, func(t *testing.T) {
			m, err := NewMetric("angular-cka", v.opts)
			if err != nil {
				t.Fatal(err)
			}
			metricProperties(t, m, v.scaleInv)
		})
	}
}

// riemannianProperties checks the geodesic and the log, exp, inner product
// and transport maps of a Riemannian metric on random representations.
func riemannianProperties(t *testing.T, m Riemannian, curvature float64) {
	reps := relatedReps(21, 30, []int{4, 50, 9})
	a, b, c := mustPoint(t, m, reps[0]), mustPoint(t, m, reps[1]), mustPoint(t, m, reps[2])
	dab := mustDist(t, m, a, b)
	for _, tt := range []float64{0, 0.25, 0.5, 0.8, 1, -0.3, 1.4} {
		g, err := m.Geodesic(a, b, tt)
		if err != nil {
			t.Fatal(err)
		}
		if d, want := mustDist(t, m, a, g), math.Abs(tt)*dab; math.Abs(d-want) > tolDist && !(want < 1e-4 && d < tolZero) {
			t.Errorf("t=%g: d(a, g(t)) = %.12g, want %.12g", tt, d, want)
		}
		if d, want := mustDist(t, m, g, b), math.Abs(1-tt)*dab; math.Abs(d-want) > tolDist && !(want < 1e-4 && d < tolZero) {
			t.Errorf("t=%g: d(g(t), b) = %.12g, want %.12g", tt, d, want)
		}
	}
	for _, pair := range [][2]Point{{a, b}, {b, c}, {c, a}} {
		p, q := pair[0], pair[1]
		v, err := m.Log(p, q)
		if err != nil {
			t.Fatal(err)
		}
		if n, d := math.Sqrt(m.Inner(p, v, v)), mustDist(t, m, p, q); math.Abs(n-d) > tolDist {
			t.Errorf("|log_p q| = %.12g, d(p,q) = %.12g", n, d)
		}
		e, err := m.Exp(p, v)
		if err != nil {
			t.Fatal(err)
		}
		if d := mustDist(t, m, e, q); d > tolZero {
			t.Errorf("d(exp_p(log_p q), q) = %g", d)
		}
		// Half the log lands on the midpoint.
		var half mat.Dense
		half.Scale(0.5, v)
		h, err := m.Exp(p, &half)
		if err != nil {
			t.Fatal(err)
		}
		mid, err := m.Geodesic(p, q, 0.5)
		if err != nil {
			t.Fatal(err)
		}
		if d := mustDist(t, m, h, mid); d > tolZero {
			t.Errorf("d(exp(log/2), midpoint) = %g", d)
		}
		// Transport of log_p q to q is -log_q p, and it keeps inner products.
		w, err := m.Log(p, c)
		if err != nil {
			t.Fatal(err)
		}
		tv, err := m.Transport(p, q, v)
		if err != nil {
			t.Fatal(err)
		}
		back, err := m.Log(q, p)
		if err != nil {
			t.Fatal(err)
		}
		var sum mat.Dense
		sum.Add(tv, back)
		if n := math.Sqrt(m.Inner(q, &sum, &sum)); n > 1e-8 {
			t.Errorf("|transport(log_p q) + log_q p| = %g", n)
		}
		tw, err := m.Transport(p, q, w)
		if err != nil {
			t.Fatal(err)
		}
		for _, ip := range [][3]float64{
			{m.Inner(p, v, w), m.Inner(q, tv, tw)},
			{m.Inner(p, w, w), m.Inner(q, tw, tw)},
		} {
			if math.Abs(ip[0]-ip[1]) > 1e-10 {
				t.Errorf("transport changed an inner product: %.12g -> %.12g", ip[0], ip[1])
			}
		}
	}
	if sc, ok := m.(interface{ SectionalCurvature() float64 }); ok {
		if got := sc.SectionalCurvature(); got != curvature {
			t.Errorf("SectionalCurvature() = %g, want %g", got, curvature)
		}
	} else if curvature != 0 {
		t.Errorf("%s has no SectionalCurvature method", m.Name())
	}
}

func TestCKARiemannian(t *testing.T) {
	for _, v := range ckaVariants {
		t.Run(v.name, func(t *testing.T) {
			m, err := NewMetric("angular-cka", v.opts)
			if err != nil {
				t.Fatal(err)
			}
			riemannianProperties(t, m.(Riemannian), 1)
		})
	}
}

// TestCKATangent checks that log vectors are symmetric and orthogonal to P
// and that transported vectors are tangent at the destination.
func TestCKATangent(t *testing.T) {
	m, err := NewMetric("angular-cka", DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	r := m.(*AngularCKA)
	reps := relatedReps(5, 25, []int{3, 40, 7})
	a, b, c := mustPoint(t, m, reps[0]), mustPoint(t, m, reps[1]), mustPoint(t, m, reps[2])
	v, err := r.Log(a, b)
	if err != nil {
		t.Fatal(err)
	}
	pa, pb := a.(*ckaPoint).fullMatrix(), b.(*ckaPoint).fullMatrix()
	if !mat.EqualApprox(v, v.T(), 0) {
		t.Error("log is not symmetric")
	}
	if ip := frobenius(pa, v); math.Abs(ip) > 1e-12 {
		t.Errorf("<P, log_P Q> = %g, want 0", ip)
	}
	w, err := r.Log(a, c)
	if err != nil {
		t.Fatal(err)
	}
	tw, err := r.Transport(a, b, w)
	if err != nil {
		t.Fatal(err)
	}
	if ip := frobenius(pb, tw); math.Abs(ip) > 1e-12 {
		t.Errorf("<Q, transport> = %g, want 0", ip)
	}
	e, err := r.Exp(a, v)
	if err != nil {
		t.Fatal(err)
	}
	if !mat.EqualApprox(e.(*ckaPoint).fullMatrix(), pb, 1e-10) {
		t.Error("exp_P(log_P Q) differs from Q entrywise")
	}
	// Going half way round the sphere reaches -P, which has no unique geodesic to P.
	var anti mat.Dense
	anti.Scale(math.Pi/math.Sqrt(r.Inner(a, v, v)), v)
	far, err := r.Exp(a, &anti)
	if err != nil {
		t.Fatal(err)
	}
	if d := mustDist(t, m, a, far); math.Abs(d-math.Pi) > 1e-6 {
		t.Errorf("d(P, exp(pi u)) = %g, want pi", d)
	}
	if _, err := r.Geodesic(a, far, 0.5); err == nil || !strings.Contains(err.Error(), "antipodal") {
		t.Errorf("geodesic between antipodal points: error %v, want one naming antipodal points", err)
	}
	if _, err := r.Log(a, far); err == nil {
		t.Error("log of the antipode: no error")
	}
	// A non-symmetric tangent vector is rejected.
	bad := mat.DenseCopyOf(v)
	bad.Set(0, 1, bad.At(0, 1)+0.1)
	if _, err := r.Exp(a, bad); err == nil || !strings.Contains(err.Error(), "symmetric") {
		t.Errorf("Exp with a non-symmetric vector: error %v", err)
	}
	if _, err := r.Exp(a, mat.NewDense(3, 3, nil)); err == nil {
		t.Error("Exp with a 3×3 vector at a 25-input point: no error")
	}
}

// TestCKALowRank checks that the factored form (linear kernel, biased, d < m)
// and the packed m×m form give the same distances by every route.
func TestCKALowRank(t *testing.T) {
	m, err := NewMetric("angular-cka", Options{Kernel: LinearKernel})
	if err != nil {
		t.Fatal(err)
	}
	c := m.(*AngularCKA)
	reps := relatedReps(9, 150, []int{3, 20, 149, 150, 400})
	var low, dense []*ckaPoint
	for i, x := range reps {
		pl, err := c.toPoint(x, false)
		if err != nil {
			t.Fatal(err)
		}
		pd, err := c.toPoint(x, true)
		if err != nil {
			t.Fatal(err)
		}
		_, d := x.Dims()
		if got, want := pl.rank() > 0, d < 150; got != want {
			t.Errorf("layer %d (width %d): factored = %v, want %v", i, d, got, want)
		}
		if pd.rank() != 0 || !pd.hasPacked() {
			t.Errorf("layer %d: dense point is not packed", i)
		}
		low, dense = append(low, pl), append(dense, pd)
		if !mat.EqualApprox(pl.fullMatrix(), pd.fullMatrix(), 1e-14) {
			t.Errorf("layer %d: Z Zᵀ differs from the packed matrix", i)
		}
	}
	for i := range reps {
		for j := range reps {
			if i == j {
				continue
			}
			// Fresh factored points so that no packed form exists yet.
			li, _ := c.toPoint(reps[i], false)
			lj, _ := c.toPoint(reps[j], false)
			want := mustDist(t, m, dense[i], dense[j])
			for _, r := range []struct {
				name string
				p, q *ckaPoint
			}{{"factor-factor", li, lj}, {"packed-factor", dense[i], lj}, {"factor-packed", li, dense[j]}, {"both", low[i], low[j]}} {
				if got := mustDist(t, m, r.p, r.q); math.Abs(got-want) > 1e-12 {
					t.Errorf("layers %d,%d %s: %.15g, packed route %.15g", i, j, r.name, got, want)
				}
			}
		}
	}
}

// TestCKAPlan checks the all-pairs plan: points are packed when a wide
// (already m×m) point is present or when factors are wide, and kept factored
// when they are narrow.
func TestCKAPlan(t *testing.T) {
	cases := []struct {
		name  string
		m     int
		rank  []int
		dense []bool
		want  []int
	}{
		{"narrow factors stay", 1000, []int{10, 20, 30}, []bool{false, false, false}, nil},
		{"four wide factors stay", 2000, []int{64, 256, 1024, 1500}, []bool{false, false, false, false}, nil},
		{"six wide factors are packed", 2000, []int{1024, 1024, 1024, 1024, 1024, 1024}, []bool{false, false, false, false, false, false}, []int{0, 1, 2, 3, 4, 5}},
		{"dense partners pack", 2000, []int{64, 256, 0, 0}, []bool{false, false, true, true}, []int{0, 1}},
		{"one dense, many narrow", 10000, []int{0, 10, 10, 10, 10, 10, 10, 10, 10, 10}, []bool{true, false, false, false, false, false, false, false, false, false}, nil},
		{"all dense", 100, []int{0, 0}, []bool{true, true}, nil},
	}
	for _, c := range cases {
		got := ckaPlanDense(c.m, c.rank, c.dense)
		if !equalInts(got, c.want) {
			t.Errorf("%s: plan %v, want %v", c.name, got, c.want)
		}
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestCKAErrors(t *testing.T) {
	constant := mat.NewDense(10, 3, nil)
	for i := 0; i < 10; i++ {
		constant.SetRow(i, []float64{0.1, 0.7, -3})
	}
	nan := mat.DenseCopyOf(randRep(rand.New(rand.NewPCG(1, 1)), 10, 3))
	nan.Set(4, 1, math.NaN())
	dup := mat.NewDense(10, 2, nil)
	for i := 0; i < 10; i++ {
		if i < 8 {
			dup.SetRow(i, []float64{1, 2})
		} else {
			dup.SetRow(i, []float64{float64(i), 0})
		}
	}
	cases := []struct {
		name string
		opts Options
		x    mat.Matrix
		want string
		is   error // a sentinel the error must wrap, if any
	}{
		{"constant linear", Options{Kernel: LinearKernel}, constant, "constant representation", ErrConstant},
		{"constant unbiased", Options{Kernel: LinearKernel, Unbiased: true}, constant, "constant representation", ErrConstant},
		{"constant rbf median", Options{Kernel: RBFKernel}, constant, "constant representation", ErrConstant},
		{"constant laplace 1", Options{Kernel: LaplaceKernel, LengthScale: 1}, constant, "constant representation", ErrConstant},
		{"constant wide", Options{Kernel: LinearKernel}, mat.NewDense(4, 9, nil), "constant representation", ErrConstant},
		{"NaN", Options{Kernel: LinearKernel}, nan, "non-finite", ErrNonFinite},
		{"two rows", Options{Kernel: LinearKernel}, mat.NewDense(2, 3, []float64{1, 2, 3, 4, 5, 6}), "rows", ErrTooFewRows},
		{"median zero", Options{Kernel: RBFKernel}, dup, "median distance", nil},
		{"overflow", Options{Kernel: LinearKernel}, mat.NewDense(3, 1, []float64{1e200, -1e200, 0}), "too large", ErrOverflow},
		{"overflow rbf", Options{Kernel: RBFKernel}, mat.NewDense(3, 1, []float64{1e200, -1e200, 0}), "too large", ErrOverflow},
	}
	for _, c := range cases {
		m, err := NewMetric("angular-cka", c.opts)
		if err != nil {
			t.Fatal(err)
		}
		_, err = m.ToPoint(c.x)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one containing %q", c.name, err, c.want)
		}
		if c.is != nil && !errors.Is(err, c.is) {
			t.Errorf("%s: error %v does not wrap %v", c.name, err, c.is)
		}
	}
	for _, o := range []Options{{Kernel: Kernel(7)}, {Kernel: RBFKernel, LengthScale: -1}, {Kernel: RBFKernel, LengthScale: math.NaN()}} {
		if _, err := NewMetric("angular-cka", o); err == nil {
			t.Errorf("options %+v: no error", o)
		}
	}
	// Points of different sizes, metrics or options.
	lin, _ := NewMetric("angular-cka", Options{Kernel: LinearKernel})
	rbf, _ := NewMetric("angular-cka", Options{Kernel: RBFKernel})
	st, _ := NewMetric("stress", Options{})
	reps := relatedReps(2, 12, []int{4})
	p := mustPoint(t, lin, reps[0])
	small := mustPoint(t, lin, randRep(rand.New(rand.NewPCG(2, 2)), 11, 4))
	if _, err := lin.Distance(p, small); !errors.Is(err, ErrInputMismatch) {
		t.Errorf("12 vs 11 inputs: error %v, want ErrInputMismatch", err)
	}
	if _, err := lin.Distance(p, mustPoint(t, st, reps[0])); err == nil {
		t.Error("stress point in angular-cka: no error")
	}
	if _, err := rbf.Distance(mustPoint(t, rbf, reps[0]), p); !errors.Is(err, ErrForeignPoint) || !strings.Contains(err.Error(), "kernel=linear") {
		t.Errorf("linear point in rbf metric: error %v", err)
	}
}

func TestSelectKth(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 8))
	for _, n := range []int{1, 2, 3, 4, 7, 10, 101, 1000} {
		for _, ties := range []bool{false, true} {
			v := make([]float64, n)
			for i := range v {
				if ties {
					v[i] = float64(rng.IntN(4))
				} else {
					v[i] = rng.NormFloat64()
				}
			}
			sorted := append([]float64(nil), v...)
			sort.Float64s(sorted)
			for _, k := range []int{0, (n - 1) / 2, n / 2, n - 1} {
				w := append([]float64(nil), v...)
				if got := selectKth(w, k); got != sorted[k] {
					t.Errorf("n=%d ties=%v k=%d: %g, want %g", n, ties, k, got, sorted[k])
				}
			}
		}
	}
}

// TestCKAConcurrentForms checks that factored points form their m×m matrix
// once and safely when many goroutines need it at the same time (run with -race).
func TestCKAConcurrentForms(t *testing.T) {
	m, _ := NewMetric("angular-cka", DefaultOptions())
	r := m.(*AngularCKA)
	reps := relatedReps(44, 40, []int{5, 9})
	a, b := mustPoint(t, m, reps[0]), mustPoint(t, m, reps[1])
	if a.(*ckaPoint).hasPacked() || b.(*ckaPoint).hasPacked() {
		t.Fatal("narrow points should start factored")
	}
	want := mustDist(t, m, a, b)
	const n = 8
	errs := make(chan error, n)
	dists := make(chan float64, n)
	for k := 0; k < n; k++ {
		go func() {
			v, err := r.Log(a, b)
			if err != nil {
				errs <- err
				return
			}
			dists <- math.Sqrt(r.Inner(a, v, v))
			errs <- nil
		}()
	}
	for k := 0; k < n; k++ {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	close(dists)
	for d := range dists {
		if math.Abs(d-want) > tolDist {
			t.Errorf("|log| = %.12g, d = %.12g", d, want)
		}
	}
	first := a.(*ckaPoint).packed()
	if second := a.(*ckaPoint).packed(); &first[0] != &second[0] {
		t.Error("the packed matrix was formed twice")
	}
}

// TestCKAExpNonTangent checks that Exp uses only the tangent part of its
// vector: W + cP, W tangent at P, goes where W goes (distance |W| from P),
// as the shape metrics' Exp does; c = 0 is the Exp(Log) round trip. A vector
// whose norm overflows is an error wrapping ErrOverflow, not a NaN point.
func TestCKAExpNonTangent(t *testing.T) {
	for _, v := range ckaVariants {
		m := shMust(NewMetric("angular-cka", v.opts)).(*AngularCKA)
		reps := relatedReps(7, 20, []int{4, 30})
		a, b := mustPoint(t, m, reps[0]), mustPoint(t, m, reps[1])
		w := shMust(m.Log(a, b))
		lw := math.Sqrt(m.Inner(a, w, w))
		pa := a.(*ckaPoint).fullMatrix()
		for _, tc := range []struct {
			name  string
			c     float64 // multiple of P added to W
			scale float64 // of the whole vector
			err   error
		}{
			{"tangent", 0, 1, nil},
			{"plus 0.3 P", 0.3, 1, nil},
			{"minus 0.7 P", -0.7, 1, nil},
			{"plus 2 P", 2, 1, nil},
			{"norm overflows", 0.5, 1e200, ErrOverflow},
		} {
			t.Run(v.name+"/"+tc.name, func(t *testing.T) {
				vec := mat.DenseCopyOf(w)
				vec.Add(vec, scaled(tc.c, pa))
				vec.Scale(tc.scale, vec)
				e, err := m.Exp(a, vec)
				if tc.err != nil {
					if !errors.Is(err, tc.err) {
						t.Fatalf("Exp: point %v, error %v; want one wrapping %v", e, err, tc.err)
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				if d := mustDist(t, m, a, e); math.Abs(d-lw) > 1e-10 {
					t.Errorf("d(P, Exp(W + cP)) = %v, want |W| = %v", d, lw)
				}
				if !mat.EqualApprox(e.(*ckaPoint).fullMatrix(), b.(*ckaPoint).fullMatrix(), 1e-10) {
					t.Error("Exp(W + cP) differs from Q = Exp(W) entrywise")
				}
			})
		}
	}
}
