package fastblas

import "gonum.org/v1/gonum/blas"

// triBlock is the largest triangular dimension that Dtrmm and Dtrsm pass to
// gonum's implementation without splitting it.
const triBlock = 16

// triValid reports whether the arguments of Dtrmm or Dtrsm are valid and B
// is not empty (m, n > 0), with the conditions of gonum's Dtrmm and Dtrsm.
func triValid(s blas.Side, ul blas.Uplo, tA blas.Transpose, d blas.Diag, m, n int, a []float64, lda int, b []float64, ldb int) bool {
	if s != blas.Left && s != blas.Right || ul != blas.Lower && ul != blas.Upper {
		return false
	}
	if tA != blas.NoTrans && tA != blas.Trans && tA != blas.ConjTrans || d != blas.NonUnit && d != blas.Unit {
		return false
	}
	k := n
	if s == blas.Left {
		k = m
	}
	return m > 0 && n > 0 && lda >= k && ldb >= n && len(a) >= lda*(k-1)+k && len(b) >= ldb*(m-1)+n
}

// triSplit returns, for the triangular k×k matrix a and the split point h,
// whether op(A) is upper triangular and the offsets in a and transpose flag
// of the off-diagonal blocks E12 (h×(k-h)) and E21 ((k-h)×h) of op(A) as
// Dgemm operands.
func triSplit(ul blas.Uplo, tA blas.Transpose, h, lda int) (upper bool, e12, e21 int, t blas.Transpose) {
	upper = (ul == blas.Upper) == (tA == blas.NoTrans)
	if tA == blas.NoTrans {
		return upper, h, h * lda, blas.NoTrans
	}
	// op(A) = Aᵀ: E12 = A21ᵀ, E21 = A12ᵀ.
	return upper, h * lda, h, blas.Trans
}

// Dtrmm overwrites the m×n matrix B with alpha·op(A)·B (s == blas.Left, A
// m×m) or alpha·B·op(A) (s == blas.Right, A n×n), for the triangular A (ul
// triangle, unit diagonal if d == blas.Unit) or its transpose as tA says.
// Large triangles are split in two recursively, the off-diagonal block going
// through Dgemm. Invalid arguments panic as in gonum's Dtrmm.
func (impl Implementation) Dtrmm(s blas.Side, ul blas.Uplo, tA blas.Transpose, d blas.Diag, m, n int, alpha float64, a []float64, lda int, b []float64, ldb int) {
	k := n
	if s == blas.Left {
		k = m
	}
	if !triValid(s, ul, tA, d, m, n, a, lda, b, ldb) || alpha == 0 || k <= triBlock || m*n*k < 2*minFlops {
		impl.Implementation.Dtrmm(s, ul, tA, d, m, n, alpha, a, lda, b, ldb)
		return
	}
	h := k / 2
	upper, e12, e21, t := triSplit(ul, tA, h, lda)
	a22 := a[h*lda+h:]
	if s == blas.Left {
		b2 := b[h*ldb:]
		if upper {
			// B1 = E11 B1 + E12 B2, then B2 = E22 B2.
			impl.Dtrmm(s, ul, tA, d, h, n, alpha, a, lda, b, ldb)
			impl.Dgemm(t, blas.NoTrans, h, n, k-h, alpha, a[e12:], lda, b2, ldb, 1, b, ldb)
			impl.Dtrmm(s, ul, tA, d, k-h, n, alpha, a22, lda, b2, ldb)
			return
		}
		// B2 = E21 B1 + E22 B2, then B1 = E11 B1.
		impl.Dtrmm(s, ul, tA, d, k-h, n, alpha, a22, lda, b2, ldb)
		impl.Dgemm(t, blas.NoTrans, k-h, n, h, alpha, a[e21:], lda, b, ldb, 1, b2, ldb)
		impl.Dtrmm(s, ul, tA, d, h, n, alpha, a, lda, b, ldb)
		return
	}
	b2 := b[h:]
	if upper {
		// B2 = B1 E12 + B2 E22, then B1 = B1 E11.
		impl.Dtrmm(s, ul, tA, d, m, k-h, alpha, a22, lda, b2, ldb)
		impl.Dgemm(blas.NoTrans, t, m, k-h, h, alpha, b, ldb, a[e12:], lda, 1, b2, ldb)
		impl.Dtrmm(s, ul, tA, d, m, h, alpha, a, lda, b, ldb)
		return
	}
	// B1 = B1 E11 + B2 E21, then B2 = B2 E22.
	impl.Dtrmm(s, ul, tA, d, m, h, alpha, a, lda, b, ldb)
	impl.Dgemm(blas.NoTrans, t, m, h, k-h, alpha, b2, ldb, a[e21:], lda, 1, b, ldb)
	impl.Dtrmm(s, ul, tA, d, m, k-h, alpha, a22, lda, b2, ldb)
}

