package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/repgeo/repgeo/models"
	"github.com/repgeo/repgeo/npy"
)

func TestModelsCommand(t *testing.T) {
	code, stdout, stderr := geoRun("models")
	if code != 0 || stderr != "" {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	for _, name := range []string{"resnet18", "resnet20", "resnet32", "resnet56", "vgg11", "vgg13", "vgg16", "vgg19"} {
		if !strings.Contains(stdout, "\n"+name+": ") && !strings.HasPrefix(stdout, name+": ") {
			t.Errorf("models does not list %s", name)
		}
	}
	if !strings.Contains(stdout, "13 taps (--layers=all): 00_input 01_stem 02_stage1_block1 ") {
		t.Errorf("resnet20's coarse taps not listed:\n%s", stdout)
	}
	_, fine, _ := geoRun("models", "--fine")
	if !strings.Contains(fine, "02_stem_bn 03_stem 04_stage1_block1_conv1 05_stage1_block1_bn1 06_stage1_block1_relu1 07_stage1_block1_conv2 08_stage1_block1_bn2 09_stage1_block1_add 10_stage1_block1 ") {
		t.Errorf("fine taps not listed:\n%s", fine)
	}
}

// trainCLI trains a tiny model with the command line and returns its
// checkpoint directory.
func trainCLI(t *testing.T, model string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "ckpt")
	code, stdout, stderr := geoRun("train", "--model="+model, "--dataset=synthetic-gray", "--width=0.125",
		"--steps=3", "--batch=16", "--lr=0.05", "--seed=2", "--test-limit=40", "--out="+dir, "--json")
	if code != 0 {
		t.Fatalf("train: exit %d: %s", code, stderr)
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(stdout), &got); err != nil {
		t.Fatalf("train --json printed %q: %v", stdout, err)
	}
	want := []string{"checkpoint", "images_per_second", "loss_first", "loss_last", "model", "steps", "test_accuracy"}
	if keys := keys(got); !slices.Equal(keys, want) {
		t.Errorf("train --json keys %v, want %v", keys, want)
	}
	if got["model"] != model || got["steps"] != float64(3) {
		t.Errorf("train --json: %v", got)
	}
	if acc, ok := got["test_accuracy"].(float64); !ok || acc < 0 || acc > 1 {
		t.Errorf("test_accuracy %v", got["test_accuracy"])
	}
	if c, _ := got["checkpoint"].(string); !strings.HasPrefix(c, dir) {
		t.Errorf("checkpoint %q not in %s", c, dir)
	}
	return dir
}

func TestTrainExtractCommands(t *testing.T) {
	dir := trainCLI(t, "resnet20")
	again := []string{"train", "--model=resnet20", "--dataset=synthetic-gray", "--width=0.125",
		"--steps=3", "--batch=16", "--lr=0.05", "--seed=2", "--test-limit=-1", "--out=" + dir, "--json"}
	if code, _, stderr := geoRun(again...); code != 2 || !strings.Contains(stderr, "already holds checkpoints") {
		t.Errorf("training again into %s: exit %d, %q", dir, code, stderr)
	}
	if code, _, stderr := geoRun(append(again, "--resume", "--batch=8")...); code != 2 || !strings.Contains(stderr, "resume") {
		t.Errorf("resuming with another batch size: exit %d, %q", code, stderr)
	}
	code, stdout, stderr := geoRun(append(again, "--resume")...)
	if code != 0 || !strings.Contains(stdout, `"steps":3`) || !strings.Contains(stdout, `"loss_first":null`) {
		t.Errorf("resuming a finished run: exit %d, %q, %q", code, stdout, stderr)
	}
	out := filepath.Join(t.TempDir(), "acts.npz")
	for _, tc := range []struct {
		layers string
		grain  models.Grain
		want   []string
	}{
		{"", models.Coarse, nil},
		{"fine", models.Fine, nil},
		{"11_pool,stem,stage2_block1_add", 0, []string{"00_stem", "01_stage2_block1_add", "02_pool"}},
		// The names that extraction wrote select the same taps again.
		{"00_stem,01_stage2_block1_add,02_pool", 0, []string{"00_stem", "01_stage2_block1_add", "02_pool"}},
	} {
		args := []string{"extract", "--checkpoint=" + dir, "--m=12", "--seed=4", "--out=" + out}
		if tc.layers != "" {
			args = append(args, "--layers="+tc.layers)
		}
		code, _, stderr := geoRun(args...)
		if code != 0 {
			t.Fatalf("extract %v: exit %d: %s", args, code, stderr)
		}
		arrays, err := npy.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		want := tc.want
		if want == nil {
			want, _ = models.TapNames("resnet20", tc.grain)
		}
		want = append(slices.Clone(want), "target")
		var names []string
		for _, a := range arrays {
			names = append(names, a.Name)
			if a.Shape[0] != 12 {
				t.Errorf("--layers=%q: %s has %d rows, want 12", tc.layers, a.Name, a.Shape[0])
			}
		}
		if !slices.Equal(names, want) {
			t.Errorf("--layers=%q: keys %v, want %v", tc.layers, names, want)
		}
	}

	// --inputs: N×C×H×W float32, no target.
	in := filepath.Join(t.TempDir(), "x.npy")
	x := make([]float32, 5*28*28)
	for i := range x {
		x[i] = float32(i%17) / 17
	}
	onnxWriteNPY4(t, in, [4]int{5, 1, 28, 28}, x)
	code, _, stderr = geoRun("extract", "--checkpoint="+dir, "--inputs="+in, "--out="+out)
	if code != 0 {
		t.Fatalf("extract --inputs: exit %d: %s", code, stderr)
	}
	arrays, err := npy.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if last := arrays[len(arrays)-1].Name; last != "12_logits" || arrays[0].Shape[0] != 5 {
		t.Errorf("--inputs: last key %q, %d rows", last, arrays[0].Shape[0])
	}
	// The input tap holds the images in NHWC order: pixel (y, x) of image 0.
	if got, want := arrays[0].Data.At(0, 3*28+4), float64(x[3*28+4]); got != want {
		t.Errorf("input tap value %g, want %g", got, want)
	}
}

