package experiment

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"gonum.org/v1/gonum/mat"

	"github.com/repgeo/repgeo/data"
	"github.com/repgeo/repgeo/models"
	"github.com/repgeo/repgeo/repgeo"
)

// ErrNotTrained is wrapped by the errors for a model of the trained zoo
// that is not on disk yet.
var ErrNotTrained = errors.New("not trained yet; run make zoo")

// Source is one network's representations on the probe inputs: its taps in
// path order, the one-hot target, and a name for plots. The functions that
// compare networks take Sources, whatever trained them: a model of a Spec
// (ActivationsOn), a snapshot during training (TinySnapshots) or a member of
// the trained zoo.
type Source struct {
	// Name names the network in plots and in the path set's cache key.
	Name string
	// Acts holds the network's taps in path order and the one-hot target.
	Acts *models.Activations
}

// pathOf returns the labels and representations of the path of acts: every
// tap (without its numeric prefix), then Target.
func pathOf(acts *models.Activations) ([]string, []mat.Matrix, error) {
	if acts == nil || len(acts.Layers) == 0 {
		return nil, nil, errors.New("experiment: no activations")
	}
	if acts.Target == nil {
		return nil, nil, errors.New("experiment: activations have no one-hot target to end the path at")
	}
	labels := make([]string, 0, len(acts.Layers)+1)
	reps := make([]mat.Matrix, 0, len(acts.Layers)+1)
	for i, l := range acts.Layers {
		labels = append(labels, DisplayName(acts.Taps[i]))
		reps = append(reps, l)
	}
	return append(labels, Target), append(reps, acts.Target), nil
}

// ActivationsOn returns the activations of every coarse tap of the trained
// model of s on m = s.Probes test images chosen with probeSeed, with their
// one-hot target: read from the cache under runs, or computed (training the
// model if needed) and cached. Unlike Activations, the probes do not depend
// on the model's own seed, so models of different seeds share their inputs.
func ActivationsOn(runs string, s Spec, probeSeed uint64, log io.Writer) (*models.Activations, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	useFastBLAS()
	if acts, _, err := cachedActivations(runs, s, probeActivationsFile(probeSeed)); acts != nil || err != nil {
		return acts, err
	}
	net, _, err := Net(runs, s, log)
	if err != nil {
		return nil, err
	}
	path, err := trainedCachePath(runs, s, probeActivationsFile(probeSeed))
	if err != nil {
		return nil, err
	}
	return probeActivations(net, s.Dataset, s.Probes, probeSeed, path)
}

// untrainedKey ends the cache key of a zoo member not trained yet and
// staleKey that of one trained with another spec than the list's (see
// Spec.Key).
const (
	untrainedKey = "-untrained"
	staleKey     = "-stale"
)

// cachedActivations reads the activations cached as file in the cache
// directory of s under runs and returns them with the file's path; nil
// activations (and no error) when there are none to trust: no such file,
// or s is a zoo member not trained yet or stale, whose directory holds
// nothing that the member made (Net trains the former, which changes the
// key, and refuses the latter).
func cachedActivations(runs string, s Spec, file string) (*models.Activations, string, error) {
	if key := s.Key(); strings.HasSuffix(key, untrainedKey) || strings.HasSuffix(key, staleKey) {
		return nil, "", nil
	}
	path := filepath.Join(Dir(runs, s), file)
	if _, err := os.Stat(path); err != nil {
		return nil, path, nil
	}
	acts, err := readActivations(path)
	return acts, path, err
}

// trainedCachePath returns the path of file in the cache directory of s
// under runs once Net has returned the trained model of s: a zoo member
// trained just now has a new key, and one still untrained is an error.
func trainedCachePath(runs string, s Spec, file string) (string, error) {
	if strings.HasSuffix(s.Key(), untrainedKey) {
		return "", fmt.Errorf("experiment: zoo member %s is still untrained after training it", s.Zoo)
	}
	return filepath.Join(Dir(runs, s), file), nil
}

// probeActivationsFile is the name of the cache of a model's activations on
// the probes chosen with seed; it carries CacheVersion.
func probeActivationsFile(seed uint64) string {
	return fmt.Sprintf("activations-v%d-probes%d.npz", CacheVersion, seed)
}

