//go:build !noasm

package backend

import "golang.org/x/sys/cpu"

// kernel4x16 is the AVX2/FMA micro-kernel of sgemm (see gemm_amd64.s).
//
//go:noescape
func kernel4x16(k int, a *float32, aRow, aStep int, b *float32, ldb int, c *float32, ldc int)

// haveKernel4x16 reports whether kernel4x16 can run on this CPU.
var haveKernel4x16 = cpu.X86.HasAVX2 && cpu.X86.HasFMA

// kernel4x32 is the AVX-512 micro-kernel of sgemm (see
// gemm_avx512_amd64.s): kernel4x16's computation on 32 columns.
//
//go:noescape
func kernel4x32(k int, a *float32, aRow, aStep int, b *float32, ldb int, c *float32, ldc int)

// haveKernel4x32 reports whether kernel4x32 can run on this CPU.
var haveKernel4x32 = cpu.X86.HasAVX512F
