// Package svd computes the singular values of a dense float64 matrix, without
// singular vectors, by a two-stage reduction to bidiagonal form.
//
// The first stage reduces the matrix to an upper band of small bandwidth with
// blocked Householder transformations, so that almost all of its work is
// matrix products (level-3 BLAS, through whatever gonum's blas64 package
// uses); a matrix with many more rows than columns (or the reverse) is first
// reduced to its triangular QR factor. The second stage chases the band down
// to a bidiagonal with small Householder reflectors in a compact band array,
// and the third computes the singular values of the bidiagonal with LAPACK's dqds
// algorithm (gonum's Dlasq1). Every transformation is orthogonal, so the
// computed values are backward stable like those of LAPACK's Dgesvd: each is
// within a modest multiple of n·ε·σ_max of the exact one.
package svd