// probeActivations extracts the coarse taps of net on m probes of the named
// dataset chosen with seed and caches them at path.
func probeActivations(net *models.Net, dataset string, m int, seed uint64, path string) (*models.Activations, error) {
	set, err := data.Load(dataset, "")
	if err != nil {
		return nil, fmt.Errorf("experiment: %w", err)
	}
	images, labels, err := models.Probes(set, m, seed)
	if err != nil {
		return nil, fmt.Errorf("experiment: %w", err)
	}
	acts, err := models.Extract(net, images, labels, models.ExtractOptions{Grain: models.Coarse})
	if err != nil {
		return nil, fmt.Errorf("experiment: extracting %s: %w", net.Config.Model, err)
	}
	if acts.Target == nil {
		return nil, fmt.Errorf("experiment: extracting %s gave no target", net.Config.Model)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("experiment: %w", err)
	}
	if err := writeActivations(path, acts); err != nil {
		return nil, err
	}
	return acts, nil
}

// PathSet holds the paths of several networks in the space of one metric, on
// the same probe inputs: their points, the distances between every pair of
// points (across networks too, for a joint embedding) and each path's measures.
type PathSet struct {
	// Metric is the metric the points belong to.
	Metric repgeo.Metric
	// Names names each path; Labels[k] names the points of path k.
	Names  []string
	Labels [][]string
	// Start[k] is the row of path k's first point in Distances; its points
	// are the rows Start[k] ... Start[k]+len(Labels[k])-1, in path order.
	Start []int
	// Distances is the matrix of distances between all points of all paths.
	Distances *mat.SymDense
	// Measures holds each path's measures (see repgeo.MeasurePath).
	Measures []*repgeo.PathMeasures
	// Points holds each path's points; nil for a path set read from the
	// cache until Compare needs them.
	Points [][]repgeo.Point

	srcs []Source
}

// Rows returns the rows of path k's points in Distances, in path order.
func (ps *PathSet) Rows(k int) []int {
	idx := make([]int, len(ps.Labels[k]))
	for i := range idx {
		idx[i] = ps.Start[k] + i
	}
	return idx
}

// Subset returns the path set of the named paths of ps, in the order given:
// their blocks of Distances, their measures and points, with nothing
// computed again. Every name must be a path of ps, once.
func (ps *PathSet) Subset(names ...string) (*PathSet, error) {
	if len(names) == 0 {
		return nil, errors.New("experiment: Subset of no paths")
	}
	out := &PathSet{Metric: ps.Metric}
	var rows []int
	for i, name := range names {
		k := slices.Index(ps.Names, name)
		if k < 0 {
			return nil, fmt.Errorf("experiment: Subset: no path named %q (paths: %s)", name, strings.Join(ps.Names, ", "))
		}
		if slices.Contains(names[:i], name) {
			return nil, fmt.Errorf("experiment: Subset: path %q named twice", name)
		}
		out.Names = append(out.Names, name)
		out.Labels = append(out.Labels, ps.Labels[k])
		out.Start = append(out.Start, len(rows))
		out.Measures = append(out.Measures, ps.Measures[k])
		if ps.Points != nil {
			if out.Points == nil {
				out.Points = make([][]repgeo.Point, len(names))
			}
			out.Points[i] = ps.Points[k]
		}
		if k < len(ps.srcs) {
			out.srcs = append(out.srcs, ps.srcs[k])
		}
		rows = append(rows, ps.Rows(k)...)
	}
	out.Distances = mat.NewSymDense(len(rows), nil)
	for i, r := range rows {
		for j := i; j < len(rows); j++ {
			out.Distances.SetSym(i, j, ps.Distances.At(r, rows[j]))
		}
	}
	return out, nil
}

// Cross returns the len(Labels[a])×len(Labels[b]) matrix of distances between
// the points of path a (rows) and of path b (columns).
func (ps *PathSet) Cross(a, b int) *mat.Dense {
	ra, rb := ps.Rows(a), ps.Rows(b)
	out := mat.NewDense(len(ra), len(rb), nil)
	for i, r := range ra {
		for j, c := range rb {
			out.Set(i, j, ps.Distances.At(r, c))
		}
	}
	return out
}

