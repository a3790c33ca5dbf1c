package svd

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/lapack"
	"gonum.org/v1/gonum/lapack/gonum"
)

// BenchmarkValues times Values and gonum's Dgesvd (values only) on square
// Gaussian matrices.
func BenchmarkValues(b *testing.B) {
	for _, sh := range [][2]int{{256, 256}, {1024, 1024}, {1999, 1024}, {1999, 1999}} {
		m, n := sh[0], sh[1]
		a := gaussian(rand.New(rand.NewPCG(5, uint64(n))), m, n)
		w := blas64.General{Rows: m, Cols: n, Stride: n, Data: make([]float64, m*n)}
		b.Run(fmt.Sprintf("svd/%dx%d", m, n), func(b *testing.B) {
			for b.Loop() {
				copy(w.Data, a.Data)
				if _, err := Values(w); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("gonum/%dx%d", m, n), func(b *testing.B) {
			var impl gonum.Implementation
			s := make([]float64, n)
			work := make([]float64, 1)
			impl.Dgesvd(lapack.SVDNone, lapack.SVDNone, m, n, w.Data, n, s, nil, 1, nil, 1, work, -1)
			work = make([]float64, int(work[0]))
			for b.Loop() {
				copy(w.Data, a.Data)
				impl.Dgesvd(lapack.SVDNone, lapack.SVDNone, m, n, w.Data, n, s, nil, 1, nil, 1, work, len(work))
			}
		})
	}
}

// BenchmarkStages times the reduction to band form, the bulge chasing and
// dqds separately for square Gaussian matrices and several bandwidths.
func BenchmarkStages(b *testing.B) {
	for _, n := range []int{1024, 1999} {
		a := gaussian(rand.New(rand.NewPCG(5, uint64(n))), n, n)
		for _, nb := range []int{16, 24, 32, 48} {
			w := make([]float64, n*n)
			b.Run(fmt.Sprintf("band/%d/nb%d", n, nb), func(b *testing.B) {
				for b.Loop() {
					copy(w, a.Data)
					newReducer(n, n, nb).band(w, n)
				}
			})
			// The band of a, whatever ran above.
			copy(w, a.Data)
			newReducer(n, n, nb).band(w, n)
			bd := newBand(n, nb)
			d, e := make([]float64, n), make([]float64, n)
			b.Run(fmt.Sprintf("chase/%d/nb%d", n, nb), func(b *testing.B) {
				for b.Loop() {
					bd.load(w, n)
					bd.bidiagonalize(d, e)
				}
			})
			d0, e0 := slices.Clone(d), slices.Clone(e)
			work := make([]float64, 4*n)
			b.Run(fmt.Sprintf("dqds/%d/nb%d", n, nb), func(b *testing.B) {
				for b.Loop() {
					copy(d, d0)
					copy(e, e0)
					gonum.Implementation{}.Dlasq1(n, d, e, work)
				}
			})
		}
	}
}

// BenchmarkQR times the blocked QR factorization of a 1999×1024 matrix
// for several block sizes.
func BenchmarkQR(b *testing.B) {
	m, n := 1999, 1024
	a := gaussian(rand.New(rand.NewPCG(5, 6)), m, n)
	w := make([]float64, m*n)
	for _, nb := range []int{16, 24, 32, 48, 64, 96, 128} {
		b.Run(fmt.Sprintf("nb%d", nb), func(b *testing.B) {
			for b.Loop() {
				copy(w, a.Data)
				newReducer(m, n, nb).qr(w, n)
			}
		})
	}
}

// BenchmarkSkinny times the skinny products of the band reduction, Vᵀ C and
// C Yᵀ, with each micro-kernel, for the shapes of the first block of a
// 1999×1999 matrix (C 1999×1967 with stride 1999, V 1999×32, Y 32×1967) and
// of a 1024×1024 one (stride 1024); the rate is in Gflop/s.
func BenchmarkSkinny(b *testing.B) {
	defer func(old *microKernel) { kernel = old }(kernel)
	for _, kn := range testKernels() {
		kernel = kn
		for _, n := range []int{1024, 1999} {
			const kb = 32
			rng := rand.New(rand.NewPCG(11, uint64(n)))
			c := gaussian(rng, n, n).Data
			v := gaussian(rng, n, kb).Data
			y := gaussian(rng, kb, n).Data
			w := make([]float64, n*kb)
			nc := n - kb
			r := newReducer(n, n, kb)
			flops := 2 * float64(kb) * float64(nc) * float64(n)
			b.Run(fmt.Sprintf("%s/VtC/%d", kernelName(kn), n), func(b *testing.B) {
				for b.Loop() {
					r.mulVtC(kb, nc, n, v, kb, c[kb:], n, w, nc)
				}
				b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "Gflop/s")
			})
			b.Run(fmt.Sprintf("%s/CYt/%d", kernelName(kn), n), func(b *testing.B) {
				for b.Loop() {
					r.mulCYt(n, kb, nc, c[kb:], n, y, n, w, kb)
				}
				b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "Gflop/s")
			})
		}
	}
}

// BenchmarkMicroKernels times each assembly micro-kernel on packed operands
// in L1, the upper bound of the products' rate (Gflop/s).
func BenchmarkMicroKernels(b *testing.B) {
	for _, kn := range asmKernels {
		for _, k := range []int{128, 512} {
			a := make([]float64, kn.mr*k)
			bb := make([]float64, kn.nr*k)
			c := make([]float64, kn.mr*kn.nr)
			b.Run(fmt.Sprintf("%s/k%d", kn.name, k), func(b *testing.B) {
				for b.Loop() {
					kn.fn(k, &a[0], 1, kn.mr, &bb[0], kn.nr, &c[0], kn.nr)
				}
				b.ReportMetric(2*float64(kn.mr*kn.nr*k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "Gflop/s")
			})
		}
	}
}
