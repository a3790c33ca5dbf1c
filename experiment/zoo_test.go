package experiment

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/backends"
	"gonum.org/v1/gonum/mat"

	"github.com/repgeo/repgeo/data"
	"github.com/repgeo/repgeo/internal/fakefashion"
	"github.com/repgeo/repgeo/models"
	"github.com/repgeo/repgeo/models/zoo"
)

// writeFashionMNIST writes a small Fashion-MNIST look-alike (random 28×28
// images, labels cycling through the 10 classes) into dir.
func writeFashionMNIST(t *testing.T, dir string, train, test int) {
	t.Helper()
	if err := fakefashion.Write(dir, train, test, 5); err != nil {
		t.Fatal(err)
	}
}

// trainScratch trains the zoo member name for steps steps of 16 images into
// the zoo that zoo.EnvDir names (a scratch one, on the Fashion-MNIST of
// data.EnvDataDir) and returns the zoo, the backend and the entry.
func trainScratch(t *testing.T, name string, steps int) (*zoo.Zoo, backends.Backend, *zoo.Entry) {
	t.Helper()
	set, err := data.Load(data.FashionMNIST, "")
	if err != nil {
		t.Fatal(err)
	}
	m, err := zoo.Lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	m.Recipe.Steps, m.Recipe.BatchSize = steps, 16
	z, err := zoo.Open("", data.FashionMNIST)
	if err != nil {
		t.Fatal(err)
	}
	b, err := sharedBackend()
	if err != nil {
		t.Fatal(err)
	}
	e, err := z.Train(m, zoo.TrainOptions{Backend: b, Set: set, TestLimit: 20})
	if err != nil {
		t.Fatal(err)
	}
	return z, b, e
}

