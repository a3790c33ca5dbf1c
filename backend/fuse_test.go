package backend

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gomlx/gomlx/backends"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive // GoMLX's convention for graph code.
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// randSpecialTensor returns N(0,1) values of the given dimensions, with the
// given special values (NaN, ±Inf, ±0) placed at the start.
func randSpecialTensor(seed uint64, dims []int, specials ...float32) *tensors.Tensor {
	r := rand.New(rand.NewPCG(seed, 7))
	n := 1
	for _, d := range dims {
		n *= d
	}
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(r.NormFloat64())
	}
	copy(v, specials)
	return tensors.FromFlatDataAndDimensions(v, dims...)
}

// batchNormReLU is the training-mode batch norm of GoMLX's layer (and of
// repgeo's models) on channels-last x, followed by a ReLU, written with the
// same graph ops.
func batchNormReLU(x, scale, offset, short *Node) *Node {
	rank := x.Rank()
	axes := make([]int, rank-1)
	for i := range axes {
		axes[i] = i
	}
	c := x.Shape().Dimensions[rank-1]
	bdims := make([]int, rank)
	for i := range bdims {
		bdims[i] = 1
	}
	bdims[rank-1] = c
	mean := ReduceAndKeep(x, ReduceMean, axes...)
	variance := ReduceMean(Square(Sub(x, mean)), axes...)
	normalized := Div(Sub(x, mean), Sqrt(AddScalar(Reshape(variance, bdims...), 1e-5)))
	y := Add(Mul(normalized, Reshape(scale, bdims...)), Reshape(offset, bdims...))
	if short != nil {
		y = Add(y, short)
	}
	return Max(y, ZerosLike(y))
}

// fuseCase is a graph on inputs of the given shapes; its outputs (values
// and gradients) are compared between the standard ops and the fused chains.
type fuseCase struct {
	name string
	dims [][]int
	fn   func(in []*Node) []*Node
	// fused is the number of custom ops the fused graph runs, or -1 to skip the check.
	fused int
	// bitwise lists the outputs that must be bit-identical to the op-by-op
	// custom ops ("nofuse"): those without a sum the chains fuse.
	bitwise []int
}

// withGrads returns y and the gradients of Σ y·w with respect to the inputs,
// for a fixed w.
func withGrads(y *Node, in ...*Node) []*Node {
	w := Cos(Iota(y.Graph(), y.Shape(), y.Rank()-1))
	loss := ReduceAllSum(Mul(y, ConvertDType(w, y.DType())))
	return append([]*Node{y}, Gradient(loss, in...)...)
}

