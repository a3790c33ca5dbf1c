package dqds

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/lapack/gonum"
)

// golubKahan returns the diagonal and off-diagonal of the bidiagonal form of
// an n×n matrix with independent standard normal entries: by Edelman's
// result, d[i] is χ-distributed with n-i degrees of freedom and e[i] with
// n-i-1, so both have magnitudes of order √n.
func golubKahan(n int, seed uint64) (d, e []float64) {
	rnd := rand.New(rand.NewPCG(seed, 1))
	chi := func(k int) float64 {
		var s float64
		for range k {
			z := rnd.NormFloat64()
			s += z * z
		}
		return math.Sqrt(s)
	}
	d = make([]float64, n)
	e = make([]float64, n-1)
	for i := range d {
		d[i] = chi(n - i)
		if i < n-1 {
			e[i] = chi(n - i - 1)
		}
	}
	return d, e
}

// BenchmarkValues compares Values with gonum's Dlasq1 on the bidiagonal of a
// dense random matrix. Both copy the input into their buffers first (O(n),
// negligible against dqds' O(n²)).
func BenchmarkValues(b *testing.B) {
	for _, n := range []int{1000, 2000} {
		d0, e0 := golubKahan(n, 1)
		d, e, work := make([]float64, n), make([]float64, n), make([]float64, 4*n)
		b.Run(fmt.Sprintf("impl=dqds/n=%d", n), func(b *testing.B) {
			for b.Loop() {
				copy(d, d0)
				copy(e, e0)
				if info := Values(d, e, work); info != 0 {
					b.Fatalf("info = %d", info)
				}
			}
		})
		b.Run(fmt.Sprintf("impl=gonum/n=%d", n), func(b *testing.B) {
			for b.Loop() {
				copy(d, d0)
				copy(e, e0)
				if info := (gonum.Implementation{}).Dlasq1(n, d, e, work); info != 0 {
					b.Fatalf("info = %d", info)
				}
			}
		})
	}
}
