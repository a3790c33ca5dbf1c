// Package benchnet builds the small convolutional networks used to benchmark
// and profile GoMLX backends: a CIFAR ResNet-20 and a narrow VGG-11 with batch
// norm, both on 32x32x3 channels-last images, matching the PyTorch reference
// models of the benchmark scripts. Their batch norm is the project's
// (models.BatchNorm): in training, normalisation on the batch's statistics
// with the gradient through them, as PyTorch's nn.BatchNorm2d and the
// models that `repgeo train` trains. They exist for measurements only; the
// project's models live elsewhere.
package benchnet

import (
	"fmt"
	"math/rand/v2"
	"syscall"
	"time"

	"github.com/gomlx/gomlx/backends"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive // GoMLX's convention for graph code.
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/layers"
	"github.com/gomlx/gomlx/pkg/ml/layers/activations"
	"github.com/gomlx/gomlx/pkg/ml/train"
	"github.com/gomlx/gomlx/pkg/ml/train/losses"
	"github.com/gomlx/gomlx/pkg/ml/train/optimizers"
	"github.com/repgeo/repgeo/models"
)

// Model is a network on [batch, 32, 32, 3] images returning [batch, 10] logits.
type Model func(ctx *context.Context, x *Node) *Node

// Models maps the benchmark model names to their builders.
var Models = map[string]Model{
	"resnet20": ResNet20,
	"vgg11n":   VGG11Narrow,
}

func conv(ctx *context.Context, x *Node, channels, kernel, stride int) *Node {
	return layers.Convolution(ctx, x).Channels(channels).KernelSize(kernel).Strides(stride).
		PadSame().UseBias(false).Done()
}

// bn is batch norm over the channels: GoMLX's batchnorm layer stops the
// gradient through the batch mean and variance, which PyTorch does not.
func bn(ctx *context.Context, x *Node) *Node {
	return models.BatchNorm(ctx, x)
}

// ResNet20 is the CIFAR ResNet-20 (3 stages of 3 basic blocks, widths 16, 32
// and 64) with 1x1 convolution projections on the strided shortcuts.
func ResNet20(ctx *context.Context, x *Node) *Node {
	x = activations.Relu(bn(ctx.In("stem_bn"), conv(ctx.In("stem"), x, 16, 3, 1)))
	cin := 16
	for stage, width := range []int{16, 32, 64} {
		for block := range 3 {
			stride := 1
			if stage > 0 && block == 0 {
				stride = 2
			}
			bctx := ctx.In(fmt.Sprintf("s%d_b%d", stage, block))
			y := activations.Relu(bn(bctx.In("bn1"), conv(bctx.In("conv1"), x, width, 3, stride)))
			y = bn(bctx.In("bn2"), conv(bctx.In("conv2"), y, width, 3, 1))
			short := x
			if stride != 1 || cin != width {
				short = bn(bctx.In("proj_bn"), conv(bctx.In("proj"), x, width, 1, stride))
			}
			x = activations.Relu(Add(y, short))
			cin = width
		}
	}
	x = ReduceMean(x, 1, 2)
	return layers.DenseWithBias(ctx.In("fc"), x, 10)
}

// maxPool2 is a 2x2 max-pool as a ReduceMax over a reshape, which has a
// gradient on every backend.
func maxPool2(x *Node) *Node {
	d := x.Shape().Dimensions
	x = Reshape(x, d[0], d[1]/2, 2, d[2]/2, 2, d[3])
	return ReduceMax(x, 2, 4)
}

// VGG11Narrow is VGG-11 with batch norm at a quarter of the width (16 to 128
// channels) on 32x32 images.
func VGG11Narrow(ctx *context.Context, x *Node) *Node {
	cfg := []int{16, 0, 32, 0, 64, 64, 0, 128, 128, 0, 128, 128, 0}
	for i, c := range cfg {
		if c == 0 {
			x = maxPool2(x)
			continue
		}
		lctx := ctx.In(fmt.Sprintf("conv%02d", i))
		x = layers.Convolution(lctx, x).Channels(c).KernelSize(3).PadSame().Done()
		x = activations.Relu(bn(lctx.In("bn"), x))
	}
	x = Reshape(x, x.Shape().Dimensions[0], -1)
	return layers.DenseWithBias(ctx.In("fc"), x, 10)
}