func TestTrainExtractErrors(t *testing.T) {
	empty := t.TempDir()
	notJSON := t.TempDir()
	if err := os.WriteFile(filepath.Join(notJSON, models.ConfigFile), []byte("{"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "x.npz")
	for _, tc := range []struct {
		args []string
		msg  string
	}{
		{[]string{"train", "--model=resnet21", "--dataset=synthetic", "--out=" + empty}, "unknown model"},
		{[]string{"train", "--model=resnet20", "--dataset=imagenet", "--out=" + empty}, "unknown dataset"},
		{[]string{"train", "--model=resnet20", "--dataset=synthetic"}, "required"},
		{[]string{"train", "--model=resnet20", "--dataset=synthetic", "--out=" + empty, "--batch=0"}, "positive"},
		{[]string{"train", "--model=resnet20", "--dataset=synthetic", "--out=" + empty, "--snapshots=1,x"}, "snapshots"},
		{[]string{"train", "--model=resnet20", "--dataset=synthetic", "--out=" + empty, "--width=0"}, "width"},
		{[]string{"train", "--bogus"}, "bogus"},
		{[]string{"extract", "--checkpoint=" + filepath.Join(empty, "none"), "--m=5", "--out=" + out}, "bad checkpoint"},
		{[]string{"extract", "--checkpoint=" + empty, "--m=5", "--out=" + out}, models.ConfigFile},
		{[]string{"extract", "--checkpoint=" + notJSON, "--m=5", "--out=" + out}, "corrupt"},
		{[]string{"extract", "--m=5", "--out=" + out}, "--checkpoint"},
		{[]string{"extract", "--checkpoint=" + empty, "--onnx=x.onnx", "--out=" + out}, "not both"},
	} {
		code, _, stderr := geoRun(tc.args...)
		if code != 2 || !strings.Contains(stderr, tc.msg) || strings.Count(stderr, "\n") != 1 {
			t.Errorf("%v: exit %d, stderr %q; want 2 and one line mentioning %q", tc.args, code, stderr, tc.msg)
		}
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Error("a failed extract wrote its output")
	}
}

// TestExtractUnusedFlags checks that extract refuses, before any work, a
// flag that its chosen mode would ignore, even at its default value, with
// one line naming the flag and the mode.
func TestExtractUnusedFlags(t *testing.T) {
	ckpt := "--checkpoint=" + t.TempDir() // empty: any later step would fail differently
	out := filepath.Join(t.TempDir(), "x.npz")
	in := "--inputs=" + filepath.Join(t.TempDir(), "x.npy")
	onnx := "--onnx=" + tinyResNet
	for _, tc := range []struct {
		args []string
		msg  string
	}{
		{[]string{ckpt, "--m=5", "--normalize=none", "--out=" + out}, "--normalize is not used with --checkpoint (only with --onnx)"},
		{[]string{ckpt, "--m=5", "--resize=0", "--out=" + out}, "--resize is not used with --checkpoint (only with --onnx)"},
		{[]string{ckpt, "--m=5", "--tokens=cls", "--out=" + out}, "--tokens is not used with --checkpoint (only with --onnx)"},
		{[]string{ckpt, "--list"}, "--list is not used with --checkpoint (only with --onnx)"},
		{[]string{ckpt, in, "--seed=3", "--out=" + out}, "--seed is not used with --inputs"},
		{[]string{ckpt, in, "--data=" + t.TempDir(), "--out=" + out}, "--data is not used with --inputs"},
		{[]string{ckpt, "--m=5", "--nhwc", "--out=" + out}, "--nhwc is not used without --inputs"},
		{[]string{ckpt, "--dataset=synthetic", "--m=5", "--nhwc=false", "--out=" + out}, "--nhwc is not used without --inputs"},
		{[]string{onnx, in, "--seed=0", "--out=" + out}, "--seed is not used with --inputs"},
		{[]string{onnx, in, "--data=" + t.TempDir(), "--out=" + out}, "--data is not used with --inputs"},
		{[]string{onnx, "--dataset=synthetic", "--m=5", "--nhwc", "--out=" + out}, "--nhwc is not used without --inputs"},
		{[]string{onnx, "--list", "--out=" + out}, "--out is not used with --list"},
		{[]string{onnx, "--list", "--dataset=synthetic", "--m=5"}, "--dataset is not used with --list"},
		{[]string{onnx, "--list", "--batch=4"}, "--batch is not used with --list"},
	} {
		args := append([]string{"extract"}, tc.args...)
		code, stdout, stderr := geoRun(args...)
		if code != 2 || stdout != "" || !strings.Contains(stderr, tc.msg) || strings.Count(stderr, "\n") != 1 {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want 2 and one line mentioning %q", args, code, stdout, stderr, tc.msg)
		}
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Error("a refused extract wrote its output")
	}
}
