package models

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/tensors"

	"github.com/repgeo/repgeo/data"
)

// smallConfig is a model on 8×8×3 images, quick to build.
func smallConfig(model string, width float64) Config {
	return Config{Model: model, Width: width, Dataset: data.Synthetic, InputShape: [3]int{8, 8, 3}, Classes: 10}
}

// savedWeights saves the freshly initialized weights of a small model into a
// new directory and returns it with the base path of its checkpoint.
func savedWeights(t *testing.T, cfg Config) (dir, base string) {
	t.Helper()
	net, err := New(testBackend(t), cfg, 1)
	if err != nil {
		t.Fatal(err)
	}
	if err := initVariables(net); err != nil {
		t.Fatal(err)
	}
	dir = filepath.Join(t.TempDir(), "w")
	if err := SaveWeights(net, dir); err != nil {
		t.Fatal(err)
	}
	names, _, err := listCheckpoints(dir)
	if err != nil || len(names) != 1 {
		t.Fatalf("saved checkpoints %v (%v)", names, err)
	}
	return dir, filepath.Join(dir, names[0])
}

// editJSON rewrites the checkpoint JSON file base.json through edit, which
// gets it decoded into generic values (numbers as json.Number).
func editJSON(t *testing.T, base string, edit func(meta map[string]any)) {
	t.Helper()
	raw, err := os.ReadFile(base + ".json")
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var meta map[string]any
	if err := dec.Decode(&meta); err != nil {
		t.Fatal(err)
	}
	edit(meta)
	out, err := json.MarshalIndent(meta, "", "\t")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(base+".json", out, 0o644); err != nil {
		t.Fatal(err)
	}
}

// dropStoredConfig removes the Config stored in a checkpoint, as in the
// checkpoints written before it was stored.
func dropStoredConfig(t *testing.T, base string) {
	t.Helper()
	editJSON(t, base, func(meta map[string]any) {
		params, _ := meta["Params"].([]any)
		var kept []any
		for _, p := range params {
			if p.(map[string]any)["Key"] != ParamConfig {
				kept = append(kept, p)
			}
		}
		meta["Params"] = kept
	})
}

func writeConfig(t *testing.T, dir string, cfg Config) {
	t.Helper()
	if err := writeJSON(filepath.Join(dir, ConfigFile), cfg); err != nil {
		t.Fatal(err)
	}
}

