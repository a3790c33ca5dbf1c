package svd

import (
	"math"

	"gonum.org/v1/gonum/blas"
	blasgonum "gonum.org/v1/gonum/blas/gonum"
	"gonum.org/v1/gonum/lapack/gonum"
)

// larfg is LAPACK's Dlarfg for a vector x with unit stride: it returns beta
// and tau of the reflector H = I - tau·v·vᵀ, v = [1; x'], with
// H [alpha; x] = [beta; 0], and overwrites x with x'. The norm of x is a
// plain sum of squares where that can neither underflow nor overflow; else,
// and for a NaN, gonum's Dlarfg with its scaled norm does the work.
func larfg(alpha float64, x []float64) (beta, tau float64) {
	if len(x) == 0 {
		return alpha, 0
	}
	var s0, s1, s2, s3 float64
	i := 0
	for ; i+4 <= len(x); i += 4 {
		s0 += x[i] * x[i]
		s1 += x[i+1] * x[i+1]
		s2 += x[i+2] * x[i+2]
		s3 += x[i+3] * x[i+3]
	}
	for ; i < len(x); i++ {
		s0 += x[i] * x[i]
	}
	ssq := (s0 + s1) + (s2 + s3)
	// Squares that underflow (below 2⁻¹⁰²²) add up to less than
	// len(x)·2⁻¹²² of an ssq above 2⁻⁹⁰⁰.
	if !(ssq > 0x1p-900 && ssq < 0x1p900) {
		return gonum.Implementation{}.Dlarfg(len(x)+1, alpha, x, 1)
	}
	// With |alpha| < 2⁴⁵⁰, alpha² neither overflows nor, if it underflows,
	// matters next to ssq.
	var norm float64
	if math.Abs(alpha) < 0x1p450 {
		norm = math.Sqrt(alpha*alpha + ssq)
	} else {
		norm = math.Hypot(alpha, math.Sqrt(ssq))
	}
	beta = -math.Copysign(norm, alpha)
	tau = (beta - alpha) / beta
	scal := 1 / (alpha - beta)
	for i := range x {
		x[i] *= scal
	}
	return beta, tau
}

// gelq2 is LAPACK's unblocked LQ factorization Dgelq2 of the mr×nc matrix a
// (stride lda): it leaves L in the lower triangle of a, the tails of the
// min(mr, nc) reflectors right of the diagonal and their factors in tau. The
// reflectors come from larfg and are applied with the kernel's reflRight if
// it has one.
func (r *reducer) gelq2(mr, nc int, a []float64, lda int, tau []float64) {
	var bl blasgonum.Implementation
	for i := 0; i < min(mr, nc); i++ {
		row := a[i*lda+i : i*lda+nc]
		beta, t := larfg(row[0], row[1:])
		tau[i] = t
		if rows, l := mr-1-i, nc-i; rows > 0 && t != 0 {
			row[0] = 1
			x := a[(i+1)*lda+i:]
			if r.kern != nil && r.kern.reflRight != nil {
				_ = x[(rows-1)*lda+l-1]
				r.kern.reflRight(rows, l, &x[0], lda, &row[0], t)
			} else {
				w := r.work[:rows]
				bl.Dgemv(blas.NoTrans, rows, l, 1, x, lda, row, 1, 0, w, 1)
				bl.Dger(rows, l, -t, w, 1, row, 1, x, lda)
			}
		}
		row[0] = beta
	}
}

// larft sets the upper triangle of the k×k matrix t (stride ldt) to the
// factor T of the block reflector H₁⋯H_k = I - Yᵀ T Y, for the k reflectors
// in the rows of y (stride ldy, row i zero left of column i and one at it,
// nc columns) with factors tau, like LAPACK's Dlarft (forward, row-wise).
// gonum's Dlarft skips the trailing zeros of the reflectors with a
// bookkeeping error (the extent of the first reflector is forgotten at the
// second), which gives a wrong T when the second reflector ends in zeros and
// a later one does not, as can happen in a rank-deficient block; larft skips
// nothing.
func larft(k, nc int, y []float64, ldy int, tau, t []float64, ldt int) {
	for i := 0; i < k; i++ {
		t[i*ldt+i] = tau[i]
		if tau[i] == 0 {
			for j := 0; j < i; j++ {
				t[j*ldt+i] = 0
			}
			continue
		}
		yi := y[i*ldy+i : i*ldy+nc]
		for j := 0; j < i; j++ {
			t[j*ldt+i] = -tau[i] * dot(y[j*ldy+i:j*ldy+nc], yi)
		}
		// T[0:i, i] = T[0:i, 0:i] T[0:i, i], top down in place.
		for j := 0; j < i; j++ {
			var s float64
			for q := j; q < i; q++ {
				s += t[j*ldt+q] * t[q*ldt+i]
			}
			t[j*ldt+i] = s
		}
	}
}

// dot returns x·y for len(x) = len(y).
func dot(x, y []float64) float64 {
	y = y[:len(x)]
	var s0, s1, s2, s3 float64
	i := 0
	for ; i+4 <= len(x); i += 4 {
		s0 += x[i] * y[i]
		s1 += x[i+1] * y[i+1]
		s2 += x[i+2] * y[i+2]
		s3 += x[i+3] * y[i+3]
	}
	for ; i < len(x); i++ {
		s0 += x[i] * y[i]
	}
	return (s0 + s1) + (s2 + s3)
}
