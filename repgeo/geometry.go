package repgeo

import (
	"math"
	"runtime"
	"sync"

	"gonum.org/v1/gonum/mat"
)

// geomCurved is implemented by metrics that know the sectional curvature of
// their space; a curvature of exactly 1 selects the unit-sphere closed forms.
type geomCurved interface {
	SectionalCurvature() float64
}

// geomUnitSphere reports whether m is a Riemannian metric on the unit sphere.
func geomUnitSphere(m Metric) (Riemannian, bool) {
	r, ok := m.(Riemannian)
	if !ok {
		return nil, false
	}
	s, ok := m.(geomCurved)
	return r, ok && s.SectionalCurvature() == 1
}

// geomAsGeodesic returns m as a Geodesic metric or an error naming the operation.
func geomAsGeodesic(m Metric, op string) (Geodesic, error) {
	if m == nil {
		return nil, errorf("%s: nil metric", op)
	}
	g, ok := m.(Geodesic)
	if !ok {
		return nil, errorf("%s: metric %q has no geodesics", op, m.Name())
	}
	return g, nil
}

// geomCheckPoints returns an error unless every point is non-nil and all describe
// the same number of inputs.
func geomCheckPoints(op string, pts ...Point) error {
	for i, p := range pts {
		if p == nil {
			return errorf("%s: point %d is nil", op, i)
		}
		if err := checkSameInputs(pts[0], p); err != nil {
			return errorf("%s: point %d: %w", op, i, err)
		}
	}
	return nil
}

// Midpoint returns the point halfway along the geodesic from a to b.
// It returns an error if m is not a Geodesic metric.
func Midpoint(m Metric, a, b Point) (Point, error) {
	g, err := geomAsGeodesic(m, "Midpoint")
	if err != nil {
		return nil, err
	}
	if err := geomCheckPoints("Midpoint", a, b); err != nil {
		return nil, err
	}
	return g.Geodesic(a, b, 0.5)
}

// Subdivide returns n+1 equally spaced points along the geodesic from a to b:
// a itself, the points at fractions 1/n, ..., (n-1)/n, and b itself.
func Subdivide(m Metric, a, b Point, n int) ([]Point, error) {
	g, err := geomAsGeodesic(m, "Subdivide")
	if err != nil {
		return nil, err
	}
	if n < 1 {
		return nil, errorf("Subdivide into %d segments, need at least 1", n)
	}
	if err := geomCheckPoints("Subdivide", a, b); err != nil {
		return nil, err
	}
	pts := make([]Point, n+1)
	pts[0], pts[n] = a, b
	err = geomParallel(n-1, func(i int) error {
		p, err := g.Geodesic(a, b, float64(i+1)/float64(n))
		pts[i+1] = p
		return err
	})
	if err != nil {
		return nil, errorf("Subdivide: %w", err)
	}
	return pts, nil
}

// lawOfCosinesFraction is how far along each geodesic Angle places its
// auxiliary points for metrics without a log map.
const lawOfCosinesFraction = 1e-3

