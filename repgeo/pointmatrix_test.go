package repgeo

import (
	"math"
	"testing"

	"gonum.org/v1/gonum/mat"
)

func TestPointMatrix(t *testing.T) {
	// Three inputs on a line: x = (0, 1, 3). Centred: (-4/3, -1/3, 5/3).
	x := mat.NewDense(3, 1, []float64{0, 1, 3})
	c := []float64{-4.0 / 3, -1.0 / 3, 5.0 / 3}
	var ss float64
	for _, v := range c {
		ss += v * v
	}
	gram := func(scale float64) func(i, j int) float64 {
		return func(i, j int) float64 { return c[i] * c[j] * scale }
	}
	for _, tc := range []struct {
		metric string
		want   func(i, j int) float64
	}{
		// Angular CKA: Kc = c cᵀ, divided by its Frobenius norm |c|².
		{"angular-cka", gram(1 / ss)},
		// Angular shape: the centred data scaled to unit norm, A Aᵀ = c cᵀ / |c|².
		{"angular-shape", gram(1 / ss)},
		// Euclidean shape: A Aᵀ = c cᵀ.
		{"euclidean-shape", gram(1)},
		// Stress: distances between the inputs.
		{"stress", func(i, j int) float64 { return math.Abs(x.At(i, 0) - x.At(j, 0)) }},
	} {
		m, err := NewMetric(tc.metric, DefaultOptions())
		if err != nil {
			t.Fatal(err)
		}
		p, err := m.ToPoint(x)
		if err != nil {
			t.Fatal(err)
		}
		got, err := PointMatrix(p)
		if err != nil {
			t.Fatalf("%s: %v", tc.metric, err)
		}
		for i := 0; i < 3; i++ {
			for j := 0; j < 3; j++ {
				if d := math.Abs(got.At(i, j) - tc.want(i, j)); d > 1e-12 {
					t.Errorf("%s: entry (%d, %d) = %v, want %v", tc.metric, i, j, got.At(i, j), tc.want(i, j))
				}
			}
		}
	}
	if _, err := PointMatrix(nil); err == nil {
		t.Error("PointMatrix(nil) gave no error")
	}
}
