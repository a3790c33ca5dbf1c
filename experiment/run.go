package experiment

import (
	"bytes"
	"crypto/sha256"
	"encoding/gob"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gomlx/gomlx/backends"
	"gonum.org/v1/gonum/mat"

	"github.com/repgeo/repgeo/backend"
	"github.com/repgeo/repgeo/data"
	"github.com/repgeo/repgeo/internal/atomicfile"
	"github.com/repgeo/repgeo/models"
	"github.com/repgeo/repgeo/models/zoo"
	"github.com/repgeo/repgeo/repgeo"
)

// ErrCache is wrapped by the errors about a cache file that exists but cannot
// be used; deleting the spec's directory under the runs directory redoes it.
var ErrCache = errors.New("corrupt cache")

// Target is the label of the last point of every path: the one-hot labels
// (models.TargetName).
const Target = models.TargetName

// CacheVersion is the version of the study's cached results: of the
// extraction of activations, of the cache files' formats and of what a path
// or joint matrix holds. A change to any of them that alters their numbers
// or their files must bump it. The activations' file name carries it, and
// the keys of the path, joint, path-set and sample-size caches hold it with
// repgeo.AlgorithmVersion and the metric's full configuration
// (Metric.String), so that no result of older code is reused. Version 3:
// the path-set and sample-size caches hold their full key.
const CacheVersion = 3

// cacheKey returns the key of the cached results of met: everything besides
// the specs that decides their numbers.
func cacheKey(met repgeo.Metric) string {
	return fmt.Sprintf("%s|repgeo-algorithm-%d|experiment-cache-%d", met.String(), repgeo.AlgorithmVersion, CacheVersion)
}

// keyHash returns a short hash of key for file names.
func keyHash(key string) string {
	h := sha256.Sum256([]byte(key))
	return hex.EncodeToString(h[:])[:10]
}

// activationsFile is the name of the activations' cache in a spec's directory.
var activationsFile = fmt.Sprintf("activations-v%d.npz", CacheVersion)

var (
	backendOnce sync.Once
	backendVal  backends.Backend
	backendErr  error
)

// useFastBLAS installs repgeo's fast BLAS for the study's distances (see
// repgeo.UseFastBLAS); the functions that compute activations or distances
// call it (see the package documentation).
func useFastBLAS() { repgeo.UseFastBLAS() }

// sharedBackend returns the process's GoMLX backend, created once.
func sharedBackend() (backends.Backend, error) {
	backendOnce.Do(func() { backendVal, backendErr = backend.New() })
	return backendVal, backendErr
}

// TrainInfo records a finished training run beside its checkpoints.
type TrainInfo struct {
	// Steps is the number of training steps done.
	Steps int `json:"steps"`
	// TestAccuracy is the accuracy on the first Spec.TestLimit test images.
	TestAccuracy float64 `json:"test_accuracy"`
	// Seconds is the wall time of training.
	Seconds float64 `json:"seconds"`
}

// Dir returns the cache directory of s under runs.
func Dir(runs string, s Spec) string { return filepath.Join(runs, s.Key()) }

func logf(w io.Writer, format string, args ...any) {
	if w != nil {
		fmt.Fprintf(w, format, args...)
	}
}

