package models

import (
	"math"
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
