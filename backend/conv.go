package backend

import (
	"slices"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/backends/shapeinference"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/shapes"
)

// ConvGeneral implements backends.Builder.ConvGeneral. Empty strides,
// paddings and dilations (as the convolution gradient passes them, and which
// the pure-Go backend rejects) are normalised to ones and zeros. Convolutions without feature or batch groups on float
// operands are lowered to data movement plus one DotGeneral (see lowerConv);
// anything else runs the pure-Go backend's own convolution.
func (b *Builder) ConvGeneral(input, kernel backends.Op, axes backends.ConvolveAxesConfig,
	strides []int, paddings [][2]int, inputDilations, kernelDilations []int,
	channelGroupCount, batchGroupCount int) (backends.Op, error) {
	xShape, err := b.OpShape(input)
	if err != nil {
		return nil, err
	}
	nSpatial := max(xShape.Rank()-2, 0)
	strides = normInts(strides, nSpatial)
	inputDilations = normInts(inputDilations, nSpatial)
	kernelDilations = normInts(kernelDilations, nSpatial)
	if len(paddings) == 0 {
		paddings = make([][2]int, nSpatial)
	} else {
		paddings = slices.Clone(paddings)
	}
	if !b.stockConv && max(channelGroupCount, 1) == 1 && max(batchGroupCount, 1) == 1 {
		out, ok, err := b.lowerConv(input, kernel, axes, strides, paddings, inputDilations, kernelDilations)
		if err != nil || ok {
			return out, err
		}
	}
	return b.Builder.ConvGeneral(input, kernel, axes, strides, paddings, inputDilations, kernelDilations,
		channelGroupCount, batchGroupCount)
}

// normInts returns n ones for an empty slice and a copy otherwise.
func normInts(v []int, n int) []int {
	if len(v) == 0 {
		return ones(n)
	}
	return slices.Clone(v)
}

// valueOr returns v[i], or def if v is empty.
func valueOr(v []int, i, def int) int {
	if len(v) == 0 {
		return def
	}
	return v[i]
}

// lowerConv builds the convolution from Pad, Slice, Concatenate, Transpose,
// Reshape and one DotGeneral. It returns ok=false, without adding anything to
// the graph, when the convolution is not one it lowers.
//
// The input is first padded (edges, and interior for input dilations). Then,
// with K kernel taps and O output positions:
//
//   - if K <= O (forward and input-gradient convolutions), one strided slice
//     per kernel tap is taken, the slices are concatenated on the channel
//     axis (im2col) and multiplied by the kernel reshaped to [K*Cin, Cout];
//   - otherwise (kernel-gradient convolutions, whose "kernel" is the output
//     gradient and whose output is the small kernel), one window per output
//     position is sliced, the windows are concatenated on the batch axis and
//     contracted with the kernel over channels and spatial axes.
func (b *Builder) lowerConv(input, kernel backends.Op, axes backends.ConvolveAxesConfig,
	strides []int, paddings [][2]int, inputDilations, kernelDilations []int) (backends.Op, bool, error) {
	xShape, err := b.OpShape(input)
	if err != nil {
		return nil, false, err
	}
	kShape, err := b.OpShape(kernel)
	if err != nil {
		return nil, false, err
	}
	if xShape.DType != kShape.DType || (xShape.DType != dtypes.Float32 && xShape.DType != dtypes.Float64) {
		return nil, false, nil
	}
	outShape, err := shapeinference.ConvGeneralOp(xShape, kShape, axes, strides, paddings, inputDilations, kernelDilations, 1, 1)
	if err != nil {
		return nil, false, nil // Let the pure-Go backend report the error.
	}
	if outShape.Size() == 0 || xShape.Size() == 0 || kShape.Size() == 0 {
		return nil, false, nil
	}
	if !b.noFast {
		if out, ok, err := b.fastConv(input, kernel, xShape, kShape, outShape, axes, strides, paddings,
			inputDilations, kernelDilations); ok || err != nil {
			return out, ok, err
		}
	}
	rank := xShape.Rank()
	nSpatial := rank - 2

	// Pad (and dilate) the input's spatial axes.
	padCfg := make([]backends.PadAxis, rank)
	needPad := false
	for i, axis := range axes.InputSpatial {
		cfg := backends.PadAxis{Interior: valueOr(inputDilations, i, 1) - 1}
		if len(paddings) > 0 {
			cfg.Start, cfg.End = paddings[i][0], paddings[i][1]
		}
		padCfg[axis] = cfg
		needPad = needPad || cfg != (backends.PadAxis{})
	}
	x := input
	if needPad {
		zero, err := b.scalarZero(xShape.DType)
		if err != nil {
			return nil, false, err
		}
		if x, err = b.Pad(x, zero, padCfg...); err != nil {
			return nil, false, err
		}
		if xShape, err = b.OpShape(x); err != nil {
			return nil, false, err
		}
	}

	kDims := make([]int, nSpatial) // kernel spatial sizes
	oDims := make([]int, nSpatial) // output spatial sizes
	taps, positions := 1, 1
	for i := range nSpatial {
		kDims[i] = kShape.Dimensions[axes.KernelSpatial[i]]
		oDims[i] = outShape.Dimensions[axes.OutputSpatial[i]]
		taps *= kDims[i]
		positions *= oDims[i]
	}

	if taps <= positions {
		out, err := b.convPerTap(x, xShape, kernel, kShape, axes, outShape, kDims, oDims, strides, kernelDilations)
		return out, err == nil, err
	}
	out, err := b.convPerPosition(x, xShape, kernel, kShape, axes, outShape, kDims, oDims, strides, kernelDilations)
	return out, err == nil, err
}

