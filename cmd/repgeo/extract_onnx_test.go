package main

import (
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/repgeo/repgeo/npy"
)

const (
	tinyResNet = "../../models/onnxmodel/testdata/resnet_tiny.onnx"
	tinyVGG    = "../../models/onnxmodel/testdata/vgg_tiny.onnx"
	tinyViT    = "../../models/onnxmodel/testdata/vit_tiny.onnx"
)

// runONNX parses ONNX-form flags as "repgeo extract" will and runs it.
func runExtractONNXArgs(t *testing.T, args ...string) (string, map[string]npy.Array, error) {
	t.Helper()
	fs := flag.NewFlagSet("extract", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	cfg := onnxExtract{}
	fs.StringVar(&cfg.Model, "onnx", "", "")
	fs.StringVar(&cfg.Dataset, "dataset", "", "")
	fs.StringVar(&cfg.Inputs, "inputs", "", "")
	fs.BoolVar(&cfg.NHWC, "nhwc", false, "")
	fs.IntVar(&cfg.M, "m", 0, "")
	fs.Uint64Var(&cfg.Seed, "seed", 0, "")
	fs.StringVar(&cfg.Layers, "layers", "", "")
	fs.StringVar(&cfg.Out, "out", "", "")
	cfg.Flags = addONNXFlags(fs)
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	err := runExtractONNX(cfg, &out)
	if err != nil || cfg.Out == "" {
		return out.String(), nil, err
	}
	arrays, rerr := npy.ReadFile(cfg.Out)
	if rerr != nil {
		t.Fatal(rerr)
	}
	got := map[string]npy.Array{}
	for _, a := range arrays {
		got[a.Name] = a
	}
	return out.String(), got, nil
}

// writeNPY4 writes a float32 .npy array of the given 4-axis shape.
func onnxWriteNPY4(t *testing.T, path string, shape [4]int, data []float32) {
	t.Helper()
	dict := fmt.Sprintf("{'descr': '<f4', 'fortran_order': False, 'shape': (%d, %d, %d, %d), }", shape[0], shape[1], shape[2], shape[3])
	for (10+len(dict)+1)%64 != 0 {
		dict += " "
	}
	b := append([]byte("\x93NUMPY\x01\x00"), 0, 0)
	binary.LittleEndian.PutUint16(b[8:], uint16(len(dict)+1))
	b = append(b, dict+"\n"...)
	for _, v := range data {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(v))
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestExtractONNXDataset(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "acts.npz")
	stdout, got, err := runExtractONNXArgs(t, "--onnx="+tinyResNet, "--dataset=synthetic", "--m=20", "--seed=3",
		"--layers=layer1.0,layer3,output", "--out="+out)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][2]int{"00_layer1.0": {20, 256}, "01_layer3": {20, 64}, "02_output": {20, 10}, "target": {20, 10}}
	if len(got) != len(want) {
		t.Errorf("npz entries %v, want %v", onnxEntryNames(got), want)
	}
	for name, dims := range want {
		a, ok := got[name]
		if !ok {
			t.Errorf("no entry %q in %v", name, onnxEntryNames(got))
			continue
		}
		if r, c := a.Data.Dims(); r != dims[0] || c != dims[1] {
			t.Errorf("%s: %d×%d, want %d×%d", name, r, c, dims[0], dims[1])
		}
	}
	// Stratified: 2 probes of each of the 10 classes.
	for j, s := range onnxColSums(got["target"].Data) {
		if s != 2 {
			t.Errorf("class %d has %v probes, want 2", j, s)
		}
	}
	if !strings.Contains(stdout, "wrote "+out) {
		t.Errorf("stdout %q does not report the file", stdout)
	}
	// The same seed gives the same file.
	out2 := filepath.Join(dir, "again.npz")
	_, again, err := runExtractONNXArgs(t, "--onnx="+tinyResNet, "--dataset=synthetic", "--m=20", "--seed=3",
		"--layers=layer1.0,layer3,output", "--out="+out2)
	if err != nil {
		t.Fatal(err)
	}
	if !mat.Equal(got["01_layer3"].Data, again["01_layer3"].Data) {
		t.Error("same seed, different activations")
	}
}