// TestLoadChecksWeightSet labels the weights of one model as another whose
// weights share names and shapes (a subset or a superset of them), or as
// another width: Load must refuse, through the stored Config and, in older
// checkpoints without it, by comparing the weights in both directions.
func TestLoadChecksWeightSet(t *testing.T) {
	b := testBackend(t)
	for _, tc := range []struct {
		name          string
		saved, loaded Config
		msg           string // in the error of a checkpoint without a stored Config
	}{
		{"deeper ResNet as resnet20", smallConfig("resnet56", 0.125), smallConfig("resnet20", 0.125), "216 extra weights (/stage1_block4/bn1/batch_normalization/avg_weight, "},
		{"resnet20 as deeper ResNet", smallConfig("resnet20", 0.125), smallConfig("resnet32", 0.125), "72 missing (/stage1_block4/"},
		{"vgg13 as vgg11", smallConfig("vgg13", 0.125), smallConfig("vgg11", 0.125), "extra weights (/stage1_conv2/"},
		{"vgg11 as vgg19", smallConfig("vgg11", 0.125), smallConfig("vgg19", 0.125), "48 missing (/stage1_conv2/"},
		{"other width", smallConfig("resnet20", 0.125), smallConfig("resnet20", 0.25), "of another shape (/logits/dense/weights is (Float32)[8 10], want (Float32)[16 10]"},
		{"other input", smallConfig("vgg11", 0.125), Config{Model: "vgg11", Width: 0.125, Dataset: data.SyntheticGray, InputShape: [3]int{8, 8, 1}, Classes: 10}, "of another shape (/stage1_conv1/conv/weights"},
	} {
		dir, base := savedWeights(t, tc.saved)
		// The intact checkpoint loads.
		if _, err := Load(b, dir); err != nil {
			t.Fatalf("%s: intact checkpoint: %v", tc.name, err)
		}
		// model.json describing another model: the stored Config tells.
		writeConfig(t, dir, tc.loaded)
		_, err := Load(b, dir)
		if !errors.Is(err, ErrCheckpoint) || !strings.Contains(err.Error(), "saved from") {
			t.Errorf("%s: %v, want ErrCheckpoint naming the stored Config", tc.name, err)
		}
		// Without the stored Config, the weights tell.
		dropStoredConfig(t, base)
		_, err = Load(b, dir)
		if !errors.Is(err, ErrCheckpoint) || !strings.Contains(err.Error(), tc.msg) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: %v, want one line of ErrCheckpoint with %q", tc.name, err, tc.msg)
		}
		writeConfig(t, dir, tc.saved)
		if _, err := Load(b, dir); err != nil {
			t.Errorf("%s: checkpoint without a stored Config: %v", tc.name, err)
		}
	}

	// Widths that round to the same channel counts give the same weights:
	// only the stored Config tells them apart.
	saved, same := smallConfig("resnet20", 1), smallConfig("resnet20", 1.005)
	dir, base := savedWeights(t, saved)
	writeConfig(t, dir, same)
	if _, err := Load(b, dir); !errors.Is(err, ErrCheckpoint) {
		t.Errorf("width 1 labelled 1.005: %v, want ErrCheckpoint", err)
	}
	dropStoredConfig(t, base)
	if net, err := Load(b, dir); err != nil || net.Config != same {
		t.Errorf("width 1 labelled 1.005 without a stored Config: %v (the weights cannot tell)", err)
	}

	// A crash of SaveWeights between the new model.json and the new weights
	// would leave a Config beside weights of the same shapes: refused.
	dir, _ = savedWeights(t, smallConfig("vgg11", 0.125))
	other := smallConfig("vgg11", 0.125)
	other.Dataset = data.CIFAR10
	writeConfig(t, dir, other)
	if _, err := Load(b, dir); !errors.Is(err, ErrCheckpoint) || !strings.Contains(err.Error(), "cifar10") {
		t.Errorf("model.json of another dataset: %v, want ErrCheckpoint", err)
	}
}

// gzipPayload returns the variables' bytes of a compressed checkpoint
// weights file, after GoMLX's header.
func gzipPayload(t *testing.T, bin []byte) (header, payload []byte) {
	t.Helper()
	n := len(gomlxBinHeader) + 1 + int(bin[len(gomlxBinHeader)])
	r, err := gzip.NewReader(bytes.NewReader(bin[n:]))
	if err != nil {
		t.Fatal(err)
	}
	payload, err = io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return bin[:n], payload
}