// Net returns the trained model of s: loaded from its checkpoint under runs
// when training finished before, trained otherwise (resuming from the latest
// checkpoint of an interrupted run). Progress is written to log, which may be nil.
// A zoo member (Spec.Zoo) comes from the zoo, trained into it if the zoo
// lacks it; one the zoo holds trained with another spec than the list
// declares is an error wrapping zoo.ErrStale.
func Net(runs string, s Spec, log io.Writer) (*models.Net, *TrainInfo, error) {
	if err := s.Validate(); err != nil {
		return nil, nil, err
	}
	b, err := sharedBackend()
	if err != nil {
		return nil, nil, fmt.Errorf("experiment: backend: %w", err)
	}
	if s.Zoo != "" {
		return zooNet(b, s, log)
	}
	dir := Dir(runs, s)
	modelDir := filepath.Join(dir, "model")
	infoPath := filepath.Join(dir, "train.json")
	if raw, err := os.ReadFile(infoPath); err == nil {
		var info TrainInfo
		if err := json.Unmarshal(raw, &info); err != nil {
			return nil, nil, fmt.Errorf("experiment: %w: %s: %v", ErrCache, infoPath, err)
		}
		net, err := models.Load(b, modelDir)
		if err != nil {
			return nil, nil, fmt.Errorf("experiment: %w: %v (delete %s to retrain)", ErrCache, err, dir)
		}
		logf(log, "%s: loaded from its checkpoint %s (%d steps, test accuracy %.3f)\n", s.Name(), filepath.Join(s.Key(), "model"), info.Steps, info.TestAccuracy)
		return net, &info, nil
	}
	set, err := data.Load(s.Dataset, "")
	if err != nil {
		return nil, nil, fmt.Errorf("experiment: %w", err)
	}
	cfg := models.Config{Model: s.Model, Width: s.Width, Dataset: s.Dataset,
		InputShape: [3]int{set.Height, set.Width, set.Channels}, Classes: set.Classes}
	net, err := models.New(b, cfg, s.Seed)
	if err != nil {
		return nil, nil, fmt.Errorf("experiment: %w", err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, nil, fmt.Errorf("experiment: %w", err)
	}
	if err := writeAtomic(filepath.Join(dir, "spec.json"), mustJSON(s)); err != nil {
		return nil, nil, err
	}
	every := max(1, s.Steps/10)
	logf(log, "%s: training %d steps of %d %s images on %s\n", s.Name(), s.Steps, s.BatchSize, s.Dataset, b.Name())
	start := time.Now()
	res, err := models.Train(net, set, models.TrainOptions{
		Optimizer: s.Optimizer, LearningRate: s.LearningRate, BatchSize: s.BatchSize, Steps: s.Steps,
		Seed: s.Seed, Dir: modelDir, Resume: true, TestLimit: s.TestLimit, Keep: 1,
		Progress: func(p models.Progress) {
			if p.Step%every == 0 || p.Step == p.Steps {
				logf(log, "  step %4d/%d  loss %.3f  accuracy %.3f  %.0f images/s\n", p.Step, p.Steps, p.Loss, p.Accuracy, p.ImagesPerSecond)
			}
		},
	})
	if err != nil {
		return nil, nil, fmt.Errorf("experiment: training %s: %w", s.Name(), err)
	}
	info := TrainInfo{Steps: res.Steps, TestAccuracy: res.TestAccuracy, Seconds: time.Since(start).Seconds()}
	if math.IsNaN(info.TestAccuracy) {
		info.TestAccuracy = -1
	}
	logf(log, "%s: trained in %.0f s, test accuracy %.3f\n", s.Name(), info.Seconds, info.TestAccuracy)
	if err := writeAtomic(infoPath, mustJSON(info)); err != nil {
		return nil, nil, err
	}
	return net, &info, nil
}

// zooNet returns the zoo member of s: loaded from the zoo, or trained into it
// first (with the zoo's driver, resumable) when the zoo lacks it. A member
// the zoo holds trained with another spec than the list declares is an
// error wrapping zoo.ErrStale: neither loaded nor trained over.
func zooNet(b backends.Backend, s Spec, log io.Writer) (*models.Net, *TrainInfo, error) {
	m, err := zoo.Lookup(s.Zoo)
	if err != nil {
		return nil, nil, fmt.Errorf("experiment: %w", err)
	}
	z, err := zoo.Open("", s.Dataset)
	if err != nil {
		return nil, nil, fmt.Errorf("experiment: %w", err)
	}
	e, err := currentEntry(z, m)
	if errors.Is(err, zoo.ErrNotTrained) {
		set, err := data.Load(s.Dataset, "")
		if err != nil {
			return nil, nil, fmt.Errorf("experiment: %w", err)
		}
		logf(log, "%s: not in the zoo %s yet: training it (make zoo trains every member)\n", m.Name, z.Dir)
		last := time.Now()
		e, err = z.Train(m, zoo.TrainOptions{Backend: b, Set: set, Progress: func(p zoo.Progress) {
			if time.Since(last) >= time.Minute || p.Step == p.Steps {
				last = time.Now()
				logf(log, "  step %d/%d  epoch %.2f  loss %.3f  %.0f images/s\n", p.Step, p.Steps, p.Epoch, p.Loss, p.ImagesPerSecond)
			}
		}})
		if err != nil {
			return nil, nil, fmt.Errorf("experiment: training %s: %w", m.Name, err)
		}
	} else if err != nil {
		return nil, nil, fmt.Errorf("experiment: %w", err)
	}
	net, err := z.Load(b, m.Name)
	if err != nil {
		return nil, nil, fmt.Errorf("experiment: %w", err)
	}
	logf(log, "%s: loaded from the zoo (%d steps, %.1f epochs, test accuracy %.4f on %d images)\n",
		m.Name, e.Steps, e.Epochs, e.TestAccuracy, e.TestImages)
	return net, &TrainInfo{Steps: e.Steps, TestAccuracy: e.TestAccuracy, Seconds: e.WallSeconds}, nil
}

// Activations returns the activations of every coarse tap of the trained
// model of s on its probe images, with their one-hot target: read from the
// cache under runs, or computed (training the model if needed) and cached.
func Activations(runs string, s Spec, log io.Writer) (*models.Activations, error) {
	useFastBLAS()
	if err := s.Validate(); err != nil {
		return nil, err
	}
	acts, path, err := cachedActivations(runs, s, activationsFile)
	if err != nil {
		return nil, err
	}
	if acts != nil {
		logf(log, "%s: activations of %d taps on %d probes loaded from %s\n", s.Name(), len(acts.Taps), len(acts.Labels), filepath.Join(s.Key(), filepath.Base(path)))
		return acts, nil
	}
	net, _, err := Net(runs, s, log)
	if err != nil {
		return nil, err
	}
	if path, err = trainedCachePath(runs, s, activationsFile); err != nil {
		return nil, err
	}
	set, err := data.Load(s.Dataset, "")
	if err != nil {
		return nil, fmt.Errorf("experiment: %w", err)
	}
	images, labels, err := models.Probes(set, s.Probes, s.Seed)
	if err != nil {
		return nil, fmt.Errorf("experiment: %w", err)
	}
	acts, err = models.Extract(net, images, labels, models.ExtractOptions{Grain: models.Coarse})
	if err != nil {
		return nil, fmt.Errorf("experiment: extracting %s: %w", s.Name(), err)
	}
	if acts.Target == nil {
		return nil, fmt.Errorf("experiment: extracting %s gave no target", s.Name())
	}
	// A zoo member's cache directory holds no checkpoint, so nothing made it yet.
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("experiment: %w", err)
	}
	if err := writeActivations(path, acts); err != nil {
		return nil, err
	}
	logf(log, "%s: extracted %d taps on %d probes\n", s.Name(), len(acts.Taps), s.Probes)
	return acts, nil
}