// scalarZero returns a zero scalar constant of dtype.
func (b *Builder) scalarZero(dtype dtypes.DType) (backends.Op, error) {
	if dtype == dtypes.Float64 {
		return b.Constant([]float64{0})
	}
	return b.Constant([]float32{0})
}

// forEachIndex calls fn with every multi-index of dims in row-major order.
func forEachIndex(dims []int, fn func(idx []int) error) error {
	idx := make([]int, len(dims))
	for {
		if err := fn(idx); err != nil {
			return err
		}
		i := len(dims) - 1
		for ; i >= 0; i-- {
			idx[i]++
			if idx[i] < dims[i] {
				break
			}
			idx[i] = 0
		}
		if i < 0 {
			return nil
		}
	}
}

// spatialSlice slices x's spatial axes: along spatial axis i it takes count[i]
// elements from start[i] every step[i].
func (b *Builder) spatialSlice(x backends.Op, xShape shapes.Shape, spatialAxes, start, count, step []int) (backends.Op, error) {
	rank := xShape.Rank()
	starts := make([]int, rank)
	limits := slices.Clone(xShape.Dimensions)
	steps := ones(rank)
	whole := true
	for i, axis := range spatialAxes {
		starts[axis] = start[i]
		limits[axis] = start[i] + (count[i]-1)*step[i] + 1
		if count[i] > 1 {
			steps[axis] = step[i]
		}
		whole = whole && start[i] == 0 && count[i] == xShape.Dimensions[axis] && (step[i] == 1 || count[i] == 1)
	}
	if whole {
		return x, nil
	}
	return b.Slice(x, starts, limits, steps)
}

// convPerTap is the im2col lowering: one strided slice of the input per
// kernel tap, concatenated on the channel axis, times the kernel reshaped to
// [taps*Cin, Cout].
func (b *Builder) convPerTap(x backends.Op, xShape shapes.Shape, kernel backends.Op, kShape shapes.Shape,
	axes backends.ConvolveAxesConfig, outShape shapes.Shape, kDims, oDims, strides, kernelDilations []int) (backends.Op, error) {
	nSpatial := len(kDims)
	start := make([]int, nSpatial)
	stride := make([]int, nSpatial)
	for i := range nSpatial {
		stride[i] = valueOr(strides, i, 1)
	}
	var patches []backends.Op
	err := forEachIndex(kDims, func(tap []int) error {
		for i := range nSpatial {
			start[i] = tap[i] * valueOr(kernelDilations, i, 1)
		}
		p, err := b.spatialSlice(x, xShape, axes.InputSpatial, start, oDims, stride)
		patches = append(patches, p)
		return err
	})
	if err != nil {
		return nil, err
	}
	lhs := patches[0]
	if len(patches) > 1 {
		if lhs, err = b.Concatenate(axes.InputChannels, patches...); err != nil {
			return nil, err
		}
	}

	// Kernel as [taps*Cin, Cout], taps in row-major order, Cin minor.
	perm := append(slices.Clone(axes.KernelSpatial), axes.KernelInputChannels, axes.KernelOutputChannels)
	k := kernel
	if !isIdentity(perm) {
		if k, err = b.Transpose(k, perm...); err != nil {
			return nil, err
		}
	}
	cin, cout := kShape.Dimensions[axes.KernelInputChannels], kShape.Dimensions[axes.KernelOutputChannels]
	if k, err = b.Reshape(k, len(patches)*cin, cout); err != nil {
		return nil, err
	}
	dot, err := b.DotGeneral(lhs, []int{axes.InputChannels}, nil, k, []int{0}, nil)
	if err != nil {
		return nil, err
	}

	// The product's axes are the input's axes without channels, then Cout.
	rank := xShape.Rank()
	dotAxisOf := make(map[int]int, rank) // role -> axis of dot; role -1 batch, -2 channels, i spatial i.
	pos := 0
	for a := range rank {
		switch {
		case a == axes.InputChannels:
			continue
		case a == axes.InputBatch:
			dotAxisOf[-1] = pos
		default:
			dotAxisOf[slices.Index(axes.InputSpatial, a)] = pos
		}
		pos++
	}
	dotAxisOf[-2] = rank - 1
	return b.toOutputLayout(dot, dotAxisOf, axes, rank)
}

