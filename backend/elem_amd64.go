//go:build !noasm

package backend

import "golang.org/x/sys/cpu"

// AVX2 loops of the fused element-wise chains (elem_amd64.s). Counts are
// multiples of 8; op codes are those of asmOp.

//go:noescape
func vecOpAVX2(op int, dst, x, y *float32, n int)

//go:noescape
func chanOpAVX2(op int, dst, x, y *float32, rows, c int)

//go:noescape
func scalarOpAVX2(op int, dst, x *float32, s float32, n int)

//go:noescape
func unaryOpAVX2(op int, dst, x *float32, n int)

//go:noescape
func colSumAVX2(sum, x *float32, rows, c int)

//go:noescape
func maxWindowsAVX2(dst, src *float32, n1, n2, c int)

// haveElemAVX2 reports whether the AVX2 loops can run on this CPU.
var haveElemAVX2 = cpu.X86.HasAVX2

//go:noescape
func chainTileAVX2(steps *tileStep, nsteps int, dst, src *float32, rows, c int)

//go:noescape
func chainTileAVX512(steps *tileStep, nsteps int, dst, src *float32, rows, c int)

// haveElemAVX512 reports whether chainTileAVX512 can run on this CPU.
var haveElemAVX512 = cpu.X86.HasAVX512F

// prefetchL2 asks for the cache lines of p[0:n] in the second-level cache.
//
//go:noescape
func prefetchL2(p *float32, n int)
