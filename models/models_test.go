package models

import (
	"slices"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/backends"
	"gonum.org/v1/gonum/mat"

	"github.com/repgeo/repgeo/backend"
	"github.com/repgeo/repgeo/data"
)

func testBackend(t *testing.T) backends.Backend {
	t.Helper()
	b, err := backend.New()
	if err != nil {
		t.Fatalf("backend: %v", err)
	}
	return b
}

func tinySynthetic(t *testing.T, gray bool) *data.Set {
	t.Helper()
	o := data.SyntheticOptions{Height: 32, Width: 32, Channels: 3, Train: 256, Test: 100, Seed: 1}
	if gray {
		o.Height, o.Width, o.Channels = 28, 28, 1
	}
	s, err := data.NewSynthetic(o)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func configFor(model string, width float64, s *data.Set) Config {
	return Config{Model: model, Width: width, Dataset: s.Name,
		InputShape: [3]int{s.Height, s.Width, s.Channels}, Classes: s.Classes}
}

func TestTapCounts(t *testing.T) {
	for _, tc := range []struct {
		model        string
		coarse, fine int
	}{
		{"resnet20", 1 + 1 + 9 + 2, 1 + 3 + 9*7 + 2},
		{"resnet32", 1 + 1 + 15 + 2, 1 + 3 + 15*7 + 2},
		{"resnet56", 1 + 1 + 27 + 2, 1 + 3 + 27*7 + 2},
		{"resnet18", 1 + 1 + 8 + 2, 1 + 3 + 8*7 + 2},
		{"vgg11", 1 + 5 + 2, 1 + 8*3 + 4 + 2},
		{"vgg13", 1 + 5 + 2, 1 + 10*3 + 4 + 2},
		{"vgg16", 1 + 5 + 2, 1 + 13*3 + 4 + 2},
		{"vgg19", 1 + 5 + 2, 1 + 16*3 + 4 + 2},
	} {
		coarse, err := TapNames(tc.model, Coarse)
		if err != nil {
			t.Fatal(err)
		}
		fine, err := TapNames(tc.model, Fine)
		if err != nil {
			t.Fatal(err)
		}
		if len(coarse) != tc.coarse || len(fine) != tc.fine {
			t.Errorf("%s: %d coarse and %d fine taps, want %d and %d", tc.model, len(coarse), len(fine), tc.coarse, tc.fine)
		}
		if coarse[0] != "00_input" && coarse[0] != "000_input" {
			t.Errorf("%s: first tap %q", tc.model, coarse[0])
		}
		if !slices.IsSorted(coarse) || !slices.IsSorted(fine) {
			t.Errorf("%s: tap names do not sort in path order", tc.model)
		}
	}
	if _, err := TapNames("resnet21", Coarse); err == nil {
		t.Error("TapNames accepted an unknown model")
	}
}

func TestExtractShapesAndOrder(t *testing.T) {
	b := testBackend(t)
	for _, tc := range []struct {
		model string
		gray  bool
		grain Grain
	}{
		{"resnet20", false, Coarse},
		{"resnet20", true, Fine},
		{"vgg11", false, Coarse},
		{"vgg11", true, Fine},
	} {
		s := tinySynthetic(t, tc.gray)
		net, err := New(b, configFor(tc.model, 0.125, s), 3)
		if err != nil {
			t.Fatal(err)
		}
		const m = 13
		images, labels, err := Probes(s, m, 7)
		if err != nil {
			t.Fatal(err)
		}
		acts, err := Extract(net, images, labels, ExtractOptions{Grain: tc.grain, BatchSize: 5})
		if err != nil {
			t.Fatalf("%s: %v", tc.model, err)
		}
		want, _ := TapNames(tc.model, tc.grain)
		if !slices.Equal(acts.Taps, want) {
			t.Errorf("%s: taps %v, want %v", tc.model, acts.Taps, want)
		}
		for i, l := range acts.Layers {
			if r, _ := l.Dims(); r != m {
				t.Errorf("%s: tap %s has %d rows, want %d", tc.model, acts.Taps[i], r, m)
			}
		}
		if _, d := acts.Layers[0].Dims(); d != s.ImageSize() {
			t.Errorf("%s: input tap has %d columns, want %d", tc.model, d, s.ImageSize())
		}
		if _, d := acts.Layers[len(acts.Layers)-1].Dims(); d != s.Classes {
			t.Errorf("%s: logits tap has %d columns, want %d", tc.model, d, s.Classes)
		}
		r, c := acts.Target.Dims()
		if r != m || c != s.Classes {
			t.Fatalf("%s: target %d×%d", tc.model, r, c)
		}
		for i := range m {
			sum := 0.0
			for j := range c {
				sum += acts.Target.At(i, j)
			}
			if sum != 1 || acts.Target.At(i, labels[i]) != 1 {
				t.Errorf("%s: target row %d is not the one-hot of %d", tc.model, i, labels[i])
			}
		}
	}
}

func TestSeededWeights(t *testing.T) {
	b := testBackend(t)
	s := tinySynthetic(t, true)
	images, _, err := Probes(s, 6, 1)
	if err != nil {
		t.Fatal(err)
	}
	extract := func(seed uint64) *Activations {
		net, err := New(b, configFor("resnet20", 0.125, s), seed)
		if err != nil {
			t.Fatal(err)
		}
		a, err := Extract(net, images, nil, ExtractOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if a.Target != nil || a.Labels != nil {
			t.Error("target without labels")
		}
		return a
	}
	a, b2, c := extract(4), extract(4), extract(5)
	if !equalActivations(t, a, b2) {
		t.Error("the same seed gave different weights")
	}
	if equalActivations(t, a, c) {
		t.Error("different seeds gave the same weights")
	}
}

func TestExtractErrors(t *testing.T) {
	b := testBackend(t)
	s := tinySynthetic(t, true)
	net, err := New(b, configFor("vgg11", 0.125, s), 1)
	if err != nil {
		t.Fatal(err)
	}
	images, labels, _ := Probes(s, 4, 1)
	for _, tc := range []struct {
		name   string
		images []float32
		labels []int
		opt    ExtractOptions
	}{
		{"partial image", images[:len(images)-3], nil, ExtractOptions{}},
		{"no images", nil, nil, ExtractOptions{}},
		{"label count", images, labels[:3], ExtractOptions{}},
		{"label range", images, []int{0, 1, 2, 10}, ExtractOptions{}},
		{"unknown tap", images, labels, ExtractOptions{Layers: []string{"stage9"}}},
	} {
		if _, err := Extract(net, tc.images, tc.labels, tc.opt); err == nil {
			t.Errorf("%s: no error", tc.name)
		}
	}
	if _, err := New(b, Config{Model: "vgg12", Width: 1, InputShape: [3]int{32, 32, 3}, Classes: 10}, 1); err == nil {
		t.Error("unknown model accepted")
	}
}

// TestConfigValidate: Validate accepts a full Config and names the field
// at fault in one that is not, the dataset included.
func TestConfigValidate(t *testing.T) {
	good := Config{Model: "resnet20", Width: 0.5, Dataset: data.FashionMNIST, InputShape: [3]int{28, 28, 1}, Classes: 10}
	for _, tc := range []struct {
		name   string
		mutate func(c *Config)
		want   string // "" for valid
	}{
		{"valid", func(*Config) {}, ""},
		{"unknown model", func(c *Config) { c.Model = "vgg12" }, "unknown model"},
		{"zero width", func(c *Config) { c.Width = 0 }, "width 0"},
		{"no dataset", func(c *Config) { c.Dataset = "" }, "resnet20 names no dataset"},
		{"blank dataset", func(c *Config) { c.Dataset = " " }, "names no dataset"},
		{"small input", func(c *Config) { c.InputShape = [3]int{4, 4, 1} }, "input shape"},
		{"one class", func(c *Config) { c.Classes = 1 }, "1 classes"},
	} {
		c := good
		tc.mutate(&c)
		err := c.Validate()
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.want)
		}
	}
}

// The model code is backend-independent: inference on GoMLX's stock pure-Go
// backend agrees with the default backend (whose convolutions take another
// route) to float32 rounding.
func TestStockBackendAgrees(t *testing.T) {
	stock, err := backends.NewWithConfig("go")
	if err != nil {
		t.Fatal(err)
	}
	s := tinySynthetic(t, false)
	images, _, _ := Probes(s, 8, 2)
	for _, model := range []string{"resnet20", "vgg11"} {
		var acts []*Activations
		for _, b := range []backends.Backend{testBackend(t), stock} {
			net, err := New(b, configFor(model, 0.125, s), 3)
			if err != nil {
				t.Fatal(err)
			}
			a, err := Extract(net, images, nil, ExtractOptions{Grain: Fine, BatchSize: 4})
			if err != nil {
				t.Fatalf("%s on %s: %v", model, b.Name(), err)
			}
			acts = append(acts, a)
		}
		for i := range acts[0].Layers {
			if !mat.EqualApprox(acts[0].Layers[i], acts[1].Layers[i], 1e-4) {
				t.Errorf("%s: tap %s differs between backends", model, acts[0].Taps[i])
			}
		}
	}
}
