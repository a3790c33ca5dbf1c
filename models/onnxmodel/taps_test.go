package onnxmodel

import (
	"slices"
	"strings"
	"testing"
)

func TestModulePath(t *testing.T) {
	cases := []struct{ name, want string }{
		{"/conv1/Conv", "conv1"},
		{"/layer1/layer1.0/relu_1/Relu", "layer1.0.relu_1"},
		{"/layer2/layer2.0/downsample/downsample.0/Conv", "layer2.0.downsample.0"},
		{"/features/features.14/MaxPool", "features.14"},
		{"/Flatten", ""},
		{"Identity_3", ""},
		{"", ""},
	}
	for _, tc := range cases {
		if got := modulePath(tc.name); got != tc.want {
			t.Errorf("modulePath(%q) = %q, want %q", tc.name, got, tc.want)
		}
	}
}

func tapNames(taps []Tap) []string {
	names := make([]string, len(taps))
	for i, tp := range taps {
		names[i] = tp.Name
	}
	return names
}

func TestTapPresets(t *testing.T) {
	cases := []struct {
		model, layout string
		specs         []string
		want          []string
	}{
		{"resnet_tiny.onnx", "resnet", []string{PresetBlocks}, []string{"input", "maxpool",
			"layer1.0", "layer1.1", "layer2.0", "layer2.1", "layer3.0", "layer3.1", "layer4.0", "layer4.1", "avgpool", "output"}},
		{"resnet_tiny.onnx", "resnet", []string{PresetStages}, []string{"input", "maxpool",
			"layer1", "layer2", "layer3", "layer4", "avgpool", "output"}},
		{"resnet_tiny.onnx", "resnet", []string{PresetModules}, []string{"input", "conv1", "relu", "maxpool",
			"layer1.0", "layer1.1", "layer2.0", "layer2.1", "layer3.0", "layer3.1", "layer4.0", "layer4.1", "avgpool", "fc"}},
		{"vgg_tiny.onnx", "vgg", []string{PresetModules, "output"}, []string{"input", "features.0", "features.1", "features.2",
			"features.3", "features.4", "features.5", "features.6", "features.7", "features.8", "features.9", "features.10",
			"features.11", "features.12", "features.13", "features.14", "features.15", "features.16", "features.17",
			"features.18", "features.19", "features.20", "features.21", "features.22", "features.23", "features.24",
			"features.25", "features.26", "features.27", "features.28", "avgpool", "classifier.0", "classifier.1",
			"classifier.3", "classifier.4", "classifier.6"}},
		{"resnet_tiny.onnx", "resnet", nil, []string{"input", "maxpool",
			"layer1.0", "layer1.1", "layer2.0", "layer2.1", "layer3.0", "layer3.1", "layer4.0", "layer4.1", "avgpool", "output"}},
		{"vgg_tiny.onnx", "vgg", []string{PresetBlocks}, []string{"input", "features.2", "features.6", "features.10",
			"features.13", "features.17", "features.20", "features.24", "features.27", "classifier.1", "classifier.4", "output"}},
		{"vgg_tiny.onnx", "vgg", []string{PresetStages}, []string{"input", "features.3", "features.7", "features.14",
			"features.21", "features.28", "classifier.1", "classifier.4", "output"}},
		{"vit_tiny.onnx", "vit", []string{PresetBlocks}, []string{"input", TapEmbedding,
			"encoder.layers.encoder_layer_0", "encoder.layers.encoder_layer_1", "encoder.ln", "output"}},
		{"vit_tiny.onnx", "vit", nil, []string{"input", TapEmbedding,
			"encoder.layers.encoder_layer_0", "encoder.layers.encoder_layer_1", "encoder.ln", "output"}},
		{"vit_tiny.onnx", "vit", []string{"output", "encoder.layers.encoder_layer_1", "02_embedding"}, []string{TapEmbedding,
			"encoder.layers.encoder_layer_1", "output"}},
		{"resnet_tiny.onnx", "resnet", []string{PresetFine}, []string{"input", "relu", "maxpool",
			"layer1.0.relu", "layer1.0.relu_1", "layer1.1.relu", "layer1.1.relu_1", "layer2.0.relu", "layer2.0.relu_1",
			"layer2.1.relu", "layer2.1.relu_1", "layer3.0.relu", "layer3.0.relu_1", "layer3.1.relu", "layer3.1.relu_1",
			"layer4.0.relu", "layer4.0.relu_1", "layer4.1.relu", "layer4.1.relu_1", "avgpool", "output"}},
		// Tap names given back resolve to the same taps.
		{"resnet_tiny.onnx", "resnet", []string{"00_input", "01_layer1.layer1.0.Add", "layer2.0.relu_1"}, []string{"input", "layer1.layer1.0.Add", "layer2.0.relu_1"}},
		{"vgg_tiny.onnx", "vgg", []string{PresetFine}, []string{"input", "features.2", "features.3", "features.6",
			"features.7", "features.10", "features.13", "features.14", "features.17", "features.20", "features.21",
			"features.24", "features.27", "features.28", "avgpool", "classifier.1", "classifier.4", "output"}},
		// Explicit names: module paths, a node name, a tensor name, a
		// numbered name; duplicates kept once, all in path order.
		{"resnet_tiny.onnx", "resnet", []string{"output", "07_layer3.1", "layer1", "input"}, []string{"input", "layer1", "layer3.1", "output"}},
		// The largest number a tap can have, the same tap given twice
		// with the same number, and numbered next to unnumbered names.
		{"resnet_tiny.onnx", "resnet", []string{"03_maxpool", "02_relu", "03_maxpool", "layer1.0", "00_input"}, []string{"input", "relu", "maxpool", "layer1.0"}},
		{"resnet_tiny.onnx", "resnet", []string{"input", "layer1.0.relu", "/layer2/layer2.0/Add",
			"/fc/Gemm", "logits", "output"}, []string{"input", "layer1.0.relu", "layer2.layer2.0.Add", "fc.Gemm"}},
	}
	for _, tc := range cases {
		m := load(t, tc.model)
		if got := m.Layout(); got != tc.layout {
			t.Errorf("%s: layout %q, want %q", tc.model, got, tc.layout)
		}
		var taps []Tap
		if tc.specs == nil {
			taps = m.DefaultTaps()
		} else {
			var err error
			if taps, err = m.Taps(tc.specs...); err != nil {
				t.Errorf("%s %q: %v", tc.model, tc.specs, err)
				continue
			}
		}
		if got := tapNames(taps); !slices.Equal(got, tc.want) {
			t.Errorf("%s %q:\ngot  %q\nwant %q", tc.model, tc.specs, got, tc.want)
		}
		for _, tp := range taps {
			if strings.Contains(tp.Name, "/") {
				t.Errorf("%s: tap name %q has a slash", tc.model, tp.Name)
			}
		}
	}
}