// TestExtractONNXGray checks that 28×28 grey probes reach a 32×32 RGB model:
// replicated to three channels and resized.
func TestExtractONNXGray(t *testing.T) {
	out := filepath.Join(t.TempDir(), "gray.npz")
	_, got, err := runExtractONNXArgs(t, "--onnx="+tinyResNet, "--dataset=synthetic-gray", "--m=10", "--layers=input,output",
		"--normalize=none", "--out="+out)
	if err != nil {
		t.Fatal(err)
	}
	in := got["00_input"].Data
	if r, c := in.Dims(); r != 10 || c != 3*32*32 {
		t.Fatalf("input tap %d×%d, want 10×3072", r, c)
	}
	for i := range 10 {
		row := in.RawRowView(i)
		if !slices.Equal(row[:1024], row[1024:2048]) || !slices.Equal(row[:1024], row[2048:]) {
			t.Fatalf("image %d: channels differ", i)
		}
		for _, v := range row {
			if v < 0 || v > 1 {
				t.Fatalf("image %d: value %v outside [0, 1] without normalization", i, v)
			}
		}
	}
}

// TestExtractONNXInputs checks that --inputs (N×C×H×W) and --inputs --nhwc
// (the same images transposed) give the same activations and no target,
// and that the VGG's 224×224 input is reached by resizing.
func TestExtractONNXInputs(t *testing.T) {
	dir := t.TempDir()
	const n, c, h, w = 3, 3, 32, 32
	nchw := make([]float32, n*c*h*w)
	nhwc := make([]float32, n*c*h*w)
	for i := range n {
		for ch := range c {
			for y := range h {
				for x := range w {
					v := float32(math.Sin(float64(1+i)*0.3*float64(x)+float64(ch)) * math.Cos(0.2*float64(y)))
					nchw[((i*c+ch)*h+y)*w+x] = v
					nhwc[((i*h+y)*w+x)*c+ch] = v
				}
			}
		}
	}
	onnxWriteNPY4(t, filepath.Join(dir, "nchw.npy"), [4]int{n, c, h, w}, nchw)
	onnxWriteNPY4(t, filepath.Join(dir, "nhwc.npy"), [4]int{n, h, w, c}, nhwc)
	for _, model := range []string{tinyResNet, tinyVGG} {
		_, a, err := runExtractONNXArgs(t, "--onnx="+model, "--inputs="+filepath.Join(dir, "nchw.npy"), "--out="+filepath.Join(dir, "a.npz"))
		if err != nil {
			t.Fatal(err)
		}
		_, b, err := runExtractONNXArgs(t, "--onnx="+model, "--inputs="+filepath.Join(dir, "nhwc.npy"), "--nhwc", "--out="+filepath.Join(dir, "b.npz"))
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := a["target"]; ok {
			t.Errorf("%s: target written for unlabelled inputs", model)
		}
		if len(a) < 3 || len(a) != len(b) {
			t.Fatalf("%s: entries %v and %v", model, onnxEntryNames(a), onnxEntryNames(b))
		}
		for name, x := range a {
			if r, _ := x.Data.Dims(); r != n {
				t.Errorf("%s %s: %d rows, want %d", model, name, r, n)
			}
			if !mat.EqualApprox(x.Data, b[name].Data, 1e-6) {
				t.Errorf("%s %s: NCHW and NHWC inputs differ", model, name)
			}
		}
		// The input tap is the unnormalized image itself (resized for VGG).
		in := a["00_input"].Data
		if _, d := in.Dims(); model == tinyResNet && (d != c*h*w || in.At(1, 5) != float64(nchw[c*h*w+5])) {
			t.Errorf("%s: input tap is not the given image", model)
		} else if model == tinyVGG && d != 3*224*224 {
			t.Errorf("%s: input tap has %d values, want 3×224×224", model, d)
		}
	}
	// --m keeps the first images.
	_, a, err := runExtractONNXArgs(t, "--onnx="+tinyResNet, "--inputs="+filepath.Join(dir, "nchw.npy"), "--m=2", "--layers=output", "--out="+filepath.Join(dir, "m2.npz"))
	if err != nil {
		t.Fatal(err)
	}
	if r, _ := a["00_output"].Data.Dims(); r != 2 {
		t.Errorf("--m=2 gave %d rows", r)
	}
}

