package backend

import (
	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/shapes"
)

// The pure-Go backend broadcasts implicitly in binary ops (and in
// BroadcastInDim) through a per-element index iterator, which makes batch
// norm's per-channel arithmetic cost more than the convolutions around it.
// For float32 the decorator runs these as custom ops that walk the output in
// runs: the axes are merged into alternating segments that are broadcast or
// not, and the innermost segment is a plain loop.

type elemOp int

const (
	opAdd elemOp = iota
	opSub
	opMul
	opDiv
	opCopy // BroadcastInDim: out = small
	opMax  // element-wise ops only
)

// bcastPlan describes out[...] = big[...] op small[broadcast index] with the
// output's axes merged into segments.
type bcastPlan struct {
	op          elemOp
	smallIsLHS  bool
	dims        []int
	bcast       []bool
	outStrides  []int
	smallStride []int
	size        int
}

// newBcastPlan plans the broadcast of a tensor of dims small (same rank as
// out, each dimension 1 or equal) to out. It returns nil if there is nothing
// to broadcast.
func newBcastPlan(op elemOp, smallIsLHS bool, small, out []int) *bcastPlan {
	p := &bcastPlan{op: op, smallIsLHS: smallIsLHS, size: 1}
	for a, d := range out {
		p.size *= d
		if d == 1 {
			continue
		}
		b := small[a] == 1
		if n := len(p.dims); n > 0 && p.bcast[n-1] == b {
			p.dims[n-1] *= d
			continue
		}
		p.dims = append(p.dims, d)
		p.bcast = append(p.bcast, b)
	}
	hasBcast := false
	for _, b := range p.bcast {
		hasBcast = hasBcast || b
	}
	if !hasBcast || p.size == 0 {
		return nil
	}
	n := len(p.dims)
	p.outStrides = make([]int, n)
	p.smallStride = make([]int, n)
	os, ss := 1, 1
	for i := n - 1; i >= 0; i-- {
		p.outStrides[i] = os
		os *= p.dims[i]
		if !p.bcast[i] {
			p.smallStride[i] = ss
			ss *= p.dims[i]
		}
	}
	return p
}

func (p *bcastPlan) exec(out []float32, inputs [][]float32) {
	var big, small []float32
	if p.op == opCopy {
		small = inputs[0]
	} else if p.smallIsLHS {
		small, big = inputs[0], inputs[1]
	} else {
		big, small = inputs[0], inputs[1]
	}
	outer := p.dims[0]
	if len(p.dims) == 2 && p.bcast[0] && !p.bcast[1] && p.op != opCopy {
		// The common case (per-channel parameters of channels-last tensors):
		// the same small vector for every row.
		c := p.dims[1]
		parallelFor(outer, max(1, (1<<15)/c), func(i0, i1 int) {
			p.rows(out[i0*c:i1*c], big[i0*c:i1*c], small[:c])
		})
		return
	}
	parallelFor(outer, max(1, (1<<15)/p.outStrides[0]), func(i0, i1 int) {
		for i := i0; i < i1; i++ {
			p.walk(out, big, small, 1, i*p.outStrides[0], i*p.smallStride[0])
		}
	})
}

// rows computes dst = x op y (or y op x when the small operand is the left
// one) row by row, for rows of len(y). The switch is outside the loops: rows
// are short (one per pixel, of the channel count).
func (p *bcastPlan) rows(dst, x, y []float32) {
	c := len(y)
	n := len(x) - len(x)%c
	switch {
	case p.op == opAdd:
		for r := 0; r < n; r += c {
			xr, dr := x[r:r+c], dst[r:r+c]
			for j, b := range y {
				dr[j] = xr[j] + b
			}
		}
	case p.op == opMul:
		for r := 0; r < n; r += c {
			xr, dr := x[r:r+c], dst[r:r+c]
			for j, b := range y {
				dr[j] = xr[j] * b
			}
		}
	case p.op == opSub && !p.smallIsLHS:
		for r := 0; r < n; r += c {
			xr, dr := x[r:r+c], dst[r:r+c]
			for j, b := range y {
				dr[j] = xr[j] - b
			}
		}
	case p.op == opSub:
		for r := 0; r < n; r += c {
			xr, dr := x[r:r+c], dst[r:r+c]
			for j, b := range y {
				dr[j] = b - xr[j]
			}
		}
	case p.op == opDiv && !p.smallIsLHS:
		for r := 0; r < n; r += c {
			xr, dr := x[r:r+c], dst[r:r+c]
			for j, b := range y {
				dr[j] = xr[j] / b
			}
		}
	case p.op == opDiv:
		for r := 0; r < n; r += c {
			xr, dr := x[r:r+c], dst[r:r+c]
			for j, b := range y {
				dr[j] = b / xr[j]
			}
		}
	}
}