// writeActivations stores acts in the activations file format of package
// models (models.WriteActivations).
func writeActivations(path string, acts *models.Activations) error {
	if err := models.WriteActivations(path, acts); err != nil {
		return fmt.Errorf("experiment: %w", err)
	}
	return nil
}

// readActivations reads an activations file written by writeActivations; a
// file that breaks the format, or has no target, is a corrupt cache.
func readActivations(path string) (*models.Activations, error) {
	acts, err := models.ReadActivations(path)
	if err != nil {
		return nil, fmt.Errorf("experiment: %w: %v", ErrCache, err)
	}
	if acts.Target == nil {
		return nil, fmt.Errorf("experiment: %w: %s has no %q entry", ErrCache, path, Target)
	}
	return acts, nil
}

// PathData is a model's path in the space of one metric: its points'
// labels, the distances between every pair of them and the path's measures.
type PathData struct {
	// Spec is the model's specification and Metric the metric's name.
	Spec   Spec
	Metric string
	// Labels names the points: the taps without their numeric prefix, then Target.
	Labels []string
	// Distances is the L×L matrix of distances between the points.
	Distances *mat.SymDense
	// Measures holds the path's measures (see repgeo.MeasurePath).
	Measures *repgeo.PathMeasures
}

// pathCache is the on-disk form of a PathData.
type pathCache struct {
	Key       string // cacheKey of the metric
	Labels    []string
	Distances []float64
	Measures  repgeo.PathMeasures
}

