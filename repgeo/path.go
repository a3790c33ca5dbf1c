package repgeo

import (
	"errors"
	"math"
	"strconv"

	"gonum.org/v1/gonum/mat"
)

// PathMeasures describes a path h_0, ..., h_n of points of one metric, in the
// paper's terms: how long it is, how straight, how it turns, and how it
// approaches its end. Slices are indexed by point, 0 being the first.
type PathMeasures struct {
	// StepLengths holds d(h_i, h_i+1), one per step.
	StepLengths []float64
	// TotalLength is the sum of the step lengths.
	TotalLength float64
	// EndpointDistance is d(h_0, h_n), the length of the shortest path.
	EndpointDistance float64
	// Tortuosity is TotalLength / EndpointDistance, at least 1; 1 means the
	// path follows the geodesic from its start to its end.
	Tortuosity float64
	// Angles holds the angle at each interior point h_1 .. h_n-1 between the
	// steps back and forward, in [0, π]; π means no turn. It is NaN where a
	// neighbouring step has zero length.
	Angles []float64
	// EndDistances holds d(h_i, h_n), the distance to the target when the
	// path ends at it; the last is 0.
	EndDistances []float64
	// Progress holds the position t of each h_i projected on the geodesic
	// from h_0 to h_n, as a fraction of EndpointDistance (0 at h_0, 1 at h_n,
	// negative when the projection falls behind the start).
	Progress []float64
	// ProgressDistances holds the distance from each h_i to that geodesic.
	ProgressDistances []float64
}

// MeasurePath returns the measures of the path through pts, which must hold
// at least 3 points of m with distinct first and last points. Angles and
// progress need a Riemannian metric (see Angle and Project). The operations
// run in parallel.
func MeasurePath(m Metric, pts []Point) (*PathMeasures, error) {
	return measurePath("MeasurePath", m, pts, nil)
}

// MeasurePathDistances is MeasurePath with the distances between the points
// already known: d is the len(pts)×len(pts) matrix of m's distances between
// pts, as PairwisePoints returns it, so that only angles and projections are
// computed. As a check it recomputes the distance between the first and last
// point, and returns an error if d disagrees with it by more than
// 1e-9 × (1 + distance) or is not a distance matrix.
func MeasurePathDistances(m Metric, pts []Point, d mat.Symmetric) (*PathMeasures, error) {
	if d == nil || d == mat.Symmetric((*mat.SymDense)(nil)) {
		return nil, errorf("MeasurePathDistances: nil distance matrix")
	}
	return measurePath("MeasurePathDistances", m, pts, d)
}

// pathDistanceTol is the tolerance, times 1 + the distance, within which a
// given distance matrix must agree with the metric's own distance
// (MeasurePathDistances).
const pathDistanceTol = 1e-9

// measurePath measures the path through pts, taking its distances from d
// unless d is nil. op names the exported function in errors.
func measurePath(op string, m Metric, pts []Point, d mat.Symmetric) (*PathMeasures, error) {
	if m == nil {
		return nil, errorf("%s: nil metric", op)
	}
	if len(pts) < 3 {
		return nil, errorf("%s: path has %d points, need at least 3", op, len(pts))
	}
	if err := geomCheckPoints(op, pts...); err != nil {
		return nil, err
	}
	if d != nil {
		if err := checkPathDistances(op, d, len(pts)); err != nil {
			return nil, err
		}
	}
	// Metrics that can hold points in a form cheaper for many distances
	// (angular CKA) convert them first, as for all pairs.
	if pl, ok := m.(pairPlanner); ok {
		if idx, prep := pl.pairPrepare(pts); len(idx) > 0 {
			err := geomParallel(len(idx), func(k int) error {
				if err := prep(pts[idx[k]]); err != nil {
					return errorf("point %d: %w", idx[k], err)
				}
				return nil
			})
			if err != nil {
				return nil, errorf("%s: %w", op, err)
			}
		}
	}
	n := len(pts) - 1
	last := pts[n]
	pm := &PathMeasures{
		StepLengths:       make([]float64, n),
		Angles:            make([]float64, n-1),
		EndDistances:      make([]float64, n+1),
		Progress:          make([]float64, n+1),
		ProgressDistances: make([]float64, n+1),
	}
	// The distances first: angles and projections need the endpoint distance.
	if d != nil {
		// The given distances; only the endpoints' is computed, as a check.
		for i := 0; i < n; i++ {
			pm.EndDistances[i] = d.At(i, n)
			if i < n-1 {
				pm.StepLengths[i] = d.At(i, i+1)
			}
		}
		own, err := m.Distance(pts[0], last)
		if err != nil {
			return nil, errorf("%s: distance from point 0 to the end: %w", op, err)
		}
		if math.Abs(own-pm.EndDistances[0]) > pathDistanceTol*(1+own) {
			return nil, errorf("%s: the distance matrix gives %v between the first and last point, the metric %v: not this metric's distances between these points", op, pm.EndDistances[0], own)
		}
	} else if err := pathDistances(m, pts, pm); err != nil {
		return nil, errorf("%s: %w", op, err)
	}
	pm.StepLengths[n-1] = pm.EndDistances[n-1]
	for _, s := range pm.StepLengths {
		pm.TotalLength += s
	}
	pm.EndpointDistance = pm.EndDistances[0]
	if pm.EndpointDistance == 0 {
		return nil, errorf("%s: the first and last point: %w, tortuosity and progress are undefined", op, ErrCoincide)
	}
	pm.Tortuosity = pm.TotalLength / pm.EndpointDistance

	// The endpoints project onto themselves.
	pm.Progress[0], pm.Progress[n] = 0, 1
	err := geomParallel(2*n-2, func(k int) error {
		if k < n-1 {
			i := k + 1
			if pm.StepLengths[i-1] == 0 || pm.StepLengths[i] == 0 {
				pm.Angles[k] = math.NaN()
				return nil
			}
			a, err := Angle(m, pts[i-1], pts[i], pts[i+1])
			if errors.Is(err, ErrCoincide) {
				a, err = math.NaN(), nil
			}
			if err != nil {
				return errorf("angle at point %d: %w", i, err)
			}
			pm.Angles[k] = a
			return nil
		}
		i := k - (n - 1) + 1
		pr, err := Project(m, pts[0], last, pts[i])
		if err != nil {
			return errorf("progress of point %d: %w", i, err)
		}
		pm.Progress[i], pm.ProgressDistances[i] = pr.T, pr.Distance
		return nil
	})
	if err != nil {
		return nil, errorf("%s: %w", op, err)
	}
	return pm, nil
}

