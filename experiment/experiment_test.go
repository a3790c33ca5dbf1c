package experiment

import (
	"bytes"
	"encoding/gob"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/repgeo/repgeo/data"
	"github.com/repgeo/repgeo/models"
	"github.com/repgeo/repgeo/models/zoo"
	"github.com/repgeo/repgeo/npy"
	"github.com/repgeo/repgeo/repgeo"
)

func TestStudyValid(t *testing.T) {
	for _, size := range []string{Smoke, Full} {
		specs, err := Study(size)
		if err != nil {
			t.Fatal(err)
		}
		if len(specs) != 2 || specs[0].Model != "resnet20" || specs[1].Model != "vgg11" {
			t.Errorf("%s: study %v, want a resnet20 and a vgg11", size, specs)
		}
		for _, s := range specs {
			if err := s.Validate(); err != nil {
				t.Errorf("%s: %v", size, err)
			}
		}
	}
	if _, err := Study("medium"); err == nil {
		t.Error("Study accepted an unknown size")
	}
	full, _ := Study(Full)
	for i, want := range []string{"resnet20-w1-s1", "vgg11-w0.25-s1"} {
		if full[i].Zoo != want || full[i].Probes < 1000 || full[i].Seed != full[0].Seed {
			t.Errorf("full study %d: %+v, want zoo member %s probed on at least 1000 shared images", i, full[i], want)
		}
	}
}

func TestZooSpec(t *testing.T) {
	s, err := ZooSpec("vgg11-w0.25-s2", data.FashionMNIST, 1000)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	if s.Model != "vgg11" || s.Width != 0.25 || s.Seed != 2 || s.Name() != "vgg11-w0.25-s2" {
		t.Errorf("ZooSpec: %+v", s)
	}
	// The key ends with the member's weights tag ("untrained" in a zoo without it).
	t.Setenv("REPGEO_ZOO", t.TempDir())
	if k := s.Key(); !strings.HasSuffix(k, "-untrained") || !strings.HasPrefix(k, "vgg11-w0.25-") {
		t.Errorf("key %q", k)
	}
	for _, tc := range []struct {
		name   string
		change func(*Spec)
	}{
		{"unknown member", func(s *Spec) { s.Zoo = "vgg11-w0.25-s9" }},
		{"other width", func(s *Spec) { s.Width = 0.5 }},
		{"other seed", func(s *Spec) { s.Seed = 1 }},
		{"dataset without zoo", func(s *Spec) { s.Dataset = data.Synthetic }},
	} {
		bad := s
		tc.change(&bad)
		if err := bad.Validate(); err == nil {
			t.Errorf("%s accepted: %+v", tc.name, bad)
		}
	}
	if _, err := ZooSpec("nope", data.FashionMNIST, 10); err == nil {
		t.Error("ZooSpec of an unknown member: no error")
	}
}

func TestSpecValidateAndKey(t *testing.T) {
	good := Spec{Model: "vgg11", Width: 0.5, Dataset: data.FashionMNIST, BatchSize: 8, Steps: 3, Probes: 10}
	for _, tc := range []struct {
		name   string
		change func(*Spec)
	}{
		{"model", func(s *Spec) { s.Model = "alexnet" }},
		{"width", func(s *Spec) { s.Width = 0 }},
		{"steps", func(s *Spec) { s.Steps = 0 }},
		{"probes", func(s *Spec) { s.Probes = 2 }},
		{"dataset", func(s *Spec) { s.Dataset = "imagenet" }},
	} {
		s := good
		tc.change(&s)
		if err := s.Validate(); err == nil {
			t.Errorf("bad %s accepted: %+v", tc.name, s)
		}
	}
	if err := good.Validate(); err != nil {
		t.Fatal(err)
	}
	other := good
	other.Steps++
	if good.Key() == other.Key() || good.Key() != good.Key() {
		t.Errorf("keys %q and %q: want stable keys that differ when the spec does", good.Key(), other.Key())
	}
}

// TestCacheKey checks that the caches' key holds the metric's full
// configuration and both versions.
func TestCacheKey(t *testing.T) {
	lin, _ := repgeo.NewMetric("angular-cka", repgeo.DefaultOptions())
	o := repgeo.DefaultOptions()
	o.Kernel = repgeo.RBFKernel
	rbf, _ := repgeo.NewMetric("angular-cka", o)
	a, b := cacheKey(lin), cacheKey(rbf)
	if a == b || keyHash(a) == keyHash(b) {
		t.Errorf("two configurations of angular-cka share the key %q", a)
	}
	want := fmt.Sprintf("angular-cka(kernel=linear,unbiased=false)|repgeo-algorithm-%d|experiment-cache-%d", repgeo.AlgorithmVersion, CacheVersion)
	if a != want {
		t.Errorf("key %q, want %q", a, want)
	}
}

