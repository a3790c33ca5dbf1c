package models

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/gomlx/gomlx/backends"
	"github.com/repgeo/repgeo/backend"
)

// TestFusedBackendMatchesStandardOps trains the project's own networks (batch
// norm with gradients through the batch statistics, SGD with momentum and
// weight decay) for a few steps on repgeo-go with fused element-wise chains
// and with the same ops one by one ("nofuse"): the losses must agree to float32
// rounding (only sums run in another order). With standard ops only
// ("nofast", other matrix-product orders) the first loss must agree; later
// ones drift by up to a few parts in a thousand through the updates.
func TestFusedBackendMatchesStandardOps(t *testing.T) {
	configs := map[string]backends.Backend{}
	for _, cfg := range []string{"", "nofuse", "nofast"} {
		b, err := backend.NewDecorated(cfg)
		if err != nil {
			t.Fatal(err)
		}
		configs[cfg] = b
	}
	for _, tc := range []struct {
		model string
		gray  bool
	}{
		{"resnet20", false},
		{"vgg11", true},
	} {
		t.Run(tc.model, func(t *testing.T) {
			s := tinySynthetic(t, tc.gray)
			losses := func(cfg string) (first, last float64) {
				t.Helper()
				net, err := New(configs[cfg], configFor(tc.model, 0.125, s), 3)
				if err != nil {
					t.Fatal(err)
				}
				res, err := Train(net, s, TrainOptions{Optimizer: SGD, LearningRate: 0.05, Momentum: 0.9, WeightDecay: 5e-4,
					BatchSize: 16, Steps: 3, Seed: 2, TestLimit: -1})
				if err != nil {
					t.Fatal(err)
				}
				return res.LossFirst, res.LossLast
			}
			f1, f2 := losses("")
			u1, u2 := losses("nofuse")
			s1, _ := losses("nofast")
			t.Logf("first and last losses: fused %.7g, %.7g; not fused %.7g, %.7g; standard ops %.7g", f1, f2, u1, u2, s1)
			for _, c := range []struct {
				what      string
				got, want float64
				tol       float64
			}{
				{"first loss, fused vs not", f1, u1, 1e-6},
				{"last loss, fused vs not", f2, u2, 1e-5},
				{"first loss, fused vs standard ops", f1, s1, 1e-5},
			} {
				if math.IsNaN(c.got) || !(math.Abs(c.got-c.want) <= c.tol*math.Abs(c.want)) {
					t.Errorf("%s: %.7g, want %.7g (relative tolerance %g)", c.what, c.got, c.want, c.tol)
				}
			}
		})
	}
}

// TestEpiloguesMatchStepwiseChains trains, evaluates and extracts networks
// (batch norm on running averages, x·a + b) on repgeo-go, whose convolutions
// run the batch norm, ReLU and residual sum that read them on each block of
// their output in registers, and on repgeo-go with the chains as ops of
// their own run step by step ("noepilogue", the code before): the trained
// weights must be the same bytes, the accuracies and losses equal and every
// activation of the coarse and fine taps bit for bit the same.
func TestEpiloguesMatchStepwiseChains(t *testing.T) {
	fused, err := backend.NewDecorated("")
	if err != nil {
		t.Fatal(err)
	}
	stepwise, err := backend.NewDecorated("noepilogue")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		model string
		width float64
		gray  bool
	}{
		{"resnet20", 0.5, false},
		{"resnet20", 1, false},
		{"vgg11", 0.25, true},
	} {
		t.Run(fmt.Sprintf("%s-w%g", tc.model, tc.width), func(t *testing.T) {
			s := tinySynthetic(t, tc.gray)
			// A few training steps on each, so that the running averages of
			// batch norm are not those of the initialization: the weights
			// must be the same bytes.
			var dir string
			var weights [2][]byte
			for i, be := range []backends.Backend{fused, stepwise} {
				net, err := New(be, configFor(tc.model, tc.width, s), 4)
				if err != nil {
					t.Fatal(err)
				}
				if _, err := Train(net, s, TrainOptions{Optimizer: SGD, LearningRate: 0.05, Momentum: 0.9,
					BatchSize: 16, Steps: 3, Seed: 2, TestLimit: -1}); err != nil {
					t.Fatal(err)
				}
				d := filepath.Join(t.TempDir(), "w")
				if err := SaveWeights(net, d); err != nil {
					t.Fatal(err)
				}
				names, _, err := listCheckpoints(d)
				if err != nil || len(names) != 1 {
					t.Fatalf("saved checkpoints %v (%v)", names, err)
				}
				if weights[i], err = os.ReadFile(filepath.Join(d, names[0]+".bin")); err != nil {
					t.Fatal(err)
				}
				if i == 0 {
					dir = d
				}
			}
			if !bytes.Equal(weights[0], weights[1]) {
				t.Errorf("weights after training differ (%d and %d bytes)", len(weights[0]), len(weights[1]))
			}
			images, labels, err := Probes(s, 30, 3)
			if err != nil {
				t.Fatal(err)
			}
			type result struct {
				ev   Evaluation
				acts []*Activations
			}
			run := func(be backends.Backend) result {
				n, err := Load(be, dir)
				if err != nil {
					t.Fatal(err)
				}
				ev, err := Evaluate(n, s, 0)
				if err != nil {
					t.Fatal(err)
				}
				r := result{ev: ev}
				for _, g := range []Grain{Coarse, Fine} {
					a, err := Extract(n, images, labels, ExtractOptions{Grain: g, BatchSize: 16})
					if err != nil {
						t.Fatal(err)
					}
					r.acts = append(r.acts, a)
				}
				return r
			}
			got, want := run(fused), run(stepwise)
			if got.ev != want.ev {
				t.Errorf("evaluation %+v, want %+v", got.ev, want.ev)
			}
			for g, a := range got.acts {
				for k, m := range a.Layers {
					w := want.acts[g].Layers[k]
					raw, wraw := m.RawMatrix().Data, w.RawMatrix().Data
					for i := range wraw {
						if math.Float64bits(raw[i]) != math.Float64bits(wraw[i]) {
							t.Fatalf("tap %s, value %d: %v, want %v", a.Taps[k], i, raw[i], wraw[i])
						}
					}
				}
			}
		})
	}
}
