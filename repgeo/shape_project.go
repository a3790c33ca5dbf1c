package repgeo

import (
	"fmt"
	"math"
	"sync/atomic"

	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/mat"
)

// project is Project for the shape metrics. After one alignment of b onto a,
// the geodesic is g(t) = cos(tθ) A + sin(tθ) E (angular; E the unit tangent
// at A toward B*) or (1-t) A + t B* (Euclidean), and the distance from c to
// g(t) depends on t only through the nuclear norm of C^T g(t) = α(t) P + β(t) Q,
// with P = C^T A and Q = C^T E or C^T B* computed once (r_c×k). The nearest
// point maximizes that nuclear norm (angular) or minimizes |g(t)|² minus
// twice it (Euclidean). Each step takes the polar factor U of C^T g(t) and
// moves t to the optimum of the bound <U, C^T g(t)>, which touches the
// nuclear norm at the current t (a minorize-maximize step: the distance never
// grows), in closed form. The steps start at the midpoint of a and b, t =
// 1/2 (where C^T g(t) has full rank even when a is narrower than b), and are
// accelerated by the secant method as in the generic iteration. Each step
// costs one polar decomposition of an r_c×k matrix instead of the m-row log
// maps of the generic iteration.
func (s *ShapeMetric) project(pa, pb, pc Point) (Projection, error) {
	a, b, err := s.points(pa, pb)
	if err != nil {
		return Projection{}, err
	}
	c, err := s.point(pc)
	if err != nil {
		return Projection{}, err
	}
	if err := checkSameInputs(a, c); err != nil {
		return Projection{}, err
	}
	ap, bs, _, err := procrustes(a.c, b.c, 0)
	if err != nil {
		return Projection{}, errorf("Project: %s: %w", s.Name(), err)
	}
	// dir is E (angular) or D = B* - A (Euclidean); dab = d(a, b).
	var dir *mat.Dense
	var dab float64
	if !s.euclidean {
		e, theta, _ := sphereFrame(ap, bs)
		if e == nil {
			theta = 0
		}
		dir, dab = e, theta
	} else {
		dir = mat.DenseCopyOf(bs)
		dir.Sub(dir, ap)
		dab = frobeniusNorm(dir)
	}
	if geomTooShort(dab, math.Sqrt(a.sq)+math.Sqrt(c.sq)) {
		return Projection{}, errorf("Project: a and b: %w, no geodesic through them (d(a, b) = %v)", ErrCoincide, dab)
	}
	// P = C^T A: only a's own columns of the padded A are nonzero.
	_, ra := a.c.Dims()
	_, k := ap.Dims()
	rc, _ := c.c.T().Dims()
	p := mat.NewDense(rc, k, nil)
	p.Slice(0, rc, 0, ra).(*mat.Dense).Mul(c.c.T(), a.c)
	var q mat.Dense
	q.Mul(c.c.T(), dir)
	aDotD := 0.0
	if s.euclidean {
		aDotD = frobDot(ap, dir)
	}

	// coef returns α(t), β(t) with C^T g(t) = α P + β Q (Q = C^T E or
	// C^T D); step returns the optimum of the bound given u = <U, P> and
	// v = <U, Q>.
	coef := func(t float64) (float64, float64) {
		if !s.euclidean {
			return math.Cos(t * dab), math.Sin(t * dab)
		}
		return 1, t
	}
	next := func(t, u, v float64) float64 {
		if !s.euclidean {
			// Maximize cos φ u + sin φ v over φ = tθ; (u, v) is within 90°
			// of (cos φ, sin φ) since their product is the nuclear norm, so
			// the optimum is the representative of atan2(v, u) nearest φ.
			phi := t * dab
			opt := math.Atan2(v, u)
			opt += 2 * math.Pi * math.Round((phi-opt)/(2*math.Pi))
			return opt / dab
		}
		// Minimize |A + tD|² - 2(u + t v): t = (v - <A, D>)/|D|².
		return (v - aDotD) / (dab * dab)
	}
	// step returns the step at t and the nuclear norm of C^T g(t).
	var m mat.Dense
	step := func(t float64) (float64, float64, error) {
		al, be := coef(t)
		m.Scale(al, p)
		m.Add(&m, scaled(be, &q))
		u, v, err := polarDots(&m, p, &q)
		if err != nil {
			return 0, 0, err
		}
		return next(t, u, v) - t, al*u + be*v, nil
	}

	// nuc returns |C^T g(t)|_*, for the global search.
	nuc := func(t float64) (float64, error) {
		al, be := coef(t)
		var m mat.Dense
		m.Scale(al, p)
		m.Add(&m, scaled(be, &q))
		return nuclearNorm(&m)
	}
	// objective is what the nearest point minimizes, given the nuclear
	// norm at t: -nuc (angular) or |g(t)|² - 2 nuc (Euclidean, the squared
	// distance minus |C|²).
	objective := func(t, n float64) float64 {
		if !s.euclidean {
			return -n
		}
		return frobDot(ap, ap) + 2*t*aDotD + t*t*dab*dab - 2*n
	}
	t0, f0, err := s.projectSearch(nuc, objective, c, ap, dab, aDotD)
	if err != nil {
		return Projection{}, errorf("Project: %s: %w", s.Name(), err)
	}
	// Refine from the global search's best point; the secant steps may
	// leave its basin, in which case plain minorize-maximize steps (which
	// never increase the distance) are taken instead.
	for _, secant := range []bool{true, false} {
		t, n, err := projectRefine(step, t0, secant)
		if err != nil {
			return Projection{}, errorf("Project: %s: %w", s.Name(), err)
		}
		if secant && objective(t, n) > f0+1e-12*math.Max(1, math.Abs(f0)) {
			continue
		}
		if !s.euclidean {
			// g(t + π/θ) = -g(t) is the same shape: report the T
			// nearest the middle of a and b.
			period := math.Pi / dab
			t -= period * math.Round((t-0.5)/period)
		}
		return s.projection(a, c, ap, dir, dab, t, n)
	}
	panic("unreachable")
}

