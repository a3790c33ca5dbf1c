package onnxmodel

import (
	"math"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/gomlx/gomlx/backends"
	"gonum.org/v1/gonum/mat"

	"github.com/repgeo/repgeo/backend"
	"github.com/repgeo/repgeo/models"
	"github.com/repgeo/repgeo/npy"
)

// The reference activations in testdata/reference.npz were computed by
// PyTorch 1.13 (testdata/export.py) in float32.

var (
	refOnce sync.Once
	refData map[string]npy.Array
	refErr  error
)

func reference(t *testing.T) map[string]npy.Array {
	t.Helper()
	refOnce.Do(func() {
		arrays, err := npy.ReadFile("testdata/reference.npz")
		if err != nil {
			refErr = err
			return
		}
		refData = map[string]npy.Array{}
		for _, a := range arrays {
			refData[a.Name] = a
		}
	})
	if refErr != nil {
		t.Fatal(refErr)
	}
	return refData
}

func refArray(t *testing.T, name string) npy.Array {
	t.Helper()
	a, ok := reference(t)[name]
	if !ok {
		t.Fatalf("reference.npz has no array %q", name)
	}
	return a
}

// arrayImages returns a saved N×C×H×W array as Images.
func arrayImages(t *testing.T, a npy.Array) *Images {
	t.Helper()
	if len(a.Shape) != 4 {
		t.Fatalf("array %q has shape %v, want N×C×H×W", a.Name, a.Shape)
	}
	x := &Images{N: a.Shape[0], C: a.Shape[1], H: a.Shape[2], W: a.Shape[3]}
	for i := range x.N {
		for _, v := range a.Data.RawRowView(i) {
			x.Data = append(x.Data, float32(v))
		}
	}
	return x
}

// extractOutput returns the activations of m's output (tap "output") on x.
func extractOutput(t *testing.T, m *Model, x *Images) *models.Activations {
	t.Helper()
	taps, err := m.Taps("output")
	if err != nil {
		t.Fatal(err)
	}
	act, err := m.Extract(newBackend(t), x, taps, nil)
	if err != nil {
		t.Fatal(err)
	}
	return act
}

// probePixels returns the first n reference images as Images in [0, 1].
func probePixels(t *testing.T, n int) *Images {
	t.Helper()
	a := refArray(t, "pixels")
	h, w, c := a.Shape[1], a.Shape[2], a.Shape[3]
	px := make([]uint8, 0, n*h*w*c)
	for i := range n {
		for _, v := range a.Data.RawRowView(i) {
			px = append(px, uint8(v))
		}
	}
	x, err := FromPixels(px, n, h, w, c)
	if err != nil {
		t.Fatal(err)
	}
	return x
}

func newBackend(t *testing.T) backends.Backend {
	t.Helper()
	b, err := backend.New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Finalize)
	return b
}

