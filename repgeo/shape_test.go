package repgeo

import (
	"encoding/json"
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// refCase is one reference distance matrix of testdata/geometry and the
// repgeo metric that must reproduce it.
type refCase struct {
	name   string // for the test name
	metric string
	opts   Options
	// where the reference matrix is: a key of "pairwise", of
	// "pairwise_extra" (extra = true), or the repsim alpha-0.5 matrix of
	// "crosscheck" (repsimMatrix = true). The air-cov entry of
	// pairwise_extra is checked in TestAIRCovFixture.
	key          string
	extra        bool
	repsimMatrix bool
	tol          float64 // absolute, off the diagonal
}

func shapeOpts(alpha float64, whitening string, p int) Options {
	o := DefaultOptions()
	o.Whiten, o.P = 1-alpha, p
	if whitening != "" {
		var err error
		if o.Whitening, err = ParseWhitening(whitening); err != nil {
			panic(err)
		}
	}
	return o
}

func airOpts(mode string, p int, eps float64) Options {
	o := DefaultOptions()
	o.P, o.Eps = p, eps
	if eps == 0 {
		o.Eps = NoRidge
	}
	var err error
	if o.Mode, err = ParseAIRMode(mode); err != nil {
		panic(err)
	}
	return o
}

// Reference conventions: reference.json metric_params. Tolerances: the
// fixture README (1e-8 absolute; 1e-6 for euclidean-shape, of order 10-100).
var shapeAIRCases = []refCase{
	{name: "angular-shape/p300", metric: "angular-shape", opts: shapeOpts(1, "netrep", 300), key: "angular-shape", tol: 1e-8},
	{name: "angular-shape/p0", metric: "angular-shape", opts: shapeOpts(1, "netrep", 0), key: "angular-shape", tol: 1e-8},
	{name: "euclidean-shape/p300", metric: "euclidean-shape", opts: shapeOpts(1, "netrep", 300), key: "euclidean-shape", tol: 1e-6},
	{name: "euclidean-shape/p0", metric: "euclidean-shape", opts: shapeOpts(1, "netrep", 0), key: "euclidean-shape", tol: 1e-6},
	{name: "angular-shape-alpha0.5/netrep", metric: "angular-shape", opts: shapeOpts(0.5, "netrep", 0), key: "angular-shape-alpha0.5", tol: 1e-8},
	{name: "angular-shape-alpha0.5/netrep-empty", metric: "angular-shape", opts: shapeOpts(0.5, "", 0), key: "angular-shape-alpha0.5", tol: 1e-8},
	{name: "angular-shape-alpha0.5/repsim", metric: "angular-shape", opts: shapeOpts(0.5, "repsim", 300), key: "angular-shape-alpha0.5", repsimMatrix: true, tol: 1e-8},
	{name: "air-gram-eps0.1", metric: "air", opts: airOpts("gram", 0, 0.1), key: "air-gram-eps0.1", tol: 1e-8},
}

// refMatrix returns the reference matrix of c in f and the layers it covers.
func (c refCase) refMatrix(t *testing.T, f *fixture) ([][]float64, []int) {
	t.Helper()
	all := []int{0, 1, 2, 3, 4, 5}
	switch {
	case c.extra:
		var ex map[string]struct {
			Layers    []int       `json:"layers"`
			Distances [][]float64 `json:"distances"`
		}
		f.section(t, "pairwise_extra", &ex)
		e, ok := ex[c.key]
		if !ok {
			t.Fatalf("%s: no pairwise_extra %q", f.Name, c.key)
		}
		return e.Distances, e.Layers
	case c.repsimMatrix:
		var cc struct {
			Pairwise map[string]json.RawMessage `json:"pairwise"`
		}
		f.section(t, "crosscheck", &cc)
		var entry struct {
			M [][]float64 `json:"repsim_alpha0.5_matrix"`
		}
		if err := json.Unmarshal(cc.Pairwise[c.key], &entry); err != nil || entry.M == nil {
			t.Fatalf("%s: no repsim matrix for %q (%v)", f.Name, c.key, err)
		}
		return entry.M, all
	default:
		var pw map[string][][]float64
		f.section(t, "pairwise", &pw)
		d, ok := pw[c.key]
		if !ok {
			t.Fatalf("%s: no pairwise %q", f.Name, c.key)
		}
		return d, all
	}
}

func TestShapeAIRFixtures(t *testing.T) {
	for _, set := range fixtureSets {
		f := loadFixture(t, set)
		for _, c := range shapeAIRCases {
			t.Run(set+"/"+c.name, func(t *testing.T) {
				want, layers := c.refMatrix(t, f)
				m, err := NewMetric(c.metric, c.opts)
				if err != nil {
					t.Fatal(err)
				}
				pts := make([]Point, len(layers))
				for i, l := range layers {
					if pts[i], err = m.ToPoint(f.Layers[l]); err != nil {
						t.Fatalf("layer %d: %v", l, err)
					}
				}
				for i := range pts {
					for j := range pts {
						got, err := m.Distance(pts[i], pts[j])
						if err != nil {
							t.Fatalf("layers %d, %d: %v", layers[i], layers[j], err)
						}
						tol := c.tol
						if i == j {
							tol = 1e-6 // arccos near 0 (fixture README)
						}
						if math.Abs(got-want[i][j]) > tol {
							t.Errorf("layers %d, %d: got %.12g, want %.12g (diff %.2g > %.0g)",
								layers[i], layers[j], got, want[i][j], got-want[i][j], tol)
						}
					}
				}
			})
		}
	}
}

// shRand returns an r×c matrix of standard normal entries.
func shRand(rng *rand.Rand, r, c int) *mat.Dense {
	x := mat.NewDense(r, c, nil)
	for i := 0; i < r; i++ {
		for j := 0; j < c; j++ {
			x.Set(i, j, rng.NormFloat64())
		}
	}
	return x
}

// shOrthogonal returns a random n×n orthogonal matrix.
func shOrthogonal(rng *rand.Rand, n int) *mat.Dense {
	var qr mat.QR
	qr.Factorize(shRand(rng, n, n))
	var q mat.Dense
	qr.QTo(&q)
	return &q
}

// shReps returns random representations of m inputs with the given widths,
// each a random linear map of a shared latent plus noise, so that distances
// are neither tiny nor maximal.
func shReps(seed uint64, m int, widths ...int) []*mat.Dense {
	rng := rand.New(rand.NewPCG(seed, 7))
	z := shRand(rng, m, 4)
	out := make([]*mat.Dense, len(widths))
	for k, d := range widths {
		var x mat.Dense
		x.Mul(z, shRand(rng, 4, d))
		x.Add(&x, scaled(0.7, shRand(rng, m, d)))
		out[k] = &x
	}
	return out
}

// shMust returns v, panicking (which fails the test) on an error.
func shMust[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func shNear(t testing.TB, what string, got, want, tol float64) {
	t.Helper()
	if math.IsNaN(got) || math.Abs(got-want) > tol {
		t.Errorf("%s: got %.12g, want %.12g (|diff| %.2g > %.0g)", what, got, want, math.Abs(got-want), tol)
	}
}

// shapeMetricCases are the shape metrics the property tests run on.
var shapeMetricCases = []struct {
	name   string
	metric string
	opts   Options
}{
	{"angular", "angular-shape", shapeOpts(1, "netrep", 0)},
	{"angular-alpha0", "angular-shape", shapeOpts(0, "netrep", 0)},
	{"angular-alpha0.5-p6", "angular-shape", shapeOpts(0.5, "netrep", 6)},
	{"angular-alpha0.5-repsim", "angular-shape", shapeOpts(0.5, "repsim", 0)},
	{"euclidean", "euclidean-shape", shapeOpts(1, "netrep", 0)},
	{"euclidean-p6", "euclidean-shape", shapeOpts(1, "netrep", 6)},
	{"euclidean-alpha0.3", "euclidean-shape", shapeOpts(0.3, "netrep", 0)},
}

// riemannProperties checks the metric axioms and the Riemannian identities of
// geometry.md on random representations of the given widths.
func riemannProperties(t *testing.T, m Riemannian, reps []*mat.Dense, tol float64) {
	pts := make([]Point, len(reps))
	for i, x := range reps {
		pts[i] = shMust(m.ToPoint(x))
	}
	d := func(p, q Point) float64 { return shMust(m.Distance(p, q)) }
	n := len(pts)
	for i := 0; i < n; i++ {
		shNear(t, "d(a,a)", d(pts[i], pts[i]), 0, tol)
		for j := i + 1; j < n; j++ {
			shNear(t, "symmetry", d(pts[i], pts[j]), d(pts[j], pts[i]), tol)
			for k := 0; k < n; k++ {
				if k == i || k == j {
					continue
				}
				if dij, s := d(pts[i], pts[j]), d(pts[i], pts[k])+d(pts[k], pts[j]); dij > s+tol {
					t.Errorf("triangle inequality: d(%d,%d) = %g > %g via %d", i, j, dij, s, k)
				}
			}
		}
	}
	for i := 0; i+1 < n; i++ {
		a, b := pts[i], pts[i+1]
		dab := d(a, b)
		for _, tt := range []float64{0, 0.25, 0.5, 0.8, 1} {
			g := shMust(m.Geodesic(a, b, tt))
			shNear(t, "d(a, g(t))", d(a, g), tt*dab, tol)
			shNear(t, "d(g(t), b)", d(g, b), (1-tt)*dab, tol)
		}
		v := shMust(m.Log(a, b))
		shNear(t, "|log_a b|", math.Sqrt(m.Inner(a, v, v)), dab, tol)
		e := shMust(m.Exp(a, v))
		shNear(t, "d(exp_a(log_a b), b)", d(e, b), 0, tol)
		// Half the log vector reaches the midpoint.
		var half mat.Dense
		half.Scale(0.5, v)
		mid := shMust(m.Exp(a, &half))
		shNear(t, "d(exp_a(log/2), b)", d(mid, b), dab/2, tol)
		// The geodesic's velocity transported to b is minus log_b a. (When b
		// has lower rank than a, log_b a is only defined up to rotations
		// of the columns outside b's span, so the identity needs
		// rank(b) ≥ rank(a).)
		ra, ca := reps[i].Dims()
		_, cb := reps[i+1].Dims()
		if min(cb, ra-1) < min(ca, ra-1) {
			continue
		}
		tv := shMust(m.Transport(a, b, v))
		back := shMust(m.Log(b, a))
		shNear(t, "<T(log_a b), log_b a>", m.Inner(b, tv, back), -dab*dab, tol*(1+dab*dab))
		shNear(t, "|T(log_a b)|", math.Sqrt(m.Inner(b, tv, tv)), dab, tol*(1+dab))
	}
}

func TestShapeProperties(t *testing.T) {
	reps := shReps(3, 12, 3, 7, 12, 20, 5, 4)
	// Rank-deficient representations (rank 2 in widths 6 and 8): their
	// cross products are singular, so the alignment takes the SVD path.
	rng := rand.New(rand.NewPCG(8, 8))
	z := shRand(rng, 12, 2)
	var low1, low2 mat.Dense
	low1.Mul(z, shRand(rng, 2, 6))
	low2.Mul(z, shRand(rng, 2, 8))
	if _, ok := procrustesRotation(centreColumns(&low1), centreColumns(&low2), 8); ok {
		t.Error("rank-deficient cross product: the polar path did not refuse it")
	}
	for _, c := range shapeMetricCases {
		t.Run(c.name, func(t *testing.T) {
			m := shMust(NewMetric(c.metric, c.opts)).(Riemannian)
			riemannProperties(t, m, reps, 1e-8)
			if c.opts.Whiten == 0 {
				riemannProperties(t, m, []*mat.Dense{&low1, &low2, reps[1]}, 1e-8)
			}
		})
	}
}

// TestShapeProcrustesPaths checks that the polar-factor alignment and the
// SVD alignment agree, for tall, wide and square cross products.
func TestShapeProcrustesPaths(t *testing.T) {
	rng := rand.New(rand.NewPCG(12, 12))
	for _, w := range [][2]int{{5, 5}, {7, 4}, {3, 9}} {
		a := centreColumns(shRand(rng, 15, w[0]))
		b := centreColumns(shRand(rng, 15, w[1]))
		k := max(w[0], w[1]) + 1
		r, ok := procrustesRotation(a, b, k)
		if !ok {
			t.Fatalf("%v: polar path failed", w)
		}
		var rtr mat.Dense
		rtr.Mul(r.T(), r)
		if !mat.EqualApprox(&rtr, eye(k), 1e-12) {
			t.Errorf("%v: R is not orthogonal", w)
		}
		ap, bp := padColumns(a, k), padColumns(b, k)
		var cross mat.Dense
		cross.Mul(ap.T(), bp)
		nuc := shMust(nuclearNorm(&cross))
		var bs mat.Dense
		bs.Mul(bp, r)
		shNear(t, "tr(A^T B R) = ||A^T B||_*", frobDot(ap, &bs), nuc, 1e-10*nuc)
	}
}

func eye(n int) *mat.Dense {
	e := mat.NewDense(n, n, nil)
	for i := 0; i < n; i++ {
		e.Set(i, i, 1)
	}
	return e
}

// TestShapeLogHorizontal checks that log vectors are horizontal: A^T W is
// symmetric for the representative A of the base point.
func TestShapeLogHorizontal(t *testing.T) {
	reps := shReps(5, 15, 4, 9, 30)
	for _, c := range shapeMetricCases {
		t.Run(c.name, func(t *testing.T) {
			m := shMust(NewMetric(c.metric, c.opts)).(Riemannian)
			for i := range reps {
				for j := range reps {
					if i == j {
						continue
					}
					a := shMust(m.ToPoint(reps[i]))
					b := shMust(m.ToPoint(reps[j]))
					w := shMust(m.Log(a, b))
					_, k := w.Dims()
					ap := padColumns(a.(*shapePoint).c, k)
					var aw mat.Dense
					aw.Mul(ap.T(), w)
					var asym mat.Dense
					asym.Sub(&aw, aw.T())
					if n := mat.Norm(&asym, math.Inf(1)); n > 1e-10 {
						t.Errorf("layers %d, %d: |A^T W - W^T A| = %g", i, j, n)
					}
				}
			}
		})
	}
}

func TestShapeInvariances(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	reps := shReps(11, 14, 6, 10)
	x, y := reps[0], reps[1]
	shift := func(x *mat.Dense) *mat.Dense {
		r, c := x.Dims()
		s := mat.DenseCopyOf(x)
		for j := 0; j < c; j++ {
			v := rng.NormFloat64() * 10
			for i := 0; i < r; i++ {
				s.Set(i, j, s.At(i, j)+v)
			}
		}
		return s
	}
	mul := func(x, g *mat.Dense) *mat.Dense {
		var p mat.Dense
		p.Mul(x, g)
		return &p
	}
	_, dx := x.Dims()
	rot := mul(x, shOrthogonal(rng, dx))
	general := mul(x, shRand(rng, dx, dx)) // invertible almost surely
	cases := []struct {
		name   string
		metric string
		opts   Options
		xt     *mat.Dense // transformed x: d(xt, x) = 0 and d(xt, y) = d(x, y)
	}{
		{"angular/translation", "angular-shape", shapeOpts(1, "netrep", 0), shift(x)},
		{"angular/rotation", "angular-shape", shapeOpts(1, "netrep", 0), rot},
		{"angular/scale", "angular-shape", shapeOpts(1, "netrep", 0), scaled(3.5, x)},
		{"angular-alpha0.5/rotation", "angular-shape", shapeOpts(0.5, "netrep", 0), rot},
		{"angular-alpha0/affine", "angular-shape", shapeOpts(0, "netrep", 0), shift(general)},
		{"angular-alpha0-repsim/affine", "angular-shape", shapeOpts(0, "repsim", 0), shift(general)},
		{"euclidean/translation", "euclidean-shape", shapeOpts(1, "netrep", 0), shift(x)},
		{"euclidean/rotation", "euclidean-shape", shapeOpts(1, "netrep", 0), shift(rot)},
		{"euclidean-alpha0/affine", "euclidean-shape", shapeOpts(0, "netrep", 0), shift(general)},
		{"euclidean-p4/rotation", "euclidean-shape", shapeOpts(1, "netrep", 4), rot},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := shMust(NewMetric(c.metric, c.opts))
			px := shMust(m.ToPoint(x))
			pt := shMust(m.ToPoint(c.xt))
			py := shMust(m.ToPoint(y))
			shNear(t, "d(x, T x)", shMust(m.Distance(px, pt)), 0, 1e-7)
			shNear(t, "d(T x, y) - d(x, y)", shMust(m.Distance(pt, py)), shMust(m.Distance(px, py)), 1e-9)
		})
	}
	// Scale is not quotiented out by the Euclidean metric.
	m := shMust(NewMetric("euclidean-shape", DefaultOptions()))
	px, p2 := shMust(m.ToPoint(x)), shMust(m.ToPoint(scaled(2, x)))
	shNear(t, "euclidean d(x, 2x) = |xc|", shMust(m.Distance(px, p2)), frobeniusNorm(centreColumns(x)), 1e-9)
}

