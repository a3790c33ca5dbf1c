package backend

import (
	"fmt"
	"runtime"
	"slices"
	"testing"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// dotCase is a DotGeneral to compare with the pure-Go backend's op.
type dotCase struct {
	name           string
	lhs, rhs       []int // dimensions
	lc, lb, rc, rb []int // contracting and batch axes
	fast           bool  // the custom op is expected
}

var dotCases = []dotCase{
	// Plain matrix products, both layouts of each operand.
	{name: "mk.kn", lhs: []int{37, 70}, rhs: []int{70, 45}, lc: []int{1}, rc: []int{0}, fast: true},
	{name: "km.kn", lhs: []int{70, 37}, rhs: []int{70, 45}, lc: []int{0}, rc: []int{0}, fast: true},
	{name: "mk.nk", lhs: []int{37, 70}, rhs: []int{45, 70}, lc: []int{1}, rc: []int{1}, fast: true},
	{name: "km.nk", lhs: []int{70, 37}, rhs: []int{45, 70}, lc: []int{0}, rc: []int{1}, fast: true},
	// Sizes across block edges (dotMC, dotKC, kernel widths).
	{name: "big", lhs: []int{130, 300}, rhs: []int{300, 97}, lc: []int{1}, rc: []int{0}, fast: true},
	{name: "bigT", lhs: []int{300, 131}, rhs: []int{65, 300}, lc: []int{0}, rc: []int{1}, fast: true},
	{name: "n48", lhs: []int{64, 100}, rhs: []int{100, 48}, lc: []int{1}, rc: []int{0}, fast: true},
	{name: "k513", lhs: []int{9, 513}, rhs: []int{513, 33}, lc: []int{1}, rc: []int{0}, fast: true},
	// Narrow rhs (operands swapped inside the op) and narrow lhs.
	{name: "n3", lhs: []int{200, 96}, rhs: []int{96, 3}, lc: []int{1}, rc: []int{0}, fast: true},
	{name: "m2", lhs: []int{2, 640}, rhs: []int{640, 50}, lc: []int{1}, rc: []int{0}, fast: true},
	{name: "vecmat", lhs: []int{4096}, rhs: []int{4096, 17}, lc: []int{0}, rc: []int{0}, fast: true},
	{name: "matvec", lhs: []int{33, 2048}, rhs: []int{2048}, lc: []int{1}, rc: []int{0}, fast: true},
	// Batch axes: attention-like [B, H, S, D] products.
	{name: "qk", lhs: []int{2, 3, 17, 24}, rhs: []int{2, 3, 17, 24}, lc: []int{3}, lb: []int{0, 1}, rc: []int{3}, rb: []int{0, 1}, fast: true},
	{name: "av", lhs: []int{2, 3, 17, 17}, rhs: []int{2, 3, 17, 24}, lc: []int{3}, lb: []int{0, 1}, rc: []int{2}, rb: []int{0, 1}, fast: true},
	// Batch axes not leading, in a different order in each operand.
	{name: "batchMixed", lhs: []int{20, 3, 33, 2}, rhs: []int{2, 33, 40, 3}, lc: []int{2}, lb: []int{3, 1}, rc: []int{1}, rb: []int{0, 3}, fast: true},
	// Several contracting and cross axes, interleaved.
	{name: "multiK", lhs: []int{5, 7, 6, 9}, rhs: []int{9, 11, 7, 4}, lc: []int{3, 1}, rc: []int{0, 2}, fast: true},
	{name: "multiKBatch", lhs: []int{3, 16, 5, 12}, rhs: []int{12, 3, 5, 20}, lc: []int{2, 3}, lb: []int{0}, rc: []int{2, 0}, rb: []int{1}, fast: true},
	// Dense layer over tokens, and its weight gradient's layout.
	{name: "tokens", lhs: []int{4, 19, 48}, rhs: []int{48, 40}, lc: []int{2}, rc: []int{0}, fast: true},
	{name: "tokensW", lhs: []int{4, 19, 48}, rhs: []int{4, 19, 40}, lc: []int{0, 1}, rc: []int{0, 1}, fast: true},
	// Below the size threshold, or mostly padding: the pure-Go op.
	{name: "rowDots", lhs: []int{300, 50}, rhs: []int{300, 50}, lc: []int{1}, lb: []int{0}, rc: []int{1}, rb: []int{0}, fast: false},
	{name: "tiny", lhs: []int{8, 8}, rhs: []int{8, 8}, lc: []int{1}, rc: []int{0}, fast: false},
	{name: "abovethreshold", lhs: []int{16, 16}, rhs: []int{16, 16}, lc: []int{1}, rc: []int{0}, fast: true},
	{name: "small", lhs: []int{3, 5}, rhs: []int{5, 4}, lc: []int{1}, rc: []int{0}, fast: false},
	{name: "smallBatch", lhs: []int{2, 4, 3}, rhs: []int{2, 3, 6}, lc: []int{2}, lb: []int{0}, rc: []int{1}, rb: []int{0}, fast: false},
}

func (c dotCase) build(lhs, rhs *graph.Node) *graph.Node {
	return graph.DotGeneral(lhs, c.lc, c.lb, rhs, c.rc, c.rb)
}

// dotOutputs runs c on be and returns the product and the gradients of
// sum(product*r), for a fixed non-uniform r, with respect to both operands.
func dotOutputs(t *testing.T, be backends.Backend, c dotCase, x, y *tensors.Tensor) []*tensors.Tensor {
	t.Helper()
	exec, err := graph.NewExec(be, func(x, y *graph.Node) []*graph.Node {
		z := c.build(x, y)
		r := graph.Sin(graph.Iota(z.Graph(), z.Shape(), z.Rank()-1))
		if z.Rank() > 1 {
			r = graph.Add(r, graph.Cos(graph.Iota(z.Graph(), z.Shape(), 0)))
		}
		loss := graph.ReduceAllSum(graph.Mul(z, r))
		g := graph.Gradient(loss, x, y)
		return []*graph.Node{z, g[0], g[1]}
	})
	if err != nil {
		t.Fatalf("NewExec: %v", err)
	}
	out, err := exec.Exec(x, y)
	if err != nil {
		t.Fatalf("%s on %s: %v", c.name, be, err)
	}
	return out
}

// kernelSet selects the assembly micro-kernels (as useKernel4x16 and
// useKernel4x32).
type kernelSet struct{ k16, k32 bool }

func (k kernelSet) String() string { return fmt.Sprintf("avx2=%v_avx512=%v", k.k16, k.k32) }

// dotKernelSets returns the combinations of micro-kernels this CPU can run
// with at least one of them: 32 columns, 32 with 16 at the edges, 16.
func dotKernelSets() []kernelSet {
	var sets []kernelSet
	for _, s := range []kernelSet{{k32: true}, {k16: true, k32: true}, {k16: true}} {
		if (!s.k16 || haveKernel4x16) && (!s.k32 || haveKernel4x32) {
			sets = append(sets, s)
		}
	}
	return sets
}

// setKernels selects the micro-kernels of s.
func setKernels(s kernelSet) { useKernel4x16, useKernel4x32 = s.k16, s.k32 }

// TestDotGeneralMatchesStockOp compares DotGeneral and both its gradients
// (which GoMLX builds from DotGenerals with other axis layouts) with the
// pure-Go backend's op, within 2e-5 of the largest value, for each micro-kernel
// the CPU has.
func TestDotGeneralMatchesStockOp(t *testing.T) {
	if hookErr != nil {
		t.Skipf("custom ops unavailable: %v", hookErr)
	}
	if len(dotKernelSets()) == 0 {
		t.Skip("no assembly micro-kernel on this CPU: DotGeneral is the pure-Go op")
	}
	defer func(v16, v32 bool) { useKernel4x16, useKernel4x32 = v16, v32 }(useKernel4x16, useKernel4x32)
	stock, err := NewDecorated("stockdot")
	if err != nil {
		t.Fatal(err)
	}
	fast := newTestBackend(t)
	for _, ks := range dotKernelSets() {
		setKernels(ks)
		for i, c := range dotCases {
			t.Run(ks.String()+"/"+c.name, func(t *testing.T) {
				x, y := randTensor(uint64(2*i+1), c.lhs...), randTensor(uint64(2*i+2), c.rhs...)
				want := dotOutputs(t, stock, c, fresh(x), fresh(y))
				before := dotExecs.Load()
				got := dotOutputs(t, fast, c, fresh(x), fresh(y))
				if ran := dotExecs.Load() > before; ran != c.fast {
					t.Errorf("custom op ran: %v, want %v", ran, c.fast)
				}
				for j, name := range []string{"product", "lhs gradient", "rhs gradient"} {
					if !slices.Equal(got[j].Shape().Dimensions, want[j].Shape().Dimensions) {
						t.Fatalf("%s shape %s, want %s", name, got[j].Shape(), want[j].Shape())
					}
					e := maxRelErr(tensors.MustCopyFlatData[float32](got[j]), tensors.MustCopyFlatData[float32](want[j]))
					if !(e <= 2e-5) {
						t.Errorf("%s: relative error %.3g > 2e-5", name, e)
					}
				}
			})
		}
	}
}

// TestDotGeneralDeterministic checks that the product is bit-identical on
// one core and on several, over repeated runs and with each micro-kernel.
func TestDotGeneralDeterministic(t *testing.T) {
	if hookErr != nil || dotKernelWidth() == 0 {
		t.Skip("custom DotGeneral unavailable")
	}
	be := newTestBackend(t)
	c := dotCase{name: "det", lhs: []int{3, 70, 600}, rhs: []int{3, 90, 600}, lc: []int{2}, lb: []int{0}, rc: []int{2}, rb: []int{0}}
	x, y := randTensor(11, c.lhs...), randTensor(12, c.rhs...)
	run := func(procs int) []float32 {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
		exec, err := graph.NewExec(be, c.build)
		if err != nil {
			t.Fatal(err)
		}
		out, err := exec.Exec(x, y)
		if err != nil {
			t.Fatal(err)
		}
		return tensors.MustCopyFlatData[float32](out[0])
	}
	ref := run(1)
	for _, procs := range []int{1, 2, 3, 8} {
		if got := run(procs); !slices.Equal(got, ref) {
			t.Errorf("GOMAXPROCS=%d: result differs from GOMAXPROCS=1", procs)
		}
	}
	// The micro-kernels sum each element in the same order (fused
	// multiply-adds in contraction order, per block of dotKC), so they agree
	// bit for bit too.
	defer func(v16, v32 bool) { useKernel4x16, useKernel4x32 = v16, v32 }(useKernel4x16, useKernel4x32)
	for _, ks := range dotKernelSets() {
		setKernels(ks)
		if got := run(2); !slices.Equal(got, ref) {
			t.Errorf("kernels %s: result differs", ks)
		}
	}
}

// TestDotFallback checks the cases left to the pure-Go op: other dtypes, no
// assembly kernel, the "stockdot" and "nofast" options; results must still be
// right.
func TestDotFallback(t *testing.T) {
	if hookErr != nil {
		t.Skip("custom ops unavailable")
	}
	defer func(v16, v32 bool) { useKernel4x16, useKernel4x32 = v16, v32 }(useKernel4x16, useKernel4x32)
	c := dotCase{lhs: []int{40, 50}, rhs: []int{50, 60}, lc: []int{1}, rc: []int{0}}
	cases := []struct {
		name   string
		config string
		dtype  dtypes.DType
		asm    bool
	}{
		{"float64", "", dtypes.Float64, true},
		{"noKernel", "", dtypes.Float32, false},
		{"stockdot", "stockdot", dtypes.Float32, true},
		{"nofast", "nofast", dtypes.Float32, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			setKernels(kernelSet{k16: tc.asm && haveKernel4x16, k32: tc.asm && haveKernel4x32})
			be, err := NewDecorated(tc.config)
			if err != nil {
				t.Fatal(err)
			}
			x, y := randTensor(1, c.lhs...), randTensor(2, c.rhs...)
			before := dotExecs.Load()
			exec, err := graph.NewExec(be, func(x, y *graph.Node) *graph.Node {
				return graph.ConvertDType(c.build(graph.ConvertDType(x, tc.dtype), graph.ConvertDType(y, tc.dtype)), dtypes.Float32)
			})
			if err != nil {
				t.Fatal(err)
			}
			out, err := exec.Exec(x, y)
			if err != nil {
				t.Fatal(err)
			}
			if dotExecs.Load() != before {
				t.Errorf("custom op ran")
			}
			got := tensors.MustCopyFlatData[float32](out[0])
			xs, ys := tensors.MustCopyFlatData[float32](x), tensors.MustCopyFlatData[float32](y)
			want := make([]float32, 40*60)
			for i := range 40 {
				for j := range 60 {
					var s float64
					for p := range 50 {
						s += float64(xs[i*50+p]) * float64(ys[p*60+j])
					}
					want[i*60+j] = float32(s)
				}
			}
			if e := maxRelErr(got, want); !(e <= 1e-5) {
				t.Errorf("relative error %.3g > 1e-5", e)
			}
		})
	}
}

