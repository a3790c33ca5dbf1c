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

// TestBroadcastOps compares the float32 broadcast fast path of Add, Sub, Mul,
// Div and BroadcastInDim with the pure-Go backend's own ops.
func TestBroadcastOps(t *testing.T) {
	fast := newTestBackend(t)
	stock, err := backends.NewWithConfig("go")
	if err != nil {
		t.Fatal(err)
	}
	ops := map[string]func(x, y *graph.Node) *graph.Node{"Add": graph.Add, "Sub": graph.Sub, "Mul": graph.Mul, "Div": graph.Div}
	pairs := [][2][]int{
		{{2, 3, 4, 5}, {1, 1, 1, 5}},
		{{1, 1, 1, 5}, {2, 3, 4, 5}},
		{{2, 3, 4, 5}, {2, 1, 1, 5}},
		{{2, 1, 4, 1}, {2, 3, 4, 5}},
		{{2, 3, 4, 5}, {1, 3, 1, 1}},
		{{64, 8, 8, 16}, {1, 1, 1, 16}},
		{{7, 1}, {7, 9}},
	}
	size := func(d []int) int {
		n := 1
		for _, v := range d {
			n *= v
		}
		return n
	}
	for name, fn := range ops {
		for _, p := range pairs {
			t.Run(fmt.Sprintf("%s%v%v", name, p[0], p[1]), func(t *testing.T) {
				// Values away from zero so that Div is well conditioned.
				xv, yv := iotaFloat(size(p[0])), iotaFloat(size(p[1]))
				for i := range yv {
					yv[i] = 0.5 + yv[i]/7
				}
				run := func(be backends.Backend) []float32 {
					out, err := graph.ExecOnce(be, func(x, y *graph.Node) *graph.Node { return fn(x, y) },
						tensors.FromFlatDataAndDimensions(xv, p[0]...), tensors.FromFlatDataAndDimensions(yv, p[1]...))
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
					if got[i] != want[i] {
						t.Fatalf("element %d = %v, want %v", i, got[i], want[i])
					}
				}
			})
		}
	}
	bcasts := []struct {
		in, out, axes []int
	}{
		{[]int{5}, []int{2, 3, 4, 5}, []int{3}},
		{[]int{2, 5}, []int{2, 3, 4, 5}, []int{0, 3}},
		{[]int{3, 1}, []int{2, 3, 4}, []int{1, 2}},
		{[]int{3}, []int{3, 4}, []int{0}},
		{[]int{2, 1, 1, 6}, []int{2, 5, 5, 6}, []int{0, 1, 2, 3}},
	}
	for _, c := range bcasts {
		t.Run(fmt.Sprintf("BroadcastInDim%v->%v", c.in, c.out), func(t *testing.T) {
			xv := iotaFloat(size(c.in))
			run := func(be backends.Backend) []float32 {
				var expanded []int
				for a := range c.out {
					if !slices.Contains(c.axes, a) {
						expanded = append(expanded, a)
					}
				}
				out, err := graph.ExecOnce(be, func(x *graph.Node) *graph.Node {
					return graph.ExpandAndBroadcast(x, c.out, expanded)
				}, tensors.FromFlatDataAndDimensions(xv, c.in...))
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
			if len(got) != len(want) {
				t.Fatalf("%d elements, want %d", len(got), len(want))
			}
			for i := range want {
				if got[i] != want[i] {
					t.Fatalf("element %d = %v, want %v", i, got[i], want[i])
				}
			}
		})
	}
}

// TestElementwiseOps compares the parallel float32 element-wise ops (equal
// shapes, or one scalar operand) with the pure-Go backend's own.
func TestElementwiseOps(t *testing.T) {
	fast := newTestBackend(t)
	stock, err := backends.NewWithConfig("go")
	if err != nil {
		t.Fatal(err)
	}
	ops := map[string]func(x, y *graph.Node) *graph.Node{
		"Add": graph.Add, "Sub": graph.Sub, "Mul": graph.Mul, "Div": graph.Div, "Max": graph.Max,
	}
	dims := []int{4, 64, 33, 5} // 42240 elements, above minParallelSize
	n := 4 * 64 * 33 * 5
	x := make([]float32, n)
	y := make([]float32, n)
	for i := range x {
		x[i] = float32(math.Sin(float64(i)))
		y[i] = float32(math.Cos(float64(i)*0.3)) + 1.5
	}
	x[7] = float32(math.NaN())
	y[11] = float32(math.NaN())
	shapesCases := []struct {
		name  string
		yDims []int
		yFlat []float32
		swap  bool
	}{
		{"same", dims, y, false},
		{"scalar-rhs", nil, []float32{0.75}, false},
		{"scalar-lhs", nil, []float32{0.75}, true},
		{"size1-rhs", []int{1, 1, 1, 1}, []float32{-0.5}, false},
	}
	for name, fn := range ops {
		for _, sc := range shapesCases {
			t.Run(name+"-"+sc.name, func(t *testing.T) {
				run := func(be backends.Backend) []float32 {
					xt := tensors.FromFlatDataAndDimensions(x, dims...)
					yt := tensors.FromFlatDataAndDimensions(sc.yFlat, sc.yDims...)
					if sc.swap {
						xt, yt = yt, xt
					}
					out, err := graph.ExecOnce(be, func(a, b *graph.Node) *graph.Node { return fn(a, b) }, xt, yt)
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
					if math.Float32bits(got[i]) != math.Float32bits(want[i]) &&
						!(math.IsNaN(float64(got[i])) && math.IsNaN(float64(want[i]))) {
						t.Fatalf("element %d = %v, want %v", i, got[i], want[i])
					}
				}
			})
		}
	}
}
