package repgeo

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"
)

func TestInverseLU(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	randomSquare := func(n int) *mat.Dense {
		x := mat.NewDense(n, n, nil)
		for i := 0; i < n; i++ {
			for j := 0; j < n; j++ {
				x.Set(i, j, r.NormFloat64())
			}
		}
		return x
	}
	singular := randomSquare(6)
	for j := 0; j < 6; j++ { // last row = sum of the first two
		singular.Set(5, j, singular.At(0, j)+singular.At(1, j))
	}
	tests := []struct {
		name   string
		x      *mat.Dense
		wantOK bool
	}{
		{"1x1", mat.NewDense(1, 1, []float64{4}), true},
		{"random 7x7", randomSquare(7), true},
		{"random 130x130", randomSquare(130), true},
		{"zero", mat.NewDense(3, 3, nil), false},
		{"rank deficient", singular, false},
	}
	var inv mat.Dense // reused across cases of different sizes
	for _, tc := range tests {
		ok := inverseLU(&inv, tc.x)
		if ok != tc.wantOK {
			t.Errorf("%s: ok = %v, want %v", tc.name, ok, tc.wantOK)
			continue
		}
		if !ok {
			continue
		}
		n, _ := tc.x.Dims()
		var prod mat.Dense
		prod.Mul(tc.x, &inv)
		// |X X^-1 - I| within 1e-10: these matrices have modest condition numbers.
		if !mat.EqualApprox(&prod, eye(n), 1e-10) {
			t.Errorf("%s: X·inverse is not the identity", tc.name)
		}
	}
}

// TestSingularValues checks singularValues (internal/svd) against gonum's
// mat.SVD in both orientations and on a transposed view: every value within
// 2·max(r,c)·ε·σ_max, and a NaN gives an error.
func TestSingularValues(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	gauss := func(r, c int) *mat.Dense {
		x := mat.NewDense(r, c, nil)
		for i := 0; i < r; i++ {
			for j := 0; j < c; j++ {
				x.Set(i, j, rng.NormFloat64())
			}
		}
		return x
	}
	tall := gauss(120, 45)
	tests := []struct {
		name string
		a    mat.Matrix
	}{
		{"1x1", mat.NewDense(1, 1, []float64{-3})},
		{"tall 120x45", tall},
		{"wide 45x120 view", tall.T()},
		{"nearly square 70x64", gauss(70, 64)},
		{"wide 64x70", gauss(64, 70)},
		{"square 100", gauss(100, 100)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := singularValues(tc.a)
			if err != nil {
				t.Fatal(err)
			}
			var ref mat.SVD
			if !ref.Factorize(tc.a, mat.SVDNone) {
				t.Fatal("reference SVD failed")
			}
			want := ref.Values(nil)
			if len(got) != len(want) {
				t.Fatalf("%d values, want %d", len(got), len(want))
			}
			r, c := tc.a.Dims()
			tol := 2 * float64(max(r, c)) * 0x1p-52 * want[0]
			for i := range want {
				if d := got[i] - want[i]; d > tol || d < -tol {
					t.Errorf("σ[%d] = %.17g, want %.17g (tol %.3g)", i, got[i], want[i], tol)
				}
			}
		})
	}
	bad := gauss(5, 8)
	bad.Set(2, 3, math.NaN())
	if _, err := singularValues(bad); err == nil {
		t.Error("NaN entry: no error")
	}
}
