package experiment

import (
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"sort"

	"gonum.org/v1/gonum/mat"

	"github.com/repgeo/repgeo/data"
	"github.com/repgeo/repgeo/models"
	"github.com/repgeo/repgeo/repgeo"
)

// Variant is one way of measuring a path: a metric with its options, and a
// name for plots, such as "angular CKA, unbiased" or "angular shape, PCA 100".
type Variant struct {
	// Name names the variant in plots and in the sweep's cache key.
	Name string
	// Metric is the metric the paths are measured in.
	Metric repgeo.Metric
}

// Quantities measured on every subset by SampleSweep, in the order of
// Sweep.Quantities.
var Quantities = []string{
	"input→target distance",
	"logits→target distance",
	"path length",
	"tortuosity",
	"angle at the middle layer",
	"progress of the middle layer",
}

// SweepOptions configures SampleSweep.
type SweepOptions struct {
	// Sizes are the numbers m of probe inputs to try, each at most the
	// number of inputs of the activations (see LogSizes).
	Sizes []int
	// Subsets is the number of random class-balanced subsets per size (default 10).
	Subsets int
	// LargeSize and LargeSubsets bound the cost of the largest sizes: a size
	// of at least LargeSize (if positive) draws only LargeSubsets subsets
	// (at least 2). A size of all inputs is always measured once.
	LargeSize, LargeSubsets int
	// Seed seeds the choice of the subsets.
	Seed uint64
	// Tol is the tolerance of Settle: the mean must stay within Tol times
	// the value on all inputs (default 0.02, 2%).
	Tol float64
}

// Sweep is the result of SampleSweep: for each variant v, quantity q (see
// Quantities) and size index s, the mean and standard deviation over the
// subsets.
type Sweep struct {
	// Sizes are the numbers of probe inputs measured, increasing.
	Sizes []int
	// Variants names the variants, in the order they were given.
	Variants []string
	// Quantities names the quantities measured (see Quantities).
	Quantities []string
	// Mean[v][q][s] and Std[v][q][s] summarise the subsets of size Sizes[s].
	Mean, Std [][][]float64
	// All[v][q] is the value on all inputs.
	All [][]float64
	// Bias[v][q][s] is Mean[v][q][s] - All[v][q]: how far the estimate from
	// m inputs lies, on average, from the one from all of them.
	Bias [][][]float64
	// Settle[v][q] is the smallest size from which the mean stays within
	// Tol·|All[v][q]| of All[v][q] (the last size if only that one does).
	Settle [][]int
}

// consistent reports whether every slice of sw has the lengths of a sweep of
// variants variants over sizes sizes.
func (sw *Sweep) consistent(variants, sizes int) bool {
	q := len(sw.Quantities)
	if len(sw.Sizes) != sizes || len(sw.Variants) != variants || len(sw.Mean) != variants || len(sw.Std) != variants ||
		len(sw.Bias) != variants || len(sw.All) != variants || len(sw.Settle) != variants {
		return false
	}
	for v := 0; v < variants; v++ {
		if len(sw.Mean[v]) != q || len(sw.Std[v]) != q || len(sw.Bias[v]) != q || len(sw.All[v]) != q || len(sw.Settle[v]) != q {
			return false
		}
		for k := 0; k < q; k++ {
			if len(sw.Mean[v][k]) != sizes || len(sw.Std[v][k]) != sizes || len(sw.Bias[v][k]) != sizes {
				return false
			}
		}
	}
	return true
}

// LogSizes returns about n sizes spaced evenly in log scale from lo to hi,
// both included, rounded to integers and without repeats.
func LogSizes(lo, hi, n int) ([]int, error) {
	if lo < 1 || hi < lo || n < 2 {
		return nil, fmt.Errorf("experiment: LogSizes(%d, %d, %d): need 1 ≤ lo ≤ hi and n ≥ 2", lo, hi, n)
	}
	var out []int
	for i := 0; i < n; i++ {
		v := int(math.Round(math.Exp(math.Log(float64(lo)) + float64(i)/float64(n-1)*(math.Log(float64(hi))-math.Log(float64(lo))))))
		v = min(max(v, lo), hi)
		if len(out) == 0 || v > out[len(out)-1] {
			out = append(out, v)
		}
	}
	return out, nil
}