// MeasurePaths maps the path of every source (its taps, then the target) into
// the space of met and measures the distances between all their points and
// each path's measures. The sources must describe the same probe inputs.
func MeasurePaths(met repgeo.Metric, srcs []Source) (*PathSet, error) {
	if met == nil {
		return nil, errors.New("experiment: MeasurePaths: nil metric")
	}
	if len(srcs) == 0 {
		return nil, errors.New("experiment: MeasurePaths needs at least one source")
	}
	useFastBLAS()
	ps := &PathSet{Metric: met, srcs: srcs}
	var all []repgeo.Point
	for k, s := range srcs {
		labels, reps, err := pathOf(s.Acts)
		if err != nil {
			return nil, fmt.Errorf("experiment: %s: %w", s.Name, err)
		}
		if k > 0 {
			if err := sameProbes(srcs[0], s); err != nil {
				return nil, err
			}
		}
		p, err := repgeo.NewPath(met, labels, reps, nil)
		if err != nil {
			return nil, fmt.Errorf("experiment: %s path of %s: %w", met.Name(), s.Name, err)
		}
		ps.Names = append(ps.Names, s.Name)
		ps.Labels = append(ps.Labels, labels)
		ps.Start = append(ps.Start, len(all))
		ps.Points = append(ps.Points, p.Points)
		all = append(all, p.Points...)
	}
	d, err := repgeo.PairwisePoints(met, all, nil)
	if err != nil {
		return nil, fmt.Errorf("experiment: %s distances: %w", met.Name(), err)
	}
	ps.Distances = d
	// Each path's measures take its distances from its block of d.
	for k, pts := range ps.Points {
		block := d.SliceSym(ps.Start[k], ps.Start[k]+len(pts))
		ms, err := repgeo.MeasurePathDistances(met, pts, block)
		if err != nil {
			return nil, fmt.Errorf("experiment: %s path of %s: %w", met.Name(), ps.Names[k], err)
		}
		ps.Measures = append(ps.Measures, ms)
	}
	return ps, nil
}

// sameProbes returns an error unless a and b describe the same number of
// inputs with the same labels and, when both have an input tap (the probe
// images themselves, DisplayName "input"), the same inputs. Labels alone
// cannot tell probes apart: a stratified sample of the same size has the
// same label sequence whatever its seed.
func sameProbes(a, b Source) error {
	if ia, ib := inputTap(a.Acts), inputTap(b.Acts); ia != nil && ib != nil && !mat.Equal(ia, ib) {
		return fmt.Errorf("experiment: %s and %s have different input images: paths must share their inputs", a.Name, b.Name)
	}
	ra, _ := a.Acts.Target.Dims()
	rb, _ := b.Acts.Target.Dims()
	if ra != rb {
		return fmt.Errorf("experiment: %s has %d probe inputs, %s has %d: paths must share their inputs", a.Name, ra, b.Name, rb)
	}
	for i := 0; i < ra; i++ {
		if !mat.Equal(a.Acts.Target.RowView(i), b.Acts.Target.RowView(i)) {
			return fmt.Errorf("experiment: %s and %s have different labels at probe %d: paths must share their inputs", a.Name, b.Name, i)
		}
	}
	return nil
}

// inputTap returns the layer of acts' input tap, or nil without one.
func inputTap(acts *models.Activations) *mat.Dense {
	for i, t := range acts.Taps {
		if DisplayName(t) == "input" && i < len(acts.Layers) {
			return acts.Layers[i]
		}
	}
	return nil
}

// Comparison relates the paths of two networks A and B on the same inputs.
type Comparison struct {
	// A and B name the two paths; LabelsA and LabelsB name their points.
	A, B             string
	LabelsA, LabelsB []string
	// Cross holds d(a_i, b_j) for every point a_i of A (row) and b_j of B (column).
	Cross *mat.Dense
	// Nearest[i] is the point of B nearest to a_i, at distance NearestDistance[i].
	Nearest         []int
	NearestDistance []float64
	// Match[i] is the point of B that a_i corresponds to (see MatchLayers:
	// the same landmark, or the nearest relative position within a stage or
	// between landmarks); MatchDistance[i] is d(a_i, b_Match[i]).
	Match         []int
	MatchDistance []float64
	// DirectionAngle[i] is the angle between the directions of travel of A
	// at a_i and of B at b_Match[i] (see repgeo.DirectionAngle), in radians.
	DirectionAngle []float64
}