// convPerPosition slices one input window per output position, concatenates
// the windows on the batch axis and contracts them with the kernel over the
// channel and spatial axes: [positions*B, Cout], then reshaped and transposed
// to the output layout.
func (b *Builder) convPerPosition(x backends.Op, xShape shapes.Shape, kernel backends.Op, kShape shapes.Shape,
	axes backends.ConvolveAxesConfig, outShape shapes.Shape, kDims, oDims, strides, kernelDilations []int) (backends.Op, error) {
	nSpatial := len(kDims)
	start := make([]int, nSpatial)
	dil := make([]int, nSpatial)
	for i := range nSpatial {
		dil[i] = valueOr(kernelDilations, i, 1)
	}
	var windows []backends.Op
	err := forEachIndex(oDims, func(o []int) error {
		for i := range nSpatial {
			start[i] = o[i] * valueOr(strides, i, 1)
		}
		w, err := b.spatialSlice(x, xShape, axes.InputSpatial, start, kDims, dil)
		windows = append(windows, w)
		return err
	})
	if err != nil {
		return nil, err
	}
	lhs := windows[0]
	if len(windows) > 1 {
		if lhs, err = b.Concatenate(axes.InputBatch, windows...); err != nil {
			return nil, err
		}
	}
	lhsContract := append([]int{axes.InputChannels}, axes.InputSpatial...)
	rhsContract := append([]int{axes.KernelInputChannels}, axes.KernelSpatial...)
	dot, err := b.DotGeneral(lhs, lhsContract, nil, kernel, rhsContract, nil)
	if err != nil {
		return nil, err
	}
	batch := xShape.Dimensions[axes.InputBatch]
	cout := kShape.Dimensions[axes.KernelOutputChannels]
	dims := append(slices.Clone(oDims), batch, cout)
	if dot, err = b.Reshape(dot, dims...); err != nil {
		return nil, err
	}
	dotAxisOf := map[int]int{-1: nSpatial, -2: nSpatial + 1}
	for i := range nSpatial {
		dotAxisOf[i] = i
	}
	return b.toOutputLayout(dot, dotAxisOf, axes, xShape.Rank())
}

// toOutputLayout transposes y, whose axis for each role (-1 batch,
// -2 channels, i spatial i) is given by dotAxisOf, to the output axes of the
// convolution.
func (b *Builder) toOutputLayout(y backends.Op, dotAxisOf map[int]int, axes backends.ConvolveAxesConfig, rank int) (backends.Op, error) {
	perm := make([]int, rank)
	perm[axes.OutputBatch] = dotAxisOf[-1]
	perm[axes.OutputChannels] = dotAxisOf[-2]
	for i, a := range axes.OutputSpatial {
		perm[a] = dotAxisOf[i]
	}
	if isIdentity(perm) {
		return y, nil
	}
	return b.Transpose(y, perm...)
}

// isIdentity reports whether perm is the identity permutation.
func isIdentity(perm []int) bool {
	for i, p := range perm {
		if p != i {
			return false
		}
	}
	return true
}