// projectCount counts the nuclear norms of the global searches and the
// polar decompositions of the refinements of the shape projections, for
// tests that report the cost.
var projectCount struct{ search, refine atomic.Int64 }

// projectRefine iterates t += step(t) from t0 until the step is below
// projectTol (relative to max(1, |t|)), with secant acceleration if secant,
// and returns t and the nuclear norm there.
func projectRefine(step func(t float64) (float64, float64, error), t0 float64, secant bool) (float64, float64, error) {
	t := t0
	var sec projectSecant
	for iter := 0; iter < projectMaxIter; iter++ {
		f, nuc, err := step(t)
		if err != nil {
			return 0, 0, errorf("at T = %v: %w", t, err)
		}
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return 0, 0, errorf("non-finite step at T = %v", t)
		}
		if math.Abs(f) <= projectTol*math.Max(1, math.Abs(t)) {
			projectCount.refine.Add(int64(iter + 1))
			return t + f, nuc, nil
		}
		// The step has slope T'(t) - 1 in [-1, 0).
		if secant {
			t += sec.step(t, f)
		} else {
			t += f
		}
	}
	return 0, 0, errorOf(ErrNoConvergence, "Project did not converge in %d iterations (last T = %v)", projectMaxIter, t)
}

// Global search of the shape projection. The nuclear norm h(α, β) =
// |α P + β Q|_* is the support function of the convex set {(<U, P>, <U, Q>)
// : |U|_2 ≤ 1}, so it is sublinear: where (α, β) = λ v1 + μ v2 with λ, μ ≥ 0,
// h(α, β) ≤ λ h(v1) + μ h(v2). On an interval of the geodesic between two
// evaluated points this bounds the nuclear norm from above (a chord in t
// for the Euclidean metric, whose direction is (1, t); a sinusoid in φ = tθ
// for the angular one, whose direction is (cos φ, sin φ)), and so the
// objective from below. Branch and bound on these bounds finds the basin
// of the global minimum over the whole geodesic.
const (
	// projectSearchIntervals is the number of intervals the search starts with.
	projectSearchIntervals = 2
	// projectSearchTol is the gap, relative to the objective's scale, at
	// which an interval's lower bound no longer counts as better than the
	// best point: the refinement then starts from the best point.
	projectSearchTol = 1e-5
	// projectSearchMaxEval caps the nuclear norms the search computes.
	projectSearchMaxEval = 200
)

