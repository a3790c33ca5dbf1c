package models

// This file gathers, in one place, the model-side workarounds for gaps of
// GoMLX v0.26's pure-Go backend (SimpleGo). Each works unchanged on XLA.

import (
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive // GoMLX's idiom for graph code.
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/context/initializers"
)

// Hyperparameters of batch normalization, read from the context.
const (
	// ParamBatchNormMomentum is the momentum of the running mean and variance
	// (default 0.9, PyTorch's convention).
	ParamBatchNormMomentum = "repgeo_batchnorm_momentum"
	// ParamBatchNormEpsilon is added to the variance (default 1e-5).
	ParamBatchNormEpsilon = "repgeo_batchnorm_epsilon"
)

// BatchNorm normalizes x over all axes but the last (channels), with a
// learned scale and offset, as PyTorch's batch norm does in training and in
// inference.
//
// In training mode it normalizes x on the batch's statistics, with the
// gradient through them, and updates running averages of them; otherwise it
// normalizes on the running averages. It keeps the variable names of GoMLX's
// batchnorm layer (scope "batch_normalization": scale, offset, mean,
// variance, avg_weight) but is written with plain, differentiable ops, for
// two reasons: SimpleGo lacks the backend's fused batch-norm ops for
// training, and GoMLX's own differentiable path (UseBackendInference(false))
// stops the gradient through the batch mean and variance. Without that
// gradient the pre-normalization activations drift freely, the running
// averages lag far behind them, and inference-mode accuracy collapses; with
// it, this is batch norm as in PyTorch (except that the running variance
// averages the biased batch variance). The benchmark networks of
// backend/benchnet use it too, so that they compute the same gradient.
func BatchNorm(ctx *context.Context, x *Node) *Node {
	ctx = ctx.In("batch_normalization")
	g := x.Graph()
	momentum := context.GetParamOr(ctx, ParamBatchNormMomentum, 0.9)
	epsilon := context.GetParamOr(ctx, ParamBatchNormEpsilon, 1e-5)
	rank := x.Rank()
	c := x.Shape().Dimensions[rank-1]
	varShape := shapeOf(x, c)
	scale := ctx.WithInitializer(initializers.One).VariableWithShape("scale", varShape).SetTrainable(true)
	offset := ctx.WithInitializer(initializers.Zero).VariableWithShape("offset", varShape).SetTrainable(true)
	runMean := ctx.WithInitializer(initializers.Zero).VariableWithShape("mean", varShape).SetTrainable(false)
	runVar := ctx.WithInitializer(initializers.One).VariableWithShape("variance", varShape).SetTrainable(false)
	weight := ctx.WithInitializer(initializers.Zero).VariableWithShape("avg_weight", varShape).SetTrainable(false)

	axes := make([]int, rank-1)
	for i := range axes {
		axes[i] = i
	}
	var mean, variance *Node
	if ctx.IsTraining(g) {
		// One pass over x for both statistics: the biased variance as
		// E[x²] − E[x]² (clamped at zero), computed in the input's dtype.
		mean = ReduceMean(x, axes...)
		variance = Max(Sub(ReduceMean(Square(x), axes...), Square(mean)), ZerosLike(mean))
		// Running averages (as in GoMLX: debiased during the first steps).
		w := OnePlus(weight.ValueGraph(g))
		weight.SetValueGraph(w)
		mom := Min(Scalar(g, x.DType(), momentum), OneMinus(Reciprocal(w)))
		runMean.SetValueGraph(Add(Mul(mom, runMean.ValueGraph(g)), Mul(OneMinus(mom), StopGradient(mean))))
		runVar.SetValueGraph(Add(Mul(mom, runVar.ValueGraph(g)), Mul(OneMinus(mom), StopGradient(variance))))
	} else {
		mean, variance = runMean.ValueGraph(g), runVar.ValueGraph(g)
	}
	// y = (x − mean)·scale/√(variance+ε) + offset as x·a + b with per-channel
	// a and b: two passes over x (and few in the gradient) instead of four.
	a := Div(scale.ValueGraph(g), Sqrt(AddScalar(variance, epsilon)))
	b := Sub(offset.ValueGraph(g), Mul(mean, a))
	bdims := make([]int, rank)
	for i := range bdims {
		bdims[i] = 1
	}
	bdims[rank-1] = c
	return Add(Mul(x, Reshape(a, bdims...)), Reshape(b, bdims...))
}

// maxPool2x2 is a 2×2 max-pool of stride 2 on NHWC x, written as ReduceMax
// over a reshape: SimpleGo has no gradient for the MaxPool op. Odd spatial
// sizes drop their last row or column, as a strided max-pool does.
func maxPool2x2(x *Node) *Node {
	dims := x.Shape().Dimensions
	b, h, w, c := dims[0], dims[1], dims[2], dims[3]
	if h%2 != 0 || w%2 != 0 {
		x = Slice(x, AxisRange(), AxisRange(0, h-h%2), AxisRange(0, w-w%2), AxisRange())
		h, w = h-h%2, w-w%2
	}
	x = Reshape(x, b, h/2, 2, w/2, 2, c)
	return ReduceMax(x, 2, 4)
}

// globalAvgPool averages NHWC x over its spatial axes, giving [batch, channels].
func globalAvgPool(x *Node) *Node {
	return ReduceMean(x, 1, 2)
}

// padSpatialTo pads NHWC x with zeros at the bottom and right (and top and
// left, evenly) up to h×w, by concatenation: stock SimpleGo lacks Pad.
func padSpatialTo(x *Node, h, w int) *Node {
	dims := x.Shape().Dimensions
	b, xh, xw, c := dims[0], dims[1], dims[2], dims[3]
	if xh == h && xw == w {
		return x
	}
	g := x.Graph()
	top, left := (h-xh)/2, (w-xw)/2
	bottom, right := h-xh-top, w-xw-left
	parts := []*Node{}
	if top > 0 {
		parts = append(parts, Zeros(g, shapeOf(x, b, top, xw, c)))
	}
	parts = append(parts, x)
	if bottom > 0 {
		parts = append(parts, Zeros(g, shapeOf(x, b, bottom, xw, c)))
	}
	if len(parts) > 1 {
		x = Concatenate(parts, 1)
	}
	parts = parts[:0]
	if left > 0 {
		parts = append(parts, Zeros(g, shapeOf(x, b, h, left, c)))
	}
	parts = append(parts, x)
	if right > 0 {
		parts = append(parts, Zeros(g, shapeOf(x, b, h, right, c)))
	}
	if len(parts) > 1 {
		x = Concatenate(parts, 2)
	}
	return x
}

// shapeOf returns the shape of x's dtype with the given dimensions.
func shapeOf(x *Node, dims ...int) shapes.Shape { return shapes.Make(x.DType(), dims...) }