// walk processes segment level (>= 1), or the innermost run when level is
// past the last segment.
func (p *bcastPlan) walk(out, big, small []float32, level, o, s int) {
	if level == len(p.dims) {
		// The last segment has already been indexed by the caller when the
		// plan has a single segment; handle the run of length 1.
		p.run(out[o:o+1], big, o, small, s, true)
		return
	}
	if level == len(p.dims)-1 {
		n := p.dims[level]
		p.run(out[o:o+n], big, o, small, s, p.bcast[level])
		return
	}
	for i := range p.dims[level] {
		p.walk(out, big, small, level+1, o+i*p.outStrides[level], s+i*p.smallStride[level])
	}
}

// run computes dst = big[o:] op small, where small is the scalar small[s]
// if scalar, or the run small[s:] otherwise.
func (p *bcastPlan) run(dst, big []float32, o int, small []float32, s int, scalar bool) {
	n := len(dst)
	if p.op == opCopy {
		if scalar {
			v := small[s]
			for i := range dst {
				dst[i] = v
			}
		} else {
			copy(dst, small[s:s+n])
		}
		return
	}
	x := big[o : o+n]
	if scalar {
		v := small[s]
		switch {
		case p.op == opAdd:
			for i, a := range x {
				dst[i] = a + v
			}
		case p.op == opMul:
			for i, a := range x {
				dst[i] = a * v
			}
		case p.op == opSub && !p.smallIsLHS:
			for i, a := range x {
				dst[i] = a - v
			}
		case p.op == opSub:
			for i, a := range x {
				dst[i] = v - a
			}
		case p.op == opDiv && !p.smallIsLHS:
			for i, a := range x {
				dst[i] = a / v
			}
		default:
			for i, a := range x {
				dst[i] = v / a
			}
		}
		return
	}
	y := small[s : s+n]
	switch {
	case p.op == opAdd:
		for i, a := range x {
			dst[i] = a + y[i]
		}
	case p.op == opMul:
		for i, a := range x {
			dst[i] = a * y[i]
		}
	case p.op == opSub && !p.smallIsLHS:
		for i, a := range x {
			dst[i] = a - y[i]
		}
	case p.op == opSub:
		for i, a := range x {
			dst[i] = y[i] - a
		}
	case p.op == opDiv && !p.smallIsLHS:
		for i, a := range x {
			dst[i] = a / y[i]
		}
	default:
		for i, a := range x {
			dst[i] = y[i] / a
		}
	}
}

// broadcastBinary returns the custom op for lhs op rhs when exactly one
// operand is broadcast (float32, same rank, not a scalar), or ok=false.
func (b *Builder) broadcastBinary(op elemOp, lhs, rhs backends.Op) (backends.Op, bool, error) {
	ls, rs, ok := b.fastFloat32(lhs, rhs)
	if !ok || ls.Rank() != rs.Rank() || ls.Rank() == 0 || ls.Size() == 1 || rs.Size() == 1 || ls.Equal(rs) {
		return nil, false, nil
	}
	out := make([]int, ls.Rank())
	lhsSmall, rhsSmall := false, false
	for a := range out {
		l, r := ls.Dimensions[a], rs.Dimensions[a]
		switch {
		case l == r:
			out[a] = l
		case l == 1:
			out[a], lhsSmall = r, true
		case r == 1:
			out[a], rhsSmall = l, true
		default:
			return nil, false, nil // Let the backend report the mismatch.
		}
	}
	if lhsSmall == rhsSmall {
		return nil, false, nil
	}
	small := rs.Dimensions
	if lhsSmall {
		small = ls.Dimensions
	}
	plan := newBcastPlan(op, lhsSmall, small, out)
	if plan == nil {
		return nil, false, nil
	}
	res, err := b.addCustom(plan, shapes.Make(dtypes.Float32, out...), lhs, rhs)
	return res, err == nil, err
}