// projectSearch returns the t of the best point of the branch and bound over
// the whole geodesic, and the objective there. The angular geodesic is
// periodic (period π/θ in t): the search covers the period centred on the
// segment's midpoint. The Euclidean geodesic is unbounded, but the squared
// distance from c to g(t) is at least (|g(t)| - |C|)²: the search covers the
// interval where |g(t)| ≤ |C| + d, d the distance from c to the midpoint of
// a and b, outside which every point is farther.
func (s *ShapeMetric) projectSearch(nuc func(float64) (float64, error), objective func(t, n float64) float64,
	c *shapePoint, ap *mat.Dense, dab, aDotD float64) (float64, float64, error) {
	type node struct{ t, h float64 }
	eval := func(t float64) (node, error) {
		h, err := nuc(t)
		if err != nil {
			return node{}, errorf("at T = %v: %w", t, err)
		}
		if math.IsNaN(h) || math.IsInf(h, 0) {
			return node{}, errorf("non-finite nuclear norm at T = %v", t)
		}
		return node{t, h}, nil
	}
	var lo, hi, scale float64
	var seed []node
	if !s.euclidean {
		period := math.Pi / dab
		lo, hi = 0.5-period/2, 0.5+period/2
		scale = 1
	} else {
		mid, err := eval(0.5)
		if err != nil {
			return 0, 0, err
		}
		seed = append(seed, mid)
		cc := c.sq
		d := math.Sqrt(math.Max(0, cc+objective(mid.t, mid.h)))
		r := math.Sqrt(cc) + d
		// |A + tD|² ≤ r²: roots of dab² t² + 2 aDotD t + |A|² - r².
		aa := frobDot(ap, ap)
		disc := math.Max(0, aDotD*aDotD-dab*dab*(aa-r*r))
		lo = (-aDotD - math.Sqrt(disc)) / (dab * dab)
		hi = (-aDotD + math.Sqrt(disc)) / (dab * dab)
		lo, hi = math.Min(lo, 0), math.Max(hi, 1)
		scale = cc + aa + dab*dab
	}
	tol := projectSearchTol * scale

	// lower returns the objective's lower bound on [l.t, r.t], from the
	// upper bound of the nuclear norm there.
	lower := func(l, r node) float64 {
		if !s.euclidean {
			p1, p2 := l.t*dab, r.t*dab
			w := p2 - p1
			x := l.h*math.Sin(p2) - r.h*math.Sin(p1)
			y := r.h*math.Cos(p1) - l.h*math.Cos(p2)
			ub := math.Max(l.h, r.h)
			// The sinusoid's maximum, at the representative of its phase
			// in [p1, p1 + 2π), if that is inside the interval.
			phi := math.Atan2(y, x)
			phi += 2 * math.Pi * math.Ceil((p1-phi)/(2*math.Pi))
			if phi <= p2 {
				ub = math.Hypot(x, y) / math.Sin(w)
			}
			return -ub
		}
		sl := (r.h - l.h) / (r.t - l.t)
		tm := math.Max(l.t, math.Min(r.t, (sl-aDotD)/(dab*dab)))
		return objective(tm, l.h+sl*(tm-l.t))
	}

	n := projectSearchIntervals
	nodes := make([]node, 0, n+1)
	for i := 0; i <= n; i++ {
		t := lo + (hi-lo)*float64(i)/float64(n)
		if i == n {
			t = hi
		}
		if i == n && !s.euclidean {
			// One period on: the same shape.
			nodes = append(nodes, node{t, nodes[0].h})
			continue
		}
		nd, err := eval(t)
		if err != nil {
			return 0, 0, err
		}
		nodes = append(nodes, nd)
	}
	bestT, bestF := 0.0, math.Inf(1)
	consider := func(nd node) {
		if f := objective(nd.t, nd.h); f < bestF {
			bestT, bestF = nd.t, f
		}
	}
	for _, nd := range seed {
		consider(nd)
	}
	for _, nd := range nodes {
		consider(nd)
	}
	type interval struct {
		l, r node
		lb   float64
	}
	var open []interval
	for i := 0; i < n; i++ {
		open = append(open, interval{nodes[i], nodes[i+1], lower(nodes[i], nodes[i+1])})
	}
	evals := len(seed) + len(nodes)
	if !s.euclidean {
		evals--
	}
	for evals < projectSearchMaxEval {
		// The open interval with the lowest bound.
		k := -1
		for i, iv := range open {
			if iv.lb < bestF-tol && (k < 0 || iv.lb < open[k].lb) {
				k = i
			}
		}
		if k < 0 {
			break
		}
		iv := open[k]
		mid, err := eval((iv.l.t + iv.r.t) / 2)
		if err != nil {
			return 0, 0, err
		}
		evals++
		consider(mid)
		open[k] = interval{iv.l, mid, lower(iv.l, mid)}
		open = append(open, interval{mid, iv.r, lower(mid, iv.r)})
	}
	projectCount.search.Add(int64(evals))
	return bestT, bestF, nil
}

