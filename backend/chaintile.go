package backend

import "unsafe"

// Chains in registers.
//
// The steps of a chain run one after the other over a block in the first-
// level cache, each a loop that loads, computes and stores. When every step
// is one the assembly loops compute (Add, Sub, Mul, Div with a scalar, a
// per-channel vector or a tensor of the chain's shape, Max with a scalar
// that is not NaN, and the unary x*x and Sign(Sign(x)+1) of the batch
// statistics and the ReLU gradients) and the rows are multiples of 8
// elements, chainTileAVX2 instead runs all steps on tiles of 8 rows × 8
// columns held in registers (chainTileAVX512 on tiles of 8 × 16 when the
// rows are multiples of 16 and the CPU has AVX-512): the same operations
// with the same operands, so the same results, but without the loads and
// stores in between.

// tileStep is a step of a chain for chainTileAVX2 and chainTileAVX512 (the
// layout is read by the assembly: three words).
type tileStep struct {
	// op is, with a scalar or per-channel operand, 0 add, 1 sub, 2 mul,
	// 3 div (the accumulated value first), 4 sub, 5 div (the operand first),
	// 6 Go's max with a scalar that is not NaN; with a tensor of the
	// chain's shape, 7 add, 8 sub, 9 mul, 10 div (the accumulated value
	// first), 11 sub, 12 div, 13 add, 14 mul (the operand first); without
	// an operand, 15 x*x (opSquare), 16 Sign(Sign(x)+1) (opNonNeg).
	op int
	// channel is 1 for a per-channel vector at ptr, 0 for a scalar at ptr
	// (ops 0-6).
	channel int
	// ptr is the scalar, the vector, or the start of the block of the tensor.
	ptr unsafe.Pointer
}

// maxTileSteps bounds the steps of a chain run in registers (the program is
// built on the stack).
const maxTileSteps = 2 * maxChainSteps

// tileOp returns the chainTileAVX2 (and chainTileAVX512) op of step s, with the operands in the
// order of the step loops (scalarStep, channelStep, vecStep), or ok=false
// if they do not run it as one assembly instruction sequence. Max with a
// scalar must also be checked for a NaN scalar when run.
func tileOp(s chainStep) (op int, ok bool) {
	switch s.kind {
	case argNone:
		switch s.op {
		case opSquare:
			return 15, true
		case opNonNeg:
			return 16, true
		}
		return 0, false
	case argScalar, argChannel:
		if s.op == opMax {
			return 6, s.kind == argScalar
		}
		return asmCode(s.op, s.accRight) // 0-5
	case argFull:
		code, ok := asmCode(s.op, false)
		if !ok {
			return 0, false
		}
		if s.accRight {
			// vecStep(op, dst, arg, acc): the operand first.
			return [4]int{13, 11, 14, 12}[code], true
		}
		return 7 + code, true
	}
	return 0, false
}

// evalTiles computes the chain on the first rows of dst (elements [e0,
// e0+len(dst)) of the chain) that make whole tiles of 8 rows, if the chain
// runs in registers, and returns the number of elements done (0 if not).
func (ch *chainOp) evalTiles(dst []float32, inputs [][]float32, e0 int) int {
	c := ch.c
	if ch.stepwise || !haveElemAVX2 || c%8 != 0 || e0%c != 0 || len(ch.steps) == 0 || len(ch.steps) > maxTileSteps {
		return 0
	}
	rows := len(dst) / c &^ 7
	if rows == 0 {
		return 0
	}
	n := rows * c
	var prog [maxTileSteps]tileStep
	for i, s := range ch.steps {
		op, ok := tileOp(s)
		if !ok {
			return 0
		}
		st := tileStep{op: op}
		switch s.kind {
		case argScalar:
			v := &inputs[s.arg][0]
			if op == 6 && *v != *v {
				return 0 // Go's max with a NaN: the Go loop.
			}
			st.ptr = unsafe.Pointer(v)
		case argChannel:
			st.channel, st.ptr = 1, unsafe.Pointer(&inputs[s.arg][:c][0])
		case argNone:
			// No operand (ptr stays nil).
		default:
			st.ptr = unsafe.Pointer(&inputs[s.arg][e0 : e0+n][0])
		}
		prog[i] = st
	}
	src := inputs[0][e0 : e0+n]
	if haveElemAVX512 && c%16 == 0 {
		chainTileAVX512(&prog[0], len(ch.steps), &dst[:n][0], &src[0], rows, c)
	} else {
		chainTileAVX2(&prog[0], len(ch.steps), &dst[:n][0], &src[0], rows, c)
	}
	return n
}
