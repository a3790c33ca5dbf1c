package repgeo

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"strconv"
	"sync"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// The geometry benchmarks time Angle, Project and Midpoint on m = 2000
// inputs (REPGEO_BENCH_M overrides it) for angular CKA and the shape metrics.
// The points are built once, outside the timed loop, warmed by a geodesic
// between each pair (angular CKA then packs its factored points into m×m
// matrices, once), and each operation runs once untimed: the numbers are the
// operations alone, without point construction. On points fresh from Points,
// biased linear CKA instead computes each distance from the m×d factors, at
// m·d1·d2 multiply-adds. Targets: 50 ms per operation for angular CKA, 1 s for the
// shape metrics with widths up to 1024.

// geoBenchWidths are the widths of the three layers a, b, c of the benchmark.
var geoBenchWidths = []int{256, 1024, 512}

// geoBenchM returns the number of inputs of the benchmark.
func geoBenchM(b *testing.B) int {
	if s := os.Getenv("REPGEO_BENCH_M"); s != "" {
		m, err := strconv.Atoi(s)
		if err != nil || m < MinInputs {
			b.Fatalf("REPGEO_BENCH_M=%q is not a number of inputs", s)
		}
		return m
	}
	return 2000
}

var (
	geoBenchOnce sync.Once
	geoBenchReps []mat.Matrix
)

// geoBenchLayers returns three layers of a random network on m inputs: a
// 16-dimensional latent code through tanh layers of geoBenchWidths, with a
// little noise (as in the fixtures), so that the points lie along a path.
func geoBenchLayers(m int) []mat.Matrix {
	geoBenchOnce.Do(func() {
		rng := rand.New(rand.NewPCG(2000, 1))
		h := geoRand(rng, m, 16)
		for _, w := range geoBenchWidths {
			_, d := h.Dims()
			a := geoRand(rng, d, w)
			next := mat.NewDense(m, w, nil)
			next.Mul(h, a)
			scale := 1.5 / math.Sqrt(float64(d))
			next.Apply(func(_, _ int, v float64) float64 {
				return math.Tanh(scale*v) + 0.05*rng.NormFloat64()
			}, next)
			geoBenchReps = append(geoBenchReps, next)
			h = next
		}
	})
	return geoBenchReps
}

func BenchmarkGeometry(b *testing.B) {
	m := geoBenchM(b)
	for _, name := range []string{"angular-cka-biased", "angular-cka-unbiased", "angular-shape", "euclidean-shape"} {
		var (
			once   sync.Once
			metric Metric
			pts    []Point
		)
		setup := func(b *testing.B) {
			once.Do(func() {
				metric = geoFixtureMetric(b, name)
				var err error
				pts, err = Points(metric, geoBenchLayers(m), nil)
				if err != nil {
					b.Fatal(err)
				}
				// Warm the points with a geodesic between each pair, as any
				// earlier geometric operation on them would: angular CKA then
				// holds them as packed m×m matrices instead of m×d factors.
				for i := range pts {
					if _, err := Midpoint(metric, pts[i], pts[(i+1)%len(pts)]); err != nil {
						b.Fatal(err)
					}
				}
			})
			if pts == nil {
				b.Fatal("no points")
			}
		}
		ops := []struct {
			op  string
			run func() error
		}{
			{"Angle", func() error { _, err := Angle(metric, pts[0], pts[1], pts[2]); return err }},
			{"Project", func() error { _, err := Project(metric, pts[0], pts[2], pts[1]); return err }},
			{"Midpoint", func() error { _, err := Midpoint(metric, pts[0], pts[2]); return err }},
		}
		for _, o := range ops {
			b.Run(fmt.Sprintf("%s/m=%d/%s", name, m, o.op), func(b *testing.B) {
				setup(b)
				// One untimed run: metrics may finish building their points
				// lazily on first use.
				if err := o.run(); err != nil {
					b.Fatal(err)
				}
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					if err := o.run(); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
