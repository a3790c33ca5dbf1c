package backend

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// TestChainTilesMatchSteps checks chains run in registers (chainTileAVX2,
// and chainTileAVX512 where the CPU has it) bit for bit against the same
// chains step by step, in place and not: random sequences of Add, Sub, Mul,
// Div (both operand orders) with scalars, per-channel vectors and full
// tensors, Max with scalars (±0, 1.5; a NaN scalar leaves the chain to the
// step loops) and the unary x*x and Sign(Sign(x)+1) (Sign and -x leave it
// to the step loops), on rows of 8 to 64 elements, blocks with a remainder
// of rows, and inputs with NaNs (with payloads), ±Inf, ±0 and subnormals.
func TestChainTilesMatchSteps(t *testing.T) {
	if !haveElemAVX2 {
		t.Skip("no AVX2: chains run step by step in Go")
	}
	defer func(v bool) { haveElemAVX512 = v }(haveElemAVX512)
	avx512 := []bool{false}
	if haveElemAVX512 {
		avx512 = append(avx512, true)
	}
	for _, wide := range avx512 {
		haveElemAVX512 = wide
		t.Run(fmt.Sprintf("avx512=%v", wide), func(t *testing.T) { testChainTiles(t) })
	}
}

func testChainTiles(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	vals := func(n int) []float32 {
		v := make([]float32, n)
		for i := range v {
			v[i] = float32(r.NormFloat64())
			if r.IntN(4) == 0 {
				v[i] = specialValues[r.IntN(len(specialValues))]
			}
		}
		return v
	}
	ops := []elemOp{opAdd, opSub, opMul, opDiv, opMax}
	unary := []elemOp{opSquare, opNonNeg, opSquare, opNonNeg, opSign, opNeg}
	for trial := range 600 {
		c := []int{8, 16, 24, 64, 48, 32}[trial%6]
		rows := []int{8, 13, 16, 21, 3}[trial/6%5]
		e0 := c * r.IntN(3)
		n := rows * c
		total := e0 + n + c*r.IntN(2)
		ins := [][]float32{vals(total)}
		var steps []chainStep
		nanMax := false // a Max with a NaN scalar
		readsBase := false
		for range 1 + r.IntN(7) {
			if r.IntN(4) == 0 {
				// A unary step: x*x and Sign(Sign(x)+1) run in registers,
				// Sign and -x only step by step.
				steps = append(steps, chainStep{op: unary[r.IntN(len(unary))]})
				continue
			}
			s := chainStep{op: ops[r.IntN(len(ops))], accRight: r.IntN(2) == 0}
			switch r.IntN(3) {
			case 0:
				s.kind = argScalar
				v := vals(1)
				if s.op == opMax {
					v[0] = []float32{0, float32(math.Copysign(0, -1)), 1.5, float32(math.NaN())}[r.IntN(4)]
					nanMax = nanMax || v[0] != v[0]
				}
				ins = append(ins, v)
			case 1:
				s.kind = argChannel
				ins = append(ins, vals(c))
			default:
				s.kind = argFull
				ins = append(ins, vals(total))
			}
			s.arg = len(ins) - 1
			if s.kind == argFull && r.IntN(4) == 0 {
				s.arg, readsBase = 0, true
			}
			steps = append(steps, s)
		}
		ch := &chainOp{c: c, steps: steps}
		runsInTiles := rows >= 8 && !nanMax
		for _, s := range steps {
			if s.op == opMax && s.kind != argScalar || s.op == opSign || s.op == opNeg {
				runsInTiles = false
			}
		}
		for _, inPlace := range []bool{false, true} {
			name := fmt.Sprintf("trial %d (c %d, rows %d, e0 %d, steps %v, in place %v)", trial, c, rows, e0, steps, inPlace)
			if inPlace && readsBase {
				continue // Not run in place (chainOp.inPlace).
			}
			run := func(tiles bool, eval func(dst []float32, in [][]float32)) []float32 {
				ch.stepwise = !tiles
				in := append([][]float32(nil), ins...)
				in[0] = append([]float32(nil), ins[0]...)
				dst := make([]float32, n)
				if inPlace {
					dst = in[0][e0 : e0+n]
				}
				eval(dst, in)
				return append([]float32(nil), dst...)
			}
			want := run(false, func(dst []float32, in [][]float32) { ch.eval(dst, in, e0, nil) })
			got := run(true, func(dst []float32, in [][]float32) { ch.eval(dst, in, e0, nil) })
			done := 0
			run(true, func(dst []float32, in [][]float32) { done = ch.evalTiles(dst, in, e0) })
			if wantDone := n / c &^ 7 * c; !runsInTiles {
				if done != 0 {
					t.Errorf("%s: %d elements in registers, want none", name, done)
				}
			} else if done != wantDone {
				t.Errorf("%s: %d elements in registers, want %d", name, done, wantDone)
			}
			if i := sameBits(got, want); i >= 0 {
				t.Fatalf("%s: element %d = %v (%#x), want %v (%#x)", name, i, got[i], math.Float32bits(got[i]),
					want[i], math.Float32bits(want[i]))
			}
		}
	}
}