// TestZooSourceAndSnapshots trains the zoo member vgg11-w0.25-s1 for 3 steps
// into a scratch zoo (on a small Fashion-MNIST look-alike) and reads its
// final weights and snapshots through ZooSource and ZooSnapshots: in step
// order, with the curve's accuracies, the activations of a direct
// extraction, cached; members the zoo lacks give a clear error.
func TestZooSourceAndSnapshots(t *testing.T) {
	zooDir, dataDir, runs := t.TempDir(), t.TempDir(), t.TempDir()
	t.Setenv(zoo.EnvDir, zooDir)
	t.Setenv(data.EnvDataDir, dataDir)
	writeFashionMNIST(t, dataDir, 64, 40)
	const name, probes, probeSeed = "vgg11-w0.25-s1", 20, 5

	for _, tc := range []struct {
		name string
		want []string
		is   []error
	}{
		{name, []string{name, "make zoo", "repgeo zoo --members=" + name}, []error{ErrNotTrained, zoo.ErrNotTrained}},
		{"vgg11-w0.5-s1", []string{`no member named "vgg11-w0.5-s1"`}, nil},
	} {
		_, err := ZooSource(runs, tc.name, probes, probeSeed, nil)
		_, serr := ZooSnapshots(runs, tc.name, probes, probeSeed, nil)
		for _, e := range []error{err, serr} {
			if e == nil {
				t.Fatalf("%s: no error from an empty zoo", tc.name)
			}
			for _, w := range tc.want {
				if !strings.Contains(e.Error(), w) {
					t.Errorf("%s: error %q does not say %q", tc.name, e, w)
				}
			}
			for _, target := range tc.is {
				if !errors.Is(e, target) {
					t.Errorf("%s: error %q does not wrap %v", tc.name, e, target)
				}
			}
		}
	}
	if _, err := ZooSnapshots(runs, "vgg11-w0.25-s2", probes, probeSeed, nil); err == nil || !strings.Contains(err.Error(), "keeps no snapshots") {
		t.Errorf("snapshots of a member without them: error %v", err)
	}

	z, b, e := trainScratch(t, name, 3)
	set, err := data.Load(data.FashionMNIST, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(e.SnapshotSteps) < 3 {
		t.Fatalf("the scratch member keeps snapshots at %v: too few to test", e.SnapshotSteps)
	}

	// direct extracts the activations of the member's weights at step.
	direct := func(step int) *models.Activations {
		t.Helper()
		net, err := z.LoadSnapshot(b, name, step)
		if err != nil {
			t.Fatal(err)
		}
		images, labels, err := models.Probes(set, probes, probeSeed)
		if err != nil {
			t.Fatal(err)
		}
		acts, err := models.Extract(net, images, labels, models.ExtractOptions{Grain: models.Coarse})
		if err != nil {
			t.Fatal(err)
		}
		return acts
	}
	same := func(what string, got, want *models.Activations) {
		t.Helper()
		if len(got.Layers) != len(want.Layers) || !mat.Equal(got.Target, want.Target) {
			t.Fatalf("%s: %d taps, want %d (or the targets differ)", what, len(got.Layers), len(want.Layers))
		}
		for l := range want.Layers {
			if !mat.EqualApprox(got.Layers[l], want.Layers[l], 1e-6) {
				t.Errorf("%s: tap %s differs from a direct extraction", what, want.Taps[l])
			}
		}
	}

	// A member trained with another recipe than the list's is refused,
	// unless the test opts in to its trial recipe.
	if _, err := ZooSource(runs, name, probes, probeSeed, nil); !errors.Is(err, zoo.ErrStale) || !strings.Contains(err.Error(), "the list declares") {
		t.Errorf("ZooSource of a member of another recipe: error %v, want zoo.ErrStale", err)
	}
	if _, err := ZooSnapshots(runs, name, probes, probeSeed, nil); !errors.Is(err, zoo.ErrStale) || !strings.Contains(err.Error(), "the list declares") {
		t.Errorf("ZooSnapshots of a member of another recipe: error %v, want zoo.ErrStale", err)
	}
	trialRecipes = true
	t.Cleanup(func() { trialRecipes = false })

	var log strings.Builder
	src, err := ZooSource(runs, name, probes, probeSeed, &log)
	if err != nil {
		t.Fatal(err)
	}
	if src.Name != name || !strings.Contains(log.String(), "extracted") {
		t.Errorf("ZooSource: name %q, log %q", src.Name, log.String())
	}
	same("final weights", src.Acts, direct(e.Steps))

	log.Reset()
	snaps, err := ZooSnapshots(runs, name, probes, probeSeed, &log)
	if err != nil {
		t.Fatal(err)
	}
	if len(snaps) != len(e.SnapshotSteps) {
		t.Fatalf("%d snapshots, the zoo keeps %v", len(snaps), e.SnapshotSteps)
	}
	curve := map[int]float64{}
	for _, p := range e.Curve {
		curve[p.Step] = p.TestAccuracy
	}
	for k, s := range snaps {
		if s.Step != e.SnapshotSteps[k] || (k > 0 && s.Step <= snaps[k-1].Step) || s.Accuracy != curve[s.Step] {
			t.Errorf("snapshot %d: step %d, accuracy %v; want step %d of %v, accuracy %v", k, s.Step, s.Accuracy, e.SnapshotSteps[k], e.SnapshotSteps, curve[s.Step])
		}
		same(fmt.Sprintf("snapshot at step %d", s.Step), s.Acts, direct(s.Step))
	}
	last := len(snaps[0].Acts.Layers) - 1
	if snaps[0].Step != 0 || snaps[len(snaps)-1].Step != e.Steps || mat.Equal(snaps[0].Acts.Layers[last], snaps[len(snaps)-1].Acts.Layers[last]) {
		t.Errorf("snapshots from step %d to %d (the member has %d), logits changed: %v", snaps[0].Step, snaps[len(snaps)-1].Step, e.Steps,
			!mat.Equal(snaps[0].Acts.Layers[last], snaps[len(snaps)-1].Acts.Layers[last]))
	}
	same("last snapshot", snaps[len(snaps)-1].Acts, src.Acts)

	// The second time everything comes from the cache; the dynamics measure.
	log.Reset()
	again, err := ZooSnapshots(runs, name, probes, probeSeed, &log)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(log.String(), "0 extracted") {
		t.Errorf("second ZooSnapshots extracted again: %q", log.String())
	}
	same("cached snapshot", again[1].Acts, snaps[1].Acts)
	if _, err := TrainingDynamics(testMetric(t, "angular-cka"), snaps); err != nil {
		t.Errorf("TrainingDynamics of the zoo's snapshots: %v", err)
	}

	// A member whose files no longer match the manifest is reported as
	// corrupt, not read (the activations of other probes are not cached).
	snap := z.SnapshotDir(name, e.SnapshotSteps[1])
	if err := filepath.WalkDir(snap, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			return os.WriteFile(p, []byte("changed"), 0o644)
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := ZooSnapshots(runs, name, probes, probeSeed+1, nil); !errors.Is(err, zoo.ErrCorrupt) {
		t.Errorf("snapshots of a changed member: error %v, want zoo.ErrCorrupt", err)
	}
}

// TestActivationsOnUntrainedMember puts activations into the cache
// directory of a zoo member not trained yet: neither Activations nor
// ActivationsOn may read them; both must train the member, which here
// fails on corrupt data.
func TestActivationsOnUntrainedMember(t *testing.T) {
	t.Setenv(zoo.EnvDir, t.TempDir())
	// Corrupt dataset files: training fails at once.
	dataDir := t.TempDir()
	t.Setenv(data.EnvDataDir, dataDir)
	for _, f := range []string{"train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"} {
		if err := os.WriteFile(filepath.Join(dataDir, f), []byte("corrupt"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	runs := t.TempDir()
	s, err := ZooSpec("vgg11-w0.25-s1", data.FashionMNIST, 20)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(s.Key(), "-untrained") {
		t.Fatalf("key %q of a member of an empty zoo", s.Key())
	}
	for _, tc := range []struct {
		name, file string
		get        func() (*models.Activations, error)
	}{
		{"Activations", activationsFile, func() (*models.Activations, error) { return Activations(runs, s, nil) }},
		{"ActivationsOn", probeActivationsFile(5), func() (*models.Activations, error) { return ActivationsOn(runs, s, 5, nil) }},
	} {
		stale := filepath.Join(Dir(runs, s), tc.file)
		if err := os.MkdirAll(filepath.Dir(stale), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := writeActivations(stale, fakeActs(1, 20, 10, 3)); err != nil {
			t.Fatal(err)
		}
		if acts, err := tc.get(); err == nil {
			t.Errorf("%s read %d taps from the untrained member's directory", tc.name, len(acts.Taps))
		}
	}
}

// TestZooSpecActivations trains the zoo member vgg11-w0.25-s1 for 2 steps
// into a scratch zoo and expects Activations and Path of its ZooSpec to work
// on an empty runs directory (whose per-spec cache directory no checkpoint
// creates), to write the activations cache there and to reuse it after.
func TestZooSpecActivations(t *testing.T) {
	zooDir, dataDir, runs := t.TempDir(), t.TempDir(), t.TempDir()
	t.Setenv(zoo.EnvDir, zooDir)
	t.Setenv(data.EnvDataDir, dataDir)
	writeFashionMNIST(t, dataDir, 64, 40)
	const name = "vgg11-w0.25-s1"
	trainScratch(t, name, 2)
	trialRecipes = true // trained for 2 steps, not the list's recipe
	t.Cleanup(func() { trialRecipes = false })
	s, err := ZooSpec(name, data.FashionMNIST, 20)
	if err != nil {
		t.Fatal(err)
	}
	var log strings.Builder
	acts, err := Activations(runs, s, &log)
	if err != nil {
		t.Fatalf("Activations of a zoo member on empty runs: %v", err)
	}
	if len(acts.Labels) != 20 || len(acts.Layers) < 3 {
		t.Errorf("Activations: %d labels, %d layers", len(acts.Labels), len(acts.Layers))
	}
	if _, err := os.Stat(filepath.Join(Dir(runs, s), activationsFile)); err != nil {
		t.Errorf("no activations cache: %v", err)
	}
	log.Reset()
	if _, err := Activations(runs, s, &log); err != nil || !strings.Contains(log.String(), "loaded from") {
		t.Errorf("second Activations: %v, log %q", err, log.String())
	}
	p, err := Path(runs, s, "angular-cka", nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Labels) != len(acts.Layers)+1 || p.Measures.Tortuosity < 1 {
		t.Errorf("Path: %d labels for %d layers, tortuosity %v", len(p.Labels), len(acts.Layers), p.Measures.Tortuosity)
	}
}