func fuseCases() []fuseCase {
	bnDims := func(n, h, w, c int) [][]int { return [][]int{{n, h, w, c}, {c}, {c}} }
	bn := func(in []*Node) []*Node {
		return withGrads(batchNormReLU(in[0], in[1], in[2], nil), in...)
	}
	return []fuseCase{
		{name: "batchnorm-relu/channels 16", dims: bnDims(4, 9, 11, 16), fn: bn, fused: -1},
		{name: "batchnorm-relu/channels 13 (no assembly)", dims: bnDims(3, 7, 13, 13), fn: bn, fused: -1},
		{name: "batchnorm-relu/rank 2", dims: [][]int{{515, 24}, {24}, {24}}, fn: bn, fused: -1},
		{name: "batchnorm-add-relu", dims: [][]int{{4, 8, 8, 32}, {32}, {32}, {4, 8, 8, 32}}, fn: func(in []*Node) []*Node {
			return withGrads(batchNormReLU(in[0], in[1], in[2], in[3]), in...)
		}, fused: -1},
		{name: "variance in one pass", dims: [][]int{{8, 16, 16, 8}, {1, 1, 1, 8}}, fn: func(in []*Node) []*Node {
			d := Sub(in[0], in[1])
			return []*Node{ReduceSum(Mul(d, d), 0, 1, 2)}
		}, fused: 1},
		{name: "relu gradient in one pass", dims: [][]int{{8, 16, 16, 8}, {8, 16, 16, 8}}, fn: func(in []*Node) []*Node {
			y := Max(in[0], ZerosLike(in[0]))
			return Gradient(ReduceAllSum(Mul(y, in[1])), in[0])
		}, fused: 2}, // The upstream gradient (seed times in[1]) is one, Sub, Sign, Add, Sign and Mul the other.
		{name: "scalars, reversed operands, unary ops", dims: [][]int{{5, 7, 9, 11}}, fn: func(in []*Node) []*Node {
			x := in[0]
			y := Div(Sub(OneMinus(MulScalar(x, 3)), x), AddScalar(Abs(x), 0.5))
			y = Add(Neg(y), Sign(x))
			y = Max(y, Scalar(x.Graph(), x.DType(), -0.25))
			y = Div(Scalar(x.Graph(), x.DType(), 2), AddScalar(Square(y), 1))
			return withGrads(y, x)
		}, fused: -1},
		{name: "special values", dims: [][]int{{64, 65}}, fn: func(in []*Node) []*Node {
			x := in[0]
			r := Max(x, ZerosLike(x))
			ind := NonNegativeIndicator(Sub(x, ZerosLike(x)))
			negZero := Const(x.Graph(), float32(math.Copysign(0, -1))) // Not Scalar: it caches -0 as +0.
			return []*Node{r, ind, Sign(x), Neg(x), MulScalar(x, 2), Square(x), Div(ScalarOne(x.Graph(), x.DType()), Sub(x, negZero))}
		}, fused: -1},
		{name: "chain longer than a node holds", dims: [][]int{{16, 32, 32}, {16, 32, 32}}, fn: func(in []*Node) []*Node {
			y := in[0]
			for i := range 3 * maxChainSteps {
				switch i % 3 {
				case 0:
					y = Add(y, in[1])
				case 1:
					y = MulScalar(y, 0.5)
				default:
					y = Sub(y, MulScalar(in[1], 0.25))
				}
			}
			return withGrads(y, in...)
		}, fused: -1},
		{name: "shared chain with several consumers", dims: [][]int{{6, 10, 10, 16}, {1, 1, 1, 16}, {6, 10, 10, 16}}, fn: func(in []*Node) []*Node {
			d := Mul(Sub(in[0], in[1]), in[2])
			d = Sign(Add(Sign(d), ScalarOne(d.Graph(), d.DType())))
			return []*Node{ReduceSum(Mul(d, in[2]), 0, 1, 2), Add(d, in[0]), Mul(d, in[1]), ReduceSum(d, 0, 1, 2)}
		}, fused: -1},
		{name: "rank 1, one long row", dims: [][]int{{40000}, {40000}}, fn: func(in []*Node) []*Node {
			y := Sub(Mul(in[0], in[1]), MulScalar(in[0], 0.5))
			return append(withGrads(Max(y, ZerosLike(y)), in...), ReduceSum(Mul(y, y), 0))
		}, fused: -1},
		{name: "per-channel on axis 1 (channels first)", dims: [][]int{{4, 16, 9, 9}, {1, 16, 1, 1}}, fn: func(in []*Node) []*Node {
			y := Mul(Sub(in[0], in[1]), in[1])
			return []*Node{Add(y, in[0]), ReduceSum(Mul(y, y), 0, 2, 3), ReduceSum(y, 1, 2)}
		}, fused: -1},
		{name: "division by a per-channel vector, gradient of the vector", dims: [][]int{{4, 8, 8, 24}, {24}}, fn: func(in []*Node) []*Node {
			s := AddScalar(Abs(Reshape(in[1], 1, 1, 1, 24)), 0.5)
			return withGrads(Div(in[0], s), in...)
		}, fused: -1},
		{name: "op on two broadcasts", dims: [][]int{{4, 8, 8, 24}, {24}}, fn: func(in []*Node) []*Node {
			b := BroadcastToDims(Reshape(in[1], 1, 1, 1, 24), 4, 8, 8, 24)
			s := BroadcastToDims(ReduceAllSum(in[1]), 4, 8, 8, 24)
			return []*Node{Mul(b, b), Sub(s, b), Max(b, s), Add(Div(s, b), in[0]), Mul(s, s)}
		}, fused: -1},
		{name: "max-pool gradient in one pass", dims: [][]int{{8, 16, 16, 8}, {8, 8, 8, 8}}, fn: func(in []*Node) []*Node {
			y := maxPoolByReduce(in[0], 2, 2, false)
			return []*Node{y, Gradient(ReduceAllSum(Mul(y, in[1])), in[0])[0]}
		}, fused: 3, bitwise: []int{0, 1}}, // The pool, the upstream gradient (seed times in[1]), then Sub of the broadcast maxima, Sign, Add, Sign and Mul by the broadcast upstream gradient in one.
		{name: "implicitly broadcast operands", dims: [][]int{{4, 6, 2, 5, 2, 8}, {4, 6, 1, 5, 1, 8}, {1, 6, 1, 5, 1, 1}},
			fn: func(in []*Node) []*Node {
				x, s, u := in[0], in[1], in[2]
				d := Sub(x, s)
				b := BroadcastToDims(s, x.Shape().Dimensions...)
				return append(withGrads(Mul(Div(s, AddScalar(Abs(d), 1)), u), in...),
					ReduceSum(d, 0, 1, 2, 3, 4), ReduceSum(Mul(d, x), 0, 1, 2, 3, 4), Max(x, s), Add(s, u),
					Sign(b), Mul(b, b), Sub(b, u), Add(MulScalar(b, 2), d))
			}, fused: -1, bitwise: []int{0, 1, 2, 3, 4, 6, 7, 8, 9, 10, 11}}, // 5 is a fused sum.
		{name: "broadcast operands", dims: [][]int{{4, 8, 8, 24}, {24}}, fn: func(in []*Node) []*Node {
			b := BroadcastToDims(Reshape(in[1], 1, 1, 1, 24), 4, 8, 8, 24)
			s := BroadcastToDims(ReduceAllSum(in[1]), 4, 8, 8, 24)
			return withGrads(Add(Div(in[0], Add(Abs(b), s)), Mul(b, in[0])), in...)
		}, fused: -1},
	}
}