// TestShapeWhiteningConventions checks how repsim's whitening (eigenvalues
// of Xc^T Xc / m, floor 1e-9) relates to netrep's (Xc^T Xc, floor 1e-7). The
// factors are alpha + (1-alpha) e^-1/2 and alpha + (1-alpha) sqrt(m) e^-1/2:
// equal for alpha = 1; for alpha = 0 repsim's is sqrt(m) times netrep's, a
// global scale (same angular distances, Euclidean distances times sqrt(m));
// for 0 < alpha < 1 they differ by a direction-dependent factor.
func TestShapeWhiteningConventions(t *testing.T) {
	const m = 16
	reps := shReps(21, m, 5, 9, 13)
	dist := func(metric string, alpha float64, whitening string) [][]float64 {
		mt := shMust(NewMetric(metric, shapeOpts(alpha, whitening, 0)))
		pts := make([]Point, len(reps))
		for i, x := range reps {
			pts[i] = shMust(mt.ToPoint(x))
		}
		out := make([][]float64, len(pts))
		for i := range pts {
			for j := range pts {
				out[i] = append(out[i], shMust(mt.Distance(pts[i], pts[j])))
			}
		}
		return out
	}
	cases := []struct {
		metric    string
		alpha     float64
		ratio     float64 // repsim / netrep distance, 0 when they must differ
		minChange float64
	}{
		{"angular-shape", 1, 1, 0},
		{"angular-shape", 0, 1, 0},
		{"angular-shape", 0.5, 0, 1e-3},
		{"euclidean-shape", 1, 1, 0},
		{"euclidean-shape", 0, math.Sqrt(m), 0},
		{"euclidean-shape", 0.5, 0, 1e-3},
	}
	for _, c := range cases {
		if c.alpha == 1 {
			// Without whitening the convention is unused: setting it is an error.
			_, err := NewMetric(c.metric, shapeOpts(c.alpha, "repsim", 0))
			var oe *OptionError
			if !errors.As(err, &oe) || oe.Option != OptionWhitening || oe.Metric != c.metric {
				t.Errorf("%s alpha 1 whitening repsim: error %v, want an *OptionError for whitening", c.metric, err)
			}
			continue
		}
		n := dist(c.metric, c.alpha, "netrep")
		r := dist(c.metric, c.alpha, "repsim")
		var maxDiff float64
		for i := range n {
			for j := range n {
				if i == j {
					continue
				}
				if c.ratio != 0 {
					shNear(t, c.metric+" repsim vs netrep", r[i][j], c.ratio*n[i][j], 1e-9*(1+r[i][j]))
				}
				maxDiff = math.Max(maxDiff, math.Abs(r[i][j]-n[i][j]))
			}
		}
		if c.ratio == 0 && maxDiff < c.minChange {
			t.Errorf("%s alpha %g: repsim and netrep whitening agree (max diff %g), want them to differ", c.metric, c.alpha, maxDiff)
		}
	}
}

