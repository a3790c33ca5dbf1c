package backend

import (
	"fmt"
	"testing"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// newTestBackend returns a fresh "repgeo-go" backend.
func newTestBackend(t testing.TB) backends.Backend {
	t.Helper()
	b, err := NewDecorated("")
	if err != nil {
		t.Fatalf("NewDecorated: %v", err)
	}
	return b
}

// iotaFloat returns 1, 2, ..., n as float32.
func iotaFloat(n int) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(i + 1)
	}
	return v
}

// refPad computes XLA's Pad on a row-major array by its definition: output
// position o along an axis holds input element i when
// o = start + i*(interior+1), and fill otherwise.
func refPad(x []float32, dims []int, fill float32, cfg []backends.PadAxis) ([]float32, []int) {
	rank := len(dims)
	full := make([]backends.PadAxis, rank)
	copy(full, cfg)
	outDims := make([]int, rank)
	n := 1
	for a := range rank {
		d := dims[a]
		if d > 0 {
			d += (d - 1) * full[a].Interior
		}
		outDims[a] = d + full[a].Start + full[a].End
		n *= outDims[a]
	}
	out := make([]float32, n)
	outStrides := rowMajorStrides(outDims)
	inStrides := rowMajorStrides(dims)
	for o := range out {
		inIdx, ok := 0, true
		for a := range rank {
			pos := (o/outStrides[a])%outDims[a] - full[a].Start
			step := full[a].Interior + 1
			if pos < 0 || pos%step != 0 || pos/step >= dims[a] {
				ok = false
				break
			}
			inIdx += (pos / step) * inStrides[a]
		}
		if ok {
			out[o] = x[inIdx]
		} else {
			out[o] = fill
		}
	}
	return out, outDims
}

// refReverse reverses a row-major array along axes.
func refReverse(x []float32, dims []int, axes []int) []float32 {
	rev := make([]bool, len(dims))
	for _, a := range axes {
		rev[a] = true
	}
	strides := rowMajorStrides(dims)
	out := make([]float32, len(x))
	for o := range out {
		in := 0
		for a := range dims {
			pos := (o / strides[a]) % dims[a]
			if rev[a] {
				pos = dims[a] - 1 - pos
			}
			in += pos * strides[a]
		}
		out[o] = x[in]
	}
	return out
}

func TestPad(t *testing.T) {
	be := newTestBackend(t)
	cases := []struct {
		dims []int
		cfg  []backends.PadAxis
	}{
		{[]int{5}, []backends.PadAxis{{Start: 2, End: 3}}},
		{[]int{5}, []backends.PadAxis{{Start: -2, End: -1}}},
		{[]int{5}, []backends.PadAxis{{Interior: 2}}},
		{[]int{5}, []backends.PadAxis{{Start: -1, End: 2, Interior: 1}}},
		{[]int{5}, []backends.PadAxis{{Start: -3, End: -4, Interior: 3}}},
		{[]int{1}, []backends.PadAxis{{Start: 1, End: 1, Interior: 4}}},
		{[]int{2, 3, 4}, []backends.PadAxis{{Start: 1}, {End: -1, Interior: 1}, {Start: -1, End: 2, Interior: 2}}},
		{[]int{3, 4}, []backends.PadAxis{{}, {Start: 1, End: 1}}},
		{[]int{3, 4}, []backends.PadAxis{{Start: 1, End: 1}}}, // fewer configs than axes
		{[]int{2, 4, 5, 3}, []backends.PadAxis{{}, {Start: 1, End: 0}, {Start: -1, End: 1, Interior: 1}}},
		{[]int{4}, nil},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("%v%v", tc.dims, tc.cfg), func(t *testing.T) {
			n := 1
			for _, d := range tc.dims {
				n *= d
			}
			x := iotaFloat(n)
			const fill = float32(-7.5)
			want, wantDims := refPad(x, tc.dims, fill, tc.cfg)
			in := tensors.FromFlatDataAndDimensions(x, tc.dims...)
			got, err := graph.ExecOnce(be, func(x *graph.Node) *graph.Node {
				return graph.Pad(x, graph.Const(x.Graph(), fill), tc.cfg...)
			}, in)
			if err != nil {
				t.Fatalf("Pad: %v", err)
			}
			if fmt.Sprint(got.Shape().Dimensions) != fmt.Sprint(wantDims) {
				t.Fatalf("shape %v, want %v", got.Shape().Dimensions, wantDims)
			}
			gotFlat := tensors.MustCopyFlatData[float32](got)
			for i := range want {
				if gotFlat[i] != want[i] {
					t.Fatalf("element %d = %v, want %v (got %v, want %v)", i, gotFlat[i], want[i], gotFlat, want)
				}
			}
		})
	}
}