// Batch returns deterministic N(0,1) images [batch, 32, 32, 3] and labels
// [batch, 1] in 0..9.
func Batch(batch int, seed uint64) (images, labels *tensors.Tensor) {
	r := rand.New(rand.NewPCG(seed, 1))
	x := make([]float32, batch*32*32*3)
	for i := range x {
		x[i] = float32(r.NormFloat64())
	}
	y := make([]int32, batch)
	for i := range y {
		y[i] = int32(r.IntN(10))
	}
	return tensors.FromFlatDataAndDimensions(x, batch, 32, 32, 3), tensors.FromFlatDataAndDimensions(y, batch, 1)
}

// Result is a throughput measurement.
type Result struct {
	Backend      string  `json:"backend"`
	Model        string  `json:"model"`
	Batch        int     `json:"batch"`
	Steps        int     `json:"steps"`
	Seconds      float64 `json:"seconds"`
	ImagesPerSec float64 `json:"images_per_second"`
	// FirstStepSeconds includes graph building and compilation.
	FirstStepSeconds float64 `json:"first_step_seconds"`
	// CPUCores is the process CPU time over the wall time of the timed
	// steps: below the number of cores, other processes took CPU time.
	CPUCores float64 `json:"cpu_cores"`
}

// cpuSeconds returns the CPU time (user and system) used by this process.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

// Trainer runs SGD training steps of a model on one fixed batch.
type Trainer struct {
	trainer        *train.Trainer
	images, labels *tensors.Tensor
	batch          int
}

// NewTrainer prepares training of model on backend with batches of the given size.
func NewTrainer(backend backends.Backend, model Model, batch int, seed uint64) *Trainer {
	ctx := context.New()
	ctx.SetParam(optimizers.ParamLearningRate, 0.05)
	modelFn := func(ctx *context.Context, _ any, inputs []*Node) []*Node {
		return []*Node{model(ctx, inputs[0])}
	}
	tr := train.NewTrainer(backend, ctx, modelFn, losses.SparseCategoricalCrossEntropyLogits,
		optimizers.StochasticGradientDescent().WithDecay(false).Done(), nil, nil)
	images, labels := Batch(batch, seed)
	return &Trainer{trainer: tr, images: images, labels: labels, batch: batch}
}

// Step runs one training step and returns the batch loss.
func (t *Trainer) Step() (float32, error) {
	m, err := t.trainer.TrainStep(nil, []*tensors.Tensor{t.images}, []*tensors.Tensor{t.labels})
	if err != nil {
		return 0, err
	}
	return tensors.ToScalar[float32](m[0]), nil
}

// MeasureTraining times steps training steps (after one untimed warm-up
// step, which compiles the graph).
func MeasureTraining(backend backends.Backend, name string, batch, steps int) (Result, error) {
	model, ok := Models[name]
	if !ok {
		return Result{}, fmt.Errorf("benchnet: unknown model %q", name)
	}
	t := NewTrainer(backend, model, batch, 1)
	start := time.Now()
	if _, err := t.Step(); err != nil {
		return Result{}, err
	}
	first := time.Since(start).Seconds()
	start, cpu := time.Now(), cpuSeconds()
	for range steps {
		if _, err := t.Step(); err != nil {
			return Result{}, err
		}
	}
	secs := time.Since(start).Seconds()
	return Result{Backend: backend.String(), Model: name, Batch: batch, Steps: steps, Seconds: secs,
		ImagesPerSec: float64(batch*steps) / secs, FirstStepSeconds: first, CPUCores: (cpuSeconds() - cpu) / secs}, nil
}

// MeasureInference times steps forward passes (batch norm in inference mode)
// after one untimed warm-up pass.
func MeasureInference(backend backends.Backend, name string, batch, steps int) (Result, error) {
	model, ok := Models[name]
	if !ok {
		return Result{}, fmt.Errorf("benchnet: unknown model %q", name)
	}
	ctx := context.New()
	exec, err := context.NewExec(backend, ctx, func(ctx *context.Context, x *Node) *Node {
		return model(ctx, x)
	})
	if err != nil {
		return Result{}, err
	}
	images, _ := Batch(batch, 2)
	start := time.Now()
	if _, err := exec.Exec(images); err != nil {
		return Result{}, err
	}
	first := time.Since(start).Seconds()
	start, cpu := time.Now(), cpuSeconds()
	for range steps {
		if _, err := exec.Exec(images); err != nil {
			return Result{}, err
		}
	}
	secs := time.Since(start).Seconds()
	return Result{Backend: backend.String(), Model: name, Batch: batch, Steps: steps, Seconds: secs,
		ImagesPerSec: float64(batch*steps) / secs, FirstStepSeconds: first, CPUCores: (cpuSeconds() - cpu) / secs}, nil
}