// TestFusedChains compares graphs of element-wise ops (and their gradients)
// built with the fused chains against the pure-Go backend's standard ops:
// equal within 1e-5 of the largest value of each output (float32 sums in
// another order), NaN at the same places.
func TestFusedChains(t *testing.T) {
	fused := newTestBackend(t)
	stock, err := NewDecorated("nofast")
	if err != nil {
		t.Fatal(err)
	}
	specials := []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)), 0, float32(math.Copysign(0, -1)), 1e-30, -1e-30}
	for _, tc := range fuseCases() {
		t.Run(tc.name, func(t *testing.T) {
			inputs := make([]any, len(tc.dims))
			for i, d := range tc.dims {
				var sp []float32
				if tc.name == "special values" {
					sp = specials
				}
				inputs[i] = randSpecialTensor(uint64(i+1), d, sp...)
			}
			run := func(be backends.Backend) []*tensors.Tensor {
				exec, err := NewExec(be, tc.fn)
				if err != nil {
					t.Fatal(err)
				}
				args := make([]any, len(inputs))
				for i, in := range inputs {
					c, err := in.(*tensors.Tensor).LocalClone()
					if err != nil {
						t.Fatal(err)
					}
					args[i] = c
				}
				out, err := exec.Exec(args...)
				if err != nil {
					t.Fatalf("%s: %v", be.Name(), err)
				}
				return out
			}
			want := run(stock)
			before := customExecs.Load()
			got := run(fused)
			ran := int(customExecs.Load() - before)
			if tc.fused >= 0 && ran != tc.fused {
				t.Errorf("%d custom ops ran, want %d", ran, tc.fused)
			}
			if len(got) != len(want) {
				t.Fatalf("%d outputs, want %d", len(got), len(want))
			}
			for k := range want {
				if !got[k].Shape().Equal(want[k].Shape()) {
					t.Fatalf("output %d: shape %s, want %s", k, got[k].Shape(), want[k].Shape())
				}
				g, w := tensors.MustCopyFlatData[float32](got[k]), tensors.MustCopyFlatData[float32](want[k])
				scale := 0.0
				for _, v := range w {
					if !math.IsNaN(float64(v)) && !math.IsInf(float64(v), 0) {
						scale = max(scale, math.Abs(float64(v)))
					}
				}
				for i := range w {
					gn, wn := math.IsNaN(float64(g[i])), math.IsNaN(float64(w[i]))
					if gn != wn || (!wn && g[i] != w[i] && !(math.Abs(float64(g[i]-w[i])) <= 1e-5*scale)) {
						t.Fatalf("output %d, element %d: %v, want %v (largest value %.3g)", k, i, g[i], w[i], scale)
					}
				}
			}
		})
	}
}

