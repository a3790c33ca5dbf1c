//go:build !noasm

package fastblas

import "golang.org/x/sys/cpu"

// kernel6x8 is the AVX2/FMA micro-kernel (see kernel_amd64.s): it computes
// C[0:6, 0:8] += Ap·Bp like microKernel.
//
//go:noescape
func kernel6x8(k int, a, b, c *float64, ldc int)

// haveAsm reports whether kernel6x8 can run on this CPU.
var haveAsm = cpu.X86.HasAVX2 && cpu.X86.HasFMA
