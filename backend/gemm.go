package backend

import (
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
)

var gonumImpl gonum.Implementation

// useKernel4x16 and useKernel4x32 select the assembly micro-kernels; tests
// switch them off to check the others and the pure-Go code.
var (
	useKernel4x16 = haveKernel4x16
	useKernel4x32 = haveKernel4x32
)

// matrix is a strided view of a float32 matrix: element (i, j) is
// data[i*row + j*col].
type matrix struct {
	data     []float32
	row, col int
}

// sgemmAcc computes C += A·B for A m×k, B k×n (B with unit column stride)
// and C m×n row-major with leading dimension ldc, for rows [i0, i1) of C and
// contraction indices [p0, p1). The assembly micro-kernels compute blocks of
// 4 rows and 32 columns (AVX-512), then of 4 rows and 16 columns (AVX2); the
// rest goes to gonum's Sgemm.
func sgemmAcc(a, b matrix, c []float32, ldc, n, i0, i1, p0, p1 int) {
	if p1 <= p0 || i1 <= i0 || n <= 0 {
		return
	}
	n32, n16 := 0, 0
	if b.col == 1 {
		if useKernel4x32 {
			n32 = n &^ 31
			n16 = n32
		}
		if useKernel4x16 {
			n16 = n &^ 15
		}
	}
	i4 := i0 + (i1-i0)&^3
	if n16 > 0 {
		k := p1 - p0
		for i := i0; i < i4; i += 4 {
			aPtr := &a.data[i*a.row+p0*a.col]
			for j := 0; j < n32; j += 32 {
				kernel4x32(k, aPtr, a.row, a.col, &b.data[p0*b.row+j], b.row, &c[i*ldc+j], ldc)
			}
			for j := n32; j < n16; j += 16 {
				kernel4x16(k, aPtr, a.row, a.col, &b.data[p0*b.row+j], b.row, &c[i*ldc+j], ldc)
			}
		}
		gemmRest(a, b, c, ldc, i4, i1, 0, n16, p0, p1) // remaining rows
	}
	gemmRest(a, b, c, ldc, i0, i1, n16, n, p0, p1) // remaining columns
}

// gemmRest computes C[i0:i1, j0:j1] += A[i0:i1, p0:p1]·B[p0:p1, j0:j1] with
// gonum's Sgemm when the views allow it, in plain Go otherwise.
func gemmRest(a, b matrix, c []float32, ldc, i0, i1, j0, j1, p0, p1 int) {
	if i1 <= i0 || j1 <= j0 {
		return
	}
	// gonum's Sgemm needs leading dimensions of at least the row length; a
	// view with a single row or a single contraction index may have any
	// stride there (it is never used), so it is raised to the minimum.
	m, n, k := i1-i0, j1-j0, p1-p0
	if b.col == 1 && (b.row >= n || k == 1) {
		ldb := max(b.row, n)
		var tA blas.Transpose
		var aOff, lda int
		switch {
		case a.col == 1 && (a.row >= k || m == 1):
			tA, aOff, lda = blas.NoTrans, i0*a.row+p0, max(a.row, k)
		case a.row == 1 && (a.col >= m || k == 1):
			tA, aOff, lda = blas.Trans, p0*a.col+i0, max(a.col, m)
		}
		if lda > 0 {
			gonumImpl.Sgemm(tA, blas.NoTrans, m, n, k, 1, a.data[aOff:], lda, b.data[p0*b.row+j0:], ldb,
				1, c[i0*ldc+j0:], ldc)
			return
		}
	}
	for i := i0; i < i1; i++ {
		sgemmRowGo(a, b, c, ldc, i, j0, j1, p0, p1)
	}
}

// sgemmRowGo computes C[i, j0:j1] += sum_p A[i,p] B[p, j0:j1] in plain Go.
func sgemmRowGo(a, b matrix, c []float32, ldc, i, j0, j1, p0, p1 int) {
	dst := c[i*ldc+j0 : i*ldc+j1]
	for p := p0; p < p1; p++ {
		av := a.data[i*a.row+p*a.col]
		if av == 0 {
			continue
		}
		bo := p*b.row + j0*b.col
		if b.col == 1 {
			src := b.data[bo : bo+len(dst)]
			for j, bv := range src {
				dst[j] += av * bv
			}
			continue
		}
		for j := range dst {
			dst[j] += av * b.data[bo+j*b.col]
		}
	}
}
