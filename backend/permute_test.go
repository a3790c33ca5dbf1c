package backend

import (
	"fmt"
	"math"
	"testing"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// specialValues are float32 values whose bits a copy must keep: signed
// zeros, infinities, a NaN with a payload, subnormals.
var specialValues = []float32{0, float32(math.Copysign(0, -1)), float32(math.Inf(1)), float32(math.Inf(-1)),
	math.Float32frombits(0x7fc01234), math.Float32frombits(0xffa00001), 1e-40, -1e-40, math.MaxFloat32}

// sameBits reports the first element whose bits differ, or -1.
func sameBits(got, want []float32) int {
	if len(got) != len(want) {
		return 0
	}
	for i := range want {
		if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
			return i
		}
	}
	return -1
}

func TestReverseCustom(t *testing.T) {
	fast := newTestBackend(t)
	slow, err := NewDecorated("nofast")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		dims, axes []int
		custom     bool // false: nothing to reverse, x is returned as it is
	}{
		{[]int{7}, []int{0}, true},
		{[]int{1}, []int{0}, false},
		{[]int{3, 4}, []int{1}, true},
		{[]int{3, 4}, []int{0}, true},
		{[]int{3, 4}, []int{0, 1}, true},
		{[]int{3, 4}, []int{1, 0}, true},
		{[]int{3, 3, 4, 5}, []int{0, 1}, true},
		{[]int{3, 3, 128, 128}, []int{0, 1}, true}, // a kernel, split over the cores
		{[]int{2, 3, 4, 5}, []int{1, 3}, true},
		{[]int{2, 1, 4, 1}, []int{1, 2, 3}, true},
		{[]int{2, 1, 4, 1}, []int{1, 3}, false},
		{[]int{5, 7, 9}, []int{2}, true},
		{[]int{300, 129}, []int{1}, true},
		{[]int{2, 3}, nil, false},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("%v%v", tc.dims, tc.axes), func(t *testing.T) {
			x := randSpecialTensor(3, tc.dims, specialValues...)
			flat := tensors.MustCopyFlatData[float32](x)
			want := refReverse(flat, tc.dims, tc.axes)
			run := func(be backends.Backend) []float32 {
				out, err := graph.ExecOnce(be, func(x *graph.Node) *graph.Node {
					return graph.Reverse(x, tc.axes...)
				}, tensors.FromFlatDataAndDimensions(flat, tc.dims...))
				if err != nil {
					t.Fatalf("%s: Reverse: %v", be, err)
				}
				return tensors.MustCopyFlatData[float32](out)
			}
			before := customExecs.Load()
			got := run(fast)
			if used := customExecs.Load() != before; used != tc.custom {
				t.Errorf("custom op used: %v, want %v", used, tc.custom)
			}
			if i := sameBits(got, want); i >= 0 {
				t.Errorf("custom op: element %d differs", i)
			}
			if i := sameBits(run(slow), want); i >= 0 {
				t.Errorf("standard ops: element %d differs", i)
			}
		})
	}
	// Other dtypes take the Gather path.
	x := tensors.FromFlatDataAndDimensions([]float64{1, 2, 3, 4, 5, 6}, 2, 3)
	out, err := graph.ExecOnce(fast, func(x *graph.Node) *graph.Node { return graph.Reverse(x, 0, 1) }, x)
	if err != nil {
		t.Fatal(err)
	}
	if got := tensors.MustCopyFlatData[float64](out); fmt.Sprint(got) != "[6 5 4 3 2 1]" {
		t.Errorf("float64 Reverse = %v", got)
	}
	if _, err := graph.ExecOnce(fast, func(x *graph.Node) *graph.Node { return graph.Reverse(x, 2) }, x); err == nil {
		t.Errorf("Reverse of axis 2 of a matrix succeeded")
	}
}

func TestTransposeCustom(t *testing.T) {
	fast := newTestBackend(t)
	stock, err := backends.NewWithConfig("go")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		dims, perm []int
	}{
		{[]int{5}, []int{0}},
		{[]int{3, 4}, []int{1, 0}},
		{[]int{3, 4}, []int{0, 1}},
		{[]int{3, 3, 128, 128}, []int{2, 0, 1, 3}},
		{[]int{128, 3, 3, 128}, []int{1, 2, 0, 3}},
		{[]int{2, 2, 64, 128}, []int{2, 0, 1, 3}},
		{[]int{64, 7, 5, 3}, []int{3, 1, 2, 0}},
		{[]int{2, 3, 1, 5, 7}, []int{4, 2, 0, 3, 1}},
		{[]int{1, 9, 1}, []int{2, 1, 0}},
		{[]int{300, 130}, []int{1, 0}},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("%v%v", tc.dims, tc.perm), func(t *testing.T) {
			flat := tensors.MustCopyFlatData[float32](randSpecialTensor(4, tc.dims, specialValues...))
			run := func(be backends.Backend) *tensors.Tensor {
				out, err := graph.ExecOnce(be, func(x *graph.Node) *graph.Node {
					return graph.TransposeAllDims(x, tc.perm...)
				}, tensors.FromFlatDataAndDimensions(flat, tc.dims...))
				if err != nil {
					t.Fatalf("%s: Transpose: %v", be, err)
				}
				return out
			}
			before := customExecs.Load()
			got := run(fast)
			if customExecs.Load() == before {
				t.Errorf("custom op not used")
			}
			want := run(stock)
			if !got.Shape().Equal(want.Shape()) {
				t.Fatalf("shape %s, want %s", got.Shape(), want.Shape())
			}
			if i := sameBits(tensors.MustCopyFlatData[float32](got), tensors.MustCopyFlatData[float32](want)); i >= 0 {
				t.Errorf("element %d differs", i)
			}
		})
	}
	if _, err := graph.ExecOnce(fast, func(x *graph.Node) *graph.Node { return graph.TransposeAllDims(x, 0, 0) },
		randTensor(1, 2, 3)); err == nil {
		t.Errorf("Transpose with a repeated axis succeeded")
	}
}
