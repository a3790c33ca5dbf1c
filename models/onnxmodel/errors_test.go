package onnxmodel

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gomlx/onnx-gomlx/onnx"
	"google.golang.org/protobuf/proto"
)

func TestLoadErrors(t *testing.T) {
	good, err := os.ReadFile("testdata/resnet_tiny.onnx")
	if err != nil {
		t.Fatal(err)
	}
	garbled := append([]byte(nil), good...)
	for i := 100; i < 400; i++ {
		garbled[i] = 0xff
	}
	cases := []struct {
		name string
		data []byte
		is   error
		want string
	}{
		{"empty", nil, ErrCorrupt, "empty file"},
		{"truncated-half", good[:len(good)/2], ErrCorrupt, "corrupt ONNX model"},
		{"truncated-end", good[:len(good)-3], ErrCorrupt, "corrupt ONNX model"},
		{"truncated-start", good[:200], ErrCorrupt, "corrupt ONNX model"},
		{"garbled", garbled, ErrCorrupt, "corrupt ONNX model"},
		{"text", []byte("this is not an ONNX model\n"), ErrCorrupt, "corrupt ONNX model"},
		{"no-graph", []byte{0x08, 0x07}, ErrCorrupt, "no graph in the file"}, // only ir_version = 7
	}
	dir := t.TempDir()
	for _, tc := range cases {
		path := filepath.Join(dir, tc.name+".onnx")
		if err := os.WriteFile(path, tc.data, 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := Load(path)
		t.Logf("%s: %v", tc.name, err)
		if err == nil {
			t.Errorf("%s: loaded without error", tc.name)
			continue
		}
		if !errors.Is(err, tc.is) || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), path) {
			t.Errorf("%s: error %q, want %v containing %q and the path", tc.name, err, tc.is, tc.want)
		}
	}
	if _, err := Load(filepath.Join(dir, "missing.onnx")); err == nil || !strings.Contains(err.Error(), "missing.onnx") {
		t.Errorf("missing file: error %v", err)
	}
}

func TestUnsupported(t *testing.T) {
	cases := []struct{ file, want string }{
		{"leakyrelu.onnx", `operator "LeakyRelu" (node "/1/LeakyRelu")`},
		{"avgceil.onnx", "AveragePool: support for attribute 'ceil_mode' is not yet implemented"},
	}
	for _, tc := range cases {
		_, err := Load(filepath.Join("testdata", tc.file))
		if !errors.Is(err, ErrUnsupported) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want ErrUnsupported containing %q", tc.file, err, tc.want)
		}
	}
}