func gzipped(t *testing.T, header, payload []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	buf.Write(header)
	w := gzip.NewWriter(&buf)
	if _, err := w.Write(payload); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestLoadChecksCheckpointIndex tampers with the variable index of a
// checkpoint's JSON file and with its weights file: Load must refuse with
// an error naming the file and the variable, before allocating anything.
func TestLoadChecksCheckpointIndex(t *testing.T) {
	b := testBackend(t)
	const target = "var:/stage1_conv1/conv/weights" // [3 3 3 8] float32: 216 elements, 864 bytes
	first := strings.TrimPrefix(target, "var:")
	editVar := func(edit func(v map[string]any)) func(t *testing.T, base string) {
		return func(t *testing.T, base string) {
			editJSON(t, base, func(meta map[string]any) {
				for _, v := range meta["Variables"].([]any) {
					if v.(map[string]any)["ParameterName"] == target {
						edit(v.(map[string]any))
						return
					}
				}
				t.Fatalf("no variable %s", target)
			})
		}
	}
	setVar := func(key string, value any) func(t *testing.T, base string) {
		return editVar(func(v map[string]any) { v[key] = value })
	}
	editBin := func(edit func(t *testing.T, bin []byte) []byte) func(t *testing.T, base string) {
		return func(t *testing.T, base string) {
			bin, err := os.ReadFile(base + ".bin")
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(base+".bin", edit(t, bin), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	// uncompressed rewrites the weights file without compression, as GoMLX
	// wrote it up to v0.24.1, then edits the raw bytes.
	uncompressed := func(edit func([]byte) []byte) func(t *testing.T, base string) {
		return editBin(func(t *testing.T, bin []byte) []byte {
			_, payload := gzipPayload(t, bin)
			return edit(payload)
		})
	}
	for _, tc := range []struct {
		name   string
		tamper func(t *testing.T, base string)
		msg    string // "" for an intact checkpoint
	}{
		{"intact", func(*testing.T, string) {}, ""},
		{"uncompressed", uncompressed(func(p []byte) []byte { return p }), ""},
		{"huge dimensions", setVar("Dimensions", []int{1048576, 1048576, 8}), first + ": 8796093022208 elements of Float32 take 35184372088832 bytes, not"},
		{"overflowing dimensions", setVar("Dimensions", []int{1 << 40, 1 << 40, 1 << 40}), first + ": dimensions [1099511627776 1099511627776 1099511627776] too large"},
		{"zero dimension", setVar("Dimensions", []int{3, 0, 3, 2}), first + ": dimension 0"},
		{"negative dimension", setVar("Dimensions", []int{-3, 3, 3, 2}), first + ": dimension -3"},
		{"length", setVar("Length", 12), first + ": 216 elements of Float32 take 864 bytes, not 12"},
		{"position", editVar(func(v map[string]any) {
			pos, _ := v["Pos"].(json.Number).Int64()
			v["Pos"] = pos + 4
		}), first + ": at byte"},
		{"dtype", setVar("DType", "Float64"), first + ": 216 elements of Float64 take 1728 bytes, not 864"},
		{"unknown dtype", setVar("DType", "Float33"), "corrupt checkpoint file"},
		{"dtype without whole bytes", setVar("DType", "S4"), first + ": unsupported dtype S4"},
		{"invalid dtype", setVar("DType", "InvalidDType"), first + ": unsupported dtype InvalidDType"},
		{"name", setVar("ParameterName", "weights"), `invalid variable name "weights"`},
		{"duplicate name", func(t *testing.T, base string) {
			editJSON(t, base, func(meta map[string]any) {
				vars := meta["Variables"].([]any)
				vars[len(vars)-1].(map[string]any)["ParameterName"] = target
			})
		}, first + ": listed twice"},
		{"extra compressed bytes", editBin(func(t *testing.T, bin []byte) []byte {
			h, p := gzipPayload(t, bin)
			return gzipped(t, h, append(p, 1, 2, 3))
		}), ".bin: more than the 586344 bytes its 50 variables take"},
		{"missing compressed bytes", editBin(func(t *testing.T, bin []byte) []byte {
			h, p := gzipPayload(t, bin)
			return gzipped(t, h, p[:len(p)-4])
		}), "lie past the end of the data"},
		{"garbage after the compressed data", editBin(func(_ *testing.T, bin []byte) []byte { return append(bin, 0, 0, 0, 0) }), ".bin: corrupt compressed data"},
		{"extra uncompressed bytes", uncompressed(func(p []byte) []byte { return append(p, 0) }), ".bin: more than the 586344 bytes its 50 variables take"},
		{"missing uncompressed bytes", uncompressed(func(p []byte) []byte { return p[:100] }), "lie past the end of the data (100 bytes)"},
		{"other compression", editBin(func(_ *testing.T, bin []byte) []byte {
			return append([]byte(gomlxBinHeader+"\x04zstd"), bin[len(gomlxBinHeader)+5:]...)
		}), `unsupported compression "zstd"`},
	} {
		dir, base := savedWeights(t, smallConfig("vgg11", 0.125))
		want, err := Load(b, dir)
		if err != nil {
			t.Fatal(err)
		}
		tc.tamper(t, base)
		got, err := Load(b, dir)
		if tc.msg == "" {
			if err != nil {
				t.Errorf("%s: %v", tc.name, err)
			} else if !sameWeights(t, want, got) {
				t.Errorf("%s: the weights differ", tc.name)
			}
			continue
		}
		if !errors.Is(err, ErrCheckpoint) || !strings.Contains(err.Error(), tc.msg) ||
			!strings.Contains(err.Error(), base) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: %v, want one line of ErrCheckpoint naming %s with %q", tc.name, err, base, tc.msg)
		}
	}
}

// sameWeights reports whether a and b hold the same weights, bit for bit.
func sameWeights(t *testing.T, a, b *Net) bool {
	t.Helper()
	n := 0
	for v := range a.Context.IterVariables() {
		if !IsWeight(v) {
			continue
		}
		n++
		w := b.Context.GetVariableByScopeAndName(v.Scope(), v.Name())
		if w == nil {
			t.Logf("%s missing", v.ScopeAndName())
			return false
		}
		x, y := tensors.MustCopyFlatData[float32](v.MustValue()), tensors.MustCopyFlatData[float32](w.MustValue())
		if len(x) != len(y) {
			return false
		}
		for i := range x {
			if math.Float32bits(x[i]) != math.Float32bits(y[i]) {
				t.Logf("%s differs", v.ScopeAndName())
				return false
			}
		}
	}
	return n > 0
}

// TestSavedBytesDeterministic loads saved weights and saves them again,
// twice: the files are byte-identical to the first save, whatever order the
// variables came back in.
func TestSavedBytesDeterministic(t *testing.T) {
	b := testBackend(t)
	dir, base := savedWeights(t, smallConfig("resnet32", 0.125))
	wantBin, _ := os.ReadFile(base + ".bin")
	wantJSON, _ := os.ReadFile(base + ".json")
	for i := range 3 {
		net, err := Load(b, dir)
		if err != nil {
			t.Fatal(err)
		}
		again := filepath.Join(t.TempDir(), "again")
		if err := SaveWeights(net, again); err != nil {
			t.Fatal(err)
		}
		bin, _ := os.ReadFile(filepath.Join(again, filepath.Base(base)+".bin"))
		meta, _ := os.ReadFile(filepath.Join(again, filepath.Base(base)+".json"))
		if !bytes.Equal(bin, wantBin) || !bytes.Equal(meta, wantJSON) {
			t.Fatalf("save %d after a load: the checkpoint files differ from the first save", i+1)
		}
	}
}

// TestDatasetChecked runs a model on a set of the same image shape but
// another name, and resumes a run on another dataset or training split.
func TestDatasetChecked(t *testing.T) {
	b := testBackend(t)
	s := tinySynthetic(t, true)
	net, err := New(b, configFor("vgg11", 0.125, s), 1)
	if err != nil {
		t.Fatal(err)
	}
	renamed := *s
	renamed.Name = data.FashionMNIST // 28×28×1 of 10 classes too
	if _, err := Train(net, &renamed, TrainOptions{Steps: 1, BatchSize: 16, TestLimit: -1}); err == nil || !strings.Contains(err.Error(), data.FashionMNIST) {
		t.Errorf("Train on another dataset: %v", err)
	}
	if _, err := Evaluate(net, &renamed, 10); err == nil || !strings.Contains(err.Error(), data.FashionMNIST) {
		t.Errorf("Evaluate on another dataset: %v", err)
	}
	if _, err := Accuracy(net, &renamed, 10); err == nil || !strings.Contains(err.Error(), data.FashionMNIST) {
		t.Errorf("Accuracy on another dataset: %v", err)
	}
	if _, err := Accuracy(net, tinySynthetic(t, false), 10); err == nil {
		t.Error("Accuracy on images of another shape: no error")
	}

	// Resuming: two steps of four, then the rest on another training split.
	dir := t.TempDir()
	run := func(set *data.Set, steps int) error {
		net, err := New(b, configFor("vgg11", 0.125, set), 1)
		if err != nil {
			t.Fatal(err)
		}
		stop := errors.New("stop")
		_, err = Train(net, set, TrainOptions{Steps: 4, BatchSize: 16, Seed: 1, Dir: dir, Resume: true, CheckpointEvery: 1,
			TestLimit: -1, AfterStep: func(step int, _ float64) error {
				if step == steps {
					return stop
				}
				return nil
			}})
		if errors.Is(err, stop) {
			return nil
		}
		return err
	}
	if err := run(s, 2); err != nil {
		t.Fatal(err)
	}
	half := *s
	half.Train = data.Split{Pixels: s.Train.Pixels[:128*s.ImageSize()], Labels: s.Train.Labels[:128]}
	if err := run(&half, 3); !errors.Is(err, ErrIncompatible) || !strings.Contains(err.Error(), "TrainImages:256") {
		t.Errorf("resume on another training split: %v, want ErrIncompatible", err)
	}
	// A state file from before the dataset and split were recorded resumes.
	var st map[string]any
	if err := readJSON(filepath.Join(dir, TrainStateFile), &st); err != nil {
		t.Fatal(err)
	}
	if st["dataset"] != data.SyntheticGray || st["train_images"] != 256.0 {
		t.Errorf("state %v: want the dataset and the training split's size", st)
	}
	delete(st, "dataset")
	delete(st, "train_images")
	if err := writeJSON(filepath.Join(dir, TrainStateFile), st); err != nil {
		t.Fatal(err)
	}
	if err := run(&half, 3); err != nil {
		t.Errorf("resume from an older state file: %v", err)
	}
}

// TestTapNumbers selects taps by numbered names: a number must be one an
// extraction can give the tap (at most its place in the fine list), one
// number per tap, numbers increasing along the path.
func TestTapNumbers(t *testing.T) {
	for _, tc := range []struct {
		layers []string
		want   []string // nil for an error
		msg    string   // in the error
	}{
		{[]string{"stem"}, []string{"00_stem"}, ""},
		{[]string{"00_stem"}, []string{"00_stem"}, ""}, // a custom list's own numbering
		{[]string{"01_stem"}, []string{"00_stem"}, ""}, // coarse numbering
		{[]string{"03_stem"}, []string{"00_stem"}, ""}, // fine numbering, the largest
		{[]string{"1_stem"}, []string{"00_stem"}, ""},
		{[]string{"11_pool"}, []string{"00_pool"}, ""},
		{[]string{"12_pool"}, []string{"00_pool"}, ""},
		{[]string{"67_pool"}, []string{"00_pool"}, ""},
		{[]string{"02_stage1_block1_conv1"}, []string{"00_stage1_block1_conv1"}, ""},
		{[]string{"04_stage1_block1_conv1"}, []string{"00_stage1_block1_conv1"}, ""}, // fine only
		{[]string{"02_pool", "00_stem", "stage2_block1_add", "00_stem"}, []string{"00_stem", "01_stage2_block1_add", "02_pool"}, ""},
		{[]string{"99_stem"}, nil, `tap "99_stem": stem can be at most tap 03 of an extraction`},
		{[]string{"04_stem"}, nil, "stem can be at most tap 03"},
		{[]string{"68_pool"}, nil, "pool can be at most tap 67"},
		{[]string{"05_stage1_block1_conv1"}, nil, "stage1_block1_conv1 can be at most tap 04"},
		{[]string{"99999999999999999999_stem"}, nil, "stem can be at most tap 03"},
		{[]string{"01_pool", "02_stem"}, nil, `tap "01_pool" comes after "02_stem" in the model but has a number no larger`},
		{[]string{"01_stem", "01_pool"}, nil, `tap "01_pool" comes after "01_stem"`},
		{[]string{"00_stem", "pool", "01_stem"}, nil, `taps "00_stem" and "01_stem" name the same tap with different numbers`},
		{[]string{"99_nothing"}, nil, `has no tap "99_nothing"`},
	} {
		got, err := SelectTaps("resnet20", ExtractOptions{Layers: tc.layers})
		switch {
		case tc.want == nil && (err == nil || !strings.Contains(err.Error(), tc.msg)):
			t.Errorf("%q: selected %v (%v), want an error containing %q", tc.layers, got, err, tc.msg)
		case tc.want != nil && (err != nil || !slices.Equal(got, tc.want)):
			t.Errorf("%q: %v (%v), want %v", tc.layers, got, err, tc.want)
		}
	}
}

// TestTapNamesRoundTrip gives every model's tap names back to SelectTaps:
// those of a coarse, a fine and a custom extraction (every other fine tap)
// select the same taps again.
func TestTapNamesRoundTrip(t *testing.T) {
	for _, model := range Names() {
		fine, err := TapNames(model, Fine)
		if err != nil {
			t.Fatal(err)
		}
		coarse, err := TapNames(model, Coarse)
		if err != nil {
			t.Fatal(err)
		}
		var custom []string
		for i, n := range fine {
			if i%2 == 1 {
				_, bare, _ := strings.Cut(n, "_")
				custom = append(custom, bare)
			}
		}
		written, err := SelectTaps(model, ExtractOptions{Layers: custom})
		if err != nil {
			t.Fatalf("%s: %v", model, err)
		}
		for _, names := range [][]string{coarse, fine, written} {
			got, err := SelectTaps(model, ExtractOptions{Layers: names})
			if err != nil {
				t.Errorf("%s: the names %v are refused: %v", model, names, err)
				continue
			}
			want := renumber(names)
			if !slices.Equal(got, want) {
				t.Errorf("%s: %v selects %v, want %v", model, names, got, want)
			}
		}
	}
}

// renumber returns names numbered from 00 as a list of their own.
func renumber(names []string) []string {
	bare := make([]string, len(names))
	for i, n := range names {
		_, bare[i], _ = strings.Cut(n, "_")
	}
	return numbered(bare)
}

// TestNotFinite: a diverging run and non-finite activations give errors
// wrapping their sentinels.
func TestNotFinite(t *testing.T) {
	b := testBackend(t)
	s := tinySynthetic(t, true)
	net, err := New(b, configFor("vgg11", 0.125, s), 1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Train(net, s, TrainOptions{Steps: 8, BatchSize: 16, LearningRate: 1e30, TestLimit: -1}); !errors.Is(err, ErrDiverged) {
		t.Errorf("training at a learning rate of 1e30: %v, want ErrDiverged", err)
	}

	net, err = New(b, configFor("vgg11", 0.125, s), 1)
	if err != nil {
		t.Fatal(err)
	}
	images, labels, _ := Probes(s, 4, 1)
	if _, err := Extract(net, images, labels, ExtractOptions{}); err != nil {
		t.Fatal(err)
	}
	bad := append([]float32(nil), images...)
	bad[s.ImageSize()+5] = float32(math.NaN())
	if _, err := Extract(net, bad, labels, ExtractOptions{}); !errors.Is(err, ErrNotFinite) || !strings.Contains(err.Error(), "image 1") {
		t.Errorf("NaN input: %v, want ErrNotFinite naming image 1", err)
	}
	// An infinite weight: the logits are no longer finite.
	v := net.Context.GetVariableByScopeAndName("/logits/dense", "biases")
	if v == nil {
		t.Fatal("no logits bias")
	}
	bias := tensors.MustCopyFlatData[float32](v.MustValue())
	bias[0] = float32(math.Inf(1))
	v.MustSetValue(tensors.FromFlatDataAndDimensions(bias, len(bias)))
	if _, err := Extract(net, images, labels, ExtractOptions{}); !errors.Is(err, ErrNotFinite) || !strings.Contains(err.Error(), "logits") {
		t.Errorf("infinite weight: %v, want ErrNotFinite naming the logits", err)
	}
}

// TestSnapshotReplace replaces a snapshot, once with the rename of the new
// copy into place failing: the old snapshot must survive that, whole.
func TestSnapshotReplace(t *testing.T) {
	b := testBackend(t)
	net, err := New(b, smallConfig("resnet20", 0.125), 1)
	if err != nil {
		t.Fatal(err)
	}
	if err := initVariables(net); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	ck, err := NewCheckpointer(net, dir, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer ck.Close()
	holds := func(want string) {
		t.Helper()
		sub := filepath.Join(dir, "snapshots", "a")
		names, _, err := listCheckpoints(sub)
		if err != nil || len(names) != 1 || !strings.HasSuffix(names[0], want) {
			t.Fatalf("snapshot holds %v (%v), want the checkpoint of %s", names, err, want)
		}
		if _, err := Load(b, sub); err != nil {
			t.Fatal(err)
		}
		if entries, _ := os.ReadDir(filepath.Join(dir, "snapshots")); len(entries) != 1 {
			t.Errorf("snapshots holds %v, want only the snapshot", entries)
		}
	}
	for step, failing := range []bool{false, false, true, false} {
		if _, err := ck.Save(int64(step)); err != nil {
			t.Fatal(err)
		}
		if failing {
			renameDir = func(from, to string) error {
				if filepath.Base(to) == "a" && !strings.HasSuffix(from, ".old") {
					return errors.New("simulated failure")
				}
				return os.Rename(from, to)
			}
		}
		err := ck.Snapshot(filepath.Join("snapshots", "a"))
		renameDir = os.Rename
		if failing {
			if err == nil || !strings.Contains(err.Error(), "simulated failure") {
				t.Errorf("snapshot %d: %v, want the failure", step, err)
			}
			holds("step-00000001")
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		holds(fmt.Sprintf("step-%08d", step))
	}
}