// SampleSweep measures how the answers for acts' path depend on the number m
// of probe inputs: for every size of opts.Sizes it draws opts.Subsets
// class-balanced random subsets of the inputs (data.StratifiedSample), maps
// each subset's path into the space of every variant and records the
// quantities of Quantities. A subset of all inputs is the same every time,
// so its spread is zero.
func SampleSweep(acts *models.Activations, variants []Variant, opts SweepOptions) (*Sweep, error) {
	useFastBLAS()
	_, reps, err := pathOf(acts)
	if err != nil {
		return nil, err
	}
	if len(reps) < 3 {
		return nil, fmt.Errorf("experiment: SampleSweep: a path of %d points, need at least 3", len(reps))
	}
	if len(variants) == 0 {
		return nil, errors.New("experiment: SampleSweep needs at least one variant")
	}
	m, classes := acts.Target.Dims()
	if len(acts.Labels) != m {
		return nil, fmt.Errorf("experiment: SampleSweep: %d labels for %d inputs", len(acts.Labels), m)
	}
	if len(opts.Sizes) == 0 {
		return nil, errors.New("experiment: SampleSweep needs at least one size")
	}
	sizes := append([]int(nil), opts.Sizes...)
	sort.Ints(sizes)
	for _, s := range sizes {
		if s < 3 || s > m {
			return nil, fmt.Errorf("experiment: SampleSweep: size %d out of range [3, %d]", s, m)
		}
	}
	if opts.Subsets == 0 {
		opts.Subsets = 10
	}
	if opts.Subsets < 1 {
		return nil, fmt.Errorf("experiment: SampleSweep: %d subsets", opts.Subsets)
	}
	if opts.LargeSize > 0 && opts.LargeSubsets < 2 {
		return nil, fmt.Errorf("experiment: SampleSweep: %d subsets from size %d on: need at least 2 for a spread", opts.LargeSubsets, opts.LargeSize)
	}
	if opts.Tol == 0 {
		opts.Tol = 0.02
	}
	labels := make([]uint8, m)
	for i, l := range acts.Labels {
		if l < 0 || l >= classes || l > math.MaxUint8 {
			return nil, fmt.Errorf("experiment: SampleSweep: label %d of input %d out of range [0, %d)", l, i, classes)
		}
		labels[i] = uint8(l)
	}
	nq, ns := len(Quantities), len(sizes)
	sw := &Sweep{Sizes: sizes, Quantities: Quantities}
	measure := func(met repgeo.Metric, idx []int) ([]float64, error) {
		sub := make([]mat.Matrix, len(reps))
		for l, r := range reps {
			sub[l] = rowsOf(r, idx)
		}
		p, err := repgeo.NewPath(met, nil, sub, nil)
		if err != nil {
			return nil, err
		}
		ms, err := p.Measure()
		if err != nil {
			return nil, err
		}
		n := len(sub) - 1
		mid := n / 2
		return []float64{ms.EndpointDistance, ms.EndDistances[n-1], ms.TotalLength, ms.Tortuosity, ms.Angles[mid-1], ms.Progress[mid]}, nil
	}
	all := make([]int, m)
	for i := range all {
		all[i] = i
	}
	for _, v := range variants {
		if v.Metric == nil {
			return nil, fmt.Errorf("experiment: SampleSweep: variant %q has no metric", v.Name)
		}
		sw.Variants = append(sw.Variants, v.Name)
		full, err := measure(v.Metric, all)
		if err != nil {
			return nil, fmt.Errorf("experiment: SampleSweep: %s on all %d inputs: %w", v.Name, m, err)
		}
		mean, std, bias := grid(nq, ns), grid(nq, ns), grid(nq, ns)
		for s, size := range sizes {
			if size == m { // every subset is all inputs: measured once
				for j := 0; j < nq; j++ {
					mean[j][s], std[j][s], bias[j][s] = full[j], 0, 0
				}
				continue
			}
			n := opts.Subsets
			if opts.LargeSize > 0 && size >= opts.LargeSize {
				n = opts.LargeSubsets
			}
			vals := grid(nq, n)
			for k := 0; k < n; k++ {
				idx, err := data.StratifiedSample(labels, classes, size, opts.Seed+uint64(k)*1000003+uint64(size))
				if err != nil {
					return nil, fmt.Errorf("experiment: SampleSweep: %w", err)
				}
				q, err := measure(v.Metric, idx)
				if err != nil {
					return nil, fmt.Errorf("experiment: SampleSweep: %s on subset %d of %d inputs: %w", v.Name, k, size, err)
				}
				for j := range q {
					vals[j][k] = q[j]
				}
			}
			for j := 0; j < nq; j++ {
				mean[j][s], std[j][s] = meanStd(vals[j])
				bias[j][s] = mean[j][s] - full[j]
			}
		}
		settle := make([]int, nq)
		for j := 0; j < nq; j++ {
			settle[j] = sizes[ns-1]
			for s := ns - 1; s >= 0 && math.Abs(bias[j][s]) <= opts.Tol*math.Abs(full[j]); s-- {
				settle[j] = sizes[s]
			}
		}
		sw.Mean, sw.Std, sw.Bias = append(sw.Mean, mean), append(sw.Std, std), append(sw.Bias, bias)
		sw.All, sw.Settle = append(sw.All, full), append(sw.Settle, settle)
	}
	return sw, nil
}

