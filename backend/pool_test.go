package backend

import (
	"fmt"
	"math"
	"slices"
	"testing"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// poolValues fills a tensor of dims with values that make windows tie
// (few distinct values, repeated maxima) and holds the special values: ±0,
// ±Inf, NaNs with payloads, windows of -Inf only.
func poolValues(seed uint64, dims []int, special bool) []float32 {
	x := tensors.MustCopyFlatData[float32](randSpecialTensor(seed, dims))
	for i := range x {
		switch i % 5 {
		case 0, 1:
			x[i] = float32(math.Round(float64(x[i]))) // ties within windows
		}
	}
	if special {
		sp := []float32{0, float32(math.Copysign(0, -1)), float32(math.Copysign(0, -1)), 0,
			float32(math.Inf(-1)), float32(math.Inf(-1)), float32(math.Inf(-1)), float32(math.Inf(-1)),
			math.Float32frombits(0x7fc01234), 2, math.Float32frombits(0xffc00077), -1,
			float32(math.Inf(1)), float32(math.Inf(1)), 1, 1}
		for i := 0; i+len(sp) <= len(x); i += 7 * len(sp) {
			copy(x[i:], sp)
		}
	}
	return x
}

// maxPoolByReduce is the 2×2 (or kh×kw) max pool of models and benchnet: a
// ReduceMax over the window axes of a reshape, on NHWC or NCHW x.
func maxPoolByReduce(x *graph.Node, kh, kw int, channelsFirst bool) *graph.Node {
	d := x.Shape().Dimensions
	if channelsFirst {
		x = graph.Reshape(x, d[0], d[1], d[2]/kh, kh, d[3]/kw, kw)
		return graph.ReduceMax(x, 3, 5)
	}
	x = graph.Reshape(x, d[0], d[1]/kh, kh, d[2]/kw, kw, d[3])
	return graph.ReduceMax(x, 2, 4)
}

func TestReduceMaxMatchesStock(t *testing.T) {
	fast := newTestBackend(t)
	stock, err := backends.NewWithConfig("go")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		dims, axes []int
		special    bool
		stockOp    bool // reduces nothing: the stock op
	}{
		{[]int{64, 16, 2, 16, 2, 16}, []int{2, 4}, true, false}, // VGG's first pool
		{[]int{3, 5, 2, 7, 2, 13}, []int{2, 4}, true, false},
		{[]int{2, 3, 3, 3, 3, 5}, []int{2, 4}, false, false}, // 3×3 windows
		{[]int{4, 3, 3, 5, 3, 24}, []int{2, 4}, true, false},
		{[]int{2, 5, 2, 3, 1, 4}, []int{2, 4}, true, false}, // 2×1 windows
		{[]int{4, 5, 6}, []int{1}, true, false},
		{[]int{4, 5, 6}, []int{0}, true, false},
		{[]int{4, 5, 6}, []int{0, 2}, true, false},
		{[]int{4, 5, 6}, []int{2}, false, false},
		{[]int{4, 5, 6}, []int{0, 1, 2}, true, false},
		{[]int{300, 7}, []int{0}, false, false},
		{[]int{3, 1, 5}, []int{1}, false, true},
		{[]int{1000}, []int{0}, true, false},
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("%v%v", c.dims, c.axes), func(t *testing.T) {
			x := poolValues(5, c.dims, c.special)
			run := func(be backends.Backend) []float32 {
				out, err := graph.ExecOnce(be, func(x *graph.Node) *graph.Node {
					return graph.ReduceMax(x, c.axes...)
				}, tensors.FromFlatDataAndDimensions(x, c.dims...))
				if err != nil {
					t.Fatalf("%s: %v", be, err)
				}
				return tensors.MustCopyFlatData[float32](out)
			}
			before := customExecs.Load()
			got := run(fast)
			used := customExecs.Load() != before
			if used == c.stockOp {
				t.Errorf("custom op used: %v, want %v", used, !c.stockOp)
			}
			want := run(stock)
			if i := sameBits(got, want); i >= 0 {
				t.Errorf("element %d: %v (%#x), want %v (%#x)", i, got[i], math.Float32bits(got[i]), want[i],
					math.Float32bits(want[i]))
			}
		})
	}
}