func TestShapeOptionsAndErrors(t *testing.T) {
	bad := []struct {
		name   string
		metric string
		opts   Options
		want   string
	}{
		{"whiten<0", "angular-shape", Options{Whiten: -0.5}, "Whiten"},
		{"whiten>1", "euclidean-shape", Options{Whiten: 1.1}, "Whiten"},
		{"whiten NaN", "angular-shape", Options{Whiten: math.NaN()}, "Whiten"},
		{"whitening", "angular-shape", Options{Whiten: 0.5, Whitening: Whitening(9)}, "unknown whitening 9"},
		{"p<0", "angular-shape", shapeOpts(1, "netrep", -3), "P"},
	}
	for _, c := range bad {
		if _, err := NewMetric(c.metric, c.opts); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got error %v, want one naming %s", c.name, err, c.want)
		}
	}
	m := shMust(NewMetric("angular-shape", DefaultOptions()))
	constant := mat.NewDense(5, 3, []float64{1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3})
	if _, err := m.ToPoint(constant); err == nil || !strings.Contains(err.Error(), "constant") {
		t.Errorf("constant representation: got %v, want an error naming it", err)
	}
	withNaN := mat.NewDense(4, 2, []float64{1, 2, 3, math.NaN(), 5, 6, 7, 8})
	if _, err := m.ToPoint(withNaN); err == nil {
		t.Error("NaN entry: no error")
	}
	p := shMust(m.ToPoint(shReps(1, 6, 3)[0]))
	q := shMust(m.ToPoint(shReps(1, 7, 3)[0]))
	if _, err := m.Distance(p, q); err == nil || !strings.Contains(err.Error(), "different numbers of inputs") {
		t.Errorf("mismatched inputs: got %v", err)
	}
	if _, err := m.(Riemannian).Exp(p, mat.NewDense(3, 3, nil)); err == nil {
		t.Error("Exp with a tangent vector of the wrong height: no error")
	}
}

