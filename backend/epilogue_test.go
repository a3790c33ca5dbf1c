package backend

import (
	"fmt"
	"math"
	"runtime"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/backends"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive // GoMLX's convention for graph code.
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/repgeo/repgeo/backend/benchnet"
)

// epilogueCase is a convolution (NHWC, "same" padding) followed by element-wise
// ops; inputs are x, the kernel, four per-channel vectors and a tensor of the
// convolution's output shape.
type epilogueCase struct {
	n, h, w, cin, cout, k, stride int
	chain                         string
	// fused is the number of convolutions expected to run with their chain
	// when the chain loops are the assembly ones (haveElemAVX2); with the Go
	// loops, every eligible one is.
	fused, fusedGo int
	// direct takes the in-place convolution also for output rows shorter
	// than four positions (directAlways).
	direct bool
}

func (c epilogueCase) String() string {
	return fmt.Sprintf("%s_n%d_%dx%d_c%d-%d_k%d_s%d_direct%v", c.chain, c.n, c.h, c.w, c.cin, c.cout, c.k, c.stride, c.direct)
}

// graph builds the case's outputs.
func (c epilogueCase) graph(in []*Node) []*Node {
	x, k := in[0], in[1]
	ch := func(v *Node) *Node { return Reshape(v, 1, 1, 1, c.cout) }
	mean, variance, scale, offset, other := ch(in[2]), ch(in[3]), ch(in[4]), ch(in[5]), in[6]
	y := Convolve(x, k).Strides(c.stride).PadSame().Done()
	relu := func(v *Node) *Node { return Max(v, ZerosLike(v)) }
	// GoMLX's batch norm on stored statistics (UseBackendInference(false)).
	bn := func(v *Node) *Node {
		return Add(Mul(Div(Sub(v, mean), Sqrt(AddScalar(Abs(variance), 1e-5))), scale), offset)
	}
	// The batch norm of repgeo's models (models/compat.go) on stored
	// statistics: x·a + b with per-channel a and b.
	xab := func(v *Node) *Node {
		a := Div(in[4], Sqrt(AddScalar(Abs(in[3]), 1e-5)))
		b := Sub(in[5], Mul(in[2], a))
		return Add(Mul(v, Reshape(a, 1, 1, 1, c.cout)), Reshape(b, 1, 1, 1, c.cout))
	}
	switch c.chain {
	case "bn-relu":
		return []*Node{relu(bn(y))}
	case "xa+b-relu": // the batch norm of repgeo's models
		return []*Node{relu(xab(y))}
	case "bn-add-relu": // a residual block's end
		return []*Node{relu(Add(bn(y), other))}
	case "bn-add-input": // the chain reads the convolution's input
		return []*Node{Add(bn(y), x)}
	case "two-convs": // a block: conv, bn, relu, conv, bn, shortcut, relu
		k2 := Reshape(Cos(Iota(x.Graph(), shapes.Make(x.DType(), 3*3*c.cout*c.cout), 0)), 3, 3, c.cout, c.cout)
		z := relu(bn(y))
		z = Convolve(z, k2).PadSame().Done()
		return []*Node{relu(Add(bn(z), other))}
	case "identity-block", "identity-block-swapped", "identity-block-xab":
		// conv, bn, relu (x0), then conv, bn, relu, conv, bn, the sum with
		// x0, relu: x0's chain is longer than the second batch norm's, so the
		// sum extends x0's chain until the epilogue rewrites it.
		k2 := Reshape(Cos(Iota(x.Graph(), shapes.Make(x.DType(), 3*3*c.cout*c.cout), 0)), 3, 3, c.cout, c.cout)
		k3 := Reshape(Sin(Iota(x.Graph(), shapes.Make(x.DType(), 3*3*c.cout*c.cout), 0)), 3, 3, c.cout, c.cout)
		norm := bn
		if c.chain == "identity-block-xab" {
			norm = xab
		}
		x0 := relu(norm(y))
		z := relu(norm(Convolve(x0, k2).PadSame().Done()))
		z = norm(Convolve(z, k3).PadSame().Done())
		if c.chain != "identity-block-swapped" {
			return []*Node{relu(Add(z, x0))}
		}
		return []*Node{relu(Add(x0, z))}
	case "relu-only": // no step along the channels: left to the chain op
		return []*Node{relu(y)}
	case "conv-is-output": // the convolution is read twice: not fused
		return []*Node{relu(bn(y)), y}
	case "gradients": // training: a batch norm on the batch's statistics
		z := batchNormReLU(y, in[4], in[5], other)
		return withGrads(z, x, k, in[4], in[5], other)
	}
	panic("unknown chain " + c.chain)
}

// runEpilogueCase runs c on be with the given inputs.
func runEpilogueCase(t *testing.T, be backends.Backend, c epilogueCase, inputs []*tensors.Tensor) [][]float32 {
	t.Helper()
	exec, err := NewExec(be, c.graph)
	if err != nil {
		t.Fatal(err)
	}
	args := make([]any, len(inputs))
	for i, in := range inputs {
		args[i] = fresh(in)
	}
	out, err := exec.Exec(args...)
	if err != nil {
		t.Fatalf("%s: %v", be.Name(), err)
	}
	flats := make([][]float32, len(out))
	for i, o := range out {
		flats[i] = tensors.MustCopyFlatData[float32](o)
	}
	return flats
}

