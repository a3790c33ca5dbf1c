package fastblas

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
)

// triMatrix returns a k×k matrix with stride lda whose entries are random:
// off the diagonal in [-1/k, 1/k), on it in [1, 2), so that both triangles
// are well conditioned (the unused triangle is filled too and must be
// ignored).
func triMatrix(rng *rand.Rand, k, lda int) []float64 {
	a := make([]float64, lda*(k-1)+k)
	for i := range k {
		for j := range k {
			a[i*lda+j] = (2*rng.Float64() - 1) / float64(k)
		}
		a[i*lda+i] = 1 + rng.Float64()
	}
	return a
}

// TestTriangular compares Dtrmm and Dtrsm with gonum's on every side,
// triangle, transpose and diagonal, on shapes that split several times.
func TestTriangular(t *testing.T) {
	type op struct {
		name      string
		fast, ref func(s blas.Side, ul blas.Uplo, tA blas.Transpose, d blas.Diag, m, n int, alpha float64, a []float64, lda int, b []float64, ldb int)
	}
	ops := []op{
		{"trmm", Implementation{}.Dtrmm, gonum.Implementation{}.Dtrmm},
		{"trsm", Implementation{}.Dtrsm, gonum.Implementation{}.Dtrsm},
	}
	for _, kn := range kernels() {
		t.Run(kn.name, func(t *testing.T) {
			withSettings(t, kn, func(t *testing.T) {
				rng := rand.New(rand.NewPCG(13, 14))
				for _, o := range ops {
					for _, s := range []blas.Side{blas.Left, blas.Right} {
						for _, ul := range []blas.Uplo{blas.Upper, blas.Lower} {
							for _, tA := range []blas.Transpose{blas.NoTrans, blas.Trans} {
								for _, d := range []blas.Diag{blas.NonUnit, blas.Unit} {
									for i, sh := range [][2]int{{65, 3}, {150, 70}, {301, 129}, {1, 200}} {
										for _, alpha := range []float64{1, -0.5} {
											m, n := sh[0], sh[1]
											if s == blas.Right {
												m, n = n, m
											}
											name := fmt.Sprintf("%s/%c%c%c%c/%dx%d/a=%g", o.name, s, ul, tA, d, m, n, alpha)
											k := n
											if s == blas.Left {
												k = m
											}
											lda, ldb := k+i%2, n+2*(i%3)
											a := triMatrix(rng, k, lda)
											b0 := randSlice(rng, ldb*(m-1)+n)
											want := append([]float64(nil), b0...)
											got := append([]float64(nil), b0...)
											o.ref(s, ul, tA, d, m, n, alpha, a, lda, want, ldb)
											o.fast(s, ul, tA, d, m, n, alpha, a, lda, got, ldb)
											var norm float64
											for _, v := range want {
												norm = max(norm, math.Abs(v))
											}
											for j := range got {
												if diff := math.Abs(got[j] - want[j]); diff > 1e-12*(norm+1) || math.IsNaN(got[j]) {
													t.Fatalf("%s: element %d = %v, gonum %v", name, j, got[j], want[j])
												}
											}
										}
									}
								}
							}
						}
					}
				}
			})
		})
	}
}

// TestTriangularPanics checks that invalid arguments panic with gonum's
// messages.
func TestTriangularPanics(t *testing.T) {
	a, b := make([]float64, 200*200), make([]float64, 200*200)
	type triFunc = func(s blas.Side, ul blas.Uplo, tA blas.Transpose, d blas.Diag, m, n int, alpha float64, a []float64, lda int, b []float64, ldb int)
	for _, tc := range []struct {
		name string
		call func(f triFunc)
	}{
		{"bad side", func(f triFunc) { f('x', blas.Upper, blas.NoTrans, blas.Unit, 200, 200, 1, a, 200, b, 200) }},
		{"bad diag", func(f triFunc) { f(blas.Left, blas.Upper, blas.NoTrans, 'x', 200, 200, 1, a, 200, b, 200) }},
		{"bad lda", func(f triFunc) { f(blas.Left, blas.Upper, blas.NoTrans, blas.Unit, 200, 100, 1, a, 199, b, 200) }},
		{"bad ldb", func(f triFunc) { f(blas.Right, blas.Upper, blas.NoTrans, blas.Unit, 200, 200, 1, a, 200, b, 199) }},
		{"short a", func(f triFunc) { f(blas.Left, blas.Lower, blas.Trans, blas.Unit, 200, 200, 1, a[1:], 200, b, 200) }},
		{"short b", func(f triFunc) { f(blas.Right, blas.Lower, blas.Trans, blas.Unit, 200, 200, 1, a, 200, b[1:], 200) }},
	} {
		for _, impls := range [][2]triFunc{
			{Implementation{}.Dtrmm, gonum.Implementation{}.Dtrmm},
			{Implementation{}.Dtrsm, gonum.Implementation{}.Dtrsm},
		} {
			want := recoverPanic(func() { tc.call(impls[1]) })
			got := recoverPanic(func() { tc.call(impls[0]) })
			if want == nil {
				t.Fatalf("%s: gonum did not panic", tc.name)
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Fatalf("%s: panic %v, gonum's %v", tc.name, got, want)
			}
		}
	}
}