// TestShapeHorizontalProjection checks the horizontal projection on random
// vectors: the result H satisfies A^T H symmetric, W - H = A S with S skew,
// and projecting twice changes nothing.
func TestShapeHorizontalProjection(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	for _, k := range []int{3, 6, 9} {
		a := centreColumns(shRand(rng, 9, k))
		if k == 9 { // rank-deficient: one zero column
			for i := 0; i < 9; i++ {
				a.Set(i, 8, 0)
			}
		}
		w := centreColumns(shRand(rng, 9, k))
		h := shMust(horizontal(a, w))
		var ah, asym mat.Dense
		ah.Mul(a.T(), h)
		asym.Sub(&ah, ah.T())
		shNear(t, "|A^T H - H^T A|", mat.Norm(&asym, 2), 0, 1e-10)
		h2 := shMust(horizontal(a, h))
		var diff mat.Dense
		diff.Sub(h, h2)
		shNear(t, "|P(P(W)) - P(W)|", mat.Norm(&diff, 2), 0, 1e-10)
		// W - H = A S: A^T (W - H) = A^T A S, S = (A^T A)^+ A^T (W - H) skew.
		var vert, avert mat.Dense
		vert.Sub(w, h)
		avert.Mul(a.T(), &vert)
		// <W - H, H> = 0: the vertical part is orthogonal to the horizontal one.
		shNear(t, "<W - H, H>", frobDot(&vert, h), 0, 1e-10)
		// The vertical part is A S with S skew: tr(A^T (W - H)) = tr(A^T A S) = 0.
		shNear(t, "tr(A^T (W - H))", mat.Trace(&avert), 0, 1e-10)
	}
}

