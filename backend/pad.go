package backend

import (
	"slices"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/pkg/errors"
)

// Pad implements backends.Builder.Pad, which the pure-Go backend lacks, with
// its own ops: interior padding interleaves fill values through a reshape and
// a concatenation, negative edge padding is a Slice, and positive edge
// padding is a concatenation with broadcast fill values. As in XLA, interior
// padding is applied before edge padding.
func (b *Builder) Pad(x, fillValue backends.Op, axesConfig ...backends.PadAxis) (backends.Op, error) {
	xShape, err := b.OpShape(x)
	if err != nil {
		return nil, err
	}
	fillShape, err := b.OpShape(fillValue)
	if err != nil {
		return nil, err
	}
	if fillShape.Rank() != 0 || fillShape.DType != xShape.DType {
		return nil, errors.Errorf("Pad: fill value must be a scalar of dtype %s, got %s", xShape.DType, fillShape)
	}
	if len(axesConfig) > xShape.Rank() {
		return nil, errors.Errorf("Pad: %d axes configured for an operand of rank %d (%s)", len(axesConfig), xShape.Rank(), xShape)
	}
	for axis, cfg := range axesConfig {
		if cfg.Interior < 0 {
			return nil, errors.Errorf("Pad: negative interior padding %d for axis %d", cfg.Interior, axis)
		}
		dim := xShape.Dimensions[axis]
		interiorDim := dim
		if dim > 0 {
			interiorDim = dim + (dim-1)*cfg.Interior
		}
		if interiorDim+cfg.Start+cfg.End < 0 {
			return nil, errors.Errorf("Pad: axis %d of %s padded by %+v would have negative size", axis, xShape, cfg)
		}
	}
	out := x
	for axis, cfg := range axesConfig {
		if cfg.Interior > 0 {
			if out, err = b.padInterior(out, fillValue, axis, cfg.Interior); err != nil {
				return nil, err
			}
		}
		if cfg.Start != 0 {
			if out, err = b.padEdge(out, fillValue, axis, cfg.Start, true); err != nil {
				return nil, err
			}
		}
		if cfg.End != 0 {
			if out, err = b.padEdge(out, fillValue, axis, cfg.End, false); err != nil {
				return nil, err
			}
		}
	}
	if out == x {
		return b.Identity(x)
	}
	return out, nil
}

// fill returns fillValue broadcast to shape.
func (b *Builder) fill(fillValue backends.Op, shape shapes.Shape) (backends.Op, error) {
	return b.BroadcastInDim(fillValue, shape, nil)
}

// padInterior inserts interior copies of fillValue between consecutive
// elements of axis.
func (b *Builder) padInterior(x, fillValue backends.Op, axis, interior int) (backends.Op, error) {
	shape, err := b.OpShape(x)
	if err != nil {
		return nil, err
	}
	dim := shape.Dimensions[axis]
	if dim <= 1 {
		return x, nil
	}
	// [..., dim, ...] -> [..., dim, 1, ...], concatenated with fill [..., dim, interior, ...].
	expanded := slices.Insert(slices.Clone(shape.Dimensions), axis+1, 1)
	xe, err := b.Reshape(x, expanded...)
	if err != nil {
		return nil, err
	}
	fillDims := slices.Clone(expanded)
	fillDims[axis+1] = interior
	f, err := b.fill(fillValue, shapes.Make(shape.DType, fillDims...))
	if err != nil {
		return nil, err
	}
	cat, err := b.Concatenate(axis+1, xe, f)
	if err != nil {
		return nil, err
	}
	merged := slices.Clone(shape.Dimensions)
	merged[axis] = dim * (1 + interior)
	flat, err := b.Reshape(cat, merged...)
	if err != nil {
		return nil, err
	}
	// Drop the trailing fill after the last element.
	starts := make([]int, shape.Rank())
	limits := slices.Clone(merged)
	limits[axis] = dim + (dim-1)*interior
	return b.Slice(flat, starts, limits, ones(shape.Rank()))
}

// padEdge pads (amount > 0) or crops (amount < 0) the start or the end of axis.
func (b *Builder) padEdge(x, fillValue backends.Op, axis, amount int, atStart bool) (backends.Op, error) {
	shape, err := b.OpShape(x)
	if err != nil {
		return nil, err
	}
	if amount < 0 {
		starts := make([]int, shape.Rank())
		limits := slices.Clone(shape.Dimensions)
		if atStart {
			starts[axis] = -amount
		} else {
			limits[axis] += amount
		}
		return b.Slice(x, starts, limits, ones(shape.Rank()))
	}
	fillDims := slices.Clone(shape.Dimensions)
	fillDims[axis] = amount
	f, err := b.fill(fillValue, shapes.Make(shape.DType, fillDims...))
	if err != nil {
		return nil, err
	}
	if shape.Dimensions[axis] == 0 {
		return f, nil
	}
	if atStart {
		return b.Concatenate(axis, f, x)
	}
	return b.Concatenate(axis, x, f)
}

// ones returns a slice of n ones.
func ones(n int) []int {
	v := make([]int, n)
	for i := range v {
		v[i] = 1
	}
	return v
}
