package models

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/repgeo/repgeo/data"
)

// equalActivations reports whether a and b hold exactly the same values.
func equalActivations(t *testing.T, a, b *Activations) bool {
	t.Helper()
	if len(a.Layers) != len(b.Layers) {
		return false
	}
	for i := range a.Layers {
		if !mat.Equal(a.Layers[i], b.Layers[i]) {
			t.Logf("tap %s differs", a.Taps[i])
			return false
		}
	}
	return true
}

func trainTiny(t *testing.T, model, dir string, steps int, opt TrainOptions) (*Net, *TrainResult) {
	t.Helper()
	s := tinySynthetic(t, true)
	net, err := New(testBackend(t), configFor(model, 0.125, s), 5)
	if err != nil {
		t.Fatal(err)
	}
	opt.Steps, opt.BatchSize, opt.Seed, opt.Dir, opt.TestLimit = steps, 16, 9, dir, -1
	if opt.LearningRate == 0 {
		opt.LearningRate = 0.05
	}
	res, err := Train(net, s, opt)
	if err != nil {
		t.Fatal(err)
	}
	return net, res
}

func TestCheckpointRoundTrip(t *testing.T) {
	dir := t.TempDir()
	net, res := trainTiny(t, "resnet20", dir, 4, TrainOptions{CheckpointEvery: 2, Keep: 1})
	if !strings.HasPrefix(res.Checkpoint, dir) || !strings.HasSuffix(res.Checkpoint, "step-00000004") {
		t.Errorf("last checkpoint %q", res.Checkpoint)
	}
	names, _, err := listCheckpoints(dir)
	if err != nil || len(names) != 1 {
		t.Errorf("kept checkpoints %v (%v), want only the last", names, err)
	}
	loaded, err := Load(testBackend(t), dir)
	if err != nil {
		t.Fatal(err)
	}
	if loaded.Config != net.Config {
		t.Errorf("loaded config %+v, want %+v", loaded.Config, net.Config)
	}
	images, labels, err := Probes(tinySynthetic(t, true), 20, 3)
	if err != nil {
		t.Fatal(err)
	}
	want, err := Extract(net, images, labels, ExtractOptions{Grain: Fine, BatchSize: 8})
	if err != nil {
		t.Fatal(err)
	}
	got, err := Extract(loaded, images, labels, ExtractOptions{Grain: Fine, BatchSize: 8})
	if err != nil {
		t.Fatal(err)
	}
	if !equalActivations(t, want, got) {
		t.Error("activations of the reloaded checkpoint differ from those of the trained model")
	}
	// The batch size of the executor does not change the values.
	other, err := Extract(loaded, images, labels, ExtractOptions{Grain: Fine, BatchSize: 20})
	if err != nil {
		t.Fatal(err)
	}
	for i := range got.Layers {
		if !mat.EqualApprox(got.Layers[i], other.Layers[i], 1e-5) {
			t.Errorf("tap %s depends on the batch size", got.Taps[i])
		}
	}
}