// Compare compares paths a and b of ps (see Comparison).
func (ps *PathSet) Compare(a, b int) (*Comparison, error) {
	if a < 0 || b < 0 || a >= len(ps.Names) || b >= len(ps.Names) {
		return nil, fmt.Errorf("experiment: Compare(%d, %d) of %d paths", a, b, len(ps.Names))
	}
	c := &Comparison{A: ps.Names[a], B: ps.Names[b], LabelsA: ps.Labels[a], LabelsB: ps.Labels[b], Cross: ps.Cross(a, b)}
	na, nb := len(c.LabelsA), len(c.LabelsB)
	match, err := MatchLayers(c.LabelsA, c.LabelsB)
	if err != nil {
		return nil, err
	}
	c.Match = match
	pairs := make([][2]int, na)
	for i := 0; i < na; i++ {
		best := 0
		for j := 1; j < nb; j++ {
			if c.Cross.At(i, j) < c.Cross.At(i, best) {
				best = j
			}
		}
		c.Nearest = append(c.Nearest, best)
		c.NearestDistance = append(c.NearestDistance, c.Cross.At(i, best))
		c.MatchDistance = append(c.MatchDistance, c.Cross.At(i, match[i]))
		pairs[i] = [2]int{i, match[i]}
	}
	pa, err := ps.points(a)
	if err != nil {
		return nil, err
	}
	pb, err := ps.points(b)
	if err != nil {
		return nil, err
	}
	c.DirectionAngle, err = repgeo.DirectionAngles(ps.Metric, pa, pb, pairs)
	if err != nil {
		return nil, fmt.Errorf("experiment: directions of %s and %s: %w", c.A, c.B, err)
	}
	return c, nil
}

// points returns the points of path k, mapping them again from its source
// if the path set came from the cache.
func (ps *PathSet) points(k int) ([]repgeo.Point, error) {
	if ps.Points == nil {
		ps.Points = make([][]repgeo.Point, len(ps.Names))
	}
	if ps.Points[k] == nil {
		labels, reps, err := pathOf(ps.srcs[k].Acts)
		if err != nil {
			return nil, fmt.Errorf("experiment: %s: %w", ps.Names[k], err)
		}
		p, err := repgeo.NewPath(ps.Metric, labels, reps, nil)
		if err != nil {
			return nil, fmt.Errorf("experiment: %s path of %s: %w", ps.Metric.Name(), ps.Names[k], err)
		}
		ps.Points[k] = p.Points
	}
	return ps.Points[k], nil
}

// pathSetCache is the on-disk form of a PathSet. Key is the full cache key
// (see CachedMeasurePaths), which a read compares with its own, as it does
// Names and Labels with the sources'.
type pathSetCache struct {
	Key       string
	Names     []string
	Labels    [][]string
	Start     []int
	Distances []float64
	Measures  []repgeo.PathMeasures
}

// checkFileName returns an error unless name, which what describes, can be
// used as (part of) a file name under the runs directory: it must not be
// empty, "." or "..", nor hold a path separator (either slash) or a NUL, so
// that no cache is written outside its directory.
func checkFileName(what, name string) error {
	if name == "" || name == "." || name == ".." || strings.ContainsAny(name, "/\\\x00") {
		return fmt.Errorf("experiment: %s %q is not a plain file name (it names a cache file: no path separators, not empty, \".\" or \"..\")", what, name)
	}
	return nil
}

// activationsKey returns the hex SHA-256 of the fingerprints (taps, shapes
// and every value) of the activations of srcs, in order; false if one has
// no activations, a missing layer or no target.
func activationsKey(srcs ...Source) (string, bool) {
	h := sha256.New()
	for _, s := range srcs {
		if s.Acts == nil || !fingerprint(h, s.Acts) {
			return "", false
		}
	}
	return hex.EncodeToString(h.Sum(nil)), true
}