// TestShapeRankFactor checks c c^T = xc xc^T for the three ways of building
// a point's factor: xc itself (d ≤ m), the Cholesky factor in the centred
// basis (d > m, rank m-1) and the QR fallback (d > m, rank < m-1).
func TestShapeRankFactor(t *testing.T) {
	rng := rand.New(rand.NewPCG(61, 61))
	var lowRank mat.Dense
	lowRank.Mul(shRand(rng, 10, 3), shRand(rng, 3, 25))
	cases := []struct {
		name  string
		x     *mat.Dense
		width int
		tri   bool
	}{
		{"narrow", shRand(rng, 10, 6), 6, false},
		{"wide", shRand(rng, 10, 25), 9, true},
		{"wide-low-rank", &lowRank, 10, false},
	}
	for _, c := range cases {
		xc := centreColumns(c.x)
		f, tri, err := rankFactor(mat.DenseCopyOf(xc))
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if _, w := f.Dims(); w != c.width || tri != c.tri {
			t.Errorf("%s: width %d, triangular %v, want %d, %v", c.name, w, tri, c.width, c.tri)
		}
		if tri { // H c is a zero row above a lower triangle, as the cross products assume
			hc := mat.DenseCopyOf(f)
			applyReflector(centreReflector(10), hc)
			for i := 0; i < 10; i++ {
				for j := i; j < 9; j++ {
					if math.Abs(hc.At(i, j)) > 1e-12*mat.Norm(hc, 2) {
						t.Errorf("%s: (H c)[%d][%d] = %g, want 0", c.name, i, j, hc.At(i, j))
					}
				}
			}
		}
		var want, got mat.Dense
		want.Mul(xc, xc.T())
		got.Mul(f, f.T())
		if !mat.EqualApprox(&got, &want, 1e-10*mat.Norm(&want, 2)) {
			t.Errorf("%s: c c^T differs from xc xc^T", c.name)
		}
	}
}