// TestRewrittenActivations checks the operators the importer lacks and
// onnxmodel rewrites (Sigmoid, HardSwish, HardSigmoid) against PyTorch.
func TestRewrittenActivations(t *testing.T) {
	m := load(t, "activations.onnx")
	ops := map[string]int{}
	for _, n := range m.Nodes() {
		ops[n.Op]++
	}
	if ops["Sigmoid"]+ops["HardSwish"]+ops["HardSigmoid"] != 0 || ops["Clip"] != 2 || ops["Exp"] != 1 {
		t.Errorf("operators after rewriting: %v", ops)
	}
	x := arrayImages(t, refArray(t, "act_input"))
	// The module of each rewritten operator ends with the replacement.
	taps, err := m.Taps("1", "3", "output")
	if err != nil {
		t.Fatal(err)
	}
	if taps[2].Tensor != m.OutputName() || len(taps) != 3 {
		t.Fatalf("taps %v", taps)
	}
	act, err := m.Extract(newBackend(t), x, taps, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := refArray(t, "act_output").Data
	diff, scale := maxAbsDiff(act.Layers[2], want)
	t.Logf("output: max |diff| %.3g (largest %.3g)", diff, scale)
	if diff > 1e-5*max(scale, 1) {
		t.Errorf("max |diff| %.3g from PyTorch (largest value %.3g)", diff, scale)
	}
}

// TestMaxPoolCeilMode checks the rewriting of a max-pool in ceil mode (5×5
// windows where floor mode gives 4×4) against PyTorch, on a map with
// negative values.
func TestMaxPoolCeilMode(t *testing.T) {
	m := load(t, "ceilmode.onnx")
	out := extractOutput(t, m, arrayImages(t, refArray(t, "ceil_input"))).Layers[0]
	want := refArray(t, "ceil_output").Data
	if r, c := out.Dims(); r != 2 || c != 2*5*5 {
		t.Fatalf("output %d×%d, want 2×50", r, c)
	}
	if diff, scale := maxAbsDiff(out, want); diff > 1e-5*max(scale, 1) {
		t.Errorf("max |diff| %.3g from PyTorch (largest value %.3g)", diff, scale)
	}
}

func TestCeilPads(t *testing.T) {
	cases := []struct {
		kernel, strides, pads, dilations []int64
		want                             []int64
		ok                               bool
	}{
		{[]int64{3, 3}, []int64{2, 2}, []int64{0, 0, 0, 0}, nil, []int64{0, 0, 1, 1}, true},
		{[]int64{3, 3}, []int64{2, 2}, nil, nil, []int64{0, 0, 1, 1}, true},
		{[]int64{3, 2}, []int64{3, 2}, []int64{1, 0, 0, 0}, nil, []int64{1, 0, 2, 1}, true},
		{[]int64{2}, nil, nil, nil, []int64{0, 0}, true},     // stride 1: ceil = floor
		{[]int64{1, 1}, []int64{2, 2}, nil, nil, nil, false}, // a window could start in the padding
		{[]int64{3, 3}, []int64{2, 2}, []int64{1, 1, 2, 2}, nil, nil, false},
		{[]int64{3, 3}, []int64{2, 2}, nil, []int64{2, 2}, nil, false}, // dilated
		{[]int64{3, 3}, []int64{2}, nil, nil, nil, false},              // malformed
	}
	for _, tc := range cases {
		got, ok := ceilPads(tc.kernel, tc.strides, tc.pads, tc.dilations)
		if ok != tc.ok || (ok && !slices.Equal(got, tc.want)) {
			t.Errorf("ceilPads(%v, %v, %v, %v) = %v, %v; want %v, %v", tc.kernel, tc.strides, tc.pads, tc.dilations, got, ok, tc.want, tc.ok)
		}
	}
}

// TestInferenceQuirks loads a model with a batch norm momentum of 0.99 and an
// inference-mode Dropout node, which the importer refuses as such, and
// checks its output against PyTorch's.
func TestInferenceQuirks(t *testing.T) {
	m := load(t, "quirks.onnx")
	act := extractOutput(t, m, arrayImages(t, refArray(t, "quirks_input")))
	want := refArray(t, "quirks_output").Data
	if diff, scale := maxAbsDiff(act.Layers[0], want); diff > 1e-5*max(scale, 1) {
		t.Errorf("max |diff| %.3g from PyTorch (largest value %.3g)", diff, scale)
	}
	if act.Target != nil || act.Labels != nil {
		t.Error("target without labels")
	}
}

// TestConvertPanic checks that the importer's panics for operators and
// attributes it lacks become errors naming them.
func TestConvertPanic(t *testing.T) {
	cases := []struct {
		msg, want   string
		unsupported bool
	}{
		{`unimplemented ONNX op "HardSwish" in node ...`, `operator "HardSwish"`, true},
		{"MaxPool: support for attribute 'ceil_mode' is not yet implemented", "ceil_mode", true},
		{"something else\nwith a stack", "something else", false},
		{`sorry, op "Pad" not implemented in SimpleGo yet`, "backend lacks an operation", false},
	}
	for _, tc := range cases {
		err := convertPanic(errors.New(tc.msg), "building")
		if errors.Is(err, ErrUnsupported) != tc.unsupported || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("convertPanic(%q) = %q", tc.msg, err)
		}
	}
}

func TestExtractErrors(t *testing.T) {
	m := load(t, "resnet_tiny.onnx")
	b := newBackend(t)
	taps, err := m.Taps("layer1.0", "output")
	if err != nil {
		t.Fatal(err)
	}
	good := &Images{N: 2, C: 3, H: 32, W: 32, Data: make([]float32, 2*3*32*32)}
	nan := &Images{N: 2, C: 3, H: 32, W: 32, Data: make([]float32, 2*3*32*32)}
	nan.Data[3*32*32+5] = float32(math.NaN())
	cases := []struct {
		name string
		x    *Images
		taps []Tap
		opts *Options
		want string
	}{
		{"size", &Images{N: 1, C: 3, H: 28, W: 28, Data: make([]float32, 3*28*28)}, taps, nil, "the model takes 3×32×32"},
		{"channels", &Images{N: 1, C: 1, H: 32, W: 32, Data: make([]float32, 32*32)}, taps, nil, "the model takes 3×32×32"},
		{"length", &Images{N: 2, C: 3, H: 32, W: 32, Data: make([]float32, 10)}, taps, nil, "10 values for 2 images"},
		{"nan", nan, taps, nil, "image 1 has a non-finite value"},
		{"labels", good, taps, &Options{Labels: []int{1}}, "1 labels for 2 images"},
		{"label-range", good, taps, &Options{Labels: []int{1, 10}, Classes: 10}, "label 10 of image 1 out of range"},
		{"no-taps", good, nil, nil, "no taps"},
		{"bad-tap", good, []Tap{{Name: "x", Tensor: "nope"}}, nil, `no tensor "nope"`},
		{"tokens-no-axis", good, taps, &Options{Tokens: TokensMean}, `the model has no token axis`},
		{"tokens-flatten-no-axis", good, taps, &Options{Tokens: TokensFlatten}, `the model has no token axis`},
		{"tokens-unknown", good, taps, &Options{Tokens: "first"}, `tokens "first": want "flatten", "cls" or "mean"`},
	}
	for _, tc := range cases {
		_, err := m.Extract(b, tc.x, tc.taps, tc.opts)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.want)
		}
	}
}

