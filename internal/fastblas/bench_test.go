package fastblas

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/blas/gonum"
	"gonum.org/v1/gonum/mat"
)

// BenchmarkDgemm times square products C = A·B with this package and with
// gonum's Dgemm, and reports GFLOP/s.
func BenchmarkDgemm(b *testing.B) {
	for _, n := range []int{512, 1024, 2000} {
		rng := rand.New(rand.NewPCG(1, uint64(n)))
		x, y, c := randSlice(rng, n*n), randSlice(rng, n*n), make([]float64, n*n)
		for _, impl := range []struct {
			name string
			impl blas.Float64
		}{{"fastblas", Implementation{}}, {"gonum", gonum.Implementation{}}} {
			b.Run(fmt.Sprintf("%s/%d", impl.name, n), func(b *testing.B) {
				for b.Loop() {
					impl.impl.Dgemm(blas.NoTrans, blas.NoTrans, n, n, n, 1, x, n, y, n, 0, c, n)
				}
				b.ReportMetric(2*float64(n)*float64(n)*float64(n)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
	}
}

// BenchmarkInverse times gonum's mat.Dense.Inverse (LU factorisation and
// inversion, through Dgemm, Dtrsm and Dtrmm) with this package installed and
// with gonum's BLAS.
func BenchmarkInverse(b *testing.B) {
	defer blas64.Use(blas64.Implementation())
	for _, n := range []int{500, 2000} {
		rng := rand.New(rand.NewPCG(2, uint64(n)))
		x := mat.NewDense(n, n, randSlice(rng, n*n))
		for i := range n {
			x.Set(i, i, x.At(i, i)+float64(n))
		}
		for _, impl := range []struct {
			name string
			impl blas.Float64
		}{{"fastblas", Implementation{}}, {"gonum", gonum.Implementation{}}} {
			b.Run(fmt.Sprintf("%s/%d", impl.name, n), func(b *testing.B) {
				blas64.Use(impl.impl)
				var inv mat.Dense
				for b.Loop() {
					if err := inv.Inverse(x); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