// pathDistances computes the steps of pm but the last and the distances to
// the end (the last of which is the last step), in parallel.
func pathDistances(m Metric, pts []Point, pm *PathMeasures) error {
	n := len(pts) - 1
	last := pts[n]
	nSteps := n - 1
	return geomParallel(nSteps+n, func(k int) error {
		var err error
		if k < nSteps {
			pm.StepLengths[k], err = m.Distance(pts[k], pts[k+1])
			if err != nil {
				return errorf("step %d: %w", k, err)
			}
			return nil
		}
		i := k - nSteps
		pm.EndDistances[i], err = m.Distance(pts[i], last)
		if err != nil {
			return errorf("distance from point %d to the end: %w", i, err)
		}
		return nil
	})
}

// checkPathDistances returns an error unless d is an n×n matrix of finite,
// non-negative values with a zero diagonal.
func checkPathDistances(op string, d mat.Symmetric, n int) error {
	if r := d.SymmetricDim(); r != n {
		return errorf("%s: %d×%d distance matrix for %d points", op, r, r, n)
	}
	for i := 0; i < n; i++ {
		switch v := d.At(i, i); {
		case math.IsNaN(v) || math.IsInf(v, 0):
			return errorf("%s: distance matrix has %v on its diagonal at %d: %w", op, v, i, ErrNonFinite)
		case v != 0:
			return errorf("%s: distance matrix has %v on its diagonal at %d, want 0", op, v, i)
		}
		for j := i + 1; j < n; j++ {
			switch v := d.At(i, j); {
			case math.IsNaN(v) || math.IsInf(v, 0):
				return errorf("%s: distance matrix entry (%d, %d) is %v: %w", op, i, j, v, ErrNonFinite)
			case v < 0:
				return errorf("%s: distance matrix entry (%d, %d) is %v, a distance is never negative", op, i, j, v)
			}
		}
	}
	return nil
}

// Path is a network's path through the space of one metric: one point per
// recorded layer, in order from the input, usually ending at the target
// (the one-hot labels as an m×classes representation).
type Path struct {
	// Metric is the metric whose space the path lives in.
	Metric Metric
	// Labels names the points, such as "input", "block1", "logits", "target".
	Labels []string
	// Points holds the points, in order.
	Points []Point
}

// NewPath maps each representation to a point of m (through Points, in
// parallel) and returns the path through them. labels names the points; nil
// labels them "0", "1", .... To end the path at the target, pass the one-hot
// label matrix (m×classes) as the last representation.
func NewPath(m Metric, labels []string, reps []mat.Matrix, opts *PairwiseOptions) (*Path, error) {
	if m == nil {
		return nil, errorf("NewPath: nil metric")
	}
	if len(reps) < 2 {
		return nil, errorf("NewPath: %d representations, a path needs at least 2", len(reps))
	}
	if labels == nil {
		labels = make([]string, len(reps))
		for i := range labels {
			labels[i] = strconv.Itoa(i)
		}
	} else {
		if len(labels) != len(reps) {
			return nil, errorf("NewPath: %d labels for %d representations", len(labels), len(reps))
		}
		labels = append([]string(nil), labels...)
	}
	pts, err := Points(m, reps, opts)
	if err != nil {
		return nil, errorf("NewPath: %w", err)
	}
	return &Path{Metric: m, Labels: labels, Points: pts}, nil
}

// Measure returns the measures of the path (see MeasurePath).
func (p *Path) Measure() (*PathMeasures, error) {
	if p == nil {
		return nil, errorf("Measure: nil path")
	}
	if len(p.Labels) != len(p.Points) {
		return nil, errorf("Measure: path has %d labels for %d points", len(p.Labels), len(p.Points))
	}
	return MeasurePath(p.Metric, p.Points)
}