// grid returns an r×c slice of slices.
func grid(r, c int) [][]float64 {
	out := make([][]float64, r)
	for i := range out {
		out[i] = make([]float64, c)
	}
	return out
}

// meanStd returns the mean and the sample standard deviation of x, leaving
// out NaNs (undefined angles); NaN when no value is left.
func meanStd(x []float64) (float64, float64) {
	var n, sum float64
	for _, v := range x {
		if !math.IsNaN(v) {
			n++
			sum += v
		}
	}
	if n == 0 {
		return math.NaN(), math.NaN()
	}
	mean := sum / n
	if n < 2 {
		return mean, 0
	}
	var ss float64
	for _, v := range x {
		if !math.IsNaN(v) {
			ss += (v - mean) * (v - mean)
		}
	}
	return mean, math.Sqrt(ss / (n - 1))
}

// rowsOf returns the rows idx of x as a new matrix.
func rowsOf(x mat.Matrix, idx []int) *mat.Dense {
	_, c := x.Dims()
	out := mat.NewDense(len(idx), c, nil)
	for k, i := range idx {
		for j := 0; j < c; j++ {
			out.Set(k, j, x.At(i, j))
		}
	}
	return out
}

// sweepCache is the on-disk form of a Sweep: Key is the full cache key (see
// CachedSampleSweep), which a read compares with its own.
type sweepCache struct {
	Key   string
	Sweep Sweep
}

// CachedSampleSweep is SampleSweep with its result cached under runs, in
// runs/samplesize: the source's name (a plain file name) and activations,
// the variants' names and metrics' full configurations (with the algorithm
// and cache versions), and opts make the cache key. The file is named after
// the source and a hash of the key, and holds the full key; a file whose
// key, variants or quantities differ is ErrCache.
func CachedSampleSweep(runs string, src Source, variants []Variant, opts SweepOptions) (*Sweep, error) {
	if err := checkFileName("CachedSampleSweep: source name", src.Name); err != nil {
		return nil, err
	}
	names := make([]string, len(variants))
	keys := make([]string, len(variants))
	for i, v := range variants {
		names[i], keys[i] = v.Name, v.Name
		if v.Metric != nil {
			keys[i] += "=" + cacheKey(v.Metric)
		}
	}
	acts, ok := activationsKey(src)
	if !ok {
		return SampleSweep(src.Acts, variants, opts) // reports the error
	}
	key := fmt.Sprintf("%s|%q|%+v|%s", src.Name, keys, opts, acts)
	path := filepath.Join(runs, "samplesize", src.Name+"-"+keyHash(key)+".gob")
	var cached sweepCache
	if found, err := readGob(path, &cached); err != nil {
		return nil, err
	} else if found {
		sw := &cached.Sweep
		if cached.Key != key || !slices.Equal(sw.Variants, names) || !slices.Equal(sw.Quantities, Quantities) {
			return nil, fmt.Errorf("experiment: %w: %s holds key %q of variants %q, want %q of %q", ErrCache, path, cached.Key, sw.Variants, key, names)
		}
		if !sw.consistent(len(variants), len(opts.Sizes)) {
			return nil, fmt.Errorf("experiment: %w: %s: inconsistent sizes", ErrCache, path)
		}
		return sw, nil
	}
	sw, err := SampleSweep(src.Acts, variants, opts)
	if err != nil {
		return nil, err
	}
	if err := writeGob(path, "sample-size", sweepCache{Key: key, Sweep: *sw}); err != nil {
		return nil, err
	}
	return sw, nil
}
