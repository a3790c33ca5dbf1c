package svd

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// bidiagTest returns the diagonal and off-diagonal (length n, the last entry
// outside the matrix) of an n×n upper bidiagonal test matrix of the given
// kind, from seed.
func bidiagTest(kind string, n int, seed uint64) (d, e []float64) {
	rng := rand.New(rand.NewPCG(seed, 9))
	d, e = make([]float64, n), make([]float64, n)
	for i := range d {
		d[i] = rng.NormFloat64()
		if i+1 < n {
			e[i] = rng.NormFloat64()
		}
	}
	switch kind {
	case "random":
	case "graded": // entries decreasing from 1 to 1e-14
		for i := range d {
			g := math.Pow(10, -14*float64(i)/float64(max(n-1, 1)))
			d[i] *= g
			e[i] *= g
		}
	case "zero-d": // every third diagonal entry zero
		for i := 0; i < n; i += 3 {
			d[i] = 0
		}
	case "split": // every fourth off-diagonal entry zero
		for i := 0; i < n; i += 4 {
			e[i] = 0
		}
	case "ones": // clustered singular values
		for i := range d {
			d[i] = 1
			if i+1 < n {
				e[i] = 1
			}
		}
	case "huge":
		for i := range d {
			d[i] *= 1e300
			e[i] *= 1e300
		}
	case "tiny":
		for i := range d {
			d[i] *= 1e-300
			e[i] *= 1e-300
		}
	default:
		panic("unknown kind " + kind)
	}
	return d, e
}

// TestBidiagonalValues checks the last stage (gonum's Dlasq1 behind
// bidiagonalValues) against mat.SVD of the dense bidiagonal, a different
// algorithm (implicit-shift QR): decreasing order and every value within
// 1e-13 of the largest.
func TestBidiagonalValues(t *testing.T) {
	for _, kind := range []string{"random", "graded", "zero-d", "split", "ones", "huge", "tiny"} {
		for _, n := range []int{1, 2, 3, 10, 60} {
			t.Run(fmt.Sprintf("%s/n=%d", kind, n), func(t *testing.T) {
				d, e := bidiagTest(kind, n, 7)
				a := mat.NewDense(n, n, nil)
				for i := range n {
					a.Set(i, i, d[i])
					if i+1 < n {
						a.Set(i, i+1, e[i])
					}
				}
				var ref mat.SVD
				if !ref.Factorize(a, mat.SVDNone) {
					t.Fatal("mat.SVD failed")
				}
				want := ref.Values(nil)
				if err := bidiagonalValues(d, e); err != nil {
					t.Fatal(err)
				}
				for i := range d {
					if i > 0 && d[i] > d[i-1] {
						t.Errorf("values not decreasing at %d: %g > %g", i, d[i], d[i-1])
					}
					if !(math.Abs(d[i]-want[i]) <= 1e-13*want[0]) {
						t.Errorf("σ[%d] = %.17g, mat.SVD gives %.17g", i, d[i], want[i])
					}
				}
			})
		}
	}
}

// TestBidiagonalValuesNotFinite checks that a NaN or infinity in the matrix
// (not in e's last entry, which is outside it) gives ErrNotFinite.
func TestBidiagonalValuesNotFinite(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	for _, tc := range []struct {
		name string
		d, e []float64
		want error
	}{
		{"nan-d", []float64{1, nan, 2}, []float64{1, 1, 0}, ErrNotFinite},
		{"inf-d", []float64{1, 2, -inf}, []float64{1, 1, 0}, ErrNotFinite},
		{"nan-e", []float64{1, 2, 2}, []float64{1, nan, 0}, ErrNotFinite},
		{"inf-e", []float64{1, 2, 2}, []float64{inf, 1, 0}, ErrNotFinite},
		{"nan-d-n=1", []float64{nan}, []float64{0}, ErrNotFinite},
		{"nan-outside", []float64{1, 2}, []float64{1, nan}, nil},
	} {
		if err := bidiagonalValues(tc.d, tc.e); !errors.Is(err, tc.want) {
			t.Errorf("%s: error %v, want %v", tc.name, err, tc.want)
		}
	}
}
