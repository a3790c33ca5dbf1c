package models

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive // GoMLX's idiom for graph code.
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// TestBatchNormMatchesDefinition compares BatchNorm in training mode, and its
// gradient with respect to the input (through the batch statistics), with
// the textbook form (x − mean)/√(var + ε) of the same graph, on inputs whose
// channels have means of up to 20 standard deviations.
func TestBatchNormMatchesDefinition(t *testing.T) {
	be := testBackend(t)
	cases := []struct {
		dims       []int
		mean, std  float64
		scale, off float32
	}{
		{[]int{4, 5, 5, 3}, 0, 1, 1, 0},
		{[]int{8, 3, 3, 16}, 5, 2, 1.5, -0.5},
		{[]int{2, 7, 6, 4}, -20, 1, 0.7, 2},
		{[]int{16, 10}, 3, 0.5, 1, 0},
	}
	for i, c := range cases {
		t.Run(fmt.Sprintf("%v_mean%g_std%g", c.dims, c.mean, c.std), func(t *testing.T) {
			r := rand.New(rand.NewPCG(uint64(i), 3))
			n := 1
			for _, d := range c.dims {
				n *= d
			}
			xv := make([]float32, n)
			for j := range xv {
				xv[j] = float32(c.mean + c.std*r.NormFloat64() + float64(j%c.dims[len(c.dims)-1]))
			}
			ctx := context.New()
			exec, err := context.NewExec(be, ctx, func(ctx *context.Context, x *Node) []*Node {
				ctx.SetTraining(x.Graph(), true)
				y := BatchNorm(ctx.In("bn"), x)
				rank := x.Rank()
				axes := make([]int, rank-1)
				for j := range axes {
					axes[j] = j
				}
				mean := ReduceAndKeep(x, ReduceMean, axes...)
				variance := ReduceAndKeep(Square(Sub(x, mean)), ReduceMean, axes...)
				want := AddScalar(MulScalar(Div(Sub(x, mean), Sqrt(AddScalar(variance, 1e-5))), float64(c.scale)), float64(c.off))
				cot := Sin(Iota(x.Graph(), x.Shape(), 0))
				gy := Gradient(ReduceAllSum(Mul(y, cot)), x)[0]
				gw := Gradient(ReduceAllSum(Mul(want, cot)), x)[0]
				return []*Node{y, want, gy, gw}
			})
			if err != nil {
				t.Fatal(err)
			}
			// Set scale and offset (created by the first build) after a dry run.
			x := tensors.FromFlatDataAndDimensions(xv, c.dims...)
			if _, err := exec.Exec(x); err != nil {
				t.Fatal(err)
			}
			ch := c.dims[len(c.dims)-1]
			for _, v := range []struct {
				name string
				val  float32
			}{{"scale", c.scale}, {"offset", c.off}} {
				vals := make([]float32, ch)
				for j := range vals {
					vals[j] = v.val
				}
				variable := ctx.In("bn").In("batch_normalization").GetVariable(v.name)
				if variable == nil {
					t.Fatalf("no variable %s", v.name)
				}
				variable.MustSetValue(tensors.FromFlatDataAndDimensions(vals, variable.Shape().Dimensions...))
			}
			out, err := exec.Exec(tensors.FromFlatDataAndDimensions(xv, c.dims...))
			if err != nil {
				t.Fatal(err)
			}
			for k, name := range []string{"output", "input gradient"} {
				got := tensors.MustCopyFlatData[float32](out[2*k])
				want := tensors.MustCopyFlatData[float32](out[2*k+1])
				var maxDiff, maxAbs float64
				for j := range want {
					maxDiff = max(maxDiff, math.Abs(float64(got[j]-want[j])))
					maxAbs = max(maxAbs, math.Abs(float64(want[j])))
				}
				if e := maxDiff / max(maxAbs, 1); e > 2e-4 {
					t.Errorf("%s: relative error %.3g", name, e)
				}
			}
		})
	}
}
