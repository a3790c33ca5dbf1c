package repgeo

import (
	"math"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
)

// luBase is the number of columns below which luFactor works column by
// column.
const luBase = 16

// luFactor overwrites the m×n a (m ≥ n) with its LU factorization with
// partial pivoting, P a = L U (L unit lower triangular), and sets ipiv as
// LAPACK's Dgetrf does (0-based: row i was swapped with row ipiv[i]). It
// splits the columns in halves recursively, so that most of the work is in
// one triangular solve and one matrix product per level (blas64, level 3).
// It reports false if a pivot is exactly zero; the factorization is then
// still completed, as Dgetrf does.
func luFactor(a blas64.General, ipiv []int) bool {
	return luRec(a, ipiv)
}

func luRec(a blas64.General, ipiv []int) bool {
	m, n, lda := a.Rows, a.Cols, a.Stride
	d := a.Data
	if n <= luBase {
		ok := true
		for j := 0; j < n; j++ {
			p, big := j, math.Abs(d[j*lda+j])
			for i := j + 1; i < m; i++ {
				if v := math.Abs(d[i*lda+j]); v > big {
					p, big = i, v
				}
			}
			ipiv[j] = p
			if p != j {
				rj, rp := d[j*lda:j*lda+n], d[p*lda:p*lda+n]
				for k := range rj {
					rj[k], rp[k] = rp[k], rj[k]
				}
			}
			piv := d[j*lda+j]
			if piv == 0 {
				ok = false
				continue
			}
			rowJ := d[j*lda+j+1 : j*lda+n]
			inv := 1 / piv
			for i := j + 1; i < m; i++ {
				row := d[i*lda : i*lda+n]
				l := row[j] * inv
				row[j] = l
				if l == 0 {
					continue
				}
				rest := row[j+1 : n]
				for k, u := range rowJ {
					rest[k] -= l * u
				}
			}
		}
		return ok
	}
	n1 := n / 2
	n2 := n - n1
	left := blas64.General{Rows: m, Cols: n1, Stride: lda, Data: d}
	ok := luRec(left, ipiv[:n1])
	luSwap(d[n1:], lda, n2, 0, ipiv[:n1])
	bi := blas64.Implementation()
	// A12 = L11^-1 A12, A22 -= A21 A12.
	bi.Dtrsm(blas.Left, blas.Lower, blas.NoTrans, blas.Unit, n1, n2, 1, d, lda, d[n1:], lda)
	if m > n1 {
		bi.Dgemm(blas.NoTrans, blas.NoTrans, m-n1, n2, n1, -1, d[n1*lda:], lda, d[n1:], lda, 1, d[n1*lda+n1:], lda)
	}
	right := blas64.General{Rows: m - n1, Cols: n2, Stride: lda, Data: d[n1*lda+n1:]}
	if !luRec(right, ipiv[n1:]) {
		ok = false
	}
	for i := n1; i < n; i++ {
		ipiv[i] += n1
	}
	luSwap(d, lda, n1, n1, ipiv[n1:])
	return ok
}

// luSwap swaps, for each i, row off+i with row ipiv[i] of the cols columns
// starting at d[0] (rows of stride lda).
func luSwap(d []float64, lda, cols, off int, ipiv []int) {
	for i, p := range ipiv {
		r := off + i
		if p == r {
			continue
		}
		a, b := d[r*lda:r*lda+cols], d[p*lda:p*lda+cols]
		for k := range a {
			a[k], b[k] = b[k], a[k]
		}
	}
}

// luInverse overwrites the n×n LU factors of luFactor (in a, with pivots
// ipiv) with the inverse of the factored matrix: A^-1 = U^-1 L^-1 P, from
// the triangular inverse of U, one triangular solve with L and the column
// interchanges of P (as LAPACK's Dgetri, about 4/3 n³ flops).
func luInverse(a blas64.General, ipiv []int) {
	n, lda := a.Rows, a.Stride
	triInverseUpper(a)
	// X L = U^-1: X = U^-1 L^-1. The strictly lower part of a holds L;
	// work on a copy of it and zero it in a.
	l := make([]float64, n*n)
	for i := 0; i < n; i++ {
		row := a.Data[i*lda : i*lda+i]
		copy(l[i*n:i*n+i], row)
		clear(row)
	}
	blas64.Implementation().Dtrsm(blas.Right, blas.Lower, blas.NoTrans, blas.Unit, n, n, 1, l, n, a.Data, lda)
	for i := 0; i < n; i++ {
		row := a.Data[i*lda : i*lda+n]
		for j := n - 1; j >= 0; j-- {
			if p := ipiv[j]; p != j {
				row[j], row[p] = row[p], row[j]
			}
		}
	}
}

// triInverseUpper overwrites the upper triangle of the square a with its
// inverse (nonzero diagonal), recursively: the inverse of [U11 U12; 0 U22]
// is [U11^-1, -U11^-1 U12 U22^-1; 0, U22^-1].
func triInverseUpper(a blas64.General) {
	n, lda := a.Rows, a.Stride
	d := a.Data
	if n <= luBase {
		for j := 0; j < n; j++ {
			d[j*lda+j] = 1 / d[j*lda+j]
		}
		// Column j of the inverse above the diagonal, with X the inverse of
		// the leading j×j block (already in place):
		// X[i][j] = -(sum_{k=i..j-1} X[i][k] U[k][j]) / U[j][j]. Ascending i
		// overwrites U[i][j] only after its last use.
		for j := 1; j < n; j++ {
			djj := d[j*lda+j]
			for i := 0; i < j; i++ {
				var s float64
				for k := i; k < j; k++ {
					s += d[i*lda+k] * d[k*lda+j]
				}
				d[i*lda+j] = -s * djj
			}
		}
		return
	}
	n1 := n / 2
	n2 := n - n1
	triInverseUpper(blas64.General{Rows: n1, Cols: n1, Stride: lda, Data: d})
	triInverseUpper(blas64.General{Rows: n2, Cols: n2, Stride: lda, Data: d[n1*lda+n1:]})
	bi := blas64.Implementation()
	bi.Dtrmm(blas.Left, blas.Upper, blas.NoTrans, blas.NonUnit, n1, n2, -1, d, lda, d[n1:], lda)
	bi.Dtrmm(blas.Right, blas.Upper, blas.NoTrans, blas.NonUnit, n1, n2, 1, d[n1*lda+n1:], lda, d[n1:], lda)
}