// TestMaxPoolMatchesStock compares a max pool written as ReduceMax over a
// reshape, its gradient (GoMLX's, which sends the upstream gradient to every
// element equal to its window's maximum) and the gradient of a following
// Mul with the pure-Go backend, bit for bit.
func TestMaxPoolMatchesStock(t *testing.T) {
	fast := newTestBackend(t)
	stock, err := backends.NewWithConfig("go")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		n, h, w, c, kh, kw int
		channelsFirst      bool
		special            bool
	}{
		{64, 32, 32, 16, 2, 2, false, false}, // VGG's first pool
		{8, 4, 4, 128, 2, 2, false, true},
		{3, 6, 10, 13, 2, 2, false, true},
		{2, 9, 6, 5, 3, 2, false, true},
		{2, 4, 8, 3, 2, 4, false, false},
		{4, 16, 8, 8, 2, 2, true, true},
		{2, 3, 9, 6, 3, 3, true, false},
	}
	for _, c := range cases {
		name := fmt.Sprintf("%dx%dx%dx%d/%dx%d", c.n, c.h, c.w, c.c, c.kh, c.kw)
		if c.channelsFirst {
			name += "/channels-first"
		}
		t.Run(name, func(t *testing.T) {
			dims := []int{c.n, c.h, c.w, c.c}
			if c.channelsFirst {
				dims = []int{c.n, c.c, c.h, c.w}
			}
			x := poolValues(6, dims, c.special)
			n := len(x) / (c.kh * c.kw)
			r := make([]float32, n)
			for i := range r {
				r[i] = float32(math.Sin(float64(i))) + 0.5
			}
			run := func(be backends.Backend) []*tensors.Tensor {
				exec, err := graph.NewExec(be, func(x, r *graph.Node) []*graph.Node {
					y := maxPoolByReduce(x, c.kh, c.kw, c.channelsFirst)
					ry := graph.Reshape(r, y.Shape().Dimensions...)
					g := graph.Gradient(graph.ReduceAllSum(graph.Mul(y, ry)), x)[0]
					return []*graph.Node{y, g}
				})
				if err != nil {
					t.Fatal(err)
				}
				out, err := exec.Exec(tensors.FromFlatDataAndDimensions(x, dims...), tensors.FromFlatDataAndDimensions(r, n))
				if err != nil {
					t.Fatalf("%s: %v", be, err)
				}
				return out
			}
			before := customExecs.Load()
			got := run(fast)
			if customExecs.Load() == before {
				t.Errorf("no custom op used")
			}
			want := run(stock)
			for k, name := range []string{"pool", "gradient"} {
				g, w := tensors.MustCopyFlatData[float32](got[k]), tensors.MustCopyFlatData[float32](want[k])
				if i := sameBits(g, w); i >= 0 {
					t.Errorf("%s: element %d: %v (%#x), want %v (%#x)", name, i, g[i], math.Float32bits(g[i]), w[i],
						math.Float32bits(w[i]))
				}
			}
		})
	}
}

// TestMaxIntoMatchesGo checks maxInto (AVX2 where available) against Go's
// max on every pair of special values, in both orders.
func TestMaxIntoMatchesGo(t *testing.T) {
	vals := append(slices.Clone(specialValues), 1, -1, 2.5, math.Float32frombits(0x7f800001), math.Float32frombits(0xff812345))
	var dst, src []float32
	for _, a := range vals {
		for _, b := range vals {
			dst, src = append(dst, a), append(src, b)
		}
	}
	for len(dst)%8 != 3 { // a tail for the Go loop
		dst, src = append(dst, 0), append(src, float32(math.Copysign(0, -1)))
	}
	want := make([]float32, len(dst))
	for i := range dst {
		want[i] = max(dst[i], src[i])
	}
	got := slices.Clone(dst)
	maxInto(got, src)
	if i := sameBits(got, want); i >= 0 {
		t.Errorf("max(%#x, %#x) = %#x, want %#x", math.Float32bits(dst[i]), math.Float32bits(src[i]),
			math.Float32bits(got[i]), math.Float32bits(want[i]))
	}
}

// TestMaxPoolOfChainMatchesStock compares a max pool of a fused chain (batch
// norm in inference form and a ReLU, which the pool then reads block by block
// without writing it out) with the pure-Go backend, bit for bit except for
// the sign of NaNs (the ReLU's AVX2 loop keeps a NaN's sign, Go's max may
// flip it; so did the chains before).
func TestMaxPoolOfChainMatchesStock(t *testing.T) {
	fast := newTestBackend(t)
	stock, err := backends.NewWithConfig("go")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		n, h, w, c, kh, kw int
		channelsFirst      bool
	}{
		{16, 32, 32, 16, 2, 2, false},
		{4, 4, 4, 128, 2, 2, false},
		{3, 6, 10, 13, 2, 2, false},
		{8, 9, 6, 8, 3, 2, false},
		{4, 16, 8, 8, 2, 2, true}, // per-channel vectors on axis 1, broadcast implicitly
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("%dx%dx%dx%d/%dx%d/first=%v", c.n, c.h, c.w, c.c, c.kh, c.kw, c.channelsFirst), func(t *testing.T) {
			dims, vdims := []int{c.n, c.h, c.w, c.c}, []int{1, 1, 1, c.c}
			if c.channelsFirst {
				dims, vdims = []int{c.n, c.c, c.h, c.w}, []int{1, c.c, 1, 1}
			}
			x := poolValues(7, dims, true)
			a := poolValues(8, vdims, false)
			bv := poolValues(9, vdims, false)
			fn := func(x, a, b *graph.Node) *graph.Node {
				y := graph.Add(graph.Mul(graph.Sub(x, b), a), b)
				return maxPoolByReduce(graph.Max(y, graph.ZerosLike(y)), c.kh, c.kw, c.channelsFirst)
			}
			run := func(be backends.Backend) []float32 {
				out, err := graph.ExecOnce(be, fn, tensors.FromFlatDataAndDimensions(x, dims...),
					tensors.FromFlatDataAndDimensions(a, vdims...), tensors.FromFlatDataAndDimensions(bv, vdims...))
				if err != nil {
					t.Fatalf("%s: %v", be, err)
				}
				return tensors.MustCopyFlatData[float32](out)
			}
			var got []float32
			counts := countOps(t, func() { got = run(fast) })
			if counts["*backend.reduceMaxChainOp"] != 1 || len(counts) != 1 {
				t.Errorf("ops run: %v, want one reduceMaxChainOp", counts)
			}
			want := run(stock)
			for i := range want {
				if got[i] != got[i] && want[i] != want[i] {
					got[i] = want[i] // NaN, whatever its sign
				}
			}
			if i := sameBits(got, want); i >= 0 {
				t.Errorf("element %d: %v (%#x), want %v (%#x)", i, got[i], math.Float32bits(got[i]), want[i],
					math.Float32bits(want[i]))
			}
		})
	}
}