func load(t *testing.T, name string) *Model {
	t.Helper()
	m, err := Load(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// maxAbsDiff returns the largest absolute difference between got and want
// and the largest absolute value of want.
func maxAbsDiff(got, want mat.Matrix) (diff, scale float64) {
	r, c := want.Dims()
	for i := range r {
		for j := range c {
			diff = max(diff, math.Abs(got.At(i, j)-want.At(i, j)))
			scale = max(scale, math.Abs(want.At(i, j)))
		}
	}
	return diff, scale
}

func TestExtractMatchesPyTorch(t *testing.T) {
	cifarMean := []float64{0.4914, 0.4822, 0.4465}
	cifarStd := []float64{0.2470, 0.2435, 0.2616}
	cases := []struct {
		model  string
		prefix string
		images int
		pre    Preprocess
		taps   []string // module paths; reference arrays are prefix + path with "_" for "."
		tol    float64  // relative to the largest reference value of the tap
	}{
		{"resnet_tiny.onnx", "resnet_", 4, Preprocess{Mean: cifarMean, Std: cifarStd},
			[]string{"relu", "maxpool", "layer1.1", "layer2.0", "layer3.1", "layer4.1", "avgpool", "output"}, 1e-5},
		{"vgg_tiny.onnx", "vgg_", 2, Preprocess{Mean: ImageNetMean, Std: ImageNetStd},
			[]string{"features.14", "features.27", "avgpool", "classifier.1", "classifier.4", "output"}, 1e-5},
		// Loads only with the rewriting of Gather's negative indices.
		{"vit_tiny.onnx", "vit_", 4, Preprocess{Mean: cifarMean, Std: cifarStd},
			[]string{TapEmbedding, "encoder.layers.encoder_layer_0", "encoder.layers.encoder_layer_1", "encoder.ln", "output"}, 1e-5},
	}
	b := newBackend(t)
	for _, tc := range cases {
		t.Run(tc.model, func(t *testing.T) {
			m := load(t, tc.model)
			x, err := m.Preprocess(tc.pre).Apply(probePixels(t, tc.images))
			if err != nil {
				t.Fatal(err)
			}
			taps, err := m.Taps(tc.taps...)
			if err != nil {
				t.Fatal(err)
			}
			labels := []int{3, 1, 4, 1}[:tc.images]
			act, err := m.Extract(b, x, taps, &Options{Labels: labels, Classes: 10, BatchSize: 3})
			if err != nil {
				t.Fatal(err)
			}
			if len(act.Layers) != len(tc.taps) || len(act.Taps) != len(tc.taps) {
				t.Fatalf("got %d layers, %d tap names for %d taps", len(act.Layers), len(act.Taps), len(tc.taps))
			}
			for i, tap := range tc.taps {
				want := refArray(t, tc.prefix+strings.ReplaceAll(tap, ".", "_")).Data
				got := act.Layers[i]
				gr, gc := got.Dims()
				wr, wc := want.Dims()
				if gr != wr || gc != wc {
					t.Errorf("tap %s: got %d×%d, PyTorch %d×%d", tap, gr, gc, wr, wc)
					continue
				}
				diff, scale := maxAbsDiff(got, want)
				t.Logf("tap %-12s %4d×%-5d max abs diff %.2g (scale %.2g)", tap, gr, gc, diff, scale)
				if diff > tc.tol*max(scale, 1) {
					t.Errorf("tap %s: max |diff| = %.3g (largest value %.3g), tolerance %.1g relative", tap, diff, scale, tc.tol)
				}
				if wantName := taps[i].Name; !strings.HasSuffix(act.Taps[i], "_"+wantName) {
					t.Errorf("tap %d named %q, want suffix %q", i, act.Taps[i], wantName)
				}
			}
			r, c := act.Target.Dims()
			if r != tc.images || c != 10 {
				t.Fatalf("target is %d×%d, want %d×10", r, c, tc.images)
			}
			for i, l := range labels {
				if act.Target.At(i, l) != 1 || mat.Sum(act.Target.RowView(i)) != 1 {
					t.Errorf("target row %d is not one-hot at %d", i, l)
				}
			}
		})
	}
}

// TestBatchSizeInvariance checks that the batching (and the zero padding of
// the last batch) does not change the activations.
func TestBatchSizeInvariance(t *testing.T) {
	m := load(t, "resnet_tiny.onnx")
	b := newBackend(t)
	x, err := m.Preprocess(Preprocess{Mean: ImageNetMean, Std: ImageNetStd}).Apply(probePixels(t, 4))
	if err != nil {
		t.Fatal(err)
	}
	taps, err := m.Taps("layer2.0", "output")
	if err != nil {
		t.Fatal(err)
	}
	var first []*mat.Dense
	for _, bs := range []int{4, 1, 3, 0} {
		act, err := m.Extract(b, x, taps, &Options{BatchSize: bs})
		if err != nil {
			t.Fatalf("batch %d: %v", bs, err)
		}
		if first == nil {
			first = act.Layers
			continue
		}
		for i := range taps {
			if diff, _ := maxAbsDiff(act.Layers[i], first[i]); diff > 1e-5 {
				t.Errorf("batch %d, tap %s: differs from batch 4 by %.3g", bs, taps[i].Name, diff)
			}
		}
	}
}

// TestTokens checks the token handling of a Vision Transformer's taps
// against PyTorch's N×T×D activations: flatten is the reference flattened
// token-major, cls its token 0, mean its mean over tokens.
func TestTokens(t *testing.T) {
	m := load(t, "vit_tiny.onnx")
	b := newBackend(t)
	x, err := m.Preprocess(Preprocess{Mean: []float64{0.4914, 0.4822, 0.4465}, Std: []float64{0.2470, 0.2435, 0.2616}}).Apply(probePixels(t, 4))
	if err != nil {
		t.Fatal(err)
	}
	taps, err := m.Taps(TapEmbedding, "encoder.layers.encoder_layer_1", "output")
	if err != nil {
		t.Fatal(err)
	}
	refs := []string{"vit_embedding", "vit_encoder_layers_encoder_layer_1", "vit_output"}
	for _, tokens := range []string{"", TokensFlatten, TokensCLS, TokensMean} {
		act, err := m.Extract(b, x, taps, &Options{Tokens: tokens, BatchSize: 3})
		if err != nil {
			t.Fatalf("tokens %q: %v", tokens, err)
		}
		for k, name := range refs {
			ref := refArray(t, name)
			want := ref.Data // n × T·D, or n × classes for the output
			if len(ref.Shape) == 3 && (tokens == TokensCLS || tokens == TokensMean) {
				n, tk, d := ref.Shape[0], ref.Shape[1], ref.Shape[2]
				red := mat.NewDense(n, d, nil)
				for i := range n {
					for j := range d {
						if tokens == TokensCLS {
							red.Set(i, j, ref.Data.At(i, j))
							continue
						}
						s := 0.0
						for u := range tk {
							s += ref.Data.At(i, u*d+j)
						}
						red.Set(i, j, s/float64(tk))
					}
				}
				want = red
			}
			got := act.Layers[k]
			gr, gc := got.Dims()
			wr, wc := want.Dims()
			if gr != wr || gc != wc {
				t.Errorf("tokens %q, tap %s: got %d×%d, want %d×%d", tokens, taps[k].Name, gr, gc, wr, wc)
				continue
			}
			if diff, scale := maxAbsDiff(got, want); diff > 1e-5*max(scale, 1) {
				t.Errorf("tokens %q, tap %s: max |diff| %.3g (scale %.3g)", tokens, taps[k].Name, diff, scale)
			}
		}
	}
}