// Add implements backends.Builder.Add, with float32 fast paths for
// broadcasting and for large operands.
func (b *Builder) Add(lhs, rhs backends.Op) (backends.Op, error) {
	if out, ok, err := b.fusedBinary(opAdd, lhs, rhs); ok || err != nil {
		return out, err
	}
	if out, ok, err := b.broadcastBinary(opAdd, lhs, rhs); ok || err != nil {
		return out, err
	}
	if out, ok, err := b.parallelBinary(opAdd, lhs, rhs); ok || err != nil {
		return out, err
	}
	return b.Builder.Add(lhs, rhs)
}

// Sub implements backends.Builder.Sub, with float32 fast paths for
// broadcasting and for large operands.
func (b *Builder) Sub(lhs, rhs backends.Op) (backends.Op, error) {
	if out, ok, err := b.fusedBinary(opSub, lhs, rhs); ok || err != nil {
		return out, err
	}
	if out, ok, err := b.broadcastBinary(opSub, lhs, rhs); ok || err != nil {
		return out, err
	}
	if out, ok, err := b.parallelBinary(opSub, lhs, rhs); ok || err != nil {
		return out, err
	}
	return b.Builder.Sub(lhs, rhs)
}

// Mul implements backends.Builder.Mul, with float32 fast paths for
// broadcasting and for large operands.
func (b *Builder) Mul(lhs, rhs backends.Op) (backends.Op, error) {
	if out, ok, err := b.fusedBinary(opMul, lhs, rhs); ok || err != nil {
		return out, err
	}
	if out, ok, err := b.broadcastBinary(opMul, lhs, rhs); ok || err != nil {
		return out, err
	}
	if out, ok, err := b.parallelBinary(opMul, lhs, rhs); ok || err != nil {
		return out, err
	}
	return b.Builder.Mul(lhs, rhs)
}

// Div implements backends.Builder.Div, with float32 fast paths for
// broadcasting and for large operands.
func (b *Builder) Div(lhs, rhs backends.Op) (backends.Op, error) {
	if out, ok, err := b.fusedBinary(opDiv, lhs, rhs); ok || err != nil {
		return out, err
	}
	if out, ok, err := b.broadcastBinary(opDiv, lhs, rhs); ok || err != nil {
		return out, err
	}
	if out, ok, err := b.parallelBinary(opDiv, lhs, rhs); ok || err != nil {
		return out, err
	}
	return b.Builder.Div(lhs, rhs)
}

// BroadcastInDim implements backends.Builder.BroadcastInDim, with a float32
// fast path.
func (b *Builder) BroadcastInDim(x backends.Op, outputShape shapes.Shape, broadcastAxes []int) (backends.Op, error) {
	out, err := b.broadcastInDim(x, outputShape, broadcastAxes)
	if err == nil {
		if f := b.fuserOrNil(); f != nil {
			if xs, err := b.OpShape(x); err == nil {
				f.noteBroadcast(out, x, xs, outputShape, broadcastAxes)
				f.noteBroadcastGeneral(out, x, xs, outputShape, broadcastAxes)
			}
		}
	}
	return out, err
}

func (b *Builder) broadcastInDim(x backends.Op, outputShape shapes.Shape, broadcastAxes []int) (backends.Op, error) {
	if hookErr == nil && !b.noFast {
		xs, err := b.OpShape(x)
		if err == nil && xs.DType == dtypes.Float32 && outputShape.DType == dtypes.Float32 &&
			len(broadcastAxes) == xs.Rank() && xs.Size() > 1 {
			small := make([]int, outputShape.Rank())
			for i := range small {
				small[i] = 1
			}
			ok := true
			prev := -1
			for i, a := range broadcastAxes {
				if a <= prev || a >= len(small) || (xs.Dimensions[i] != 1 && xs.Dimensions[i] != outputShape.Dimensions[a]) {
					ok = false
					break
				}
				prev = a
				small[a] = xs.Dimensions[i]
			}
			if ok {
				if plan := newBcastPlan(opCopy, false, small, outputShape.Dimensions); plan != nil {
					return b.addCustom(plan, outputShape.Clone(), x)
				}
			}
		}
	}
	return b.Builder.BroadcastInDim(x, outputShape, broadcastAxes)
}
