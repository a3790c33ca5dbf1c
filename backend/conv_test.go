package backend

import (
	"fmt"
	"math"
	"testing"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	timage "github.com/gomlx/gomlx/pkg/core/tensors/images"
)

// convCase describes a 2D convolution and its gradients to compare.
type convCase struct {
	n, h, w, cin, cout int
	k, stride          int
	same               bool
	dilation           int
	channelsFirst      bool
}

func (c convCase) String() string {
	pad := "valid"
	if c.same {
		pad = "same"
	}
	layout := "NHWC"
	if c.channelsFirst {
		layout = "NCHW"
	}
	return fmt.Sprintf("%s_n%d_%dx%d_c%d-%d_k%d_s%d_d%d_%s", layout, c.n, c.h, c.w, c.cin, c.cout, c.k, c.stride, c.dilation, pad)
}

// randTensor returns a tensor of normal random values drawn with seed.
func randTensor(seed uint64, dims ...int) *tensors.Tensor {
	return randSpecialTensor(seed, dims)
}

// convOutputs runs the convolution of c on backend be and returns its output
// and the gradients of sum(output*r) with respect to the input and kernel.
func convOutputs(t *testing.T, be backends.Backend, c convCase, x, k *tensors.Tensor) []*tensors.Tensor {
	t.Helper()
	exec, err := graph.NewExec(be, func(x, k *graph.Node) []*graph.Node {
		conv := graph.Convolve(x, k).Strides(c.stride)
		if c.channelsFirst {
			conv.ChannelsAxis(timage.ChannelsFirst)
		}
		if c.same {
			conv.PadSame()
		} else {
			conv.NoPadding()
		}
		if c.dilation > 1 {
			conv.Dilations(c.dilation)
		}
		y := conv.Done()
		// A fixed, non-uniform cotangent.
		r := graph.Sin(graph.Iota(y.Graph(), y.Shape(), y.Rank()-1))
		r = graph.Add(r, graph.Cos(graph.Iota(y.Graph(), y.Shape(), 1)))
		loss := graph.ReduceAllSum(graph.Mul(y, r))
		grads := graph.Gradient(loss, x, k)
		return []*graph.Node{y, grads[0], grads[1]}
	})
	if err != nil {
		t.Fatalf("NewExec: %v", err)
	}
	out, err := exec.Exec(x, k)
	if err != nil {
		t.Fatalf("%s on %s: %v", c, be, err)
	}
	return out
}

// maxRelErr returns max|got-want| / max(1, max|want|).
func maxRelErr(got, want []float32) float64 {
	var maxDiff, maxAbs float64
	for i := range want {
		maxDiff = max(maxDiff, math.Abs(float64(got[i]-want[i])))
		maxAbs = max(maxAbs, math.Abs(float64(want[i])))
	}
	return maxDiff / max(1, maxAbs)
}

