package backend

import (
	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/shapes"
)

// elementwiseOp is a float32 binary op on operands of the same shape, or
// with one scalar operand, run on all cores. The pure-Go backend runs these
// on one core, which leaves the other idle along the chains of element-wise
// ops of batch norm and ReLU gradients.
type elementwiseOp struct {
	op                   elemOp
	lhsScalar, rhsScalar bool
}

// minParallelSize is the size from which element-wise custom ops are used.
const minParallelSize = 1 << 15

func (e *elementwiseOp) exec(out []float32, inputs [][]float32) {
	x, y := inputs[0], inputs[1]
	parallelFor(len(out), minParallelSize/2, func(i0, i1 int) {
		switch {
		case e.rhsScalar:
			binaryScalar(e.op, out[i0:i1], x[i0:i1], y[0], false)
		case e.lhsScalar:
			binaryScalar(e.op, out[i0:i1], y[i0:i1], x[0], true)
		default:
			binaryVec(e.op, out[i0:i1], x[i0:i1], y[i0:i1])
		}
	})
}

// binaryVec computes dst = x op y.
func binaryVec(op elemOp, dst, x, y []float32) {
	y = y[:len(x)]
	dst = dst[:len(x)]
	switch op {
	case opAdd:
		for i, a := range x {
			dst[i] = a + y[i]
		}
	case opSub:
		for i, a := range x {
			dst[i] = a - y[i]
		}
	case opMul:
		for i, a := range x {
			dst[i] = a * y[i]
		}
	case opDiv:
		for i, a := range x {
			dst[i] = a / y[i]
		}
	case opMax:
		for i, a := range x {
			dst[i] = max(a, y[i])
		}
	}
}

// binaryScalar computes dst = x op s, or s op x if scalarFirst.
func binaryScalar(op elemOp, dst, x []float32, s float32, scalarFirst bool) {
	dst = dst[:len(x)]
	switch {
	case op == opAdd:
		for i, a := range x {
			dst[i] = a + s
		}
	case op == opMul:
		for i, a := range x {
			dst[i] = a * s
		}
	case op == opMax:
		for i, a := range x {
			dst[i] = max(a, s)
		}
	case op == opSub && !scalarFirst:
		for i, a := range x {
			dst[i] = a - s
		}
	case op == opSub:
		for i, a := range x {
			dst[i] = s - a
		}
	case op == opDiv && !scalarFirst:
		for i, a := range x {
			dst[i] = a / s
		}
	case op == opDiv:
		for i, a := range x {
			dst[i] = s / a
		}
	}
}

// fastFloat32 returns the shapes of lhs and rhs when the float32 fast path
// is on and both are float32, or ok=false; invalid operands also give
// ok=false, for the pure-Go backend's op to report.
func (b *Builder) fastFloat32(lhs, rhs backends.Op) (ls, rs shapes.Shape, ok bool) {
	if hookErr != nil || b.noFast {
		return ls, rs, false
	}
	ls, err := b.OpShape(lhs)
	if err != nil {
		return ls, rs, false
	}
	rs, err = b.OpShape(rhs)
	if err != nil {
		return ls, rs, false
	}
	return ls, rs, ls.DType == dtypes.Float32 && rs.DType == dtypes.Float32
}

// parallelBinary returns the custom op for a large float32 lhs op rhs with
// equal shapes or one scalar (size 1) operand, or ok=false.
func (b *Builder) parallelBinary(op elemOp, lhs, rhs backends.Op) (backends.Op, bool, error) {
	ls, rs, ok := b.fastFloat32(lhs, rhs)
	if !ok {
		return nil, false, nil
	}
	e := &elementwiseOp{op: op}
	out := ls
	switch {
	case ls.Equal(rs):
	case rs.Size() == 1 && (rs.Rank() == 0 || rs.Rank() == ls.Rank()):
		e.rhsScalar = true
	case ls.Size() == 1 && (ls.Rank() == 0 || ls.Rank() == rs.Rank()):
		e.lhsScalar, out = true, rs
	default:
		return nil, false, nil
	}
	if out.Size() < minParallelSize {
		return nil, false, nil
	}
	res, err := b.addCustom(e, out.Clone(), lhs, rhs)
	return res, err == nil, err
}

// Max implements backends.Builder.Max, with a parallel float32 path.
func (b *Builder) Max(lhs, rhs backends.Op) (backends.Op, error) {
	if out, ok, err := b.fusedBinary(opMax, lhs, rhs); ok || err != nil {
		return out, err
	}
	if out, ok, err := b.parallelBinary(opMax, lhs, rhs); ok || err != nil {
		return out, err
	}
	return b.Builder.Max(lhs, rhs)
}

func (e *elementwiseOp) inPlace() []int {
	switch {
	case e.rhsScalar:
		return []int{0}
	case e.lhsScalar:
		return []int{1}
	}
	return []int{0, 1}
}

func (p *bcastPlan) inPlace() []int {
	switch {
	case p.op == opCopy:
		return nil
	case p.smallIsLHS:
		return []int{1}
	}
	return []int{0}
}

func (signOp) inPlace() []int { return []int{0} }