// TestModuleTapIsBlockOutput checks that a module path taps the module's
// last operator: the ReLU after the residual addition of a block.
func TestModuleTapIsBlockOutput(t *testing.T) {
	m := load(t, "resnet_tiny.onnx")
	cases := []struct{ spec, tensor string }{
		{"layer1.0", "/layer1/layer1.0/relu_1/Relu_output_0"},
		{"layer1.0.relu", "/layer1/layer1.0/relu/Relu_output_0"},     // the module's first call
		{"layer1.0.relu_1", "/layer1/layer1.0/relu_1/Relu_output_0"}, // and its second
		{"layer1.layer1.0.Add", "/layer1/layer1.0/Add_output_0"},     // a node name as a tap name
		{"layer2.0.downsample", "/layer2/layer2.0/downsample/downsample.0/Conv_output_0"},
		{"layer4", "/layer4/layer4.1/relu_1/Relu_output_0"},
		{"fc", "logits"},
	}
	for _, tc := range cases {
		taps, err := m.Taps(tc.spec)
		if err != nil {
			t.Errorf("%s: %v", tc.spec, err)
			continue
		}
		if taps[0].Tensor != tc.tensor {
			t.Errorf("%s taps %q, want %q", tc.spec, taps[0].Tensor, tc.tensor)
		}
	}
}

func TestTapErrors(t *testing.T) {
	m := load(t, "resnet_tiny.onnx")
	cases := []struct {
		specs []string
		want  string
	}{
		{[]string{"layer9"}, `no module, node or tensor named "layer9"`},
		{[]string{"layer1.0", ""}, "empty tap name"},
		{[]string{"bn1"}, `no module, node or tensor named "bn1"`}, // folded into conv1 by the exporter
		{nil, "no taps"},
		// Numbers no extraction gives: conv1, relu and maxpool are the
		// graph's first three tensors, so maxpool is at most tap 03.
		{[]string{"04_maxpool"}, `tap "04_maxpool": maxpool can be at most tap 03 of an extraction`},
		{[]string{"99_maxpool"}, `tap "99_maxpool": maxpool can be at most tap 03`},
		{[]string{"01_input"}, `tap "01_input": input can be at most tap 00`},
		{[]string{"99999999999999999999_layer1.0"}, `tap "99999999999999999999_layer1.0": layer1.0 can be at most tap`},
		{[]string{"03_layer2.0", "02_layer3.0"}, `tap "02_layer3.0" comes after "03_layer2.0" in the model but has a number no larger`},
		{[]string{"05_layer2.0", "05_layer3.0"}, `tap "05_layer3.0" comes after "05_layer2.0"`},
		{[]string{"03_layer1.1", "layer2", "04_layer1.1"}, `taps "03_layer1.1" and "04_layer1.1" name the same tap with different numbers`},
		{[]string{"03_nothing"}, `no module, node or tensor named "03_nothing"`},
	}
	for _, tc := range cases {
		_, err := m.Taps(tc.specs...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Taps(%q) = %v, want error containing %q", tc.specs, err, tc.want)
		}
	}
}