func TestConvMatchesStockOp(t *testing.T) {
	stock, err := NewDecorated("stockconv")
	if err != nil {
		t.Fatal(err)
	}
	composed, err := NewDecorated("nofast")
	if err != nil {
		t.Fatal(err)
	}
	fast := newTestBackend(t)
	cases := []convCase{
		{n: 2, h: 8, w: 8, cin: 3, cout: 4, k: 3, stride: 1, same: true},
		{n: 2, h: 8, w: 8, cin: 4, cout: 8, k: 3, stride: 2, same: true},
		{n: 3, h: 7, w: 9, cin: 5, cout: 6, k: 3, stride: 1, same: false},
		{n: 3, h: 7, w: 9, cin: 5, cout: 6, k: 3, stride: 2, same: false},
		{n: 2, h: 9, w: 7, cin: 6, cout: 5, k: 3, stride: 2, same: true},
		{n: 2, h: 8, w: 8, cin: 4, cout: 8, k: 1, stride: 1, same: true},
		{n: 2, h: 8, w: 8, cin: 4, cout: 8, k: 1, stride: 2, same: true},
		{n: 2, h: 9, w: 9, cin: 4, cout: 8, k: 1, stride: 2, same: false},
		{n: 1, h: 11, w: 10, cin: 16, cout: 16, k: 3, stride: 1, same: true},
		{n: 2, h: 10, w: 10, cin: 2, cout: 3, k: 5, stride: 2, same: true},
		{n: 2, h: 12, w: 12, cin: 3, cout: 4, k: 3, stride: 1, same: true, dilation: 2},
		{n: 2, h: 8, w: 8, cin: 3, cout: 4, k: 3, stride: 1, same: true, channelsFirst: true},
		{n: 2, h: 9, w: 8, cin: 4, cout: 6, k: 3, stride: 2, same: true, channelsFirst: true},
		{n: 2, h: 8, w: 8, cin: 4, cout: 6, k: 1, stride: 2, same: false, channelsFirst: true},
	}
	const tol = 2e-5
	for seed, c := range cases {
		t.Run(c.String(), func(t *testing.T) {
			xDims := []int{c.n, c.h, c.w, c.cin}
			if c.channelsFirst {
				xDims = []int{c.n, c.cin, c.h, c.w}
			}
			kDims := []int{c.k, c.k, c.cin, c.cout}
			if c.channelsFirst {
				kDims = []int{c.cout, c.cin, c.k, c.k}
			}
			x := randTensor(uint64(2*seed), xDims...)
			k := randTensor(uint64(2*seed+1), kDims...)
			want := convOutputs(t, stock, c, fresh(x), fresh(k))
			for i, be := range []backends.Backend{composed, fast, fast} {
				// The third run is the fast path without the assembly kernel.
				useKernel4x16 = haveKernel4x16 && i != 2
				got := convOutputs(t, be, c, fresh(x), fresh(k))
				useKernel4x16 = haveKernel4x16
				for i, name := range []string{"output", "input gradient", "kernel gradient"} {
					if !got[i].Shape().Equal(want[i].Shape()) {
						t.Fatalf("%s: %s shape %s, want %s", be.Description(), name, got[i].Shape(), want[i].Shape())
					}
					e := maxRelErr(tensors.MustCopyFlatData[float32](got[i]), tensors.MustCopyFlatData[float32](want[i]))
					if e > tol {
						t.Errorf("%s: %s: relative error %.3g > %.g", be.Description(), name, e, tol)
					}
				}
			}
		})
	}
}

// TestConvForwardMatchesPureGo checks the forward convolution against the
// undecorated pure-Go backend itself.
func TestConvForwardMatchesPureGo(t *testing.T) {
	lowered := newTestBackend(t)
	stock, err := backends.NewWithConfig("go")
	if err != nil {
		t.Fatal(err)
	}
	cases := []convCase{
		{n: 2, h: 9, w: 8, cin: 3, cout: 5, k: 3, stride: 1, same: true},
		{n: 2, h: 9, w: 8, cin: 3, cout: 5, k: 3, stride: 2, same: false},
		{n: 2, h: 8, w: 8, cin: 6, cout: 4, k: 1, stride: 2, same: true, channelsFirst: true},
	}
	for seed, c := range cases {
		t.Run(c.String(), func(t *testing.T) {
			x := randTensor(uint64(100+seed), c.n, c.h, c.w, c.cin)
			k := randTensor(uint64(200+seed), c.k, c.k, c.cin, c.cout)
			if c.channelsFirst {
				x = randTensor(uint64(100+seed), c.n, c.cin, c.h, c.w)
				k = randTensor(uint64(200+seed), c.cout, c.cin, c.k, c.k)
			}
			run := func(be backends.Backend) []float32 {
				y, err := graph.ExecOnce(be, func(x, k *graph.Node) *graph.Node {
					conv := graph.Convolve(x, k).Strides(c.stride)
					if c.channelsFirst {
						conv.ChannelsAxis(timage.ChannelsFirst)
					}
					if c.same {
						conv.PadSame()
					} else {
						conv.NoPadding()
					}
					return conv.Done()
				}, fresh(x), fresh(k))
				if err != nil {
					t.Fatalf("%s: %v", be, err)
				}
				return tensors.MustCopyFlatData[float32](y)
			}
			if e := maxRelErr(run(lowered), run(stock)); e > 2e-5 {
				t.Errorf("relative error %.3g", e)
			}
		})
	}
}

