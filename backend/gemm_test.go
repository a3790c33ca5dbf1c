package backend

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// TestSgemmAcc checks C += A·B on row blocks and contraction ranges, for A
// row-major and A given as the transpose of a row-major matrix, with the
// assembly micro-kernel (where the CPU has it) and without.
func TestSgemmAcc(t *testing.T) {
	// Kernel sets: none, AVX2 only, AVX-512 only, both (where the CPU has them).
	type kernelSet struct{ k16, k32 bool }
	kernels := []kernelSet{{}}
	if haveKernel4x16 {
		kernels = append(kernels, kernelSet{k16: true})
	}
	if haveKernel4x32 {
		kernels = append(kernels, kernelSet{k32: true})
	}
	if haveKernel4x16 && haveKernel4x32 {
		kernels = append(kernels, kernelSet{k16: true, k32: true})
	}
	defer func(v16, v32 bool) { useKernel4x16, useKernel4x32 = v16, v32 }(useKernel4x16, useKernel4x32)
	r := rand.New(rand.NewPCG(3, 4))
	sizes := [][3]int{{1, 1, 1}, {1, 9, 5}, {1, 20, 7}, {5, 9, 1}, {4, 16, 1}, {5, 17, 3}, {64, 16, 27}, {130, 32, 144}, {7, 48, 300}, {16, 144, 700}, {3, 5, 7}, {9, 64, 33}, {8, 80, 1}, {13, 112, 65}}
	for _, asm := range kernels {
		useKernel4x16, useKernel4x32 = asm.k16, asm.k32
		for _, sz := range sizes {
			for _, transA := range []bool{false, true} {
				m, n, k := sz[0], sz[1], sz[2]
				t.Run(fmt.Sprintf("avx2=%v_avx512=%v_m%d_n%d_k%d_transA=%v", asm.k16, asm.k32, m, n, k, transA), func(t *testing.T) {
					a := make([]float32, m*k)
					b := make([]float32, k*n)
					c := make([]float32, m*n)
					for i := range a {
						a[i] = float32(r.NormFloat64())
					}
					for i := range b {
						b[i] = float32(r.NormFloat64())
					}
					for i := range c {
						c[i] = float32(r.NormFloat64())
					}
					av := matrix{data: a, row: k, col: 1} // A(i, p) = a[i*k+p]
					if transA {
						av = matrix{data: a, row: 1, col: m} // A(i, p) = a[p*m+i]
					}
					// Expected: C + A·B with float64 sums.
					want := make([]float32, m*n)
					for i := range m {
						for j := range n {
							s := float64(c[i*n+j])
							for p := range k {
								s += float64(av.data[i*av.row+p*av.col]) * float64(b[p*n+j])
							}
							want[i*n+j] = float32(s)
						}
					}
					// Two row blocks and two contraction ranges.
					bv := matrix{data: b, row: n, col: 1}
					im, pm := m/2, k/3
					sgemmAcc(av, bv, c, n, n, 0, im, 0, pm)
					sgemmAcc(av, bv, c, n, n, 0, im, pm, k)
					sgemmAcc(av, bv, c, n, n, im, m, 0, k)
					tol := 1e-5 * math.Sqrt(float64(k)) * 4
					for i := range want {
						if d := math.Abs(float64(c[i] - want[i])); !(d <= tol) {
							t.Fatalf("C[%d] = %v, want %v (|diff| %.3g > %.3g)", i, c[i], want[i], d, tol)
						}
					}
				})
			}
		}
	}
}
