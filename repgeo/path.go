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
	if m == nil {
		return nil, errorf("MeasurePath: nil metric")
	}
	if len(pts) < 3 {
		return nil, errorf("MeasurePath: path has %d points, need at least 3", len(pts))
	}
	if err := geomCheckPoints("MeasurePath", pts...); err != nil {
		return nil, err
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
				return nil, errorf("MeasurePath: %w", err)
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
	// Tasks: steps 0..n-2 (step n-1 is EndDistances[n-1]), end distances
	// 0..n-1, then angles and projections, which need the endpoint distance.
	nSteps := n - 1
	err := geomParallel(nSteps+n, func(k int) error {
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
	if err != nil {
		return nil, errorf("MeasurePath: %w", err)
	}
	pm.StepLengths[n-1] = pm.EndDistances[n-1]
	for _, s := range pm.StepLengths {
		pm.TotalLength += s
	}
	pm.EndpointDistance = pm.EndDistances[0]
	if pm.EndpointDistance == 0 {
		return nil, errorf("MeasurePath: the first and last point: %w, tortuosity and progress are undefined", ErrCoincide)
	}
	pm.Tortuosity = pm.TotalLength / pm.EndpointDistance

	// The endpoints project onto themselves.
	pm.Progress[0], pm.Progress[n] = 0, 1
	err = geomParallel(2*n-2, func(k int) error {
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
		return nil, errorf("MeasurePath: %w", err)
	}
	return pm, nil
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
