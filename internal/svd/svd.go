package svd

import (
	"errors"
	"math"

	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/lapack/gonum"
)

// ErrNotFinite is returned by Values for a matrix with a NaN or infinite
// entry.
var ErrNotFinite = errors.New("svd: matrix has a NaN or infinite entry")

// ErrNoConvergence is returned by Values when the dqds iteration for the
// singular values of the bidiagonal does not converge.
var ErrNoConvergence = errors.New("svd: singular value iteration did not converge")

// bandwidth returns the bandwidth of the intermediate band form for an n×n
// matrix and the micro-kernel kn: a wider band makes the first stage's
// passes over the trailing matrix fewer and the bulge chasing slower. The
// AVX-512 kernels (8×16 tiles, reflectors in assembly) do best with 16 while
// the matrix is smaller than about the L3 cache (measured on a Zen 5 with
// 32 MiB: up to n ≈ 1900), the others with 24 below n = 1536.
func bandwidth(n int, kn *microKernel) int {
	if kn != nil && kn.reflRight != nil {
		if n >= 1900 {
			return 32
		}
		return 16
	}
	if n >= 1536 {
		return 32
	}
	return 24
}

// qrBlock returns the block size of the QR factorization of a tall matrix
// with n columns. The panels are factored at a lower rate than the trailing
// products run, and their share of the work grows with the block size over
// n: 16 is faster up to n = 512 (by 5% at 1999×256, 25% at 1024×64; as fast
// at 1999×512), 32 above (BenchmarkQR at 1999×1024: with AVX-512 32 is
// about as fast as 16 and faster than 64; with the AVX2 kernel as fast as
// 64).
func qrBlock(n int) int {
	if n <= 512 {
		return 16
	}
	return 32
}

// tallRatio: a matrix with at least this many times more rows than columns is
// first reduced to its square R factor by a QR factorization.
const tallRatio = 5.0 / 3

// Values returns the min(r, c) singular values of the r×c matrix a in
// descending order, overwriting a when r ≥ c. It returns ErrNotFinite for a
// matrix with a NaN or infinite entry and ErrNoConvergence if the iteration
// fails.
func Values(a blas64.General) ([]float64, error) {
	return values(a, 0)
}

// R overwrites the first n rows of the m×n matrix a (m ≥ n) with the upper
// triangular factor R of its QR factorization a = QR, zeros below the
// diagonal; the rows below are left in an unspecified state. It uses this
// package's blocked Householder QR (with its own block reflectors: gonum
// v0.17.0's Dlarft, and so its blocked Dgeqrf, returns a wrong factor when a
// reflector ends in more zeros than the one before it and fewer than a later
// one). It returns ErrNotFinite for a matrix with a NaN or infinite entry.
func R(a blas64.General) error {
	m, n := a.Rows, a.Cols
	if m < n {
		panic("svd: R of a matrix with fewer rows than columns")
	}
	for i := 0; i < m; i++ {
		for _, v := range a.Data[i*a.Stride : i*a.Stride+n] {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return ErrNotFinite
			}
		}
	}
	if n == 0 {
		return nil
	}
	newReducer(m, n, qrBlock(n)).qr(a.Data, a.Stride)
	return nil
}

// values is Values with the bandwidth of the first stage as a parameter
// (0 for the default).
func values(a blas64.General, nb int) ([]float64, error) {
	m, n := a.Rows, a.Cols
	k := min(m, n)
	if k == 0 {
		return []float64{}, nil
	}
	// Work on an m×n array with m ≥ n, row-major.
	data, lda := a.Data, a.Stride
	if m < n {
		t := make([]float64, m*n)
		for i := 0; i < m; i++ {
			for j, v := range a.Data[i*lda : i*lda+n] {
				t[j*m+i] = v
			}
		}
		data, lda = t, m
		m, n = n, m
	}
	amax := 0.0
	for i := 0; i < m; i++ {
		for _, v := range data[i*lda : i*lda+n] {
			if v := math.Abs(v); !(v <= amax) {
				if v != v || math.IsInf(v, 1) {
					return nil, ErrNotFinite
				}
				amax = v
			}
		}
	}
	s := make([]float64, n)
	if amax == 0 {
		return s, nil
	}
	// Scale into a safe range as LAPACK's Dgesvd does, by a power of two
	// so that the scaling is exact.
	scale := 1.0
	if amax < 0x1p-500 || amax > 0x1p500 {
		_, e := math.Frexp(amax)
		scale = math.Ldexp(1, -e)
		for i := 0; i < m; i++ {
			row := data[i*lda : i*lda+n]
			for j := range row {
				row[j] *= scale
			}
		}
	}

	if nb == 0 {
		nb = bandwidth(n, kernel)
	}
	nb = max(1, min(nb, n-1))
	if m > n && float64(m) >= tallRatio*float64(n) {
		// Reduce to the n×n triangular factor R of a = QR.
		newReducer(m, n, qrBlock(n)).qr(data, lda)
		m = n
	}
	red := newReducer(m, n, nb)
	if n > 1 {
		red.band(data, lda)
	}
	d := s
	e := make([]float64, n)
	if nb == 1 || n == 1 {
		for i := 0; i < n; i++ {
			d[i] = data[i*lda+i]
			if i+1 < n {
				e[i] = data[i*lda+i+1]
			}
		}
	} else {
		bd := newBand(n, nb)
		bd.load(data, lda)
		bd.bidiagonalize(d, e)
	}
	if err := bidiagonalValues(d, e); err != nil {
		return nil, err
	}
	if scale != 1 {
		for i := range s {
			s[i] /= scale
		}
	}
	return s, nil
}

// bidiagonalValues overwrites d with the singular values, in decreasing
// order, of the upper bidiagonal matrix with diagonal d and off-diagonal
// e[:len(d)-1], with gonum's Dlasq1 (LAPACK's dqds); e must have length
// len(d) and is overwritten. It returns ErrNotFinite if d or e has a NaN or
// infinite entry (possible only after an overflow in the reduction) and
// ErrNoConvergence if dqds fails.
func bidiagonalValues(d, e []float64) error {
	n := len(d)
	for _, v := range d {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return ErrNotFinite
		}
	}
	for _, v := range e[:max(n-1, 0)] {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return ErrNotFinite
		}
	}
	if info := (gonum.Implementation{}).Dlasq1(n, d, e, make([]float64, 4*n)); info != 0 {
		return ErrNoConvergence
	}
	return nil
}