// Path returns the path of the trained model of s in the space of the named
// metric (with its default options): read from the cache under runs, or
// computed from the activations (see Activations) and cached. A joint matrix
// that held the model (see Joint) gives the distances between its points,
// which then agree with the path's own to within rounding. The cache is
// keyed by the metric's full configuration and the versions of the
// algorithms and caches (see CacheVersion); log says when it is reused.
func Path(runs string, s Spec, metric string, log io.Writer) (*PathData, error) {
	useFastBLAS()
	if err := s.Validate(); err != nil {
		return nil, err
	}
	met, err := repgeo.NewMetric(metric, repgeo.DefaultOptions())
	if err != nil {
		return nil, err
	}
	key := cacheKey(met)
	path := filepath.Join(Dir(runs, s), "path-"+metric+"-"+keyHash(key)+".gob")
	var c pathCache
	if found, err := readGob(path, &c); err != nil {
		return nil, err
	} else if found {
		if c.Key != key {
			return nil, fmt.Errorf("experiment: %w: %s holds key %q, want %q", ErrCache, path, c.Key, key)
		}
		n := len(c.Labels)
		if n < 3 || len(c.Distances) != n*n || len(c.Measures.Progress) != n {
			return nil, fmt.Errorf("experiment: %w: %s: inconsistent sizes", ErrCache, path)
		}
		logf(log, "%s: reusing cached %s path %s (key %s)\n", s.Name(), metric, filepath.Join(s.Key(), filepath.Base(path)), key)
		return &PathData{Spec: s, Metric: metric, Labels: c.Labels, Distances: mat.NewSymDense(n, c.Distances), Measures: &c.Measures}, nil
	}
	acts, err := Activations(runs, s, log)
	if err != nil {
		return nil, err
	}
	path = filepath.Join(Dir(runs, s), "path-"+metric+"-"+keyHash(key)+".gob") // A zoo member may have been trained just now.
	reps := make([]mat.Matrix, 0, len(acts.Layers)+1)
	labels := make([]string, 0, len(acts.Layers)+1)
	for i, l := range acts.Layers {
		reps = append(reps, l)
		labels = append(labels, DisplayName(acts.Taps[i]))
	}
	reps = append(reps, acts.Target)
	labels = append(labels, Target)
	start := time.Now()
	p, err := repgeo.NewPath(met, labels, reps, nil)
	if err != nil {
		return nil, fmt.Errorf("experiment: %s path of %s: %w", metric, s.Name(), err)
	}
	// The distances between the path's points: from a joint matrix that
	// held this path (see Joint), or computed.
	var d mat.Symmetric
	blockKey := s.Key() + "|" + key
	blockFile := filepath.Join(Dir(runs, s), pathDistancesFile(metric, blockKey))
	block, found, err := readPathDistances(blockFile, blockKey, labels)
	if err != nil {
		return nil, err
	}
	if found {
		logf(log, "%s: %s distances from the joint matrix's cache %s\n", s.Name(), metric, filepath.Join(s.Key(), filepath.Base(blockFile)))
		d = block
	} else if d, err = repgeo.PairwisePoints(met, p.Points, nil); err != nil {
		return nil, fmt.Errorf("experiment: %s distances of %s: %w", metric, s.Name(), err)
	}
	ms, err := repgeo.MeasurePathDistances(met, p.Points, d)
	if err != nil && found {
		return nil, fmt.Errorf("experiment: %w: %s: %s path measures of %s: %w", ErrCache, blockFile, metric, s.Name(), err)
	}
	if err != nil {
		return nil, fmt.Errorf("experiment: %s path measures of %s: %w", metric, s.Name(), err)
	}
	logf(log, "%s: %s path of %d points measured in %.1f s\n", s.Name(), metric, len(labels), time.Since(start).Seconds())
	n := len(labels)
	flat := make([]float64, n*n)
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			flat[i*n+j] = d.At(i, j)
		}
	}
	if err := writeGob(path, "path", pathCache{Key: key, Labels: labels, Distances: flat, Measures: *ms}); err != nil {
		return nil, err
	}
	return &PathData{Spec: s, Metric: metric, Labels: labels, Distances: mat.NewSymDense(n, flat), Measures: ms}, nil
}