// Angle returns the angle at b between the geodesics from b to a and from b
// to c, in radians in [0, π]; π means that b lies on the geodesic from a to c.
//
// For a Riemannian metric it is the angle between log_b(a) and log_b(c) in the
// tangent space at b; on the unit sphere (a metric whose SectionalCurvature
// is 1) the spherical law of cosines gives it from the three distances, with
// the log maps as the fallback where that is imprecise. For a metric with
// geodesics only, it applies the law of
// cosines to the points a fraction 1e-3 along each geodesic from b, which is
// accurate to about that fraction times the curvature of the space. Angle
// returns an error if a or c coincides with b, or if m has no geodesics.
// Distances below the resolution of a metric (about 1e-7 for the angular
// metrics, whose distances are arccosines) give meaningless angles.
func Angle(m Metric, a, b, c Point) (float64, error) {
	if err := geomCheckPoints("Angle", a, b, c); err != nil {
		return 0, err
	}
	if r, ok := geomUnitSphere(m); ok {
		if ang, ok, err := geomSphereAngle(r, a, b, c); err != nil || ok {
			return ang, err
		}
	}
	if r, ok := m.(Riemannian); ok {
		var u, v *mat.Dense
		err := geomParallel(2, func(i int) error {
			var err error
			if i == 0 {
				u, err = r.Log(b, a)
			} else {
				v, err = r.Log(b, c)
			}
			return err
		})
		if err != nil {
			return 0, errorf("Angle: %w", err)
		}
		return tangentAngle(r, b, u, v)
	}
	g, err := geomAsGeodesic(m, "Angle")
	if err != nil {
		return 0, err
	}
	pa, err := g.Geodesic(b, a, lawOfCosinesFraction)
	if err != nil {
		return 0, errorf("Angle: %w", err)
	}
	pc, err := g.Geodesic(b, c, lawOfCosinesFraction)
	if err != nil {
		return 0, errorf("Angle: %w", err)
	}
	var x, y, z float64
	err = geomParallel(3, func(i int) error {
		var err error
		switch i {
		case 0:
			x, err = g.Distance(b, pa)
		case 1:
			y, err = g.Distance(b, pc)
		default:
			z, err = g.Distance(pa, pc)
		}
		return err
	})
	if err != nil {
		return 0, errorf("Angle: %w", err)
	}
	if geomTooShort(x, y) || geomTooShort(y, x) {
		return 0, coincidentError("Angle", geomTooShort(x, y))
	}
	return math.Acos(geomClip((x*x + y*y - z*z) / (2 * x * y))), nil
}

// geomDistances returns the distances between the given pairs, in parallel.
func geomDistances(m Metric, pairs ...[2]Point) ([]float64, error) {
	d := make([]float64, len(pairs))
	err := geomParallel(len(pairs), func(i int) error {
		var err error
		d[i], err = m.Distance(pairs[i][0], pairs[i][1])
		return err
	})
	return d, err
}

// geomSphereAngle is Angle on the unit sphere by the spherical law of cosines,
// cos B = (cos d_ac - cos d_ab cos d_bc) / (sin d_ab sin d_bc), from three
// distances and no tangent vectors. It reports false, leaving the work to the
// log maps, where that formula loses precision: sides shorter than 0.01 or
// within 0.01 of π, and angles within about 0.014 of 0 or π.
func geomSphereAngle(m Metric, a, b, c Point) (float64, bool, error) {
	d, err := geomDistances(m, [2]Point{b, a}, [2]Point{b, c}, [2]Point{a, c})
	if err != nil {
		return 0, false, errorf("Angle: %w", err)
	}
	x, y, z := d[0], d[1], d[2]
	const margin = 1e-2
	if math.Min(x, y) < margin || math.Max(x, y) > math.Pi-margin {
		return 0, false, nil
	}
	cos := (math.Cos(z) - math.Cos(x)*math.Cos(y)) / (math.Sin(x) * math.Sin(y))
	if !(math.Abs(cos) <= 1-1e-4) {
		return 0, false, nil
	}
	return math.Acos(cos), true, nil
}

// coincidentError reports which side of an angle at b has zero length.
func coincidentError(op string, first bool) error {
	if first {
		return errorf("%s: a and b: %w (zero-length log at b), the angle is undefined", op, ErrCoincide)
	}
	return errorf("%s: c and b: %w (zero-length log at b), the angle is undefined", op, ErrCoincide)
}

