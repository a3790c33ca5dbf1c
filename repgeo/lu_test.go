package repgeo

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/lapack/lapack64"
)

// TestLUFactorMatchesGetrf compares the recursive LU factorization with
// LAPACK's Dgetrf (gonum): same pivots, and factors equal to 1e-12 relative
// to the largest entry, for square and tall matrices around the recursion's
// base size, and for a matrix with a zero column (a zero pivot).
func TestLUFactorMatchesGetrf(t *testing.T) {
	rng := rand.New(rand.NewPCG(81, 82))
	cases := []struct {
		m, n     int
		zeroCol  int // column set to zero, or -1
		singular bool
	}{
		{1, 1, -1, false},
		{5, 5, -1, false},
		{16, 16, -1, false},
		{17, 17, -1, false},
		{40, 40, -1, false},
		{130, 130, -1, false},
		{50, 30, -1, false},
		{20, 20, 7, true},
	}
	for _, tc := range cases {
		what := fmt.Sprintf("%dx%d", tc.m, tc.n)
		a := blas64.General{Rows: tc.m, Cols: tc.n, Stride: tc.n, Data: make([]float64, tc.m*tc.n)}
		for i := range a.Data {
			a.Data[i] = rng.NormFloat64()
		}
		if tc.zeroCol >= 0 {
			for i := 0; i < tc.m; i++ {
				a.Data[i*tc.n+tc.zeroCol] = 0
			}
		}
		b := blas64.General{Rows: tc.m, Cols: tc.n, Stride: tc.n, Data: append([]float64(nil), a.Data...)}
		ipa, ipb := make([]int, tc.n), make([]int, tc.n)
		okA := luFactor(a, ipa)
		okB := lapack64.Getrf(b, ipb)
		if okA != !tc.singular || okB != okA {
			t.Errorf("%s: luFactor ok = %v, Getrf ok = %v, want %v", what, okA, okB, !tc.singular)
		}
		for i := range ipa {
			if ipa[i] != ipb[i] {
				t.Fatalf("%s: pivot %d: %d, Getrf %d", what, i, ipa[i], ipb[i])
			}
		}
		var big, diff float64
		for i := range a.Data {
			big = math.Max(big, math.Abs(b.Data[i]))
			diff = math.Max(diff, math.Abs(a.Data[i]-b.Data[i]))
		}
		if !(diff <= 1e-12*big) {
			t.Errorf("%s: factors differ from Getrf's by %g (largest entry %g)", what, diff, big)
		}
	}
}
