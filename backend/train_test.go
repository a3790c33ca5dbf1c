package backend

import (
	"math"
	"testing"

	"github.com/gomlx/gomlx/backends"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive // GoMLX's convention for graph code.
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/layers"
	"github.com/gomlx/gomlx/pkg/ml/layers/activations"
	"github.com/gomlx/gomlx/pkg/ml/layers/batchnorm"
	"github.com/gomlx/gomlx/pkg/ml/train"
	"github.com/gomlx/gomlx/pkg/ml/train/losses"
	"github.com/gomlx/gomlx/pkg/ml/train/optimizers"
	"github.com/repgeo/repgeo/backend/benchnet"
)

// tinyResNet is a residual block with a strided 3x3 convolution, a strided
// 1x1 projection, batch norm and a mean-pool head: every convolution form a
// ResNet trains with, at a size that runs in well under a second.
func tinyResNet(ctx *context.Context, x *Node) *Node {
	bn := func(ctx *context.Context, x *Node) *Node {
		return batchnorm.New(ctx, x, -1).UseBackendInference(false).Done()
	}
	x = layers.Convolution(ctx.In("stem"), x).Channels(8).KernelSize(3).PadSame().UseBias(false).Done()
	x = activations.Relu(bn(ctx.In("bn0"), x))
	y := layers.Convolution(ctx.In("c1"), x).Channels(16).KernelSize(3).Strides(2).PadSame().UseBias(false).Done()
	y = activations.Relu(bn(ctx.In("bn1"), y))
	y = layers.Convolution(ctx.In("c2"), y).Channels(16).KernelSize(3).PadSame().UseBias(false).Done()
	short := layers.Convolution(ctx.In("proj"), x).Channels(16).KernelSize(1).Strides(2).UseBias(false).Done()
	x = activations.Relu(Add(bn(ctx.In("bn2"), y), short))
	x = ReduceMean(x, 1, 2)
	return layers.DenseWithBias(ctx.In("fc"), x, 10)
}

// trainLosses trains tinyResNet for steps SGD steps on a fixed batch of
// 32x32 images on be and returns the loss of each step.
func trainLosses(t *testing.T, be backends.Backend, steps int) []float32 {
	t.Helper()
	ctx := context.New()
	ctx.SetParam(optimizers.ParamLearningRate, 0.1)
	if err := ctx.SetRNGStateFromSeed(42); err != nil {
		t.Fatal(err)
	}
	modelFn := func(ctx *context.Context, _ any, inputs []*Node) []*Node {
		return []*Node{tinyResNet(ctx, inputs[0])}
	}
	tr := train.NewTrainer(be, ctx, modelFn, losses.SparseCategoricalCrossEntropyLogits,
		optimizers.StochasticGradientDescent().WithDecay(false).Done(), nil, nil)
	images, labels := benchnet.Batch(4, 5)
	var out []float32
	for range steps {
		m, err := tr.TrainStep(nil, []*tensors.Tensor{images}, []*tensors.Tensor{labels})
		if err != nil {
			t.Fatalf("%s: train step: %v", be, err)
		}
		out = append(out, m[0].Value().(float32))
	}
	return out
}

// TestTrainingMatchesStockOp trains the same network, from the same
// initialisation, with the pure-Go backend's own ops (only its gaps filled)
// and with the decorator's lowering and custom ops: the losses must agree
// step by step, which exercises forward, both gradients and the updates
// through batch norm.
func TestTrainingMatchesStockOp(t *testing.T) {
	stock, err := NewDecorated("stockconv,nofast")
	if err != nil {
		t.Fatal(err)
	}
	const steps = 4
	want := trainLosses(t, stock, steps)
	for _, cfg := range []string{"", "nofast", "stockconv"} {
		be, err := NewDecorated(cfg)
		if err != nil {
			t.Fatal(err)
		}
		got := trainLosses(t, be, steps)
		t.Logf("config %q: losses %.9g, pure-Go ops %.9g", cfg, got, want)
		for i := range want {
			if d := math.Abs(float64(got[i]-want[i])) / math.Abs(float64(want[i])); d > 1e-5 {
				t.Errorf("config %q: step %d loss %v, want %v (relative difference %.2g)", cfg, i, got[i], want[i], d)
			}
		}
		if !(want[steps-1] < want[0]) {
			t.Errorf("loss did not decrease on a fixed batch: %v", want)
		}
	}
}
