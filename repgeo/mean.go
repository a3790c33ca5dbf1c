package repgeo

import (
	"math"

	"gonum.org/v1/gonum/mat"
)

// MeanOptions controls FrechetMean. The zero value selects the defaults.
type MeanOptions struct {
	// Weights holds one non-negative weight per point; nil weighs all
	// points equally.
	Weights []float64
	// Tol stops the iteration when the norm of the Riemannian gradient,
	// the weighted mean of log_x p_i, is at most Tol times the mean distance
	// from the first point to the others; 0 means 1e-10.
	Tol float64
	// MaxIter is the largest number of gradient steps; 0 means 1000.
	MaxIter int
	// Step scales each gradient step, in (0, 1]; 0 means 1 (the Karcher
	// iteration x <- exp_x(mean of log_x p_i)).
	Step float64
}

// FrechetMean returns the point minimizing the weighted sum of squared
// distances to pts, found by Riemannian gradient descent (the Karcher
// iteration) from the first point. It returns an error if m is not
// Riemannian, the options are invalid, or the iteration does not converge
// within MaxIter steps. The Logs of each step run in parallel.
func FrechetMean(m Metric, pts []Point, opts *MeanOptions) (Point, error) {
	if m == nil {
		return nil, errorf("FrechetMean: nil metric")
	}
	r, ok := m.(Riemannian)
	if !ok {
		return nil, errorf("FrechetMean: metric %q has no log map", m.Name())
	}
	if len(pts) == 0 {
		return nil, errorf("FrechetMean: no points")
	}
	if err := geomCheckPoints("FrechetMean", pts...); err != nil {
		return nil, err
	}
	var o MeanOptions
	if opts != nil {
		o = *opts
	}
	if o.Tol == 0 {
		o.Tol = 1e-10
	}
	if o.MaxIter == 0 {
		o.MaxIter = 1000
	}
	if o.Step == 0 {
		o.Step = 1
	}
	if !(o.Tol > 0) || o.MaxIter < 0 || !(o.Step > 0 && o.Step <= 1) {
		return nil, errorf("FrechetMean: invalid options (Tol %v, MaxIter %d, Step %v)", o.Tol, o.MaxIter, o.Step)
	}
	w := make([]float64, len(pts))
	if o.Weights == nil {
		for i := range w {
			w[i] = 1
		}
	} else {
		if len(o.Weights) != len(pts) {
			return nil, errorf("FrechetMean: %d weights for %d points", len(o.Weights), len(pts))
		}
		copy(w, o.Weights)
	}
	var total float64
	for i, x := range w {
		if !(x >= 0) || math.IsInf(x, 0) {
			return nil, errorf("FrechetMean: weight %d is %v, want a finite non-negative number", i, x)
		}
		total += x
	}
	if total == 0 {
		return nil, errorf("FrechetMean: all weights are zero")
	}
	for i := range w {
		w[i] /= total
	}

	x := pts[0]
	logs := make([]*mat.Dense, len(pts))
	var scale, gnorm float64
	for iter := 0; iter <= o.MaxIter; iter++ {
		err := geomParallel(len(pts), func(i int) error {
			if w[i] == 0 {
				logs[i] = nil
				return nil
			}
			l, err := r.Log(x, pts[i])
			if err != nil {
				return errorf("point %d: %w", i, err)
			}
			logs[i] = l
			return nil
		})
		if err != nil {
			return nil, errorf("FrechetMean: %w", err)
		}
		var g *mat.Dense
		for i, l := range logs {
			if l == nil {
				continue
			}
			if g == nil {
				g = geomScaled(w[i], l)
			} else {
				g = geomCombine(1, g, w[i], l)
			}
		}
		gnorm = math.Sqrt(math.Max(0, r.Inner(x, g, g)))
		if math.IsNaN(gnorm) || math.IsInf(gnorm, 0) {
			return nil, errorf("FrechetMean: non-finite gradient")
		}
		if iter == 0 {
			for i, l := range logs {
				if l != nil {
					scale += w[i] * math.Sqrt(math.Max(0, r.Inner(x, l, l)))
				}
			}
			if geomTooShort(scale, 0) {
				return x, nil // all weighted points coincide with the start
			}
		}
		if gnorm <= o.Tol*scale {
			return x, nil
		}
		if iter == o.MaxIter {
			break
		}
		g.Scale(o.Step, g)
		if x, err = r.Exp(x, g); err != nil {
			return nil, errorf("FrechetMean: %w", err)
		}
	}
	return nil, errorOf(ErrNoConvergence, "FrechetMean did not converge in %d iterations (gradient norm %g, tolerance %g)", o.MaxIter, gnorm, o.Tol*scale)
}

// geomScaled returns s*v as a new matrix.
func geomScaled(s float64, v *mat.Dense) *mat.Dense {
	var out mat.Dense
	out.Scale(s, v)
	return &out
}
