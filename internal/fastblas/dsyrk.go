package fastblas

import "gonum.org/v1/gonum/blas"

// syrkBlock is the number of rows of C in one block row of Dsyrk.
const syrkBlock = mc

// Dsyrk performs one of the symmetric rank-k operations
//
//	C = alpha * A * Aᵀ + beta * C  if tA == blas.NoTrans
//	C = alpha * Aᵀ * A + beta * C  if tA == blas.Trans or tA == blas.ConjTrans
//
// where A is an n×k or k×n matrix, C is an n×n symmetric matrix of which only
// the ul triangle is referenced and updated, and alpha and beta are scalars.
// It runs through Dgemm on blocks of C: each diagonal block is computed in full
// into a temporary and its triangle added to C. It panics like gonum's Dsyrk on
// invalid arguments.
func (impl Implementation) Dsyrk(ul blas.Uplo, tA blas.Transpose, n, k int, alpha float64, a []float64, lda int, beta float64, c []float64, ldc int) {
	if !dsyrkValid(ul, tA, n, k, a, lda, c, ldc) || alpha == 0 || n*n*k < 2*minFlops || n <= syrkBlock {
		impl.Implementation.Dsyrk(ul, tA, n, k, alpha, a, lda, beta, c, ldc)
		return
	}
	trans := tA != blas.NoTrans
	// rows returns the offset in a of row i of op(A).
	rows := func(i int) int {
		if trans {
			return i
		}
		return i * lda
	}
	tB := blas.Trans
	if trans {
		tB = blas.NoTrans
	}
	tmp := make([]float64, syrkBlock*syrkBlock)
	for i0 := 0; i0 < n; i0 += syrkBlock {
		i1 := min(n, i0+syrkBlock)
		nb := i1 - i0
		// Off-diagonal part of block row i0.
		if ul == blas.Upper && i1 < n {
			impl.Dgemm(tA, tB, nb, n-i1, k, alpha, a[rows(i0):], lda, a[rows(i1):], lda, beta, c[i0*ldc+i1:], ldc)
		}
		if ul == blas.Lower && i0 > 0 {
			impl.Dgemm(tA, tB, nb, i0, k, alpha, a[rows(i0):], lda, a, lda, beta, c[i0*ldc:], ldc)
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
