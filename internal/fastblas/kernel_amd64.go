//go:build !noasm

package fastblas

import "golang.org/x/sys/cpu"

// kernel6x8 is the AVX2/FMA micro-kernel (see kernel_amd64.s): it computes
// C[0:6, 0:8] += Ap·Bp for packed panels of 6 and 8 values per term.
//
//go:noescape
func kernel6x8(k int, a, b, c *float64, ldc int)

// kernel12x16 is the AVX-512 micro-kernel (see kernel_avx512_amd64.s): it
// computes C[0:12, 0:16] += Ap·Bp for packed panels of 12 and 16 values
// per term.
//
//go:noescape
func kernel12x16(k int, a, b, c *float64, ldc int)

// asmKernels lists the assembly kernels this CPU can run, fastest first.
func asmKernels() []kernel {
	var ks []kernel
	if cpu.X86.HasAVX512F {
		ks = append(ks, kernel{name: "avx512", mr: 12, nr: 16, run: func(k int, ap, bp, c []float64, ldc int) {
			kernel12x16(k, &ap[0], &bp[0], &c[0], ldc)
		}})
	}
	if cpu.X86.HasAVX2 && cpu.X86.HasFMA {
		ks = append(ks, kernel{name: "avx2", mr: 6, nr: 8, run: func(k int, ap, bp, c []float64, ldc int) {
			kernel6x8(k, &ap[0], &bp[0], &c[0], ldc)
		}})
	}
	return ks
}

// stripKernel8x16 is the AVX-512 strip kernel (see strips_amd64.s).
//
//go:noescape
func stripKernel8x16(k int, a, b, c *float64, ldc int)

// stripKernel4x8 is the AVX2/FMA strip kernel (see strips_amd64.s).
//
//go:noescape
func stripKernel4x8(k int, a, b, c *float64, ldc int)

// asmStripKernels lists the assembly strip kernels this CPU can run, fastest
// first.
func asmStripKernels() []stripKernel {
	var ks []stripKernel
	if cpu.X86.HasAVX512F {
		ks = append(ks, stripKernel{name: "avx512", w: 16, ra: 8, run: func(k int, a, b, c []float64, ldc int) {
			stripKernel8x16(k, &a[0], &b[0], &c[0], ldc)
		}})
	}
	if cpu.X86.HasAVX2 && cpu.X86.HasFMA {
		ks = append(ks, stripKernel{name: "avx2", w: 8, ra: 4, run: func(k int, a, b, c []float64, ldc int) {
			stripKernel4x8(k, &a[0], &b[0], &c[0], ldc)
		}})
	}
	return ks
}
