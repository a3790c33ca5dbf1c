package repgeo

import (
	"fmt"
	"math"

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
		return Projection{}, errorf("repgeo: Project: %s: %w", s.Name(), err)
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
		return Projection{}, errorf("repgeo: Project: a and b: %w, no geodesic through them (d(a, b) = %v)", ErrCoincide, dab)
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

	t := 0.5
	var sec projectSecant
	for iter := 0; iter < projectMaxIter; iter++ {
		f, nuc, err := step(t)
		if err != nil {
			return Projection{}, errorf("repgeo: Project: %s: at T = %v: %w", s.Name(), t, err)
		}
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return Projection{}, fmt.Errorf("repgeo: Project: %s: non-finite step at T = %v", s.Name(), t)
		}
		if math.Abs(f) <= projectTol*math.Max(1, math.Abs(t)) {
			t += f
			if !s.euclidean {
				// g(t + π/θ) = -g(t) is the same shape: report the T
				// nearest the middle of a and b.
				period := math.Pi / dab
				t -= period * math.Round((t-0.5)/period)
			}
			return s.projection(a, c, ap, dir, dab, t, nuc)
		}
		// The step has slope T'(t) - 1 in [-1, 0).
		t += sec.step(t, f)
	}
	return Projection{}, fmt.Errorf("repgeo: Project did not converge in %d iterations (last T = %v)", projectMaxIter, t)
}

// projection returns the Projection at t: the geodesic's point and its
// distance to c, from nuc = |C^T g(t)|_* (computed at a point of the
// geodesic within the last, negligible step, where the distance is
// stationary) as in Distance, and through Distance itself where that formula
// cancels (as Distance does, below about 1e-3 of the scale).
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
		return Projection{}, errorf("repgeo: Project: %w", err)
	}
	if !s.euclidean && nuc < 1-1e-6 {
		return Projection{T: t, Distance: math.Acos(clampUnit(nuc)), Point: pt}, nil
	}
	if s.euclidean {
		if d2 := c.sq + pt.sq - 2*nuc; d2 > 1e-6*(c.sq+pt.sq) {
			return Projection{T: t, Distance: math.Sqrt(d2), Point: pt}, nil
		}
	}
	d, err := s.Distance(c, pt)
	if err != nil {
		return Projection{}, errorf("repgeo: Project: %w", err)
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