func TestDecodeInts(t *testing.T) {
	cases := []struct {
		name   string
		dtype  int32
		dims   []int64
		i32    []int32
		i64    []int64
		raw    []byte
		want   []int64
		wantOK bool
	}{
		{"int64-typed", onnxInt64, []int64{2}, nil, []int64{-1, 3}, nil, []int64{-1, 3}, true},
		{"int64-raw-scalar", onnxInt64, nil, nil, nil, []byte{0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, []int64{-2}, true},
		{"int32-typed", onnxInt32, []int64{1}, []int32{-5}, nil, nil, []int64{-5}, true},
		{"int32-raw", onnxInt32, []int64{2}, nil, nil, []byte{0xff, 0xff, 0xff, 0xff, 7, 0, 0, 0}, []int64{-1, 7}, true},
		{"raw-too-short", onnxInt64, []int64{2}, nil, nil, make([]byte, 8), nil, false},
		{"float", 1, []int64{1}, nil, nil, make([]byte, 4), nil, false},
	}
	for _, tc := range cases {
		c, ok := decodeInts(tc.dtype, tc.dims, tc.i32, tc.i64, tc.raw)
		if ok != tc.wantOK || (ok && !slices.Equal(c.vals, tc.want)) {
			t.Errorf("%s: got %v, %v; want %v, %v", tc.name, c.vals, ok, tc.want, tc.wantOK)
		}
	}
}

// TestShapeQuirks checks modquirks.onnx against PyTorch: x[..., :k+1] with
// k = (W - 13) % 4 computed from the input's shape through a Gather with
// index -1 and an integer Mod of a negative value (1 in PyTorch, -3 with
// C's sign), then a dropout of ratio 0 exported in training mode. Without
// the rewrites, Load fails or the slice has the wrong width.
func TestShapeQuirks(t *testing.T) {
	m := load(t, "modquirks.onnx")
	for _, n := range m.Nodes() {
		if n.Op == "Mod" || n.Op == "Dropout" {
			t.Errorf("node %q is still a %s", n.Name, n.Op)
		}
	}
	out := extractOutput(t, m, arrayImages(t, refArray(t, "modq_input"))).Layers[0]
	want := refArray(t, "modq_output").Data
	if gr, gc := out.Dims(); gr != 2 || gc != 3*4*2 {
		t.Fatalf("output %d×%d, PyTorch 2×%d", gr, gc, 3*4*2)
	}
	if diff, scale := maxAbsDiff(out, want); diff > 1e-6*max(scale, 1) {
		t.Errorf("max |diff| %.3g from PyTorch (largest value %.3g)", diff, scale)
	}
}

// TestZeroConstant checks zeroConstant on the raw data of a float32
// initializer: only whole 4-byte words of ±0 count as zero (a denormal
// whose only set bits lie in a byte's top bit is not zero).
func TestZeroConstant(t *testing.T) {
	om, err := onnx.ReadFile(filepath.Join("testdata", "resnet_tiny.onnx"))
	if err != nil {
		t.Fatal(err)
	}
	if len(om.Proto.Graph.Initializer) == 0 {
		t.Fatal("resnet_tiny.onnx has no initializers")
	}
	init := om.Proto.Graph.Initializer[0]
	cases := []struct {
		name string
		raw  []byte
		want bool
	}{
		{"+0", []byte{0, 0, 0, 0}, true},
		{"+0 and -0", []byte{0, 0, 0, 0, 0, 0, 0, 0x80}, true},
		{"denormal 0x80", []byte{0x80, 0, 0, 0}, false},
		{"denormal 0x8000", []byte{0, 0x80, 0, 0}, false},
		{"one", []byte{0, 0, 0x80, 0x3f}, false},
		{"odd length", []byte{0, 0, 0}, false},
		{"5 bytes", []byte{0, 0, 0, 0, 0}, false},
		{"empty", nil, false},
	}
	for _, tc := range cases {
		init.DataType, init.FloatData, init.RawData = 1, nil, tc.raw
		if got := zeroConstant(om, init.Name); got != tc.want {
			t.Errorf("%s: zeroConstant = %v, want %v", tc.name, got, tc.want)
		}
	}
}

type testAttr struct {
	name string
	i    int64
}

func (a testAttr) GetName() string { return a.name }
func (a testAttr) GetI() int64     { return a.i }

// TestIntMod checks that the integer Mod nodes are told by their own fmod
// attribute, whatever their (optional, possibly repeated) names.
func TestIntMod(t *testing.T) {
	cases := []struct {
		name   string
		op     string
		inputs int
		attrs  []testAttr
		want   bool
	}{
		{"no fmod", "Mod", 2, nil, true},
		{"fmod 0", "Mod", 2, []testAttr{{"fmod", 0}}, true},
		{"fmod 1", "Mod", 2, []testAttr{{"fmod", 1}}, false},
		{"other attribute", "Mod", 2, []testAttr{{"axis", 1}}, true},
		{"not Mod", "Div", 2, nil, false},
		{"one input", "Mod", 1, nil, false},
	}
	for _, tc := range cases {
		if got := intMod(tc.op, make([]string, tc.inputs), []string{"y"}, tc.attrs); got != tc.want {
			t.Errorf("%s: intMod = %v, want %v", tc.name, got, tc.want)
		}
	}
}

// TestRewriteModSameName gives an integer Mod and a float Mod (fmod = 1)
// the same node name: only the integer one is rewritten.
func TestRewriteModSameName(t *testing.T) {
	om, err := onnx.ReadFile(filepath.Join("testdata", "modquirks.onnx"))
	if err != nil {
		t.Fatal(err)
	}
	g := om.Proto.Graph
	i, j := -1, -1
	for k, n := range g.Node {
		if n.OpType == "Mod" && i < 0 {
			i = k
		}
		if len(n.Attribute) > 0 && j < 0 {
			j = k
		}
	}
	if i < 0 || j < 0 {
		t.Fatalf("modquirks.onnx lacks a Mod node (%d) or a node with attributes (%d)", i, j)
	}
	g.Node[i].Name = "mod"
	fmod := cloneProto(g.Node[j].Attribute[0])
	fmod.Name, fmod.I, fmod.Type, fmod.Ints = "fmod", 1, 2, nil // INT
	float := cloneProto(g.Node[i])
	float.Output = []string{"float_mod"}
	float.Attribute = append(float.Attribute[:0:0], fmod)
	g.Node = append(g.Node, float)
	raw, err := rewriteOps(om)
	if err != nil || raw == nil {
		t.Fatalf("rewriteOps: %v (rewritten: %v)", err, raw != nil)
	}
	out, err := onnx.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	var mods []string
	for _, n := range out.Proto.Graph.Node {
		if n.OpType == "Mod" {
			mods = append(mods, n.Output[0])
		}
	}
	if !slices.Equal(mods, []string{"float_mod"}) {
		t.Errorf("Mod nodes left %v, want only the float one [float_mod]", mods)
	}
}

func cloneProto[T proto.Message](x T) T { return proto.Clone(x).(T) }

// TestNodeWithoutOutputs adds to resnet_tiny.onnx a ReLU of a module of its
// own that produces nothing (no output, or only the empty name of an
// omitted optional output): Parse rejects the file naming the node.
func TestNodeWithoutOutputs(t *testing.T) {
	for _, tc := range []struct {
		name    string
		outputs []string
	}{
		{"no outputs", nil},
		{"empty output name", []string{""}},
	} {
		om, err := onnx.ReadFile(filepath.Join("testdata", "resnet_tiny.onnx"))
		if err != nil {
			t.Fatal(err)
		}
		g := om.Proto.Graph
		k := -1
		for i, n := range g.Node {
			if n.OpType == "Relu" && k < 0 {
				k = i
			}
		}
		if k < 0 {
			t.Fatal("resnet_tiny.onnx has no Relu")
		}
		n := cloneProto(g.Node[k])
		n.Name, n.Output = "/layer9/layer9.0/relu/Relu", tc.outputs
		g.Node = append(g.Node, n)
		raw, err := proto.Marshal(&om.Proto)
		if err != nil {
			t.Fatal(err)
		}
		_, err = Parse(raw)
		if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), `node "/layer9/layer9.0/relu/Relu" (Relu) has no output`) {
			t.Errorf("%s: error %v, want ErrCorrupt naming the node", tc.name, err)
		}
	}
}