// The outputs have at least minFuseSize elements, so that chains are fused.

// TestConvEpilogueBitwise checks convolutions run with the chain that reads
// them (convChainOp) bit for bit against the same graph with the chain as
// an op of its own, step by step ("noepilogue": the code before epilogues
// and register tiles) and with the element-wise ops one by one
// ("nofuse"): odd sizes, strides 1 and 2, 3x3 and 1x1 kernels, 8, 16, 13
// and 3 channels, with NaNs (with payloads), ±Inf, ±0 and subnormals in the
// input and the residual operand, with the assembly and the Go chain loops
// and every micro-kernel selection, and that the fused op runs where it
// should.
func TestConvEpilogueBitwise(t *testing.T) {
	fused := newTestBackend(t)
	noEpi, err := NewDecorated("noepilogue")
	if err != nil {
		t.Fatal(err)
	}
	noFuse, err := NewDecorated("nofuse")
	if err != nil {
		t.Fatal(err)
	}
	defer func(v16, v32, avx2 bool) {
		useKernel4x16, useKernel4x32, haveElemAVX2 = v16, v32, avx2
	}(useKernel4x16, useKernel4x32, haveElemAVX2)
	asmLoops := haveElemAVX2
	cases := []epilogueCase{
		{n: 3, h: 7, w: 9, cin: 8, cout: 16, k: 3, stride: 1, chain: "bn-relu", fused: 1, fusedGo: 1},
		{n: 4, h: 17, w: 11, cin: 16, cout: 8, k: 3, stride: 2, chain: "bn-relu", fused: 1, fusedGo: 1},
		{n: 2, h: 11, w: 13, cin: 3, cout: 16, k: 3, stride: 1, chain: "xa+b-relu", fused: 1, fusedGo: 1},
		{n: 3, h: 9, w: 9, cin: 8, cout: 13, k: 3, stride: 1, chain: "bn-relu", fused: 0, fusedGo: 1},
		{n: 3, h: 13, w: 10, cin: 13, cout: 13, k: 3, stride: 2, chain: "bn-add-relu", fused: 0, fusedGo: 1},
		{n: 2, h: 10, w: 9, cin: 8, cout: 16, k: 3, stride: 1, chain: "bn-add-relu", fused: 1, fusedGo: 1},
		{n: 2, h: 15, w: 9, cin: 8, cout: 16, k: 1, stride: 2, chain: "bn-add-relu", fused: 1, fusedGo: 1},
		{n: 2, h: 8, w: 9, cin: 16, cout: 16, k: 1, stride: 1, chain: "bn-add-input", fused: 1, fusedGo: 1},
		{n: 3, h: 7, w: 7, cin: 8, cout: 16, k: 3, stride: 1, chain: "two-convs", fused: 2, fusedGo: 2},
		{n: 3, h: 9, w: 7, cin: 8, cout: 16, k: 3, stride: 1, chain: "identity-block", fused: 3, fusedGo: 3},
		{n: 4, h: 15, w: 10, cin: 16, cout: 8, k: 3, stride: 2, chain: "identity-block-swapped", fused: 3, fusedGo: 3},
		{n: 2, h: 9, w: 8, cin: 8, cout: 13, k: 3, stride: 1, chain: "identity-block", fused: 0, fusedGo: 3},
		{n: 3, h: 8, w: 9, cin: 16, cout: 16, k: 3, stride: 1, chain: "identity-block-xab", fused: 3, fusedGo: 3},
		{n: 2, h: 45, w: 5, cin: 8, cout: 16, k: 3, stride: 2, chain: "bn-relu", fused: 1, fusedGo: 1, direct: true},
		{n: 2, h: 45, w: 5, cin: 8, cout: 16, k: 3, stride: 2, chain: "bn-relu", fused: 0, fusedGo: 0},
		{n: 2, h: 7, w: 9, cin: 8, cout: 16, k: 3, stride: 1, chain: "relu-only", fused: 0, fusedGo: 0},
		{n: 2, h: 7, w: 9, cin: 8, cout: 16, k: 3, stride: 1, chain: "conv-is-output", fused: 0, fusedGo: 0},
		{n: 2, h: 16, w: 15, cin: 8, cout: 16, k: 3, stride: 2, chain: "gradients", fused: -1, fusedGo: -1},
	}
	for seed, c := range cases {
		oh, ow := (c.h+c.stride-1)/c.stride, (c.w+c.stride-1)/c.stride
		dims := [][]int{{c.n, c.h, c.w, c.cin}, {c.k, c.k, c.cin, c.cout}, {c.cout}, {c.cout}, {c.cout}, {c.cout}, {c.n, oh, ow, c.cout}}
		inputs := make([]*tensors.Tensor, len(dims))
		for i, d := range dims {
			var sp []float32
			if i == 0 || i == 6 {
				sp = specialValues
			}
			inputs[i] = randSpecialTensor(uint64(100+10*seed+i), d, sp...)
		}
		for _, ks := range kernelSets() {
			for _, loops := range []bool{false, true} {
				if loops && !asmLoops {
					continue
				}
				t.Run(fmt.Sprintf("%s/avx2=%v_avx512=%v_asmloops=%v", c, ks[0], ks[1], loops), func(t *testing.T) {
					useKernel4x16, useKernel4x32, haveElemAVX2 = ks[0], ks[1], loops
					directAlways = c.direct
					defer func() { directAlways = false }()
					want := runEpilogueCase(t, noEpi, c, inputs)
					before := convEpilogueExecs.Load()
					var got [][]float32
					counts := countOps(t, func() { got = runEpilogueCase(t, fused, c, inputs) })
					ran := int(convEpilogueExecs.Load() - before)
					if strings.HasPrefix(c.chain, "identity-block") && ran == 3 && counts["*backend.chainOp"] != 0 {
						// The residual sum extended x0's chain: it runs in
						// the last convolution only if rewritten from it.
						t.Errorf("%d chain ops ran besides the convolutions, want 0", counts["*backend.chainOp"])
					}
					byOp := runEpilogueCase(t, noFuse, c, inputs)
					wantRan := c.fusedGo
					if loops {
						wantRan = c.fused
					}
					if wantRan >= 0 && ran != wantRan {
						t.Errorf("%d convolutions ran with their chain, want %d", ran, wantRan)
					}
					for k := range want {
						if i := sameBits(got[k], want[k]); i >= 0 {
							t.Errorf("output %d, element %d: %v (%#x), want %v (%#x) as without epilogues", k, i,
								got[k][i], math.Float32bits(got[k][i]), want[k][i], math.Float32bits(want[k][i]))
						}
						if c.chain == "gradients" {
							continue // Fused sums run in another order than op by op.
						}
						if loops {
							// The chains' assembly ReLU may give a NaN
							// another sign than Go's max op by op.
							got[k], byOp[k] = positiveNaNs(got[k]), positiveNaNs(byOp[k])
						}
						if i := sameBits(got[k], byOp[k]); i >= 0 {
							t.Errorf("output %d, element %d: %v (%#x), want %v (%#x) as op by op", k, i,
								got[k][i], math.Float32bits(got[k][i]), byOp[k][i], math.Float32bits(byOp[k][i]))
						}
					}
				})
			}
		}
	}
}

