package experiment

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"gonum.org/v1/gonum/mat"

	"github.com/repgeo/repgeo/repgeo"
)

// JointData holds the paths of several models in one space: the distances
// between every pair of their points, across models too, so that they can
// be embedded together. The models must share their probe inputs.
type JointData struct {
	// Metric is the metric's name.
	Metric string
	// Specs are the models, in order; Names[i] is Specs[i].Name().
	Specs []Spec
	// Labels names every point; Model[i] is the index in Specs of point i's model.
	// Each model's points are contiguous and in path order, ending at Target.
	Labels []string
	Model  []int
	// Distances is the matrix of distances between all points.
	Distances *mat.SymDense
}

// Rows returns the indices of the points of model k, in path order.
func (j *JointData) Rows(k int) []int {
	var idx []int
	for i, m := range j.Model {
		if m == k {
			idx = append(idx, i)
		}
	}
	return idx
}

type jointCache struct {
	Key       string // the specs' keys and the cacheKey of the metric
	Labels    []string
	Model     []int
	Distances []float64
}

// Joint returns the joint distance matrix of the paths of the models of specs
// in the space of the named metric: read from the cache under runs, or
// computed from their activations (see Activations) and cached, keyed as
// Path's caches are; each model's block is cached for its Path too. The
// models must be probed on the same inputs (same dataset, Probes and Seed).
func Joint(runs string, specs []Spec, metric string, log io.Writer) (*JointData, error) {
	useFastBLAS()
	if len(specs) == 0 {
		return nil, fmt.Errorf("experiment: Joint needs at least one model")
	}
	keys := make([]string, len(specs))
	for i, s := range specs {
		if err := s.Validate(); err != nil {
			return nil, err
		}
		if s.Dataset != specs[0].Dataset || s.Probes != specs[0].Probes || s.Seed != specs[0].Seed {
			return nil, fmt.Errorf("experiment: %s and %s are not probed on the same inputs (dataset, probes and seed must agree)", specs[0].Name(), s.Name())
		}
		keys[i] = s.Key()
	}
	met, err := repgeo.NewMetric(metric, repgeo.DefaultOptions())
	if err != nil {
		return nil, err
	}
	key := strings.Join(keys, "+") + "|" + cacheKey(met)
	path := filepath.Join(runs, "joint-"+metric+"-"+keyHash(key)+".gob")
	out := &JointData{Metric: metric, Specs: specs}
	var c jointCache
	if found, err := readGob(path, &c); err != nil {
		return nil, err
	} else if found {
		if c.Key != key {
			return nil, fmt.Errorf("experiment: %w: %s holds key %q, want %q", ErrCache, path, c.Key, key)
		}
		n := len(c.Labels)
		if len(c.Model) != n || len(c.Distances) != n*n {
			return nil, fmt.Errorf("experiment: %w: %s: inconsistent sizes", ErrCache, path)
		}
		logf(log, "reusing cached joint %s distances %s (key %s)\n", metric, filepath.Base(path), key)
		out.Labels, out.Model, out.Distances = c.Labels, c.Model, mat.NewSymDense(n, c.Distances)
		return out, nil
	}
	var reps []mat.Matrix
	for k, s := range specs {
		acts, err := Activations(runs, s, log)
		if err != nil {
			return nil, err
		}
		keys[k] = s.Key() // A zoo member may have been trained just now.
		for i, l := range acts.Layers {
			reps = append(reps, l)
			out.Labels = append(out.Labels, DisplayName(acts.Taps[i]))
			out.Model = append(out.Model, k)
		}
		reps = append(reps, acts.Target)
		out.Labels = append(out.Labels, Target)
		out.Model = append(out.Model, k)
	}
	key = strings.Join(keys, "+") + "|" + cacheKey(met)
	path = filepath.Join(runs, "joint-"+metric+"-"+keyHash(key)+".gob")
	start := time.Now()
	d, err := repgeo.Pairwise(met, reps, nil)
	if err != nil {
		return nil, fmt.Errorf("experiment: joint %s distances: %w", metric, err)
	}
	logf(log, "joint %s distances between %d points in %.1f s\n", metric, len(reps), time.Since(start).Seconds())
	n := len(reps)
	flat := make([]float64, n*n)
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			flat[i*n+j] = d.At(i, j)
		}
	}
	if err := writeGob(path, "joint", jointCache{Key: key, Labels: out.Labels, Model: out.Model, Distances: flat}); err != nil {
		return nil, err
	}
	out.Distances = mat.NewSymDense(n, flat)
	// Each model's own block is its path's distances: cached for Path.
	for k, s := range specs {
		rows := out.Rows(k)
		labels := out.Labels[rows[0] : rows[len(rows)-1]+1]
		block := out.Distances.SliceSym(rows[0], rows[len(rows)-1]+1)
		blockKey := s.Key() + "|" + cacheKey(met)
		if err := writePathDistances(filepath.Join(Dir(runs, s), pathDistancesFile(metric, blockKey)), blockKey, labels, block); err != nil {
			return nil, err
		}
	}
	return out, nil
}