// TestDot checks Dot (matrix-matrix, matrix-vector, vector-vector), which
// the decorator routes through its DotGeneral, against sums in float64.
func TestDot(t *testing.T) {
	be := newTestBackend(t)
	cases := []struct{ lhs, rhs []int }{
		{[]int{60, 70}, []int{70, 50}},
		{[]int{300, 200}, []int{200}},
		{[]int{1000}, []int{1000}},
	}
	for _, c := range cases {
		t.Run(fmt.Sprint(c.lhs, c.rhs), func(t *testing.T) {
			x, y := randTensor(5, c.lhs...), randTensor(6, c.rhs...)
			exec, err := graph.NewExec(be, graph.Dot)
			if err != nil {
				t.Fatal(err)
			}
			out, err := exec.Exec(x, y)
			if err != nil {
				t.Fatal(err)
			}
			xs, ys := tensors.MustCopyFlatData[float32](x), tensors.MustCopyFlatData[float32](y)
			k := c.lhs[len(c.lhs)-1]
			m := len(xs) / k
			n := len(ys) / k
			want := make([]float32, m*n)
			for i := range m {
				for j := range n {
					var s float64
					for p := range k {
						s += float64(xs[i*k+p]) * float64(ys[p*n+j])
					}
					want[i*n+j] = float32(s)
				}
			}
			got := tensors.MustCopyFlatData[float32](out[0])
			if len(got) != len(want) {
				t.Fatalf("%d elements, want %d", len(got), len(want))
			}
			if e := maxRelErr(got, want); !(e <= 1e-5) {
				t.Errorf("relative error %.3g > 1e-5", e)
			}
		})
	}
}

