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

// BenchmarkDgemmCross times the products Aᵀ·B of the shape metric's
// all-pairs distances (m = 2000 inputs): one 256×256 block of a
// triangular cross product, and full products of 1024- and 1999-wide
// factors, with the kernel in use.
func BenchmarkDgemmCross(b *testing.B) {
	for _, s := range [][3]int{{256, 256, 2000}, {1024, 1024, 2000}, {1999, 1024, 2000}} {
		m, n, k := s[0], s[1], s[2]
		rng := rand.New(rand.NewPCG(3, uint64(m)))
		x, y, c := randSlice(rng, k*m), randSlice(rng, k*n), make([]float64, m*n)
		b.Run(fmt.Sprintf("%s/%dx%dx%d", kern.name, m, n, k), func(b *testing.B) {
			for b.Loop() {
				Implementation{}.Dgemm(blas.Trans, blas.NoTrans, m, n, k, 1, x, m, y, n, 0, c, n)
			}
			b.ReportMetric(2*float64(m)*float64(n)*float64(k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}

// BenchmarkDsyrk times C = A·Aᵀ for the Gram matrix of a wide layer (1999
// rows, 4096 columns), the largest product of the shape metric's points.
func BenchmarkDsyrk(b *testing.B) {
	n, k := 1999, 4096
	rng := rand.New(rand.NewPCG(4, 5))
	a, c := randSlice(rng, n*k), make([]float64, n*n)
	b.Run(kern.name, func(b *testing.B) {
		for b.Loop() {
			Implementation{}.Dsyrk(blas.Lower, blas.NoTrans, n, k, 1, a, k, 0, c, n)
		}
		b.ReportMetric(float64(n)*float64(n)*float64(k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
	})
}

// BenchmarkMulTN times the cross products of the shape metric's points in
// strips (m = 2000 inputs): two lower triangular factors of 1999 columns,
// one against a 1024-wide factor, and two 1024-wide ones. GFLOP/s counts
// the multiply-adds done, without the skipped zeros.
func BenchmarkMulTN(b *testing.B) {
	const n = 1999
	rng := rand.New(rand.NewPCG(6, 7))
	gen := func(c int, lower bool) blas64.General {
		g := blas64.General{Rows: n, Cols: c, Stride: c, Data: randSlice(rng, n*c)}
		if lower {
			for i := range n {
				clear(g.Data[i*c+min(i+1, c) : (i+1)*c])
			}
		}
		return g
	}
	tri, wide := NewStrips(gen(n, true)), NewStrips(gen(1024, false))
	for _, s := range []struct {
		name           string
		a, b           *Strips
		lowerA, lowerB bool
		flops          float64
	}{
		{"tri-tri", tri, tri, true, true, 2 * n * n * n / 3.0},
		{"tri-1024", tri, wide, true, false, n * n * 1024.0},
		{"1024-1024", wide, wide, false, false, 2 * n * 1024 * 1024.0},
	} {
		_, ca := s.a.Dims()
		_, cb := s.b.Dims()
		c := blas64.General{Rows: ca, Cols: cb, Stride: cb, Data: make([]float64, ca*cb)}
		b.Run(skern.name+"/"+s.name, func(b *testing.B) {
			for b.Loop() {
				MulTN(s.a, s.b, s.lowerA, s.lowerB, c)
			}
			b.ReportMetric(s.flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}