// TestShapeQRFactorExactZeros checks the QR fallback of rankFactor on a
// representation whose Householder vectors end in different numbers of exact
// zeros (the second shorter than the first and the third), on which gonum
// v0.17.0's blocked Dgeqrf returns a wrong factor: c c^T must equal xc xc^T.
func TestShapeQRFactorExactZeros(t *testing.T) {
	rng := rand.New(rand.NewPCG(62, 62))
	const m, d = 200, 300 // qrFactor factors the d×m matrix xc^T
	xc := mat.NewDense(m, d, nil)
	for i := 2; i < m; i++ {
		for j := 0; j < d; j++ {
			xc.Set(i, j, rng.NormFloat64())
		}
	}
	for j := 1; j < 100; j++ {
		xc.Set(0, j, 1)
	}
	for j := 1; j < 49; j++ {
		xc.Set(1, j, float64(2*(j%2)-1))
	}
	c, err := qrFactor(xc)
	if err != nil {
		t.Fatal(err)
	}
	var want, got mat.Dense
	want.Mul(xc, xc.T())
	got.Mul(c, c.T())
	if !mat.EqualApprox(&got, &want, 1e-11*mat.Norm(&want, 2)) {
		var diff mat.Dense
		diff.Sub(&got, &want)
		t.Errorf("c c^T differs from xc xc^T by %g (norm %g)", mat.Norm(&diff, 2), mat.Norm(&want, 2))
	}
}

