// Package svd computes the singular values of a dense float64 matrix, without
// singular vectors, by a two-stage reduction to bidiagonal form.
//
// The first stage reduces the matrix to an upper band of small bandwidth with
// blocked Householder transformations, so that almost all of its work is
// matrix products; a matrix with many more rows than columns (or the reverse) is first
// reduced to its triangular QR factor. The second stage chases the band down
// to a bidiagonal with small Householder reflectors in a compact band array,
// and the third computes the singular values of the bidiagonal with LAPACK's
// dqds algorithm (gonum's Dlasq1). Every transformation is orthogonal, so
// the computed values are backward stable like those of LAPACK's Dgesvd:
// each is within a modest multiple of n·ε·σ_max of the exact one.
//
// The first stage's arithmetic is in products of the trailing matrix C with
// blocks of reflectors V, Y of nb columns or rows: Vᵀ C, C Yᵀ and the rank-2nb
// update C += [V Z] [W; Y]. On amd64 they run on an assembly micro-kernel
// that reads C in place with its row stride and packs at most the small
// operand (Vᵀ C is computed as its transpose Cᵀ V, with narrow strips of C
// broadcast from L1): an AVX-512 kernel with 8×16 tiles (16 zmm
// accumulators) when the CPU has AVX-512F, else an AVX2/FMA kernel with 6×8
// tiles, chosen at init with golang.org/x/sys/cpu. With AVX-512 the second
// stage applies its reflectors with AVX-512 routines too, and the default
// bandwidth is smaller. Without either kernel (with the noasm build tag, on
// other architectures or on older CPUs) the products go through the module's
// fastblas Dgemm and the reflectors through gonum's Dgemv and Dger.
//
// R exposes the blocked QR factorization of the first stage (R factor only).
// The package forms its block reflectors itself: gonum v0.17.0's Dlarft keeps
// the wrong row count after the second reflector when reflectors end in
// different numbers of exact zeros, so its blocked Dgeqrf (and what is built
// on it) can return a wrong factor on such inputs; TestR has one.
package svd
