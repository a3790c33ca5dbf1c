//go:build !noasm

package svd

import "golang.org/x/sys/cpu"

// kernel6x8s is the AVX2/FMA micro-kernel of the skinny products (see
// kernel_amd64.s): C[0:6, 0:8] += A·B with A(r, p) = a[r*ars+p*aps] and
// B(p, j) = b[p*bps+j], k ≥ 1 terms.
//
//go:noescape
func kernel6x8s(k int, a *float64, ars, aps int, b *float64, bps int, c *float64, ldc int)

// haveAsm reports whether kernel6x8s can run on this CPU.
var haveAsm = cpu.X86.HasAVX2 && cpu.X86.HasFMA