func TestDisplayName(t *testing.T) {
	for in, want := range map[string]string{
		"00_input": "input", "02_stage1_block1": "stage1_block1", "101_logits": "logits",
		"target": "target", "stage_2": "stage_2", "_x": "_x",
	} {
		if got := DisplayName(in); got != want {
			t.Errorf("DisplayName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestActivationsRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a.npz")
	acts := &models.Activations{
		Taps:   []string{"00_input", "01_logits"},
		Layers: []*mat.Dense{mat.NewDense(3, 2, []float64{1, 2, 3, 4, 5, 6}), mat.NewDense(3, 1, []float64{7, 8, 9})},
		Target: mat.NewDense(3, 2, []float64{1, 0, 0, 1, 0, 1}),
	}
	if err := writeActivations(path, acts); err != nil {
		t.Fatal(err)
	}
	got, err := readActivations(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Taps) != 2 || got.Taps[1] != "01_logits" || !mat.Equal(got.Layers[0], acts.Layers[0]) ||
		!mat.Equal(got.Target, acts.Target) || len(got.Labels) != 3 || got.Labels[0] != 0 || got.Labels[2] != 1 {
		t.Errorf("round trip gave %+v", got)
	}
	// A target that is not one-hot cannot be written, and a file that holds
	// one is a corrupt cache; so is a file without a target.
	acts.Target.Set(0, 1, 1)
	if err := writeActivations(path, acts); !errors.Is(err, models.ErrActivations) {
		t.Errorf("writing a two-hot target: error %v, want models.ErrActivations", err)
	}
	names, reps := acts.Path()
	if err := npy.WriteNPZ(path, names, reps); err != nil {
		t.Fatal(err)
	}
	if _, err := readActivations(path); !errors.Is(err, ErrCache) {
		t.Errorf("two-hot target: error %v, want ErrCache", err)
	}
	if err := npy.WriteNPZ(path, names[:2], reps[:2]); err != nil {
		t.Fatal(err)
	}
	if _, err := readActivations(path); !errors.Is(err, ErrCache) || !strings.Contains(err.Error(), "no \"target\"") {
		t.Errorf("no target: error %v, want ErrCache", err)
	}
	os.WriteFile(path, []byte("not an archive"), 0o644)
	if _, err := readActivations(path); !errors.Is(err, ErrCache) {
		t.Errorf("garbage file: error %v, want ErrCache", err)
	}
}

// TestPathEndToEnd trains a tiny VGG for two steps on generated images, and
// checks the path, its caching and the report of a corrupt cache.
func TestPathEndToEnd(t *testing.T) {
	runs := t.TempDir()
	s := Spec{Model: "vgg11", Width: 0.0625, Dataset: data.SyntheticGray, Optimizer: models.Adam, LearningRate: 1e-3,
		BatchSize: 8, Steps: 2, Seed: 3, Probes: 12, TestLimit: 16}
	// A path cache of code before CacheVersion 2 (keyed by the spec and the
	// metric's name only) holding other numbers is not reused.
	stale := filepath.Join(Dir(runs, s), "path-angular-cka.gob")
	if err := os.MkdirAll(filepath.Dir(stale), 0o755); err != nil {
		t.Fatal(err)
	}
	var old bytes.Buffer
	k := 12
	if err := gob.NewEncoder(&old).Encode(pathCache{Labels: make([]string, k), Distances: make([]float64, k*k),
		Measures: repgeo.PathMeasures{Progress: make([]float64, k)}}); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(stale, old.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	p, err := Path(runs, s, "angular-cka", nil)
	if err != nil {
		t.Fatal(err)
	}
	n := len(p.Labels)
	taps, _ := models.TapNames("vgg11", models.Coarse)
	if n != len(taps)+1 || p.Labels[0] != "input" || p.Labels[n-1] != Target {
		t.Fatalf("labels %v, want the %d coarse taps then %q", p.Labels, len(taps), Target)
	}
	if r, _ := p.Distances.Dims(); r != n {
		t.Fatalf("distance matrix %d×%d for %d points", r, r, n)
	}
	for i := 0; i < n; i++ {
		if p.Distances.At(i, i) != 0 {
			t.Errorf("d(%d, %d) = %v, want 0", i, i, p.Distances.At(i, i))
		}
		for j := 0; j < i; j++ {
			if d := p.Distances.At(i, j); !(d > 0) || d > math.Pi/2+1e-9 {
				t.Errorf("d(%s, %s) = %v, want an angle in (0, π/2]", p.Labels[i], p.Labels[j], d)
			}
		}
	}
	if got, want := p.Measures.EndpointDistance, p.Distances.At(0, n-1); math.Abs(got-want) > 1e-12 {
		t.Errorf("endpoint distance %v, want d(input, target) = %v", got, want)
	}
	cka, err := repgeo.NewMetric("angular-cka", repgeo.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	pathFile := "path-angular-cka-" + keyHash(cacheKey(cka)) + ".gob"
	for _, f := range []string{"spec.json", "train.json", activationsFile, pathFile, "model/model.json"} {
		if _, err := os.Stat(filepath.Join(Dir(runs, s), f)); err != nil {
			t.Errorf("cache file missing: %v", err)
		}
	}
	// The second call reads the cache, and says so with its key.
	var log bytes.Buffer
	q, err := Path(runs, s, "angular-cka", &log)
	if err != nil {
		t.Fatal(err)
	}
	if want := "reusing cached angular-cka path " + filepath.Join(s.Key(), pathFile) +
		" (key " + cacheKey(cka) + ")"; !strings.Contains(log.String(), want) {
		t.Errorf("log %q, want it to contain %q", log.String(), want)
	}
	if !mat.Equal(p.Distances, q.Distances) || q.Measures.Tortuosity != p.Measures.Tortuosity {
		t.Error("cached path differs from the computed one")
	}
	// The trained model loads from its checkpoint.
	if _, info, err := Net(runs, s, nil); err != nil || info.Steps != 2 {
		t.Errorf("loading the trained model: %+v, %v", info, err)
	}
	// The joint matrix of two models probed on the same inputs holds each
	// model's own matrix as a block, and the distance between the two
	// identical targets is zero.
	s2 := s
	s2.Model = "resnet20"
	j, err := Joint(runs, []Spec{s, s2}, "angular-cka", nil)
	if err != nil {
		t.Fatal(err)
	}
	log.Reset()
	if _, err := Joint(runs, []Spec{s, s2}, "angular-cka", &log); err != nil || !strings.Contains(log.String(), "reusing cached joint angular-cka distances") {
		t.Errorf("second Joint: log %q, error %v; want the cache reused", log.String(), err)
	}
	rows := j.Rows(0)
	if len(rows) != n || len(j.Rows(1)) != len(j.Labels)-n {
		t.Fatalf("joint rows %v of %d points, want the first %d", rows, len(j.Labels), n)
	}
	for a := 0; a < n; a++ {
		for b := 0; b < n; b++ {
			if d := math.Abs(j.Distances.At(rows[a], rows[b]) - p.Distances.At(a, b)); d > 1e-9 {
				t.Fatalf("joint distance (%d, %d) differs from the path's by %v", a, b, d)
			}
		}
	}
	last := len(j.Labels) - 1
	if d := j.Distances.At(n-1, last); d > 1e-7 {
		t.Errorf("distance between the two models' targets %v, want 0", d)
	}
	// Joint cached each model's block for Path: s2's path measured from it
	// is the path measured on its own (in a fresh runs directory), to within
	// rounding (the joint matrix may hold angular CKA's points in another form).
	blockKey := s2.Key() + "|" + cacheKey(cka)
	pd := filepath.Join(Dir(runs, s2), pathDistancesFile("angular-cka", blockKey))
	if _, err := os.Stat(pd); err != nil {
		t.Fatalf("Joint did not cache the path distances: %v", err)
	}
	log.Reset()
	fromJoint, err := Path(runs, s2, "angular-cka", &log)
	if err != nil {
		t.Fatal(err)
	}
	if want := "angular-cka distances from the joint matrix's cache " + filepath.Join(s2.Key(), filepath.Base(pd)); !strings.Contains(log.String(), want) {
		t.Errorf("log %q, want it to contain %q", log.String(), want)
	}
	alone, err := Path(t.TempDir(), s2, "angular-cka", nil)
	if err != nil {
		t.Fatal(err)
	}
	if !mat.EqualApprox(fromJoint.Distances, alone.Distances, 1e-12) {
		t.Error("path distances from the joint matrix differ from the path's own")
	}
	for i, a := range alone.Measures.Angles {
		if d := math.Abs(fromJoint.Measures.Angles[i] - a); !(d <= 1e-12) {
			t.Errorf("angle %d from the joint matrix %v, alone %v", i, fromJoint.Measures.Angles[i], a)
		}
	}
	if d := math.Abs(fromJoint.Measures.TotalLength - alone.Measures.TotalLength); !(d <= 1e-12) {
		t.Errorf("path length from the joint matrix differs by %v", d)
	}
	// A cached block of other points, or of other numbers, is reported
	// with the file to delete.
	labels := fromJoint.Labels
	nl := len(labels)
	scaled := mat.NewSymDense(nl, nil)
	scaled.ScaleSym(2, fromJoint.Distances)
	for _, tc := range []struct {
		name   string
		labels []string
		d      mat.Symmetric
	}{
		{"other points", []string{"a", "b"}, mat.NewSymDense(2, nil)},
		{"other distances", labels, scaled},
	} {
		os.Remove(filepath.Join(Dir(runs, s2), pathFile))
		if err := writePathDistances(pd, blockKey, tc.labels, tc.d); err != nil {
			t.Fatal(err)
		}
		if _, err := Path(runs, s2, "angular-cka", nil); !errors.Is(err, ErrCache) || !strings.Contains(err.Error(), pd) {
			t.Errorf("path distances of %s: error %v, want ErrCache naming %s", tc.name, err, pd)
		}
	}
	s3 := s2
	s3.Probes++
	if _, err := Joint(runs, []Spec{s, s3}, "angular-cka", nil); err == nil {
		t.Error("Joint accepted models probed on different inputs")
	}
	// A corrupt cache is reported.
	os.WriteFile(filepath.Join(Dir(runs, s), pathFile), []byte{1, 2, 3}, 0o644)
	if _, err := Path(runs, s, "angular-cka", nil); !errors.Is(err, ErrCache) {
		t.Errorf("corrupt path cache: error %v, want ErrCache", err)
	}
	if _, err := Path(runs, s, "no-such-metric", nil); err == nil {
		t.Error("unknown metric accepted")
	}
}

// TestZooNetLoads puts a member named resnet20-w1-s1 into a scratch zoo
// (trained for 2 steps on synthetic images shaped like Fashion-MNIST). As
// the list declares another recipe, Net must refuse it (zoo.ErrStale)
// without loading or retraining it, and the spec's key must say so; with
// the test's trial recipes accepted, Net must load it from there, and the
// key carry its tag.
func TestZooNetLoads(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("REPGEO_ZOO", dir)
	s, err := ZooSpec("resnet20-w1-s1", data.FashionMNIST, 10)
	if err != nil {
		t.Fatal(err)
	}
	untrained := s.Key()
	set, err := data.NewSynthetic(data.SyntheticOptions{Height: 28, Width: 28, Channels: 1, Train: 64, Test: 20, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	set.Name = data.FashionMNIST
	z, err := zoo.Open("", data.FashionMNIST)
	if err != nil || z.Dir != dir {
		t.Fatalf("zoo %v in %v, want %s", z, err, dir)
	}
	m, err := zoo.Lookup(s.Zoo)
	if err != nil {
		t.Fatal(err)
	}
	m.Recipe.Steps, m.Recipe.BatchSize = 2, 16
	b, err := sharedBackend()
	if err != nil {
		t.Fatal(err)
	}
	trained, err := z.Train(m, zoo.TrainOptions{Backend: b, Set: set})
	if err != nil {
		t.Fatal(err)
	}
	var log strings.Builder
	runs := t.TempDir()
	if _, _, err := Net(runs, s, &log); !errors.Is(err, zoo.ErrStale) || !strings.Contains(err.Error(), "recipe.steps 2 where the list declares 0") {
		t.Errorf("Net of a member trained with another recipe: %v, want an error wrapping zoo.ErrStale naming the steps", err)
	}
	if _, err := ActivationsOn(runs, s, 5, &log); !errors.Is(err, zoo.ErrStale) {
		t.Errorf("ActivationsOn of a member trained with another recipe: %v, want zoo.ErrStale", err)
	}
	if log.Len() != 0 {
		t.Errorf("Net loaded or trained a stale member: log %q", log.String())
	}
	if e, err := z.Entry(m.Name); err != nil || e.Finished != trained.Finished {
		t.Errorf("stale member's entry changed: %v", err)
	}
	if k := s.Key(); !strings.HasSuffix(k, "-stale") {
		t.Errorf("key %q of a stale member", k)
	}
	trialRecipes = true
	t.Cleanup(func() { trialRecipes = false })
	net, info, err := Net(runs, s, &log)
	if err != nil {
		t.Fatal(err)
	}
	if net.Config.Model != "resnet20" || net.Config.Width != 1 || info.Steps != 2 || !strings.Contains(log.String(), "loaded from the zoo") {
		t.Errorf("Net: %+v, %+v, log %q", net.Config, info, log.String())
	}
	if k := s.Key(); k == untrained || strings.HasSuffix(k, "-untrained") || len(k) != len(untrained)-len("untrained")+8 {
		t.Errorf("key %q once trained (was %q)", k, untrained)
	}
}