// TestAxisOffsets checks the offset tables against the row-major formula.
func TestAxisOffsets(t *testing.T) {
	dims := []int{2, 3, 4, 5}
	strides := rowMajorStrides(dims)
	cases := []struct {
		axes []int
		want func(idx []int) int // idx in the order of axes
	}{
		{nil, func([]int) int { return 0 }},
		{[]int{2}, func(i []int) int { return i[0] * 5 }},
		{[]int{3, 1}, func(i []int) int { return i[0] + i[1]*20 }},
		{[]int{0, 2, 3}, func(i []int) int { return i[0]*60 + i[1]*5 + i[2] }},
	}
	for _, c := range cases {
		off := axisOffsets(dims, strides, c.axes)
		n := 1
		for _, ax := range c.axes {
			n *= dims[ax]
		}
		if len(off) != n {
			t.Fatalf("axes %v: %d offsets, want %d", c.axes, len(off), n)
		}
		for flat := range n {
			idx := make([]int, len(c.axes))
			r := flat
			for i := len(c.axes) - 1; i >= 0; i-- {
				idx[i] = r % dims[c.axes[i]]
				r /= dims[c.axes[i]]
			}
			if want := c.want(idx); off[flat] != want {
				t.Errorf("axes %v, index %v: offset %d, want %d", c.axes, idx, off[flat], want)
			}
		}
	}
}

