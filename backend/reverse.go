package backend

import (
	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/pkg/errors"
)

// checkReverseAxes reports axes out of range for shape or given twice.
func checkReverseAxes(shape shapes.Shape, axes []int) error {
	seen := make(map[int]bool, len(axes))
	for _, axis := range axes {
		if axis < 0 || axis >= shape.Rank() {
			return errors.Errorf("Reverse: axis %d out of range for shape %s", axis, shape)
		}
		if seen[axis] {
			return errors.Errorf("Reverse: axis %d given twice", axis)
		}
		seen[axis] = true
	}
	return nil
}

// reverseByGather builds Reverse from standard ops (for dtypes other than
// float32, and without the custom ops): each reversed axis is a Gather of
// its indices in reverse order.
func (b *Builder) reverseByGather(x backends.Op, shape shapes.Shape, axes []int) (backends.Op, error) {
	out := x
	for _, axis := range axes {
		dim := shape.Dimensions[axis]
		if dim <= 1 {
			continue
		}
		indices := make([]int32, dim)
		for i := range indices {
			indices[i] = int32(dim - 1 - i)
		}
		idx, err := b.Constant(indices, dim, 1)
		if err != nil {
			return nil, err
		}
		offsetAxes := make([]int, 0, shape.Rank()-1)
		sliceSizes := make([]int, shape.Rank())
		for a := range shape.Rank() {
			sliceSizes[a] = shape.Dimensions[a]
			if a != axis {
				offsetAxes = append(offsetAxes, a)
			}
		}
		sliceSizes[axis] = 1
		out, err = b.Gather(out, idx, 1, offsetAxes, []int{axis}, []int{axis}, sliceSizes, false)
		if err != nil {
			return nil, errors.WithMessagef(err, "Reverse: gathering axis %d of %s", axis, shape)
		}
	}
	if out == x {
		return b.Identity(x)
	}
	return out, nil
}
