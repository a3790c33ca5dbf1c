package backend

import (
	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/shapes"
)

// Reverse and Transpose of float32 tensors as one strided copy each. The
// pure-Go backend transposes through a per-element index iterator, and
// Reverse (missing there) is otherwise a Gather per reversed axis, also per
// element: in a training step of VGG-11-BN at a quarter width, the reversed
// kernels of the input gradients and the transposed kernels and gradients took
// about a sixth of the CPU time (10.4% and 5.7% in docs/backends.md). Both
// ops only move values, so results are identical.

// viewCopyOp copies a strided view of its input into the row-major output:
// out[i_0, ..., i_{n-1}] = in[base + Σ i_a·strides[a]], with the axes merged
// where the view is contiguous across them. A stride may be negative (a
// reversed axis).
type viewCopyOp struct {
	dims    []int
	strides []int
	base    int
}

// newViewCopy plans the copy of the view with the given output dims, input
// strides and base offset, dropping axes of size 1 and merging axes that the
// view walks contiguously.
func newViewCopy(dims, strides []int, base int) *viewCopyOp {
	v := &viewCopyOp{base: base}
	for a, d := range dims {
		if d == 1 {
			continue
		}
		if n := len(v.dims); n > 0 && v.strides[n-1] == strides[a]*d {
			v.dims[n-1] *= d
			v.strides[n-1] = strides[a]
			continue
		}
		v.dims = append(v.dims, d)
		v.strides = append(v.strides, strides[a])
	}
	for len(v.dims) < 2 {
		// Two levels at least: the parallel split and the innermost run.
		v.dims = append([]int{1}, v.dims...)
		v.strides = append([]int{0}, v.strides...)
	}
	return v
}

func (v *viewCopyOp) exec(out []float32, inputs [][]float32) {
	x := inputs[0]
	outer := v.dims[0]
	if outer == 0 || len(out) == 0 {
		return
	}
	inner := len(out) / outer
	parallelFor(outer, max(1, (1<<15)/max(1, inner)), func(i0, i1 int) {
		for i := i0; i < i1; i++ {
			v.walk(out[i*inner:(i+1)*inner], x, 1, v.base+i*v.strides[0])
		}
	})
}

// walk copies the view at axis level (>= 1), starting at input offset off,
// into dst.
func (v *viewCopyOp) walk(dst, x []float32, level, off int) {
	n, s := v.dims[level], v.strides[level]
	if level == len(v.dims)-1 {
		switch s {
		case 1:
			copy(dst[:n], x[off:off+n])
		case -1:
			src := x[off-n+1 : off+1]
			for j := range dst[:n] {
				dst[j] = src[n-1-j]
			}
		default:
			for j := range dst[:n] {
				dst[j] = x[off+j*s]
			}
		}
		return
	}
	sub := len(dst) / n
	for i := range n {
		v.walk(dst[i*sub:(i+1)*sub], x, level+1, off+i*s)
	}
}

// useViewCopy tells whether x, of shape xs, is moved by a viewCopyOp.
func (b *Builder) useViewCopy(xs shapes.Shape) bool {
	return hookErr == nil && !b.noFast && xs.DType == dtypes.Float32 && xs.Size() > 0
}

// Reverse implements backends.Builder.Reverse, which the pure-Go backend
// lacks: a strided copy for float32, a Gather per reversed axis otherwise,
// and x unchanged (an Identity) if no axis of more than one element is
// reversed.
func (b *Builder) Reverse(x backends.Op, axes ...int) (backends.Op, error) {
	xs, err := b.OpShape(x)
	if err != nil {
		return nil, err
	}
	if err := checkReverseAxes(xs, axes); err != nil {
		return nil, err
	}
	moved := false
	for _, a := range axes {
		moved = moved || xs.Dimensions[a] > 1
	}
	if !moved || !b.useViewCopy(xs) {
		// Other dtypes; and with nothing to reverse, reverseByGather
		// returns Identity(x), which reuses x's buffer when it can.
		return b.reverseByGather(x, xs, axes)
	}
	strides := rowMajorStrides(xs.Dimensions)
	base := 0
	for _, a := range axes {
		base += (xs.Dimensions[a] - 1) * strides[a]
		strides[a] = -strides[a]
	}
	return b.addCustom(newViewCopy(xs.Dimensions, strides, base), xs.Clone(), x)
}

// Transpose implements backends.Builder.Transpose, as a strided copy for
// float32.
func (b *Builder) Transpose(x backends.Op, permutation ...int) (backends.Op, error) {
	xs, err := b.OpShape(x)
	if err != nil || !b.useViewCopy(xs) || !isPermutation(permutation, xs.Rank()) {
		return b.Builder.Transpose(x, permutation...)
	}
	in := rowMajorStrides(xs.Dimensions)
	dims := make([]int, len(permutation))
	strides := make([]int, len(permutation))
	for i, a := range permutation {
		dims[i], strides[i] = xs.Dimensions[a], in[a]
	}
	return b.addCustom(newViewCopy(dims, strides, 0), shapes.Make(dtypes.Float32, dims...), x)
}

// isPermutation tells whether p is a permutation of 0..rank-1 (otherwise the
// pure-Go backend reports the error).
func isPermutation(p []int, rank int) bool {
	if len(p) != rank {
		return false
	}
	seen := make([]bool, rank)
	for _, a := range p {
		if a < 0 || a >= rank || seen[a] {
			return false
		}
		seen[a] = true
	}
	return true
}