// BenchmarkDotGeneralViT measures the matrix products of a vit_b_16 forward
// pass on a batch of 16 images (197 tokens of width 768, 12 heads of 64,
// MLP width 3072) on the pure-Go op ("stockdot") and the custom op, in
// GFLOP/s. Run with -bench DotGeneralViT -benchtime=3x.
func BenchmarkDotGeneralViT(b *testing.B) {
	cases := []dotCase{
		{name: "qkv", lhs: []int{16, 197, 768}, rhs: []int{768, 2304}, lc: []int{2}, rc: []int{0}},
		{name: "q.k", lhs: []int{16, 12, 197, 64}, rhs: []int{16, 12, 197, 64}, lc: []int{3}, lb: []int{0, 1}, rc: []int{3}, rb: []int{0, 1}},
		{name: "a.v", lhs: []int{16, 12, 197, 197}, rhs: []int{16, 12, 197, 64}, lc: []int{3}, lb: []int{0, 1}, rc: []int{2}, rb: []int{0, 1}},
		{name: "proj", lhs: []int{16, 197, 768}, rhs: []int{768, 768}, lc: []int{2}, rc: []int{0}},
		{name: "mlp1", lhs: []int{16, 197, 768}, rhs: []int{768, 3072}, lc: []int{2}, rc: []int{0}},
		{name: "mlp2", lhs: []int{16, 197, 3072}, rhs: []int{3072, 768}, lc: []int{2}, rc: []int{0}},
	}
	benchmarkDots(b, cases)
}

