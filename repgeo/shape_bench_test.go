package repgeo

import (
	"math"
	"math/rand/v2"
	"os"
	"strconv"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// shBenchLayers returns L layers of a random tanh network on m inputs with
// widths cycling through widths, as bench/pairwise_numpy.py
// draws them (same recipe, Go's random numbers): h_0 is m×32 normal, and
// h_l = tanh(1.5 h_{l-1} W / sqrt(d_{l-1})) + 0.05 noise.
func shBenchLayers(m, L int, widths []int) []mat.Matrix {
	rng := rand.New(rand.NewPCG(0, 2000))
	h := shRand(rng, m, 32)
	out := make([]mat.Matrix, L)
	for l := 0; l < L; l++ {
		d := widths[l%len(widths)]
		_, prev := h.Dims()
		next := mat.NewDense(m, d, nil)
		next.Mul(h, shRand(rng, prev, d))
		scale := 1.5 / math.Sqrt(float64(prev))
		next.Apply(func(_, _ int, v float64) float64 {
			return math.Tanh(scale*v) + 0.05*rng.NormFloat64()
		}, next)
		out[l], h = next, next
	}
	return out
}

// shBenchEnv returns the integer environment variable name, or def.
func shBenchEnv(b *testing.B, name string, def int) int {
	if s := os.Getenv(name); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil || v < 1 {
			b.Fatalf("%s=%q is not a positive integer", name, s)
		}
		return v
	}
	return def
}

// BenchmarkShapePairwise times Pairwise (points and all pairs) for the
// angular shape metric (alpha 1, no PCA) on L = 20 layers of widths 64, 256,
// 1024, 4096 cycling over m = 2000 inputs, the size of the all-pairs
// benchmark of bench/pairwise. REPGEO_BENCH_M and REPGEO_BENCH_L override
// m and L. The layers are built outside the timed loop.
func BenchmarkShapePairwise(b *testing.B) {
	m := shBenchEnv(b, "REPGEO_BENCH_M", 2000)
	L := shBenchEnv(b, "REPGEO_BENCH_L", 20)
	reps := shBenchLayers(m, L, []int{64, 256, 1024, 4096})
	metric := shMust(NewMetric("angular-shape", DefaultOptions()))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := Pairwise(metric, reps, nil); err != nil {
			b.Fatal(err)
		}
	}
}