// TestShapeRankSpaceMatchesDirect compares distances computed in rank space
// (triangular factors of wide layers, blocked cross products over several
// blocks) with the nuclear norm of Xc_a^T Xc_b computed directly.
func TestShapeRankSpaceMatchesDirect(t *testing.T) {
	const m = 300
	reps := shReps(81, m, 50, 400, 520, 280)
	ang := shMust(NewMetric("angular-shape", DefaultOptions()))
	euc := shMust(NewMetric("euclidean-shape", DefaultOptions()))
	for i := range reps {
		for j := i + 1; j < len(reps); j++ {
			xa, xb := centreColumns(reps[i]), centreColumns(reps[j])
			var cross mat.Dense
			cross.Mul(xa.T(), xb)
			nuc := shMust(nuclearNorm(&cross))
			na, nb := frobeniusNorm(xa), frobeniusNorm(xb)
			wantAng := math.Acos(nuc / (na * nb))
			wantEuc := math.Sqrt(na*na + nb*nb - 2*nuc)
			gotAng := shMust(ang.Distance(shMust(ang.ToPoint(reps[i])), shMust(ang.ToPoint(reps[j]))))
			gotEuc := shMust(euc.Distance(shMust(euc.ToPoint(reps[i])), shMust(euc.ToPoint(reps[j]))))
			shNear(t, "angular", gotAng, wantAng, 1e-12)
			shNear(t, "euclidean", gotEuc, wantEuc, 1e-9*wantEuc)
		}
	}
}

// TestShapeAIRPairwise runs the all-pairs engine (points shared by
// concurrent pairs, lazily built caches) and compares it with single
// Distance calls on fresh points.
func TestShapeAIRPairwise(t *testing.T) {
	raw := shReps(91, 14, 3, 20, 9, 30, 14)
	reps := make([]mat.Matrix, len(raw))
	for i, x := range raw {
		reps[i] = x
	}
	for _, c := range []struct {
		metric string
		opts   Options
	}{
		{"angular-shape", DefaultOptions()},
		{"euclidean-shape", shapeOpts(0.5, "netrep", 0)},
		{"air", airOpts("gram", 0, 0.1)},
		{"air", airOpts("cov", 4, 0.1)},
	} {
		m := shMust(NewMetric(c.metric, c.opts))
		d := shMust(Pairwise(m, reps, &PairwiseOptions{Workers: 4}))
		for i := range reps {
			for j := range reps {
				want := 0.0
				if i != j {
					want = shMust(m.Distance(shMust(m.ToPoint(reps[i])), shMust(m.ToPoint(reps[j]))))
				}
				shNear(t, c.metric+" pairwise", d.At(i, j), want, 1e-12*(1+want))
			}
		}
	}
}

// TestShapePCA checks the PCA option against a direct computation: project
// the centred data on its top p right singular vectors, then take the
// nuclear norm of the cross product.
func TestShapePCA(t *testing.T) {
	const p = 4
	reps := shReps(101, 25, 10, 6, 40, 3)
	pca := func(x *mat.Dense) *mat.Dense {
		xc := centreColumns(x)
		_, d := xc.Dims()
		if d <= p {
			return xc
		}
		var svd mat.SVD
		if !svd.Factorize(xc, mat.SVDThin) {
			t.Fatal("svd failed")
		}
		var v mat.Dense
		svd.VTo(&v)
		var y mat.Dense
		y.Mul(xc, v.Slice(0, d, 0, p))
		return &y
	}
	ang := shMust(NewMetric("angular-shape", shapeOpts(1, "netrep", p)))
	euc := shMust(NewMetric("euclidean-shape", shapeOpts(1, "netrep", p)))
	for i := range reps {
		for j := i + 1; j < len(reps); j++ {
			ya, yb := pca(reps[i]), pca(reps[j])
			var cross mat.Dense
			cross.Mul(ya.T(), yb)
			nuc := shMust(nuclearNorm(&cross))
			na, nb := frobeniusNorm(ya), frobeniusNorm(yb)
			gotAng := shMust(ang.Distance(shMust(ang.ToPoint(reps[i])), shMust(ang.ToPoint(reps[j]))))
			gotEuc := shMust(euc.Distance(shMust(euc.ToPoint(reps[i])), shMust(euc.ToPoint(reps[j]))))
			shNear(t, "angular p=4", gotAng, math.Acos(nuc/(na*nb)), 1e-10)
			shNear(t, "euclidean p=4", gotEuc, math.Sqrt(na*na+nb*nb-2*nuc), 1e-9)
		}
	}
}