// positiveNaNs returns x with the sign bit of its NaNs cleared.
func positiveNaNs(x []float32) []float32 {
	y := make([]float32, len(x))
	for i, v := range x {
		if v != v {
			v = math.Float32frombits(math.Float32bits(v) &^ (1 << 31))
		}
		y[i] = v
	}
	return y
}

// TestResNetInferenceUsesEpilogues checks that every convolution of a
// ResNet-20 inference pass (benchnet, batch 4) runs with the batch norm and
// ReLU (or residual sum) that read it, and that the logits are bit for bit
// those without epilogues and with the chains step by step, with 1, 2 or 3
// workers.
func TestResNetInferenceUsesEpilogues(t *testing.T) {
	// logits runs a second pass (the first initializes the variables)
	// inside counted.
	logits := func(be backends.Backend, counted func(func())) []float32 {
		ctx := context.New()
		ctx.SetParam(context.ParamInitialSeed, int64(5))
		exec, err := context.NewExec(be, ctx, func(ctx *context.Context, x *Node) *Node {
			return benchnet.ResNet20(ctx, x)
		})
		if err != nil {
			t.Fatal(err)
		}
		images, _ := benchnet.Batch(4, 3)
		if _, err := exec.Exec(images); err != nil {
			t.Fatal(err)
		}
		var out []*tensors.Tensor
		counted(func() { out, err = exec.Exec(images) })
		if err != nil {
			t.Fatal(err)
		}
		return tensors.MustCopyFlatData[float32](out[0])
	}
	noEpi, err := NewDecorated("noepilogue")
	if err != nil {
		t.Fatal(err)
	}
	want := logits(noEpi, func(f func()) { f() })
	var counts map[string]int
	got := logits(newTestBackend(t), func(f func()) { counts = countOps(t, f) })
	// 19 convolutions and 2 projections, each with its batch norm and
	// ReLU or residual sum; no chain left over the activations.
	if counts["*backend.convChainOp"] != 21 || counts["*backend.directConvOp"] != 0 || counts["*backend.chainOp"] != 0 {
		t.Errorf("ops run: %v, want 21 convChainOp, no directConvOp or chainOp", counts)
	}
	if i := sameBits(got, want); i >= 0 {
		t.Errorf("logit %d: %v, want %v", i, got[i], want[i])
	}
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	for _, procs := range []int{1, 3} {
		runtime.GOMAXPROCS(procs)
		got := logits(newTestBackend(t), func(f func()) { f() })
		if i := sameBits(got, want); i >= 0 {
			t.Errorf("GOMAXPROCS %d: logit %d: %v, want %v", procs, i, got[i], want[i])
		}
	}
}