// TestChainKernels checks the steps of a chain (the assembly loops where
// the CPU has them, and the Go loops after them) against scalar Go
// arithmetic, for lengths around the vector width, in place and not.
func TestChainKernels(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 3))
	vals := func(n int) []float32 {
		v := make([]float32, n)
		for i := range v {
			v[i] = float32(r.NormFloat64())
		}
		if n > 3 {
			v[1], v[2], v[3] = 0, float32(math.Copysign(0, -1)), float32(math.NaN())
		}
		return v
	}
	ref := func(op elemOp, a, b float32) float32 {
		switch op {
		case opAdd:
			return a + b
		case opSub:
			return a - b
		case opMul:
			return a * b
		case opDiv:
			return a / b
		}
		return max(a, b)
	}
	sign := func(a float32) float32 {
		switch {
		case a < 0:
			return -1
		case a > 0:
			return 1
		}
		return 0
	}
	same := func(a, b float32) bool { return a == b || (a != a && b != b) }
	for _, n := range []int{1, 7, 8, 9, 16, 31, 33, 96} {
		for _, op := range []elemOp{opAdd, opSub, opMul, opDiv, opMax} {
			for _, inPlace := range []bool{false, true} {
				name := fmt.Sprintf("n=%d op=%d inPlace=%v", n, op, inPlace)
				x, y := vals(n), vals(n)
				s := y[0]
				for _, rev := range []bool{false, true} {
					dst := make([]float32, n)
					src := append([]float32(nil), x...)
					if inPlace {
						dst = src
					}
					scalarStep(op, rev, dst, src, s)
					for i := range x {
						want := ref(op, x[i], s)
						if rev {
							want = ref(op, s, x[i])
						}
						if !same(dst[i], want) {
							t.Fatalf("%s scalar rev=%v: element %d = %v, want %v", name, rev, i, dst[i], want)
						}
					}
				}
				dst := make([]float32, n)
				src := append([]float32(nil), x...)
				if inPlace {
					dst = src
				}
				vecStep(op, dst, src, y)
				for i := range x {
					if want := ref(op, x[i], y[i]); !same(dst[i], want) {
						t.Fatalf("%s full: element %d = %v, want %v", name, i, dst[i], want)
					}
				}
				for _, c := range []int{8, 16, 24, 5} {
					rows := n/c + 1
					x, vec := vals(rows*c), vals(c)
					for _, rev := range []bool{false, true} {
						dst := make([]float32, rows*c)
						channelStep(op, rev, dst, x, vec)
						for i := range x {
							want := ref(op, x[i], vec[i%c])
							if rev {
								want = ref(op, vec[i%c], x[i])
							}
							if !same(dst[i], want) {
								t.Fatalf("%s channel c=%d rev=%v: element %d = %v, want %v", name, c, rev, i, dst[i], want)
							}
						}
					}
					sum, want := vals(c), make([]float32, c)
					copy(want, sum)
					for i, v := range x {
						want[i%c] += v
					}
					colSum(sum, x)
					for j := range want {
						if !same(sum[j], want[j]) {
							t.Fatalf("column sums c=%d: %d = %v, want %v", c, j, sum[j], want[j])
						}
					}
				}
			}
		}
		for _, s := range []float32{0, float32(math.Copysign(0, -1)), 1.5, float32(math.NaN())} {
			// The ReLU: Go's max, down to the sign of zero.
			x := vals(n)
			dst := make([]float32, n)
			scalarStep(opMax, false, dst, x, s)
			for i, a := range x {
				want := max(a, s)
				if !same(dst[i], want) || math.Signbit(float64(dst[i])) != math.Signbit(float64(want)) {
					t.Fatalf("n=%d max(%v, %v) = %v, want %v", n, a, s, dst[i], want)
				}
			}
		}
		for _, op := range []elemOp{opSign, opNeg, opSquare, opNonNeg} {
			x := vals(n)
			dst := make([]float32, n)
			unaryStep(op, dst, x)
			for i, a := range x {
				var want float32
				switch op {
				case opSign:
					want = sign(a)
				case opNeg:
					want = -a
				case opSquare:
					want = a * a
				case opNonNeg:
					want = sign(sign(a) + 1)
				}
				if !same(dst[i], want) || math.Signbit(float64(dst[i])) != math.Signbit(float64(want)) && !math.IsNaN(float64(want)) {
					t.Fatalf("n=%d unary op %d: element %d (%v) = %v, want %v", n, op, i, a, dst[i], want)
				}
			}
		}
	}
}

// TestFusedChainsBitwise checks the outputs of the fused graphs that hold no
// fused sum bit for bit against the op-by-op custom ops.
func TestFusedChainsBitwise(t *testing.T) {
	fused := newTestBackend(t)
	byOp, err := NewDecorated("nofuse")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range fuseCases() {
		if len(tc.bitwise) == 0 {
			continue
		}
		t.Run(tc.name, func(t *testing.T) {
			flats := make([][]float32, len(tc.dims))
			for i, d := range tc.dims {
				flats[i] = tensors.MustCopyFlatData[float32](randSpecialTensor(uint64(i+1), d,
					float32(math.NaN()), float32(math.Inf(1)), 0, float32(math.Copysign(0, -1))))
				for j := range flats[i] {
					if j%3 == 0 {
						flats[i][j] = float32(math.Round(float64(flats[i][j]))) // ties
					}
				}
			}
			run := func(be backends.Backend) []*tensors.Tensor {
				exec, err := NewExec(be, tc.fn)
				if err != nil {
					t.Fatal(err)
				}
				args := make([]any, len(flats))
				for i, f := range flats {
					args[i] = tensors.FromFlatDataAndDimensions(f, tc.dims[i]...)
				}
				out, err := exec.Exec(args...)
				if err != nil {
					t.Fatalf("%s: %v", be.Name(), err)
				}
				return out
			}
			got, want := run(fused), run(byOp)
			for _, k := range tc.bitwise {
				g, w := tensors.MustCopyFlatData[float32](got[k]), tensors.MustCopyFlatData[float32](want[k])
				if i := sameBits(g, w); i >= 0 {
					t.Errorf("output %d, element %d: %v, want %v", k, i, g[i], w[i])
				}
			}
		})
	}
}
