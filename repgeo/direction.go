package repgeo

import (
	"math"

	"gonum.org/v1/gonum/mat"
)

// ErrNoTangent is wrapped by the errors of Direction and DirectionAngle for a
// metric without log maps (one that is not Riemannian): its space has no
// tangent vectors, so a path has no direction of travel there.
var ErrNoTangent = newSentinel("metric has no log map (not Riemannian)")

// Direction returns the unit tangent vector of the path through pts at point
// i: the direction in which the path leaves pts[i], log_{pts[i]}(pts[i+1])
// scaled to length 1. At the last point it is the direction in which the path
// arrives there, -log_{pts[n]}(pts[n-1]) scaled to length 1. The vector lives
// in the tangent space at pts[i] (see Riemannian).
//
// Directions need log maps: Direction returns an error wrapping ErrNoTangent
// for a metric that is not Riemannian: a metric with distances only, or with
// geodesics but no log map, has no tangent vectors to compare. It
// returns an error when the step from pts[i] has zero length, or when i is
// out of range or the path has fewer than two points.
func Direction(m Metric, pts []Point, i int) (*mat.Dense, error) {
	r, err := directionMetric("Direction", m)
	if err != nil {
		return nil, err
	}
	if len(pts) < 2 {
		return nil, errorf("Direction: path has %d points, need at least 2", len(pts))
	}
	if i < 0 || i >= len(pts) {
		return nil, errorf("Direction: point %d out of range [0, %d)", i, len(pts))
	}
	return direction(r, pts, i)
}

// direction is Direction after the checks of its arguments.
func direction(r Riemannian, pts []Point, i int) (*mat.Dense, error) {
	if err := geomCheckPoints("Direction", pts[i]); err != nil {
		return nil, err
	}
	next, sign := i+1, 1.0
	if i == len(pts)-1 {
		next, sign = i-1, -1.0
	}
	if err := geomCheckPoints("Direction", pts[next]); err != nil {
		return nil, err
	}
	v, err := r.Log(pts[i], pts[next])
	if err != nil {
		return nil, errorf("Direction at point %d: %w", i, err)
	}
	n := math.Sqrt(r.Inner(pts[i], v, v))
	if math.IsNaN(n) || math.IsInf(n, 0) {
		return nil, errorf("Direction at point %d: log map returned a non-finite tangent vector", i)
	}
	if geomTooShort(n, 1) {
		return nil, errorf("Direction at point %d: points %d and %d: %w, the direction is undefined", i, min(i, next), max(i, next), ErrCoincide)
	}
	v.Scale(sign/n, v)
	return v, nil
}

// DirectionAngle returns the angle, in radians in [0, π], between the
// directions of travel (see Direction) of path a at its point i and of path b
// at its point j. Each direction is moved by parallel transport along the
// geodesic between a[i] and b[j] to the other's point and compared there, and
// the mean of the two angles is returned (they agree where the metric's
// transport is exact; the shape metrics' is an approximation, see
// ShapeMetric.Transport). 0 means the paths head the same way, π/2 that their steps are orthogonal, π that they head in opposite
// directions. Both paths must be points of m describing the same inputs.
// It returns an error wrapping ErrNoTangent for a metric that is not Riemannian.
func DirectionAngle(m Metric, a []Point, i int, b []Point, j int) (float64, error) {
	ang, err := DirectionAngles(m, a, b, [][2]int{{i, j}})
	if err != nil {
		return 0, err
	}
	return ang[0], nil
}