// pathDistances is the cache of the distances between the points of one
// model's path that a joint matrix computed (see Joint), for Path.
type pathDistances struct {
	Key       string // the spec's key and the cacheKey of the metric
	Labels    []string
	Distances []float64
}

// pathDistancesFile is the name of the cache of a path's distances in the
// space of metric with cache key key, in a spec's directory.
func pathDistancesFile(metric, key string) string {
	return "pathdist-" + metric + "-" + keyHash(key) + ".gob"
}

// writePathDistances caches at path the distances d between the points of
// a path (labels), under key.
func writePathDistances(path, key string, labels []string, d mat.Symmetric) error {
	n := len(labels)
	c := pathDistances{Key: key, Labels: labels, Distances: make([]float64, n*n)}
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			c.Distances[i*n+j] = d.At(i, j)
		}
	}
	return writeGob(path, "path distances", c)
}

// readPathDistances returns the distances between the points of the path
// labels cached at path under key, if a joint matrix cached them.
func readPathDistances(path, key string, labels []string) (*mat.SymDense, bool, error) {
	var c pathDistances
	if found, err := readGob(path, &c); err != nil || !found {
		return nil, false, err
	}
	n := len(labels)
	if c.Key != key || len(c.Distances) != n*n || !slices.Equal(c.Labels, labels) {
		return nil, false, fmt.Errorf("experiment: %w: %s holds key %q and points %q, want %q and %q", ErrCache, path, c.Key, c.Labels, key, labels)
	}
	return mat.NewSymDense(n, c.Distances), true, nil
}

// DisplayName returns a tap name without its numeric prefix: "02_stage1_block1"
// becomes "stage1_block1".
func DisplayName(tap string) string {
	if i := strings.IndexByte(tap, '_'); i > 0 && strings.Trim(tap[:i], "0123456789") == "" {
		return tap[i+1:]
	}
	return tap
}

func mustJSON(v any) []byte {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		panic(errors.New("experiment: " + err.Error()))
	}
	return append(b, '\n')
}

// readGob decodes the gob file at path into v. It returns found=false when
// the file cannot be read (no cache yet) and an ErrCache error when it does
// not decode.
func readGob(path string, v any) (found bool, err error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return false, nil
	}
	if err := gob.NewDecoder(bytes.NewReader(raw)).Decode(v); err != nil {
		return true, fmt.Errorf("experiment: %w: %s: %v", ErrCache, path, err)
	}
	return true, nil
}

// writeGob encodes v with gob and writes it to path atomically; what names
// the cache in errors.
func writeGob(path, what string, v any) error {
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(v); err != nil {
		return fmt.Errorf("experiment: encoding the %s cache: %w", what, err)
	}
	return writeAtomic(path, buf.Bytes())
}

// writeAtomic creates path's directory if needed and writes data to path atomically.
func writeAtomic(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("experiment: %w", err)
	}
	if err := atomicfile.WriteFile(path, data); err != nil {
		return fmt.Errorf("experiment: %w", err)
	}
	return nil
}