// Dtrsm overwrites the m×n matrix B with the solution X of op(A)·X = alpha·B
// (s == blas.Left, A m×m) or X·op(A) = alpha·B (s == blas.Right, A n×n), for
// the triangular A (ul triangle, unit diagonal if d == blas.Unit) or its
// transpose as tA says; A is not checked for singularity. Large triangles are
// split in two recursively, the update with the off-diagonal block going
// through Dgemm. Invalid arguments panic as in gonum's Dtrsm.
func (impl Implementation) Dtrsm(s blas.Side, ul blas.Uplo, tA blas.Transpose, d blas.Diag, m, n int, alpha float64, a []float64, lda int, b []float64, ldb int) {
	k := n
	if s == blas.Left {
		k = m
	}
	if !triValid(s, ul, tA, d, m, n, a, lda, b, ldb) || alpha == 0 || k <= triBlock || m*n*k < 2*minFlops {
		impl.Implementation.Dtrsm(s, ul, tA, d, m, n, alpha, a, lda, b, ldb)
		return
	}
	h := k / 2
	upper, e12, e21, t := triSplit(ul, tA, h, lda)
	a22 := a[h*lda+h:]
	if s == blas.Left {
		b2 := b[h*ldb:]
		if upper {
			// E22 X2 = alpha B2; E11 X1 = alpha B1 - E12 X2.
			impl.Dtrsm(s, ul, tA, d, k-h, n, alpha, a22, lda, b2, ldb)
			impl.Dgemm(t, blas.NoTrans, h, n, k-h, -1, a[e12:], lda, b2, ldb, alpha, b, ldb)
			impl.Dtrsm(s, ul, tA, d, h, n, 1, a, lda, b, ldb)
			return
		}
		// E11 X1 = alpha B1; E22 X2 = alpha B2 - E21 X1.
		impl.Dtrsm(s, ul, tA, d, h, n, alpha, a, lda, b, ldb)
		impl.Dgemm(t, blas.NoTrans, k-h, n, h, -1, a[e21:], lda, b, ldb, alpha, b2, ldb)
		impl.Dtrsm(s, ul, tA, d, k-h, n, 1, a22, lda, b2, ldb)
		return
	}
	b2 := b[h:]
	if upper {
		// X1 E11 = alpha B1; X2 E22 = alpha B2 - X1 E12.
		impl.Dtrsm(s, ul, tA, d, m, h, alpha, a, lda, b, ldb)
		impl.Dgemm(blas.NoTrans, t, m, k-h, h, -1, b, ldb, a[e12:], lda, alpha, b2, ldb)
		impl.Dtrsm(s, ul, tA, d, m, k-h, 1, a22, lda, b2, ldb)
		return
	}
	// X2 E22 = alpha B2; X1 E11 = alpha B1 - X2 E21.
	impl.Dtrsm(s, ul, tA, d, m, k-h, alpha, a22, lda, b2, ldb)
	impl.Dgemm(blas.NoTrans, t, m, h, k-h, -1, b2, ldb, a[e21:], lda, alpha, b, ldb)
	impl.Dtrsm(s, ul, tA, d, m, h, 1, a, lda, b, ldb)
}
