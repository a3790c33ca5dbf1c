package backend

import "unsafe"

// Chains in registers.
//
// The steps of a chain run one after the other over a block in the first-
// level cache, each a loop that loads, computes and stores. When every step
// is one the assembly loops compute (Add, Sub, Mul, Div with a scalar, a
// per-channel vector or a tensor of the chain's shape, and Max with a scalar
// that is not NaN) and the rows are multiples of 8 elements, chainTileAVX2
// instead runs all steps on tiles of 8 rows × 8 columns held in registers:
// the same instructions with the same operands, so the same results, but
// without the loads and stores in between.

// tileStep is a step of a chain for chainTileAVX2 (the layout is read by
// the assembly: three words).
type tileStep struct {
	// op is 0 add, 1 sub, 2 mul, 3 div with the accumulated value as the
	// first operand; 4 sub, 5 div, 6 add, 7 mul with the step's operand
	// first; 8 Go's max with a scalar operand that is not NaN.
	op int
	// kind is 0 for a scalar at ptr, 1 for a per-channel vector at ptr,
	// 2 for a tensor of the chain's shape whose block starts at ptr.
	kind int
	ptr  unsafe.Pointer
}

// chainTiles enables chainTileAVX2 (tests switch it off to compare).
var chainTiles = true

// maxTileSteps bounds the steps of a chain run in registers (the program is
// built on the stack).
const maxTileSteps = 2 * maxChainSteps

// tileOp returns the chainTileAVX2 op and operand kind of step s, with the
// operands in the order of the step loops (scalarStep, channelStep,
// vecStep), or ok=false if they do not run it as one assembly instruction
// sequence.
func tileOp(s chainStep) (op, kind int, ok bool) {
	switch s.kind {
	case argScalar, argChannel:
		kind = 0
		if s.kind == argChannel {
			kind = 1
			if s.op == opMax {
				return 0, 0, false
			}
		}
		if s.op == opMax {
			return 8, kind, true // NaN scalars are checked when run.
		}
		code, ok := asmCode(s.op, s.accRight)
		return code, kind, ok
	case argFull:
		code, ok := asmCode(s.op, false)
		if !ok {
			return 0, 0, false
		}
		if s.accRight {
			// vecStep(op, dst, arg, acc): the operand first.
			code = [4]int{6, 4, 7, 5}[code]
		}
		return code, 2, true
	}
	return 0, 0, false
}

// evalTiles computes the chain on the first rows of dst (elements [e0,
// e0+len(dst)) of the chain) that make whole tiles of 8 rows, if the chain
// runs in registers, and returns the number of elements done (0 if not).
func (ch *chainOp) evalTiles(dst []float32, inputs [][]float32, e0 int) int {
	c := ch.c
	if !chainTiles || !haveElemAVX2 || c%8 != 0 || e0%c != 0 || len(ch.steps) == 0 || len(ch.steps) > maxTileSteps {
		return 0
	}
	rows := len(dst) / c &^ 7
	if rows == 0 {
		return 0
	}
	n := rows * c
	var prog [maxTileSteps]tileStep
	for i, s := range ch.steps {
		op, kind, ok := tileOp(s)
		if !ok {
			return 0
		}
		var p unsafe.Pointer
		switch kind {
		case 0:
			v := &inputs[s.arg][0]
			if op == 8 && *v != *v {
				return 0 // Go's max with a NaN: the Go loop.
			}
			p = unsafe.Pointer(v)
		case 1:
			p = unsafe.Pointer(&inputs[s.arg][:c][0])
		case 2:
			p = unsafe.Pointer(&inputs[s.arg][e0 : e0+n][0])
		}
		prog[i] = tileStep{op: op, kind: kind, ptr: p}
	}
	src := inputs[0][e0 : e0+n]
	chainTileAVX2(&prog[0], len(ch.steps), &dst[:n][0], &src[0], rows, c)
	return n
}