// CachedMeasurePaths is MeasurePaths with its distances and measures cached
// under runs, in runs/pathsets. The file is named after key (a readable
// label such as "angular-cka", a plain file name) and a hash of the full
// cache key: key, the metric's full configuration, the algorithm and cache
// versions, the sources' names and a hash of their taps and activations.
// The file holds the full key and the paths' names and labels; a file whose
// key or names differ is ErrCache. Points are mapped again only when
// Compare needs them.
func CachedMeasurePaths(runs, key string, met repgeo.Metric, srcs []Source) (*PathSet, error) {
	if err := checkFileName("CachedMeasurePaths: key", key); err != nil {
		return nil, err
	}
	if met == nil || len(srcs) == 0 {
		return MeasurePaths(met, srcs)
	}
	names := make([]string, len(srcs))
	labels := make([][]string, len(srcs))
	for k, s := range srcs {
		l, _, err := pathOf(s.Acts)
		if err != nil {
			return MeasurePaths(met, srcs) // reports the error
		}
		names[k], labels[k] = s.Name, l
	}
	acts, ok := activationsKey(srcs...)
	if !ok {
		return MeasurePaths(met, srcs) // reports the error
	}
	fullKey := fmt.Sprintf("%s|%s|%q|%s", key, cacheKey(met), names, acts)
	path := filepath.Join(runs, "pathsets", key+"-"+keyHash(fullKey)+".gob")
	var c pathSetCache
	if found, err := readGob(path, &c); err != nil {
		return nil, err
	} else if found {
		if c.Key != fullKey || !slices.Equal(c.Names, names) || !slices.EqualFunc(c.Labels, labels, slices.Equal) {
			return nil, fmt.Errorf("experiment: %w: %s holds key %q of paths %q, want %q of %q", ErrCache, path, c.Key, c.Names, fullKey, names)
		}
		n := 0
		for _, l := range c.Labels {
			n += len(l)
		}
		if len(c.Names) != len(srcs) || len(c.Labels) != len(srcs) || len(c.Start) != len(srcs) || len(c.Measures) != len(srcs) || len(c.Distances) != n*n {
			return nil, fmt.Errorf("experiment: %w: %s: inconsistent sizes", ErrCache, path)
		}
		start := 0
		for k, l := range c.Labels {
			if c.Start[k] != start || len(l) < 2 {
				return nil, fmt.Errorf("experiment: %w: %s: path %d starts at row %d with %d points, want row %d and at least 2", ErrCache, path, k, c.Start[k], len(l), start)
			}
			start += len(l)
		}
		ps := &PathSet{Metric: met, Names: c.Names, Labels: c.Labels, Start: c.Start, Distances: mat.NewSymDense(n, c.Distances), srcs: srcs}
		for k := range c.Measures {
			ps.Measures = append(ps.Measures, &c.Measures[k])
		}
		return ps, nil
	}
	ps, err := MeasurePaths(met, srcs)
	if err != nil {
		return nil, err
	}
	n, _ := ps.Distances.Dims()
	c = pathSetCache{Key: fullKey, Names: ps.Names, Labels: ps.Labels, Start: ps.Start, Distances: make([]float64, n*n)}
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			c.Distances[i*n+j] = ps.Distances.At(i, j)
		}
	}
	for _, m := range ps.Measures {
		c.Measures = append(c.Measures, *m)
	}
	if err := writeGob(path, "path-set", c); err != nil {
		return nil, err
	}
	return ps, nil
}

// fingerprint writes acts' taps and the shape and every value of each of
// its layers and its target to w (a hash), which then tells activations
// apart; false if a layer or the target is missing.
func fingerprint(w io.Writer, acts *models.Activations) bool {
	fmt.Fprintf(w, "%q|", acts.Taps)
	for _, l := range append(append([]*mat.Dense(nil), acts.Layers...), acts.Target) {
		if l == nil {
			return false
		}
		r, c := l.Dims()
		if r == 0 {
			return false
		}
		fmt.Fprintf(w, "%dx%d|", r, c)
		for i := 0; i < r; i++ {
			if err := binary.Write(w, binary.LittleEndian, l.RawRowView(i)); err != nil {
				return false
			}
		}
	}
	return true
}