func TestPadErrors(t *testing.T) {
	be := newTestBackend(t)
	cases := []struct {
		name string
		cfg  []backends.PadAxis
	}{
		{"too many axes", []backends.PadAxis{{}, {}, {}}},
		{"negative interior", []backends.PadAxis{{Interior: -1}}},
		{"negative size", []backends.PadAxis{{Start: -3, End: -2}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := graph.ExecOnce(be, func(x *graph.Node) *graph.Node {
				return graph.Pad(x, graph.Const(x.Graph(), float32(0)), tc.cfg...)
			}, tensors.FromFlatDataAndDimensions(iotaFloat(8), 4, 2))
			if err == nil {
				t.Fatalf("Pad with %+v succeeded, want an error", tc.cfg)
			}
		})
	}
}

func TestReverse(t *testing.T) {
	be := newTestBackend(t)
	cases := []struct {
		dims []int
		axes []int
	}{
		{[]int{7}, []int{0}},
		{[]int{1}, []int{0}},
		{[]int{3, 4}, []int{1}},
		{[]int{3, 4}, []int{0, 1}},
		{[]int{3, 3, 4, 5}, []int{0, 1}},
		{[]int{2, 3, 4, 5}, []int{1, 3}},
		{[]int{2, 3}, nil},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("%v%v", tc.dims, tc.axes), func(t *testing.T) {
			n := 1
			for _, d := range tc.dims {
				n *= d
			}
			x := iotaFloat(n)
			want := refReverse(x, tc.dims, tc.axes)
			got, err := graph.ExecOnce(be, func(x *graph.Node) *graph.Node {
				return graph.Reverse(x, tc.axes...)
			}, tensors.FromFlatDataAndDimensions(x, tc.dims...))
			if err != nil {
				t.Fatalf("Reverse: %v", err)
			}
			gotFlat := tensors.MustCopyFlatData[float32](got)
			for i := range want {
				if gotFlat[i] != want[i] {
					t.Fatalf("element %d = %v, want %v (got %v, want %v)", i, gotFlat[i], want[i], gotFlat, want)
				}
			}
		})
	}
}

// TestMeanPoolGradient checks the gradient of a 2x2 mean pool (which GoMLX
// builds with Pad) against its definition: each input receives a quarter of
// the upstream gradient of the window it falls in.
func TestMeanPoolGradient(t *testing.T) {
	be := newTestBackend(t)
	const n, h, w, c = 2, 4, 6, 3
	x := iotaFloat(n * h * w * c)
	got, err := graph.ExecOnce(be, func(x *graph.Node) *graph.Node {
		y := graph.MeanPool(x).Window(2).Strides(2).NoPadding().Done()
		// Upstream gradient: the flat index of each pooled output.
		r := graph.Iota(x.Graph(), y.Shape(), 0)
		for a := 1; a < y.Rank(); a++ {
			r = graph.Add(graph.MulScalar(r, float64(y.Shape().Dimensions[a])), graph.Iota(x.Graph(), y.Shape(), a))
		}
		return graph.Gradient(graph.ReduceAllSum(graph.Mul(y, r)), x)[0]
	}, tensors.FromFlatDataAndDimensions(x, n, h, w, c))
	if err != nil {
		t.Fatalf("MeanPool gradient: %v", err)
	}
	g := tensors.MustCopyFlatData[float32](got)
	for i := range g {
		ci := i % c
		wi := (i / c) % w
		hi := (i / (c * w)) % h
		ni := i / (c * w * h)
		up := ((ni*(h/2)+hi/2)*(w/2)+wi/2)*c + ci
		if want := float32(up) / 4; g[i] != want {
			t.Fatalf("gradient[%d] = %v, want %v", i, g[i], want)
		}
	}
}
