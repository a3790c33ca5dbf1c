package backend

import (
	"fmt"
	"math"
	"testing"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

func TestReduceSum(t *testing.T) {
	fast := newTestBackend(t)
	stock, err := backends.NewWithConfig("go")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		dims, axes []int
	}{
		{[]int{64, 8, 8, 16}, []int{0, 1, 2}},
		{[]int{4, 5, 6}, []int{1}},
		{[]int{4, 5, 6}, []int{0, 2}},
		{[]int{4, 5, 6}, []int{2}},
		{[]int{4, 5, 6}, []int{0}},
		{[]int{300, 7}, []int{0}},
		{[]int{3, 1, 5}, []int{1, 2}},
		{[]int{2, 3, 4, 5}, []int{0, 1, 2, 3}},
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("%v%v", c.dims, c.axes), func(t *testing.T) {
			n := 1
			for _, d := range c.dims {
				n *= d
			}
			x := make([]float32, n)
			for i := range x {
				x[i] = float32(math.Sin(float64(i)))
			}
			run := func(be backends.Backend) []float32 {
				out, err := graph.ExecOnce(be, func(x *graph.Node) *graph.Node {
					return graph.ReduceSum(x, c.axes...)
				}, tensors.FromFlatDataAndDimensions(x, c.dims...))
				if err != nil {
					t.Fatalf("%s: %v", be, err)
				}
				return tensors.MustCopyFlatData[float32](out)
			}
			got, want := run(fast), run(stock)
			if e := maxRelErr(got, want); e > 1e-5 {
				t.Errorf("relative error %.3g (got %v, want %v)", e, got[:min(4, len(got))], want[:min(4, len(want))])
			}
		})
	}
}

func TestSign(t *testing.T) {
	fast := newTestBackend(t)
	stock, err := backends.NewWithConfig("go")
	if err != nil {
		t.Fatal(err)
	}
	special := []float32{0, float32(math.Copysign(0, -1)), 1e-40, -1e-40, 3, -2.5,
		float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN()), math.MaxFloat32, -math.SmallestNonzeroFloat32}
	x := make([]float32, 1<<13)
	for i := range x {
		x[i] = float32(math.Sin(float64(i) * 0.7))
	}
	copy(x, special)
	run := func(be backends.Backend) []float32 {
		out, err := graph.ExecOnce(be, graph.Sign, tensors.FromFlatDataAndDimensions(x, len(x)))
		if err != nil {
			t.Fatalf("%s: %v", be, err)
		}
		return tensors.MustCopyFlatData[float32](out)
	}
	before := customExecs.Load()
	got := run(fast)
	if customExecs.Load() == before {
		t.Errorf("fast path not used")
	}
	want := run(stock)
	for i := range want {
		if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
			t.Errorf("Sign(%v) = %v, want %v", x[i], got[i], want[i])
		}
	}
}