// TestExtractONNXTokens extracts the default taps of the tiny ViT with each
// --tokens and checks the widths (17 tokens of 16 features) and that cls
// and mean are the class token and the token mean of flatten's rows.
func TestExtractONNXTokens(t *testing.T) {
	dir := t.TempDir()
	const tokens, d = 17, 16
	got := map[string]map[string]npy.Array{}
	for _, mode := range []string{"", "flatten", "cls", "mean"} {
		_, a, err := runExtractONNXArgs(t, "--onnx="+tinyViT, "--dataset=synthetic", "--m=10", "--seed=1",
			"--tokens="+mode, "--out="+filepath.Join(dir, "t"+mode+".npz"))
		if err != nil {
			t.Fatalf("--tokens=%s: %v", mode, err)
		}
		got[mode] = a
	}
	names := []string{"00_input", "01_embedding", "02_encoder.layers.encoder_layer_0", "03_encoder.layers.encoder_layer_1", "04_encoder.ln", "05_output", "target"}
	if n := onnxEntryNames(got[""]); !slices.Equal(n, names) {
		t.Fatalf("entries %v, want %v", n, names)
	}
	for _, name := range names[1:5] {
		flat := got[""][name].Data
		if _, c := flat.Dims(); c != tokens*d {
			t.Errorf("%s: flatten gives %d columns, want %d", name, c, tokens*d)
		}
		if !mat.Equal(flat, got["flatten"][name].Data) {
			t.Errorf("%s: --tokens=flatten differs from the default", name)
		}
		cls, mean := got["cls"][name].Data, got["mean"][name].Data
		r, c := cls.Dims()
		if mr, mc := mean.Dims(); c != d || mc != d || mr != r {
			t.Fatalf("%s: cls %d×%d, mean %d×%d, want %d×%d", name, r, c, mr, mc, r, d)
		}
		for i := range r {
			for j := range d {
				s := 0.0
				for u := range tokens {
					s += flat.At(i, u*d+j)
				}
				if math.Abs(cls.At(i, j)-flat.At(i, j)) > 1e-6 || math.Abs(mean.At(i, j)-s/tokens) > 1e-5 {
					t.Fatalf("%s row %d col %d: cls %g mean %g, flatten gives %g and %g", name, i, j, cls.At(i, j), mean.At(i, j), flat.At(i, j), s/tokens)
				}
			}
		}
	}
	if !mat.Equal(got["cls"]["05_output"].Data, got[""]["05_output"].Data) {
		t.Errorf("the logits depend on --tokens")
	}
}

func TestExtractONNXList(t *testing.T) {
	stdout, _, err := runExtractONNXArgs(t, "--onnx="+tinyResNet, "--list")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"/layer2/layer2.0/Add_output_0", "layer2.0.downsample.0", "default taps (--layers=all): input,maxpool,layer1.0"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("--list output lacks %q:\n%s", want, stdout)
		}
	}
}