// tangentAngle returns the angle between the tangent vectors u and v at p.
// Near 0 and π it uses the half-angle formula 2 atan2(|û-v̂|, |û+v̂|), which
// keeps full precision where arccos does not.
func tangentAngle(r Riemannian, p Point, u, v *mat.Dense) (float64, error) {
	nu := math.Sqrt(r.Inner(p, u, u))
	nv := math.Sqrt(r.Inner(p, v, v))
	if math.IsNaN(nu) || math.IsInf(nu, 0) || math.IsNaN(nv) || math.IsInf(nv, 0) {
		return 0, errorf("Angle: log map returned a non-finite tangent vector")
	}
	if geomTooShort(nu, nv) || geomTooShort(nv, nu) {
		return 0, coincidentError("Angle", geomTooShort(nu, nv))
	}
	cos := r.Inner(p, u, v) / (nu * nv)
	if math.IsNaN(cos) {
		return 0, errorf("Angle: non-finite inner product")
	}
	if math.Abs(cos) < 0.9 {
		return math.Acos(cos), nil
	}
	diff := geomCombine(1/nu, u, -1/nv, v)
	sum := geomCombine(1/nu, u, 1/nv, v)
	dn := math.Sqrt(math.Max(0, r.Inner(p, diff, diff)))
	sn := math.Sqrt(math.Max(0, r.Inner(p, sum, sum)))
	return 2 * math.Atan2(dn, sn), nil
}

// geomCombine returns a u + b v as a new matrix. Tangent vectors of different
// sizes (the shape metrics' have the width of the wider of two points) are
// combined with the smaller one zero-padded, the convention of their Inner.
func geomCombine(a float64, u *mat.Dense, b float64, v *mat.Dense) *mat.Dense {
	ru, cu := u.Dims()
	rv, cv := v.Dims()
	out := mat.NewDense(max(ru, rv), max(cu, cv), nil)
	out.Slice(0, ru, 0, cu).(*mat.Dense).Scale(a, u)
	var bv mat.Dense
	bv.Scale(b, v)
	dst := out.Slice(0, rv, 0, cv).(*mat.Dense)
	dst.Add(dst, &bv)
	return out
}

// geomTooShort reports whether a length computed from two points is too short
// to tell them apart: at most 1e-12 times max(1, other), where other is a
// length of the same triangle. Rounding leaves lengths of this size between
// coincident points.
func geomTooShort(length, other float64) bool {
	return !(length > 1e-12*math.Max(1, other))
}

// clip limits x to [-1, 1].
func geomClip(x float64) float64 {
	return math.Max(-1, math.Min(1, x))
}

// projector is implemented by metrics with a faster Project of their own.
type projector interface {
	project(a, b, c Point) (Projection, error)
}

// Projection is the point of a geodesic nearest to a given point.
type Projection struct {
	// T is the signed position of Point as a fraction of d(a, b) from a:
	// 0 at a, 1 at b, negative beyond a and greater than 1 beyond b.
	T float64
	// Distance is the distance from the projected point c to Point.
	Distance float64
	// Point is the nearest point of the geodesic.
	Point Point
}

// Project tolerances: the iteration stops when a step in T is below
// projectTol times max(1, |T|), and fails after projectMaxIter steps.
const (
	projectTol     = 1e-12
	projectMaxIter = 200
)