// DirectionAngles returns DirectionAngle(m, a, p[0], b, p[1]) for every pair p
// of pairs, computed in parallel.
func DirectionAngles(m Metric, a, b []Point, pairs [][2]int) ([]float64, error) {
	r, err := directionMetric("DirectionAngles", m)
	if err != nil {
		return nil, err
	}
	if len(a) < 2 || len(b) < 2 {
		return nil, errorf("DirectionAngles: paths of %d and %d points, need at least 2 each", len(a), len(b))
	}
	for k, p := range pairs {
		if p[0] < 0 || p[0] >= len(a) || p[1] < 0 || p[1] >= len(b) {
			return nil, errorf("DirectionAngles: pair %d (%d, %d) out of range for paths of %d and %d points", k, p[0], p[1], len(a), len(b))
		}
	}
	if err := geomCheckPoints("DirectionAngles", append(append([]Point(nil), a...), b...)...); err != nil {
		return nil, err
	}
	out := make([]float64, len(pairs))
	err = geomParallel(len(pairs), func(k int) error {
		i, j := pairs[k][0], pairs[k][1]
		u, err := direction(r, a, i)
		if err != nil {
			return errorf("path a: %w", err)
		}
		v, err := direction(r, b, j)
		if err != nil {
			return errorf("path b: %w", err)
		}
		// Each direction is compared with the other's transport, at a[i]
		// and at b[j], and the mean angle returned: with exact parallel
		// transport the two agree; with an approximate one (the shape
		// metrics') the mean does not depend on the order of the paths.
		vAtA, err := r.Transport(b[j], a[i], v)
		if err != nil {
			return errorf("transporting the direction of b at %d to a at %d: %w", j, i, err)
		}
		uAtB, err := r.Transport(a[i], b[j], u)
		if err != nil {
			return errorf("transporting the direction of a at %d to b at %d: %w", i, j, err)
		}
		atA, err := tangentAngle(r, a[i], u, vAtA)
		if err != nil {
			return errorf("at (%d, %d): %w", i, j, err)
		}
		atB, err := tangentAngle(r, b[j], uAtB, v)
		if err != nil {
			return errorf("at (%d, %d): %w", i, j, err)
		}
		out[k] = (atA + atB) / 2
		return nil
	})
	if err != nil {
		return nil, errorf("DirectionAngles: %w", err)
	}
	return out, nil
}

// directionMetric returns m as a Riemannian metric, or an error for op.
func directionMetric(op string, m Metric) (Riemannian, error) {
	if m == nil {
		return nil, errorf("%s: nil metric", op)
	}
	r, ok := m.(Riemannian)
	if !ok {
		return nil, errorf("%s: %s: %w", op, m.Name(), ErrNoTangent)
	}
	return r, nil
}

// CumulativeLengths returns the distance travelled along the path from its
// first point to each point: 0, then the running sums of StepLengths, ending
// at TotalLength. Drawn as ticks on a bar of length TotalLength, it shows
// where a path's steps clump together.
func (pm *PathMeasures) CumulativeLengths() []float64 {
	return CumulativeLengths(pm.StepLengths)
}

// CumulativeLengths returns 0 followed by the running sums of steps, one more
// value than steps has.
func CumulativeLengths(steps []float64) []float64 {
	out := make([]float64, len(steps)+1)
	for i, s := range steps {
		out[i+1] = out[i] + s
	}
	return out
}

// RelativeDepths returns the relative depth of each point of a path of n
// points, i/(n-1): 0 at the first point, 1 at the last. It returns nil for
// n < 2.
func RelativeDepths(n int) []float64 {
	if n < 2 {
		return nil
	}
	out := make([]float64, n)
	for i := range out {
		out[i] = float64(i) / float64(n-1)
	}
	return out
}

// MatchDepth returns, for each of the na points of one path, the index of the
// point of a path of nb points at the nearest relative depth (see
// RelativeDepths; ties go to the shallower point). Both paths need at least 2
// points.
func MatchDepth(na, nb int) ([]int, error) {
	if na < 2 || nb < 2 {
		return nil, errorf("MatchDepth: paths of %d and %d points, need at least 2 each", na, nb)
	}
	out := make([]int, na)
	for i := range out {
		// The nearest j to i (nb-1)/(na-1), rounding halves down, in integers.
		num, den := i*(nb-1), na-1
		j := num / den
		if 2*(num-j*den) > den {
			j++
		}
		out[i] = j
	}
	return out, nil
}