func TestExtractONNXErrors(t *testing.T) {
	dir := t.TempDir()
	corrupt := filepath.Join(dir, "corrupt.onnx")
	good, err := os.ReadFile(tinyResNet)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(corrupt, good[:len(good)/3], 0o644); err != nil {
		t.Fatal(err)
	}
	twoD := filepath.Join(dir, "flat.npy")
	if err := npy.WriteNPY(twoD, mat.NewDense(2, 3, nil)); err != nil {
		t.Fatal(err)
	}
	out := "--out=" + filepath.Join(dir, "x.npz")
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"--onnx=" + corrupt, "--dataset=synthetic", "--m=10", out}, "corrupt ONNX model"},
		{[]string{"--onnx=" + filepath.Join(dir, "none.onnx"), "--dataset=synthetic", "--m=10", out}, "none.onnx"},
		{[]string{"--onnx=" + tinyResNet, "--m=10", out}, "exactly one of --dataset"},
		{[]string{"--onnx=" + tinyResNet, "--dataset=synthetic", "--inputs=" + twoD, "--m=10", out}, "exactly one of --dataset"},
		{[]string{"--onnx=" + tinyResNet, "--dataset=synthetic", "--m=10"}, "--out"},
		{[]string{"--onnx=" + tinyResNet, "--dataset=synthetic", out}, "--m is required"},
		{[]string{"--onnx=" + tinyResNet, "--dataset=nope", "--m=10", out}, "unknown dataset"},
		{[]string{"--onnx=" + tinyResNet, "--dataset=synthetic", "--m=10", "--layers=layer1.0,bogus", out}, `"bogus"`},
		{[]string{"--onnx=" + tinyResNet, "--dataset=synthetic", "--m=10", "--normalize=0.5", out}, "MEAN:STD"},
		{[]string{"--onnx=" + tinyResNet, "--dataset=synthetic", "--m=10", "--normalize=0.5,0.5:1", out}, "2 means for 1"},
		{[]string{"--onnx=" + tinyResNet, "--inputs=" + twoD, out}, "4-axis array"},
		{[]string{"--onnx=" + tinyResNet, "--inputs=" + twoD, "--normalize=dataset", out}, "4-axis array"},
		{[]string{"--onnx=" + tinyResNet, "--dataset=synthetic", "--m=10", "--tokens=mean", out}, "has no token axis"},
		{[]string{"--onnx=" + tinyViT, "--dataset=synthetic", "--m=10", "--tokens=first", out}, "want flatten, cls or mean"},
	}
	for _, tc := range cases {
		_, _, err := runExtractONNXArgs(t, tc.args...)
		var ue usageError
		if err == nil || !errors.As(err, &ue) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: error %v, want a usage error containing %q", tc.args, err, tc.want)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "x.npz")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a failed run left an output file: %v", err)
	}
}

func onnxEntryNames(m map[string]npy.Array) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func onnxColSums(a *mat.Dense) []float64 {
	r, c := a.Dims()
	out := make([]float64, c)
	for i := range r {
		for j := range c {
			out[j] += a.At(i, j)
		}
	}
	return out
}

// TestExtractONNXCommand runs "repgeo extract --onnx" through the command
// dispatch: exit status 0 and the file on success, 2 for bad input.
func TestExtractONNXCommand(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "fine.npz")
	var stdout, stderr strings.Builder
	code := run([]string{"extract", "--onnx=" + tinyResNet, "--dataset=synthetic", "--m=10", "--layers=fine", "--out=" + out}, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit status %d: %s", code, stderr.String())
	}
	arrays, err := npy.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	// input, 2 stem taps, 16 block ReLUs, avgpool, output, target.
	if len(arrays) != 22 || arrays[0].Name != "00_input" || arrays[3].Name != "03_layer1.0.relu" || arrays[21].Name != "target" {
		var names []string
		for _, a := range arrays {
			names = append(names, a.Name)
		}
		t.Errorf("entries %q", names)
	}
	stderr.Reset()
	code = run([]string{"extract", "--onnx=" + tinyResNet, "--dataset=synthetic", "--m=10", "--layers=nope", "--out=" + out}, &stdout, &stderr)
	if code != 2 || !strings.Contains(stderr.String(), `"nope"`) {
		t.Errorf("bad --layers: exit status %d, stderr %q", code, stderr.String())
	}
}