// fresh returns a local copy of t, so that each backend gets its own tensor.
func fresh(t *tensors.Tensor) *tensors.Tensor {
	return tensors.FromFlatDataAndDimensions(tensors.MustCopyFlatData[float32](t), t.Shape().Dimensions...)
}

// TestFastPathTaken checks that float32 convolutions run on the custom ops of
// the fast path, and that "nofast" and float64 do not use them.
func TestFastPathTaken(t *testing.T) {
	if hookErr != nil {
		t.Fatalf("fast path unavailable: %v", hookErr)
	}
	c := convCase{n: 2, h: 6, w: 6, cin: 3, cout: 4, k: 3, stride: 1, same: true}
	cases := []struct {
		config   string
		wantUsed bool
	}{
		{"", true},
		{"nofast", false},
		{"stockconv", false},
	}
	for _, tc := range cases {
		be, err := NewDecorated(tc.config)
		if err != nil {
			t.Fatal(err)
		}
		before := customExecs.Load()
		convOutputs(t, be, c, randTensor(1, 2, 6, 6, 3), randTensor(2, 3, 3, 3, 4))
		// Forward, input gradient and kernel gradient: one custom op each.
		if used := customExecs.Load() - before; (used >= 3) != tc.wantUsed {
			t.Errorf("config %q: %d custom op executions, want fast path used = %v", tc.config, used, tc.wantUsed)
		}
	}
}

// TestConvOtherRanks compares 1D (fast path) and 3D (standard-op lowering)
// convolutions and their gradients with the pure-Go convolution.
func TestConvOtherRanks(t *testing.T) {
	stock, err := NewDecorated("stockconv")
	if err != nil {
		t.Fatal(err)
	}
	fast := newTestBackend(t)
	cases := []struct {
		name         string
		xDims, kDims []int
		stride       int
	}{
		{"1d", []int{2, 11, 3}, []int{3, 3, 4}, 1},
		{"1d-strided", []int{2, 12, 4}, []int{3, 4, 5}, 2},
		{"3d", []int{2, 5, 6, 4, 3}, []int{3, 3, 3, 3, 2}, 1},
		{"3d-strided", []int{1, 6, 5, 6, 2}, []int{3, 3, 3, 2, 3}, 2},
	}
	for seed, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			x := randTensor(uint64(300+seed), c.xDims...)
			k := randTensor(uint64(400+seed), c.kDims...)
			run := func(be backends.Backend) []*tensors.Tensor {
				exec, err := graph.NewExec(be, func(x, k *graph.Node) []*graph.Node {
					y := graph.Convolve(x, k).Strides(c.stride).PadSame().Done()
					r := graph.Sin(graph.Iota(y.Graph(), y.Shape(), 1))
					g := graph.Gradient(graph.ReduceAllSum(graph.Mul(y, r)), x, k)
					return []*graph.Node{y, g[0], g[1]}
				})
				if err != nil {
					t.Fatal(err)
				}
				out, err := exec.Exec(fresh(x), fresh(k))
				if err != nil {
					t.Fatalf("%s: %v", be, err)
				}
				return out
			}
			want, got := run(stock), run(fast)
			for i, name := range []string{"output", "input gradient", "kernel gradient"} {
				if e := maxRelErr(tensors.MustCopyFlatData[float32](got[i]), tensors.MustCopyFlatData[float32](want[i])); e > 2e-5 {
					t.Errorf("%s: relative error %.3g", name, e)
				}
			}
		})
	}
}
