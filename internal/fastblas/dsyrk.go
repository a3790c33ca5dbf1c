package fastblas

import "gonum.org/v1/gonum/blas"

// syrkLeaf is the largest diagonal block of C that Dsyrk computes as a full
// product (and so twice over): larger triangles are split in two.
const syrkLeaf = 128

// Dsyrk sets the ul triangle of the symmetric n×n matrix C to that of
// alpha·A·Aᵀ + beta·C, A n×k (tA == blas.NoTrans), or of alpha·Aᵀ·A + beta·C,
// A k×n (otherwise); the other triangle is not touched. The triangle is split
// recursively into two triangles and a rectangle, which goes through Dgemm;
// triangles of at most syrkLeaf rows are computed in full into a temporary
// and their triangle added to C. Invalid arguments panic as in gonum's Dsyrk.
func (impl Implementation) Dsyrk(ul blas.Uplo, tA blas.Transpose, n, k int, alpha float64, a []float64, lda int, beta float64, c []float64, ldc int) {
	if !dsyrkValid(ul, tA, n, k, a, lda, c, ldc) || alpha == 0 || n*n*k < 2*minFlops || n <= syrkLeaf {
		impl.Implementation.Dsyrk(ul, tA, n, k, alpha, a, lda, beta, c, ldc)
		return
	}
	tmp := make([]float64, syrkLeaf*syrkLeaf)
	impl.syrk(ul, tA != blas.NoTrans, 0, n, k, alpha, a, lda, beta, c, ldc, tmp)
}

// syrk updates rows and columns i0 to i1 of the ul triangle of C.
func (impl Implementation) syrk(ul blas.Uplo, trans bool, i0, i1, k int, alpha float64, a []float64, lda int, beta float64, c []float64, ldc int, tmp []float64) {
	tA, tB := blas.NoTrans, blas.Trans
	// rows returns the offset in a of row i of op(A).
	rows := func(i int) int { return i * lda }
	if trans {
		tA, tB = blas.Trans, blas.NoTrans
		rows = func(i int) int { return i }
	}
	nb := i1 - i0
	if nb > syrkLeaf {
		// Split at a multiple of the leaf size: the rectangle below (or
		// right of) the first triangle is one product.
		h := i0 + max(1, (nb/2+syrkLeaf/2)/syrkLeaf)*syrkLeaf
		impl.syrk(ul, trans, i0, h, k, alpha, a, lda, beta, c, ldc, tmp)
		if ul == blas.Lower {
			impl.Dgemm(tA, tB, i1-h, h-i0, k, alpha, a[rows(h):], lda, a[rows(i0):], lda, beta, c[h*ldc+i0:], ldc)
		} else {
			impl.Dgemm(tA, tB, h-i0, i1-h, k, alpha, a[rows(i0):], lda, a[rows(h):], lda, beta, c[i0*ldc+h:], ldc)
		}
		impl.syrk(ul, trans, h, i1, k, alpha, a, lda, beta, c, ldc, tmp)
		return
	}
	// Diagonal block: full product into tmp, triangle into C.
	impl.Dgemm(tA, tB, nb, nb, k, alpha, a[rows(i0):], lda, a[rows(i0):], lda, 0, tmp, nb)
	for i := range nb {
		j0, j1 := i, nb
		if ul == blas.Lower {
			j0, j1 = 0, i+1
		}
		ci := c[(i0+i)*ldc+i0+j0 : (i0+i)*ldc+i0+j1]
		ti := tmp[i*nb+j0 : i*nb+j1]
		for j, v := range ti {
			switch beta {
			case 0:
				ci[j] = v
			case 1:
				ci[j] += v
			default:
				ci[j] = beta*ci[j] + v
			}
		}
	}
}

// dsyrkValid reports whether the arguments of Dsyrk are valid and the
// product is not empty (n, k > 0), with the conditions of gonum's Dsyrk.
func dsyrkValid(ul blas.Uplo, tA blas.Transpose, n, k int, a []float64, lda int, c []float64, ldc int) bool {
	if ul != blas.Lower && ul != blas.Upper {
		return false
	}
	if tA != blas.Trans && tA != blas.NoTrans && tA != blas.ConjTrans {
		return false
	}
	if n <= 0 || k <= 0 || ldc < n || len(c) < ldc*(n-1)+n {
		return false
	}
	row, col := k, n
	if tA == blas.NoTrans {
		row, col = n, k
	}
	return lda >= col && len(a) >= lda*(row-1)+col
}