// projection returns the Projection at t: the geodesic's point and its
// distance to c, from nuc = |C^T g(t)|_* (computed at a point of the
// geodesic within the last, negligible step, where the distance is
// stationary) as in Distance, and through Distance itself where that formula
// cancels: an angular nuclear norm above 1 - 1e-6, a Euclidean squared
// distance below 1% of |C|² + |g(t)|² (the polar iteration gives the
// nuclear norm to about 1e-13 relative).
func (s *ShapeMetric) projection(a, c *shapePoint, ap, dir *mat.Dense, dab, t, nuc float64) (Projection, error) {
	var g mat.Dense
	if !s.euclidean {
		g.Scale(math.Cos(t*dab), ap)
		g.Add(&g, scaled(math.Sin(t*dab), dir))
	} else {
		g.Scale(t, dir)
		g.Add(&g, ap)
	}
	pt, err := s.newPoint(a.m, &g)
	if err != nil {
		return Projection{}, errorf("Project: %w", err)
	}
	if !s.euclidean && nuc < 1-1e-6 {
		return Projection{T: t, Distance: math.Acos(clampUnit(nuc)), Point: pt}, nil
	}
	if s.euclidean {
		if d2 := c.sq + pt.sq - 2*nuc; d2 > 1e-2*(c.sq+pt.sq) {
			return Projection{T: t, Distance: math.Sqrt(d2), Point: pt}, nil
		}
	}
	d, err := s.Distance(c, pt)
	if err != nil {
		return Projection{}, errorf("Project: %w", err)
	}
	return Projection{T: t, Distance: d, Point: pt}, nil
}

// polarDots returns <U, p> and <U, q> for the orthonormal polar factor U of
// m (all three r×k): U = W V^T from m = W S V^T.
func polarDots(m, p, q *mat.Dense) (float64, float64, error) {
	r, k := m.Dims()
	tall := r >= k
	var t mat.Matrix = m
	if !tall {
		t = m.T()
	}
	u, err := polarThin(t)
	if err != nil {
		return 0, 0, err
	}
	if tall {
		return frobDot(u, p), frobDot(u, q), nil
	}
	// u is the polar factor of m^T, k×r: U = u^T.
	var up, uq float64
	ur := u.RawMatrix()
	pr, qr := p.RawMatrix(), q.RawMatrix()
	for j := 0; j < k; j++ {
		row := ur.Data[j*ur.Stride : j*ur.Stride+r]
		for i, x := range row {
			up += x * pr.Data[i*pr.Stride+j]
			uq += x * qr.Data[i*qr.Stride+j]
		}
	}
	return up, uq, nil
}

// polarThin returns the orthonormal polar factor of a tall n×s matrix t
// (n ≥ s), n×s, through the QR decomposition t = Q R and the Newton
// iteration on R (U = Q [polar(R); 0], applied with the Householder
// reflectors of Q); for a numerically rank-deficient t it falls back to the
// SVD (of R when t is tall: gonum's SVD of a tall matrix starts with its
// blocked QR, see houseQR).
func polarThin(t mat.Matrix) (*mat.Dense, error) {
	n, s := t.Dims()
	if n == s {
		// Square: Newton's iteration applies to t itself.
		if u, ok := newtonPolar(t); ok {
			return u, nil
		}
		return polarSVD(t)
	}
	qr := newHouseQR(t)
	r := qr.r()
	pr, ok := newtonPolar(r)
	if !ok {
		var err error
		if pr, err = polarSVD(r); err != nil {
			return nil, err
		}
	}
	u := blas64.General{Rows: n, Cols: s, Stride: s, Data: make([]float64, n*s)}
	raw := pr.RawMatrix()
	for i := 0; i < s; i++ {
		copy(u.Data[i*s:i*s+s], raw.Data[i*raw.Stride:i*raw.Stride+s])
	}
	qr.applyQ(u)
	return mat.NewDense(n, s, u.Data), nil
}

// polarSVD returns the polar factor W V^T of the square matrix t = W S V^T
// from its SVD, for rank-deficient t.
func polarSVD(t mat.Matrix) (*mat.Dense, error) {
	if n, s := t.Dims(); n != s {
		panic(fmt.Sprintf("repgeo: polarSVD of a %d×%d matrix", n, s))
	}
	var svd mat.SVD
	if !svd.Factorize(t, mat.SVDThin) {
		return nil, errNoConvergence
	}
	var w, v, uv mat.Dense
	svd.UTo(&w)
	svd.VTo(&v)
	uv.Mul(&w, v.T())
	return &uv, nil
}