// TestShapeDegenerateRepresentations checks the representations at the
// limits of float64: a constant one whose centring leaves rounding residue
// has no angular shape (ErrConstant, as in angular CKA) but is the origin of
// the Euclidean metric, values whose squares overflow are an error wrapping
// ErrOverflow, and large values below that limit are ordinary points.
func TestShapeDegenerateRepresentations(t *testing.T) {
	rows := func(m int, row ...float64) *mat.Dense {
		x := mat.NewDense(m, len(row), nil)
		for i := 0; i < m; i++ {
			x.SetRow(i, row)
		}
		return x
	}
	big := func(m, d int, scale float64) *mat.Dense {
		x := randRep(rand.New(rand.NewPCG(61, uint64(d))), m, d)
		x.Scale(scale, x)
		return x
	}
	cases := []struct {
		name   string
		metric string
		opts   Options
		x      *mat.Dense
		want   error // nil: a valid point
	}{
		{"constant 3×2 with rounding", "angular-shape", DefaultOptions(), rows(3, 0.1, 0.7), ErrConstant},
		{"constant 10×3 with rounding", "angular-shape", DefaultOptions(), rows(10, 0.1, 0.7, -3), ErrConstant},
		{"constant wide with rounding", "angular-shape", DefaultOptions(), rows(3, 0.1, 0.7, -3, 1e-3, 0.3), ErrConstant},
		{"constant whitened with rounding", "angular-shape", shapeOpts(0.5, "netrep", 0), rows(10, 0.1, 0.7, -3), ErrConstant},
		{"constant fully whitened with rounding", "angular-shape", shapeOpts(0, "repsim", 0), rows(10, 0.1, 0.7, -3), ErrConstant},
		{"constant PCA with rounding", "angular-shape", shapeOpts(1, "", 2), rows(10, 0.1, 0.7, -3), ErrConstant},
		{"constant exactly", "angular-shape", DefaultOptions(), rows(4, 2, 2), ErrConstant},
		{"constant euclidean is the origin", "euclidean-shape", DefaultOptions(), rows(10, 0.1, 0.7, -3), nil},
		{"overflow", "angular-shape", DefaultOptions(), big(6, 2, 1e160), ErrOverflow},
		{"overflow wide", "angular-shape", DefaultOptions(), big(4, 9, 1e160), ErrOverflow},
		{"overflow whitened", "angular-shape", shapeOpts(0.5, "netrep", 0), big(6, 2, 1e160), ErrOverflow},
		{"overflow euclidean", "euclidean-shape", DefaultOptions(), big(6, 2, 1e160), ErrOverflow},
		{"large angular", "angular-shape", DefaultOptions(), big(6, 2, 1e150), nil},
		{"large wide", "angular-shape", DefaultOptions(), big(4, 9, 1e150), nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := shMust(NewMetric(tc.metric, tc.opts))
			p, err := m.ToPoint(tc.x)
			if tc.want != nil {
				if !errors.Is(err, tc.want) {
					t.Fatalf("ToPoint: point %v, error %v; want one wrapping %v", p, err, tc.want)
				}
				return
			}
			if err != nil {
				t.Fatalf("ToPoint: %v", err)
			}
			r, _ := tc.x.Dims()
			y := randRep(rand.New(rand.NewPCG(62, 1)), r, 3)
			if tc.metric == "euclidean-shape" {
				// The distance from the origin is the norm of the centred Y.
				want := frobeniusNorm(centreColumns(y))
				shNear(t, "d(constant, Y)", mustDist(t, m, p, mustPoint(t, m, y)), want, 1e-12*want)
				return
			}
			// The angular metric is scale invariant: the large representation
			// is at distance 0 from itself scaled down to ordinary values.
			small := mat.DenseCopyOf(tc.x)
			small.Scale(1e-150, small)
			shNear(t, "d(X, 1e-150 X)", mustDist(t, m, p, mustPoint(t, m, small)), 0, 1e-7)
		})
	}
}

// TestShapeEuclideanWideCoincident checks that two points of the same wide
// representation (rank above chordMaxWidth, where Distance uses the formula
// sqrt(|A|² + |B|² - 2 ||A^T B||_*) without the aligned recomputation) are at
// a finite, near-zero distance: rounding can make the radicand negative.
func TestShapeEuclideanWideCoincident(t *testing.T) {
	for _, seed := range []uint64{1, 2, 3} {
		x := randRep(rand.New(rand.NewPCG(63, seed)), chordMaxWidth+10, chordMaxWidth+5)
		for _, name := range []string{"euclidean-shape", "angular-shape"} {
			m := shMust(NewMetric(name, DefaultOptions()))
			p, q := mustPoint(t, m, x), mustPoint(t, m, x)
			d, err := m.Distance(p, q)
			if err != nil || !(d < 1e-5*math.Sqrt(p.(*shapePoint).sq)) {
				t.Errorf("%s, seed %d: d(X, X) = %v, error %v; want near 0", name, seed, d, err)
			}
		}
	}
}
