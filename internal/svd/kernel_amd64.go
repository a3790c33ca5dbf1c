//go:build !noasm

package svd

import "golang.org/x/sys/cpu"

// kernel6x8s is the AVX2/FMA micro-kernel of the products (see
// kernel_amd64.s): C[0:6, 0:8] += A·B with A(r, p) = a[r*ars+p*aps] and
// B(p, j) = b[p*bps+j], k ≥ 1 terms.
//
//go:noescape
func kernel6x8s(k int, a *float64, ars, aps int, b *float64, bps int, c *float64, ldc int)

// kernel8x16z is the AVX-512 micro-kernel of the products (see
// kernel_avx512_amd64.s): C[0:8, 0:16] += A·B as in kernel6x8s. It and the
// reflector routines use AVX-512F instructions only (and AVX ones, which
// every CPU with AVX-512F has).
//
//go:noescape
func kernel8x16z(k int, a *float64, ars, aps int, b *float64, bps int, c *float64, ldc int)

// reflRightZ and reflLeftZ apply a Householder reflector from the right or
// the left with AVX-512 (see refl_avx512_amd64.s and microKernel).
//
//go:noescape
func reflRightZ(rows, l int, x *float64, ldx int, v *float64, tau float64)

//go:noescape
func reflLeftZ(l, cols int, x *float64, ldx int, v *float64, tau float64)

// asmKernels lists the micro-kernels this CPU can run, widest first.
var asmKernels = func() []microKernel {
	var ks []microKernel
	if cpu.X86.HasAVX512F {
		ks = append(ks, microKernel{"avx512", 8, 16, kernel8x16z, reflRightZ, reflLeftZ})
	}
	if cpu.X86.HasAVX2 && cpu.X86.HasFMA {
		ks = append(ks, microKernel{"avx2", 6, 8, kernel6x8s, nil, nil})
	}
	return ks
}()