// Project returns the point of the geodesic through a and b nearest to c,
// extended beyond a and b where the space allows: the closest point of the
// whole geodesic, not only a stationary point of the distance along it.
//
// On the unit sphere (a metric whose SectionalCurvature is 1, such as
// angular CKA) it uses the closed form for the nearest point of a great
// circle, from the three distances or, near degenerate triangles, from
// log_a b and log_a c; T is then in (-π, π]/d(a, b).
//
// The shape metrics search the whole geodesic first: the distance from c
// depends on T only through the nuclear norm of C^T g(T), a sublinear
// function of g's coefficients, which bounds it between evaluated points;
// a branch and bound on those bounds over one period of the angular
// geodesic (T modulo π/d(a, b), reported in the period centred on the
// segment's midpoint) or, for the Euclidean one, over the interval where
// |g(T)| ≤ |C| + d (d the distance from c to the midpoint of a and b;
// every point outside is farther from c) finds the best basin to within
// 1e-5 of the objective's scale (1 for the angular metric's cosine, |C|² +
// |A|² + |B - A|² for the Euclidean squared distance). From there it iterates on the
// nuclear norm, one polar decomposition per step, to a step below 1e-12.
//
// Metrics without positive curvature (stress, AIR) have a single
// stationary point along a geodesic; Project iterates
// T += <log_p c, u>/d(a, b), where p is the geodesic's point at T and u its
// unit direction at p, from the projection in the tangent space at a,
// accelerated by the secant method, until a step is below 1e-12 (relative
// to max(1, |T|)); it returns an error if that takes more than 200 steps.
// Other Riemannian metrics (those of users) are first scanned at 32 points
// of T in [-R, 1 + R], R = 1 + 2 max(d(a, c), d(b, c))/d(a, b), and
// iterated from the tangent-space projection and from the closest scanned
// point; the closer result is returned.
//
// Project needs a Riemannian metric and distinct a and b (ErrCoincide).
func Project(m Metric, a, b, c Point) (Projection, error) {
	if err := geomCheckPoints("Project", a, b, c); err != nil {
		return Projection{}, err
	}
	r, ok := m.(Riemannian)
	if !ok {
		if m == nil {
			return Projection{}, errorf("Project: nil metric")
		}
		return Projection{}, errorf("Project: metric %q has no log map", m.Name())
	}
	if p, ok := m.(projector); ok {
		return p.project(a, b, c)
	}
	_, sphere := geomUnitSphere(m)
	if sphere {
		if pr, ok, err := projectSphereDistances(r, a, b, c); err != nil || ok {
			return pr, err
		}
	}
	var v, w *mat.Dense
	err := geomParallel(2, func(i int) error {
		var err error
		if i == 0 {
			v, err = r.Log(a, b)
		} else {
			w, err = r.Log(a, c)
		}
		return err
	})
	if err != nil {
		return Projection{}, errorf("Project: %w", err)
	}
	dab := math.Sqrt(r.Inner(a, v, v))
	if math.IsNaN(dab) || math.IsInf(dab, 0) {
		return Projection{}, errorf("Project: log map returned a non-finite tangent vector")
	}
	if geomTooShort(dab, math.Sqrt(r.Inner(a, w, w))) {
		return Projection{}, errorf("Project: a and b: %w, no geodesic through them (|log_a b| = %v)", ErrCoincide, dab)
	}
	if sphere {
		return projectSphere(r, a, b, v, w, dab)
	}
	t0 := r.Inner(a, w, v) / (dab * dab) // tangent-space projection at a
	if _, ok := m.(geodesicConvex); ok {
		return projectIterate(r, a, b, c, v, w, dab, t0)
	}
	return projectScan(r, a, b, c, v, w, dab, t0)
}

// geodesicConvex is implemented by metrics whose spaces have no positive
// curvature (flat, or Hadamard manifolds such as AIR's): there the distance
// from a point to a geodesic is a convex function along it, so its only
// stationary point is the nearest point and Project iterates from one start.
type geodesicConvex interface {
	geodesicConvex()
}

// projectScanPoints is the number of points of the geodesic at which
// Project measures the distance for a metric without a known structure.
const projectScanPoints = 32