func TestResumeMatchesUninterrupted(t *testing.T) {
	full := t.TempDir()
	netA, resA := trainTiny(t, "vgg11", full, 6, TrainOptions{CheckpointEvery: 2, Keep: 10, Snapshots: []int{0}})
	// A run that "crashed" after its step-4 checkpoint: copy the checkpoints
	// up to step 4, then resume.
	part := t.TempDir()
	entries, _ := os.ReadDir(full)
	for _, e := range entries {
		if e.IsDir() || strings.Contains(e.Name(), "step-00000006") {
			continue
		}
		if err := copyFile(filepath.Join(full, e.Name()), filepath.Join(part, e.Name())); err != nil {
			t.Fatal(err)
		}
	}
	netB, resB := trainTiny(t, "vgg11", part, 6, TrainOptions{CheckpointEvery: 2, Keep: 10, Resume: true})
	if resB.Steps != 6 || resA.Steps != 6 {
		t.Errorf("steps %d and %d, want 6", resA.Steps, resB.Steps)
	}
	images, _, _ := Probes(tinySynthetic(t, true), 10, 1)
	a, err := Extract(netA, images, nil, ExtractOptions{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := Extract(netB, images, nil, ExtractOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !equalActivations(t, a, b) {
		t.Error("resumed run differs from the uninterrupted one")
	}
	// The snapshot of epoch 0 loads on its own and holds the initial weights.
	init0, err := Load(testBackend(t), filepath.Join(full, "snapshots", "epoch-000"))
	if err != nil {
		t.Fatal(err)
	}
	fresh, err := New(testBackend(t), netA.Config, 5)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := Extract(init0, images, nil, ExtractOptions{})
	d, _ := Extract(fresh, images, nil, ExtractOptions{})
	if !equalActivations(t, c, d) {
		t.Error("snapshot epoch-000 differs from the initial weights")
	}
	// Resuming with other options is refused.
	s := tinySynthetic(t, true)
	netC, _ := New(testBackend(t), configFor("vgg11", 0.125, s), 5)
	_, err = Train(netC, s, TrainOptions{Steps: 6, BatchSize: 32, Seed: 9, Dir: part, Resume: true, TestLimit: -1})
	if err == nil || !strings.Contains(err.Error(), "resume") {
		t.Errorf("resume with another batch size: %v", err)
	}
}

// A crash while saving leaves at most a staging directory and a weights file
// without its JSON: neither is taken for a checkpoint.
func TestInterruptedSaveIsIgnored(t *testing.T) {
	dir := t.TempDir()
	net, _ := trainTiny(t, "vgg11", dir, 2, TrainOptions{})
	staging := filepath.Join(dir, ".staging-crashed")
	if err := os.Mkdir(staging, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{filepath.Join(staging, "checkpoint-n0000000-x.json"), filepath.Join(dir, "checkpoint-n0000009-step-00000009.bin")} {
		if err := os.WriteFile(f, []byte("partial"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	loaded, err := Load(testBackend(t), dir)
	if err != nil {
		t.Fatalf("loading beside the debris of a crash: %v", err)
	}
	images, _, _ := Probes(tinySynthetic(t, true), 5, 1)
	a, _ := Extract(net, images, nil, ExtractOptions{})
	b, _ := Extract(loaded, images, nil, ExtractOptions{})
	if !equalActivations(t, a, b) {
		t.Error("loaded weights differ from the last complete checkpoint")
	}
}

func TestLoadBadCheckpoint(t *testing.T) {
	good := t.TempDir()
	trainTiny(t, "resnet20", good, 1, TrainOptions{})
	names, _, _ := listCheckpoints(good)
	if len(names) != 1 {
		t.Fatalf("checkpoints %v", names)
	}
	base := names[0]
	for _, tc := range []struct {
		name   string
		mutate func(dir string) error
		msg    string
	}{
		{"missing directory", func(dir string) error { return os.RemoveAll(dir) }, "no such file"},
		{"no model.json", func(dir string) error { return os.Remove(filepath.Join(dir, ConfigFile)) }, ConfigFile},
		{"corrupt model.json", func(dir string) error {
			return os.WriteFile(filepath.Join(dir, ConfigFile), []byte(`{"model": "resnet20", "wid`), 0o644)
		}, "corrupt"},
		{"unknown model", func(dir string) error {
			return os.WriteFile(filepath.Join(dir, ConfigFile), []byte(`{"model":"resnet21","width":1,"input_shape":[28,28,1],"classes":10}`), 0o644)
		}, "unknown model"},
		{"other width", func(dir string) error {
			return os.WriteFile(filepath.Join(dir, ConfigFile), []byte(`{"model":"resnet20","width":0.25,"dataset":"synthetic-gray","input_shape":[28,28,1],"classes":10}`), 0o644)
		}, "saved from resnet20 at width 0.125"},
		{"other model", func(dir string) error {
			return os.WriteFile(filepath.Join(dir, ConfigFile), []byte(`{"model":"resnet32","width":0.125,"dataset":"synthetic-gray","input_shape":[28,28,1],"classes":10}`), 0o644)
		}, "saved from resnet20 at width 0.125"},
		{"no dataset", func(dir string) error {
			return os.WriteFile(filepath.Join(dir, ConfigFile), []byte(`{"model":"resnet20","width":0.125,"input_shape":[28,28,1],"classes":10}`), 0o644)
		}, `resnet20 names no dataset (Config.Dataset, "dataset" in model.json)`},
		{"empty dataset", func(dir string) error {
			return os.WriteFile(filepath.Join(dir, ConfigFile), []byte(`{"model":"resnet20","width":0.125,"dataset":"","input_shape":[28,28,1],"classes":10}`), 0o644)
		}, "names no dataset"},
		{"no weights", func(dir string) error {
			os.Remove(filepath.Join(dir, base+".bin"))
			return os.Remove(filepath.Join(dir, base+".json"))
		}, "no checkpoint files"},
		{"missing bin", func(dir string) error { return os.Remove(filepath.Join(dir, base+".bin")) }, "missing weights"},
		{"truncated bin", func(dir string) error { return os.Truncate(filepath.Join(dir, base+".bin"), 100) }, ""},
		{"corrupt json", func(dir string) error {
			return os.WriteFile(filepath.Join(dir, base+".json"), []byte("{\"Variables\": [1, 2"), 0o644)
		}, ""},
	} {
		dir := filepath.Join(t.TempDir(), "ckpt")
		if err := os.Mkdir(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		entries, _ := os.ReadDir(good)
		for _, e := range entries {
			if !e.IsDir() {
				if err := copyFile(filepath.Join(good, e.Name()), filepath.Join(dir, e.Name())); err != nil {
					t.Fatal(err)
				}
			}
		}
		if err := tc.mutate(dir); err != nil {
			t.Fatal(err)
		}
		_, err := Load(testBackend(t), dir)
		if !errors.Is(err, ErrCheckpoint) {
			t.Errorf("%s: error %v, want ErrCheckpoint", tc.name, err)
			continue
		}
		if !strings.Contains(err.Error(), tc.msg) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: error %q, want one line mentioning %q", tc.name, err, tc.msg)
		}
	}
}

func TestSnapshots(t *testing.T) {
	s, err := data.NewSynthetic(data.SyntheticOptions{Height: 28, Width: 28, Channels: 1, Train: 32, Test: 10, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	net, err := New(testBackend(t), configFor("resnet20", 0.125, s), 1)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	// Two steps per epoch: 5 steps end in the middle of epoch 3.
	if _, err := Train(net, s, TrainOptions{BatchSize: 16, Steps: 5, Dir: dir, Keep: 1, Snapshots: []int{0, 2, 3},
		TestLimit: -1}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		epoch  string
		exists bool
	}{{"epoch-000", true}, {"epoch-001", false}, {"epoch-002", true}, {"epoch-003", false}} {
		sub := filepath.Join(dir, "snapshots", tc.epoch)
		n, err := Load(testBackend(t), sub)
		if (err == nil) != tc.exists {
			t.Errorf("%s: load error %v, want exists=%v", tc.epoch, err, tc.exists)
		}
		if err == nil {
			names, _, _ := listCheckpoints(sub)
			step := map[string]string{"epoch-000": "step-00000000", "epoch-002": "step-00000004"}[tc.epoch]
			if len(names) != 1 || !strings.HasSuffix(names[0], step) {
				t.Errorf("%s holds %v, want one checkpoint at %s", tc.epoch, names, step)
			}
			if n.Config != net.Config {
				t.Errorf("%s: config %+v", tc.epoch, n.Config)
			}
		}
	}
}