// BenchmarkDotGeneralSmall measures small products (the dense head of a
// CIFAR ResNet and its weight gradient, a tiny ViT's projections and
// attention), which decided minDotMACs.
func BenchmarkDotGeneralSmall(b *testing.B) {
	benchmarkDots(b, []dotCase{
		{name: "64x64x10", lhs: []int{64, 64}, rhs: []int{64, 10}, lc: []int{1}, rc: []int{0}},
		{name: "64x64x10W", lhs: []int{64, 64}, rhs: []int{64, 10}, lc: []int{0}, rc: []int{0}},
		{name: "32x32x32", lhs: []int{32, 32}, rhs: []int{32, 32}, lc: []int{1}, rc: []int{0}},
		{name: "272x16x48", lhs: []int{16, 17, 16}, rhs: []int{16, 48}, lc: []int{2}, rc: []int{0}},
		{name: "b32_17x17x8", lhs: []int{32, 17, 8}, rhs: []int{32, 17, 8}, lc: []int{2}, lb: []int{0}, rc: []int{2}, rb: []int{0}},
		{name: "256x512x10", lhs: []int{256, 512}, rhs: []int{512, 10}, lc: []int{1}, rc: []int{0}},
	})
}

// benchmarkDots measures each case on the pure-Go op and the custom op.
func benchmarkDots(b *testing.B, cases []dotCase) {
	for _, config := range []string{"stockdot", ""} {
		be, err := NewDecorated(config)
		if err != nil {
			b.Fatal(err)
		}
		name := config
		if name == "" {
			name = "custom"
		}
		for _, c := range cases {
			b.Run(c.name+"/"+name, func(b *testing.B) {
				x, y := randTensor(1, c.lhs...), randTensor(2, c.rhs...)
				exec, err := graph.NewExec(be, c.build)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := exec.Exec(x, y); err != nil { // compile
					b.Fatal(err)
				}
				b.ResetTimer()
				for range b.N {
					if _, err := exec.Exec(x, y); err != nil {
						b.Fatal(err)
					}
				}
				flops := 2 * float64(x.Shape().Size()) * float64(y.Shape().Size())
				for _, ax := range c.rc {
					flops /= float64(c.rhs[ax])
				}
				for _, ax := range c.rb {
					flops /= float64(c.rhs[ax])
				}
				b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
		be.Finalize()
	}
}