// TestModulesPresetContainers checks on a graph with GoogLeNet's structure
// that a container is expanded into its children only when it has no
// operator of its own: parallel branches joined by a Concat stay whole.
func TestModulesPresetContainers(t *testing.T) {
	names := []string{
		"/conv1/Conv",
		"/inception3a/branch1/Conv", "/inception3a/branch2/branch2.0/Conv", "/inception3a/Concat",
		"/stack/stack.0/Relu", "/stack/stack.1/Conv",
		"/fc/Gemm",
	}
	m := &Model{input: "x", producer: map[string]int{}}
	for i, name := range names {
		out := name + "_output_0"
		if i == len(names)-1 {
			out = "y"
		}
		m.nodes = append(m.nodes, Node{Name: name, Op: name[strings.LastIndexByte(name, '/')+1:], Module: modulePath(name), Outputs: []string{out}})
		m.producer[out] = i
	}
	m.output = "y"
	taps, err := m.Taps(PresetModules)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"input", "conv1", "inception3a", "stack.0", "stack.1", "fc"}
	if got := tapNames(taps); !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
	if taps[2].Tensor != "/inception3a/Concat_output_0" {
		t.Errorf("inception3a taps %q, want its Concat", taps[2].Tensor)
	}
}

func TestViTTapErrors(t *testing.T) {
	m := load(t, "vit_tiny.onnx")
	if _, err := m.Taps(PresetStages); err == nil || !strings.Contains(err.Error(), "no stages") {
		t.Errorf("stages on a ViT: error %v, want one saying it has no stages", err)
	}
	r := load(t, "resnet_tiny.onnx")
	if _, err := r.Taps(TapEmbedding); err == nil || !strings.Contains(err.Error(), `"embedding"`) {
		t.Errorf("embedding on a ResNet: error %v, want one naming it", err)
	}
}

// TestTapsSkipNodesWithoutOutput gives each layout a module whose only
// node has no output (which Parse rejects, but a Model may hold): the
// presets leave it out instead of indexing node -1, and naming it is an
// error.
func TestTapsSkipNodesWithoutOutput(t *testing.T) {
	cases := []struct {
		layout string
		names  []string
		blocks []string
	}{
		{"resnet", []string{"/conv1/Conv", "/maxpool/MaxPool", "/layer1/layer1.0/relu/Relu", "/layer9/layer9.0/relu/Relu-", "/fc/Gemm"},
			[]string{"input", "maxpool", "layer1.0", "output"}},
		{"vgg", []string{"/features/features.0/Conv", "/features/features.1/Relu", "/features/features.2/Relu-", "/classifier/classifier.0/Gemm"},
			[]string{"input", "features.1", "output"}},
		{"vit", []string{"/conv_proj/Conv", "/encoder/Add", "/encoder/layers/encoder_layer_0/Add",
			"/encoder/layers/encoder_layer_1/Add-", "/encoder/ln/LayerNormalization-", "/heads/head/Gemm"},
			[]string{"input", TapEmbedding, "encoder.layers.encoder_layer_0", "output"}},
	}
	for _, tc := range cases {
		m := &Model{input: "x", producer: map[string]int{}}
		var silent string
		for i, name := range tc.names {
			var outs []string
			if strings.HasSuffix(name, "-") {
				name = strings.TrimSuffix(name, "-")
				silent = modulePath(name)
			} else {
				outs = []string{name + "_output_0"}
				m.producer[outs[0]] = i
				m.output = outs[0]
			}
			m.nodes = append(m.nodes, Node{Name: name, Op: name[strings.LastIndexByte(name, '/')+1:], Module: modulePath(name), Outputs: outs})
		}
		if got := m.Layout(); got != tc.layout {
			t.Fatalf("layout %q, want %q", got, tc.layout)
		}
		taps, err := m.Taps(PresetBlocks)
		if err != nil {
			t.Errorf("%s: %v", tc.layout, err)
		} else if got := tapNames(taps); !slices.Equal(got, tc.blocks) {
			t.Errorf("%s: blocks %q, want %q", tc.layout, got, tc.blocks)
		}
		if got := tapNames(m.DefaultTaps()); !slices.Equal(got, tc.blocks) {
			t.Errorf("%s: default taps %q, want %q", tc.layout, got, tc.blocks)
		}
		for _, p := range []string{PresetStages, PresetModules, PresetFine} {
			taps, err := m.Taps(p)
			if err != nil {
				continue // a ViT has no stages
			}
			for _, tp := range taps {
				if tp.Tensor == "" || tp.Name == silent {
					t.Errorf("%s %s: tap %+v", tc.layout, p, tp)
				}
			}
		}
		if _, err := m.Taps(silent); err == nil || !strings.Contains(err.Error(), "no module, node or tensor named") {
			t.Errorf("%s: tap %q: error %v", tc.layout, silent, err)
		}
	}
}
