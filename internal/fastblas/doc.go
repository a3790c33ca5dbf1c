// Package fastblas provides a float64 BLAS implementation for gonum whose
// matrix product is faster than gonum's pure-Go one while staying free of
// cgo.
//
// Implementation embeds gonum's blas/gonum.Implementation and overrides Dgemm
// with a packed, cache-blocked product whose inner micro-kernel is written in
// assembly on amd64: 12×16 doubles with AVX-512 (two 512-bit FMAs per cycle
// on recent cores), 6×8 with AVX2/FMA otherwise. The kernel is chosen once,
// from the CPU, and the packing follows its tile shape. Dsyrk, Dtrmm and Dtrsm
// are overridden too: they split C (or the triangle) into blocks and send the
// bulk of the work through Dgemm, which also speeds up the parts of gonum's
// LAPACK (LU factorisation, inverse, QR) that call them. Without AVX2 and FMA,
// on other architectures, or with the build tag noasm, the same blocked
// algorithm runs with a pure-Go micro-kernel. GODEBUG=cpu.avx512f=off (or
// cpu.avx2=off) hides a feature from golang.org/x/sys/cpu, and so selects the
// next kernel, for comparisons.
//
// Strips holds a matrix in the layout the kernels read (column strips 16
// values wide with AVX-512, 8 otherwise, each row-major): MulTN multiplies
// two of them, Aᵀ·B, with no packing at all, and skips the zero part of every
// strip when A or B is lower triangular. Callers that multiply the
// same matrices many times (the all-pairs engine of the shape metrics) keep
// them in strips.
//
// Large products run in parallel on GOMAXPROCS goroutines (on the calling
// one while a Serial call is in effect); each element of C is computed by one
// goroutine in a fixed summation order, so results do not depend on the
// number of goroutines. Small products and invalid arguments
// are passed to gonum's implementation, so the semantics and the panics for
// bad arguments are gonum's.
//
// Install it for all of gonum's matrix operations with
//
//	blas64.Use(fastblas.Implementation{})
package fastblas