// projectScan is Project for a general Riemannian metric: it measures the
// distance from c at projectScanPoints points of the geodesic, equally
// spaced in T over [-R, 1 + R] with R = 1 + 2 max(d(a,c), d(b,c))/d(a,b),
// iterates from the tangent-space projection and from the closest of those
// points, and returns the closer result (the first unless the second is
// closer by more than 1e-8 relative). Where the geodesic is minimizing
// (not in general in a quotient space), every point closer to c than a lies
// within |T| ≤ 2 d(a,c)/d(a,b), inside that range.
func projectScan(r Riemannian, a, b, c Point, v, w *mat.Dense, dab, t0 float64) (Projection, error) {
	dac := math.Sqrt(r.Inner(a, w, w))
	dbc, err := r.Distance(b, c)
	if err != nil {
		return Projection{}, errorf("Project: %w", err)
	}
	rng := 1 + 2*math.Max(dac, dbc)/dab
	lo, hi := -rng, 1+rng
	ts := make([]float64, projectScanPoints)
	ds := make([]float64, projectScanPoints)
	err = geomParallel(projectScanPoints, func(i int) error {
		ts[i] = lo + (hi-lo)*float64(i)/float64(projectScanPoints-1)
		var tv mat.Dense
		tv.Scale(ts[i], v)
		p, err := r.Exp(a, &tv)
		if err != nil {
			return err
		}
		ds[i], err = r.Distance(c, p)
		return err
	})
	if err != nil {
		return Projection{}, errorf("Project: %w", err)
	}
	best := 0
	for i := range ds {
		if ds[i] < ds[best] {
			best = i
		}
	}
	var out Projection
	var firstErr error
	for _, start := range []float64{t0, ts[best]} {
		pr, err := projectIterate(r, a, b, c, v, w, dab, start)
		if err != nil {
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		// The second start wins only if clearly closer: where both reach
		// the same point (as on a periodic geodesic), T stays the first's.
		if out.Point == nil || pr.Distance < out.Distance-1e-8*math.Max(1, out.Distance) {
			out = pr
		}
	}
	if out.Point == nil {
		return Projection{}, firstErr
	}
	return out, nil
}

// projectSphere is Project on the unit sphere. With θ = |log_a c| and
// x, y the components of log_a c along and across u = log_a b / d(a, b),
// c = cos θ a + sin θ (x u + y n)/θ for a unit n orthogonal to a and u, so the
// nearest point of the great circle cos s a + sin s u has s = atan2(sin θ x/θ,
// cos θ), and its distance to c is atan2(sin θ y/θ, hypot(cos θ, sin θ x/θ)).
func projectSphere(r Riemannian, a, b Point, v, w *mat.Dense, dab float64) (Projection, error) {
	theta := math.Sqrt(r.Inner(a, w, w))
	if theta == 0 {
		return Projection{T: 0, Distance: 0, Point: a}, nil
	}
	x := r.Inner(a, w, v) / dab
	y2 := theta*theta - x*x
	var y float64
	if y2 < 0.01*theta*theta {
		res := geomCombine(1, w, -x/dab, v)
		y = math.Sqrt(math.Max(0, r.Inner(a, res, res)))
	} else {
		y = math.Sqrt(y2)
	}
	sinc := math.Sin(theta) / theta
	along := sinc * x
	s := math.Atan2(along, math.Cos(theta))
	dist := math.Atan2(sinc*y, math.Hypot(math.Cos(theta), along))
	p, err := r.Geodesic(a, b, s/dab)
	if err != nil {
		return Projection{}, errorf("Project: %w", err)
	}
	return Projection{T: s / dab, Distance: dist, Point: p}, nil
}

// projectSphereDistances is projectSphere from the three distances alone,
// which on the unit sphere give the inner products of the points: in the
// orthonormal basis a, (b - cos d_ab a)/sin d_ab of the great circle's plane,
// c has coordinates c1 = cos d_ac and c2 = (cos d_bc - cos d_ab c1)/sin d_ab,
// so s = atan2(c2, c1) and the distance is atan2(sqrt(1 - c1² - c2²),
// hypot(c1, c2)). It reports false, leaving the work to the log maps, where
// that loses precision: d(a, b) below 1e-3 or within 1e-3 of π, or c
// within 1e-4 of the great circle.
func projectSphereDistances(r Riemannian, a, b, c Point) (Projection, bool, error) {
	d, err := geomDistances(r, [2]Point{a, b}, [2]Point{a, c}, [2]Point{b, c})
	if err != nil {
		return Projection{}, false, errorf("Project: %w", err)
	}
	dab, dac, dbc := d[0], d[1], d[2]
	const margin = 1e-3
	if dab < margin || dab > math.Pi-margin {
		return Projection{}, false, nil
	}
	c1 := math.Cos(dac)
	c2 := (math.Cos(dbc) - math.Cos(dab)*c1) / math.Sin(dab)
	s := math.Atan2(c2, c1)
	dist := math.Atan2(math.Sqrt(math.Max(0, 1-c1*c1-c2*c2)), math.Hypot(c1, c2))
	if !(dist >= 1e-4) {
		return Projection{}, false, nil
	}
	p, err := r.Geodesic(a, b, s/dab)
	if err != nil {
		return Projection{}, false, errorf("Project: %w", err)
	}
	return Projection{T: s / dab, Distance: dist, Point: p}, true, nil
}

// projectIterate is Project's local iteration for a Riemannian metric from
// T = t0; v = log_a b, w = log_a c and dab = |v|.
func projectIterate(r Riemannian, a, b, c Point, v, w *mat.Dense, dab, t0 float64) (Projection, error) {
	// The geodesic's point at t, p(t) = exp_a(t v).
	at := func(t float64) (Point, error) {
		if t == 0 {
			return a, nil
		}
		var tv mat.Dense
		tv.Scale(t, v)
		return r.Exp(a, &tv)
	}
	// phi returns the next fixed-point step <log_p c, u>/dab at t, p(t) and
	// d(c, p(t)) = |log_p c|.
	phi := func(t float64) (float64, Point, float64, error) {
		p, err := at(t)
		if err != nil {
			return 0, nil, 0, err
		}
		if t == 0 {
			return r.Inner(a, w, v) / (dab * dab), p, math.Sqrt(r.Inner(a, w, w)), nil
		}
		var lc, dir *mat.Dense
		var dirLen float64
		err = geomParallel(2, func(i int) error {
			var err error
			if i == 0 {
				lc, err = r.Log(p, c)
				return err
			}
			dir, dirLen, err = geodesicDirection(r, at, p, a, b, t, dab)
			return err
		})
		if err != nil {
			return 0, nil, 0, err
		}
		return r.Inner(p, lc, dir) / (dirLen * dab), p, math.Sqrt(r.Inner(p, lc, lc)), nil
	}

	t := t0
	var sec projectSecant
	for iter := 0; iter < projectMaxIter; iter++ {
		f, p, dist, err := phi(t)
		if err != nil {
			return Projection{}, errorf("Project: at T = %v: %w", t, err)
		}
		if math.IsNaN(f) || math.IsInf(f, 0) || math.IsNaN(dist) {
			return Projection{}, errorf("Project: non-finite step at T = %v", t)
		}
		if math.Abs(f) <= projectTol*math.Max(1, math.Abs(t)) {
			// The remaining step is below the tolerance: p(t) is the
			// projection, and the distance is stationary there.
			return Projection{T: t, Distance: dist, Point: p}, nil
		}
		// In a flat space the slope of f is -1 and the fixed-point step is
		// exact; on curved spaces it is between -1 and 0.
		t += sec.step(t, f)
	}
	return Projection{}, errorOf(ErrNoConvergence, "Project did not converge in %d iterations (last T = %v)", projectMaxIter, t)
}

// projectSecant accelerates Project's fixed-point iterations t <- t + f(t),
// whose step f has a slope between -1 and 0, by the secant method on the
// root of f.
type projectSecant struct {
	t, f float64
	ok   bool
}

// step returns the next change of t given the step f at t: the secant step
// through the previous point when the slope there is negative (kept to 2,
// that is 2 d(a, b), at most), and f itself otherwise.
func (s *projectSecant) step(t, f float64) float64 {
	st := f
	if s.ok && t != s.t {
		if slope := (f - s.f) / (t - s.t); slope < 0 {
			st = math.Max(-2, math.Min(2, -f/slope))
		}
	}
	s.t, s.f, s.ok = t, f, true
	return st
}

// geodesicDirection returns a tangent vector at p = p(t) pointing along the
// geodesic through a and b in the direction of increasing t, and its length.
// It uses the log map towards the farther of a and b, and, where that segment
// is not the shortest path (an extended geodesic past a cut point or in a
// quotient space), the log map towards nearby points of the geodesic.
func geodesicDirection(r Riemannian, at func(float64) (Point, error), p, a, b Point, t, dab float64) (*mat.Dense, float64, error) {
	target, sign, span := b, 1.0, math.Abs(1-t)
	if t > 0.5 {
		target, sign, span = a, -1.0, math.Abs(t)
	}
	for k := 0; k < 40; k++ {
		d, err := r.Log(p, target)
		if err != nil {
			return nil, 0, err
		}
		n := math.Sqrt(r.Inner(p, d, d))
		if n > 0 && math.Abs(n-span*dab) <= 1e-8*span*dab {
			if sign < 0 {
				d.Scale(-1, d)
			}
			return d, n, nil
		}
		// The segment to target is not minimizing: halve it.
		span /= 2
		if span*dab < 1e-6*dab {
			break
		}
		if target, err = at(t + sign*span); err != nil {
			return nil, 0, err
		}
	}
	return nil, 0, errorf("no minimizing geodesic segment found around T = %v", t)
}

// Alexandrov compares a geodesic triangle a, b, c with the Euclidean triangle
// of the same side lengths through the distance from b to the midpoint of a
// and c.
type Alexandrov struct {
	// AB, BC and AC are the side lengths d(a, b), d(b, c) and d(a, c).
	AB, BC, AC float64
	// Measured is d(b, mid(a, c)), measured in the metric's space.
	Measured float64
	// Euclidean is the same distance in the Euclidean comparison triangle,
	// sqrt(AB²/2 + BC²/2 - AC²/4).
	Euclidean float64
	// Difference is Measured - Euclidean: positive where the space is
	// positively curved (as on a sphere), negative where it is negatively
	// curved, and zero where it is flat.
	Difference float64
	// Ratio is Measured / Euclidean, above 1 for positive curvature;
	// NaN when Euclidean is 0 (b is the midpoint of a degenerate triangle).
	Ratio float64
}

// Curvature returns the Alexandrov comparison of the triangle a, b, c:
// the distance from b to the midpoint of the geodesic from a to c against
// its value in a Euclidean triangle with the same side lengths.
func Curvature(m Metric, a, b, c Point) (Alexandrov, error) {
	g, err := geomAsGeodesic(m, "Curvature")
	if err != nil {
		return Alexandrov{}, err
	}
	if err := geomCheckPoints("Curvature", a, b, c); err != nil {
		return Alexandrov{}, err
	}
	mid, err := g.Geodesic(a, c, 0.5)
	if err != nil {
		return Alexandrov{}, errorf("Curvature: %w", err)
	}
	var res Alexandrov
	pairs := [][2]Point{{a, b}, {b, c}, {a, c}, {b, mid}}
	out := []*float64{&res.AB, &res.BC, &res.AC, &res.Measured}
	err = geomParallel(len(pairs), func(i int) error {
		d, err := g.Distance(pairs[i][0], pairs[i][1])
		*out[i] = d
		return err
	})
	if err != nil {
		return Alexandrov{}, errorf("Curvature: %w", err)
	}
	res.Euclidean = math.Sqrt(math.Max(0, res.AB*res.AB/2+res.BC*res.BC/2-res.AC*res.AC/4))
	res.Difference = res.Measured - res.Euclidean
	if res.Euclidean > 0 {
		res.Ratio = res.Measured / res.Euclidean
	} else {
		res.Ratio = math.NaN()
	}
	return res, nil
}

// geomParallel calls f(0), ..., f(n-1) on up to GOMAXPROCS goroutines and
// returns the error of the lowest index that failed.
func geomParallel(n int, f func(i int) error) error {
	if n <= 0 {
		return nil
	}
	workers := runtime.GOMAXPROCS(0)
	if workers > n {
		workers = n
	}
	if workers <= 1 {
		for i := 0; i < n; i++ {
			if err := f(i); err != nil {
				return err
			}
		}
		return nil
	}
	errs := make([]error, n)
	next := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				errs[i] = f(i)
			}
		}()
	}
	for i := 0; i < n; i++ {
		next <- i
	}
	close(next)
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
