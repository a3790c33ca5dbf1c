package repgeo

import (
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
