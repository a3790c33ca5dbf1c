package fastblas

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
)

// TestDsyrk compares Dsyrk with gonum's on all of C (the other triangle and
// the padding must stay untouched).
func TestDsyrk(t *testing.T) {
	for _, kn := range kernels() {
		t.Run(kn.name, func(t *testing.T) {
			withSettings(t, kn, func(t *testing.T) {
				rng := rand.New(rand.NewPCG(11, 12))
				for _, n := range []int{121, 250, 333} {
					for _, k := range []int{1, 7, 300} {
						for _, ul := range []blas.Uplo{blas.Upper, blas.Lower} {
							for _, tA := range []blas.Transpose{blas.NoTrans, blas.Trans} {
								for _, x := range [][2]float64{{1, 0}, {1, 1}, {-0.5, 2}, {0, 3}} {
									pad := (n + k) % 3
									checkSyrk(t, rng, ul, tA, n, k, x[0], x[1], pad, 2*pad)
								}
							}
						}
					}
				}
			})
		})
	}
}

func checkSyrk(t *testing.T, rng *rand.Rand, ul blas.Uplo, tA blas.Transpose, n, k int, alpha, beta float64, padA, padC int) {
	t.Helper()
	name := fmt.Sprintf("uplo=%c/t=%c/n=%d/k=%d/a=%g/b=%g", ul, tA, n, k, alpha, beta)
	row, col := n, k
	if tA != blas.NoTrans {
		row, col = k, n
	}
	lda, ldc := col+padA, n+padC
	a := randSlice(rng, (row-1)*lda+col)
	c0 := randSlice(rng, (n-1)*ldc+n)
	want := append([]float64(nil), c0...)
	got := append([]float64(nil), c0...)
	gonum.Implementation{}.Dsyrk(ul, tA, n, k, alpha, a, lda, beta, want, ldc)
	Implementation{}.Dsyrk(ul, tA, n, k, alpha, a, lda, beta, got, ldc)
	scale := math.Abs(alpha)*float64(k) + math.Abs(beta) + 1
	for i := range got {
		if d := math.Abs(got[i] - want[i]); d > 1e-12*scale {
			t.Fatalf("%s: element %d (row %d, col %d) = %v, gonum %v", name, i, i/ldc, i%ldc, got[i], want[i])
		}
	}
}

// TestDsyrkPanics checks that invalid arguments panic with gonum's messages.
func TestDsyrkPanics(t *testing.T) {
	a, c := make([]float64, 300*300), make([]float64, 300*300)
	for _, tc := range []struct {
		name string
		call func(impl blas.Float64)
	}{
		{"bad uplo", func(impl blas.Float64) { impl.Dsyrk('x', blas.NoTrans, 300, 300, 1, a, 300, 0, c, 300) }},
		{"bad transpose", func(impl blas.Float64) { impl.Dsyrk(blas.Upper, 'x', 300, 300, 1, a, 300, 0, c, 300) }},
		{"negative k", func(impl blas.Float64) { impl.Dsyrk(blas.Upper, blas.NoTrans, 300, -1, 1, a, 300, 0, c, 300) }},
		{"bad lda", func(impl blas.Float64) { impl.Dsyrk(blas.Upper, blas.NoTrans, 300, 300, 1, a, 299, 0, c, 300) }},
		{"bad ldc", func(impl blas.Float64) { impl.Dsyrk(blas.Lower, blas.Trans, 300, 300, 1, a, 300, 0, c, 299) }},
		{"short a", func(impl blas.Float64) { impl.Dsyrk(blas.Lower, blas.Trans, 300, 300, 1, a[1:], 300, 0, c, 300) }},
		{"short c", func(impl blas.Float64) { impl.Dsyrk(blas.Lower, blas.Trans, 300, 300, 1, a, 300, 0, c[1:], 300) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want := recoverPanic(func() { tc.call(gonum.Implementation{}) })
			got := recoverPanic(func() { tc.call(Implementation{}) })
			if want == nil {
				t.Fatalf("gonum's Dsyrk did not panic")
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Fatalf("panic %v, gonum's %v", got, want)
			}
		})
	}
}
