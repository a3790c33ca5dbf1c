package repgeo

// Dense linear algebra shared by the shape metrics and AIR: centring,
// symmetric eigendecompositions and matrix functions, nuclear norms and
// column padding. Everything is float64 and returns errors on numerical
// failure instead of panicking.

import (
	"errors"
	"fmt"
	"math"
	"sort"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/lapack"
	"gonum.org/v1/gonum/lapack/lapack64"
	"gonum.org/v1/gonum/mat"

	"github.com/repgeo/repgeo/internal/svd"
)

// errNoConvergence reports that an eigenvalue or singular value iteration of
// LAPACK did not converge (it happens only for NaN/Inf or absurd inputs).
var errNoConvergence = errorOf(ErrNoConvergence, "eigenvalue iteration did not converge")

// centreColumns returns a float64 copy of x with each column's mean removed.
func centreColumns(x mat.Matrix) *mat.Dense {
	xc, _, _ := centreColumnsSums(x)
	return xc
}

// centreColumnsSums is centreColumns that also returns the sums of squares
// of x (ssX) and of the centred copy (ssXc), for the tests of a constant
// representation (ssXc negligible next to ssX) and of overflow (ssX
// infinite) that the normalizing metrics make.
func centreColumnsSums(x mat.Matrix) (xc *mat.Dense, ssX, ssXc float64) {
	m, d := x.Dims()
	xc = mat.NewDense(m, d, nil)
	xc.Copy(x)
	raw := xc.RawMatrix()
	mean := make([]float64, d)
	for i := 0; i < m; i++ {
		row := raw.Data[i*raw.Stride : i*raw.Stride+d]
		for j, v := range row {
			mean[j] += v
			ssX += v * v
		}
	}
	for j := range mean {
		mean[j] /= float64(m)
	}
	for i := 0; i < m; i++ {
		row := raw.Data[i*raw.Stride : i*raw.Stride+d]
		for j := range row {
			row[j] -= mean[j]
			ssXc += row[j] * row[j]
		}
	}
	return xc, ssX, ssXc
}

// gram returns a^T a as a symmetric matrix (a is m×k, the result k×k).
func gram(a *mat.Dense) *mat.SymDense {
	_, k := a.Dims()
	s := mat.NewSymDense(k, nil)
	s.SymOuterK(1, a.T())
	return s
}

// outerGram returns a a^T as a symmetric matrix (a is m×k, the result m×m).
func outerGram(a *mat.Dense) *mat.SymDense {
	m, _ := a.Dims()
	s := mat.NewSymDense(m, nil)
	s.SymOuterK(1, a)
	return s
}

// eigSym returns the eigenvalues of the symmetric matrix s in descending
// order and, if vectors is true, the matching orthonormal eigenvectors as the
// columns of an n×n matrix.
func eigSym(s mat.Symmetric, vectors bool) ([]float64, *mat.Dense, error) {
	n := s.SymmetricDim()
	a := blas64.Symmetric{N: n, Stride: n, Data: make([]float64, n*n), Uplo: blas.Upper}
	for i := 0; i < n; i++ {
		for j := i; j < n; j++ {
			a.Data[i*n+j] = s.At(i, j)
		}
	}
	for _, v := range a.Data {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			// The inputs are checked to be finite: an overflow made it.
			return nil, nil, errorOf(ErrOverflow, "symmetric matrix has a non-finite entry (overflow)")
		}
	}
	job := lapack.EVNone
	if vectors {
		job = lapack.EVCompute
	}
	w := make([]float64, n)
	work := make([]float64, 1)
	lapack64.Syev(job, a, w, work, -1)
	work = make([]float64, int(work[0]))
	if ok := lapack64.Syev(job, a, w, work, len(work)); !ok {
		return nil, nil, errNoConvergence
	}
	// LAPACK returns ascending order; reverse values (and vector columns).
	for i, j := 0, n-1; i < j; i, j = i+1, j-1 {
		w[i], w[j] = w[j], w[i]
	}
	if !vectors {
		return w, nil, nil
	}
	v := mat.NewDense(n, n, nil)
	raw := v.RawMatrix()
	for i := 0; i < n; i++ {
		src := a.Data[i*n : (i+1)*n]
		dst := raw.Data[i*raw.Stride : i*raw.Stride+n]
		for j := 0; j < n; j++ {
			dst[j] = src[n-1-j]
		}
	}
	return w, v, nil
}

// symFunc returns V diag(f(vals)) V^T for the eigendecomposition (vals, V).
func symFunc(vals []float64, vecs *mat.Dense, f func(float64) float64) *mat.SymDense {
	n := len(vals)
	scaled := mat.NewDense(n, n, nil)
	scaled.Copy(vecs)
	fv := make([]float64, n)
	for i, l := range vals {
		fv[i] = f(l)
	}
	raw := scaled.RawMatrix()
	for i := 0; i < n; i++ {
		row := raw.Data[i*raw.Stride : i*raw.Stride+n]
		for j := range row {
			row[j] *= fv[j]
		}
	}
	var p mat.Dense
	p.Mul(scaled, vecs.T())
	return symmetrize(&p)
}

// symmetrize returns (a + a^T)/2 as a symmetric matrix.
func symmetrize(a mat.Matrix) *mat.SymDense {
	n, _ := a.Dims()
	s := mat.NewSymDense(n, nil)
	for i := 0; i < n; i++ {
		for j := i; j < n; j++ {
			s.SetSym(i, j, (a.At(i, j)+a.At(j, i))/2)
		}
	}
	return s
}

// singularValues returns the singular values of a in descending order,
// computed without singular vectors by internal/svd (a two-stage Householder
// reduction to bidiagonal form and dqds), which is backward stable: each
// value is accurate to a small multiple of n·1e-16 times the largest one.
func singularValues(a mat.Matrix) ([]float64, error) {
	r, c := a.Dims()
	// Work on the orientation with at least as many rows as columns.
	var g blas64.General
	if r >= c {
		g = blas64.General{Rows: r, Cols: c, Stride: c, Data: make([]float64, r*c)}
	} else {
		g = blas64.General{Rows: c, Cols: r, Stride: r, Data: make([]float64, r*c)}
	}
	if d, ok := a.(*mat.Dense); ok && !d.IsEmpty() {
		raw := d.RawMatrix()
		if r >= c {
			for i := 0; i < r; i++ {
				copy(g.Data[i*c:(i+1)*c], raw.Data[i*raw.Stride:i*raw.Stride+c])
			}
		} else {
			// Transpose in 32×32 tiles, which stay in cache.
			for i0 := 0; i0 < r; i0 += 32 {
				for j0 := 0; j0 < c; j0 += 32 {
					for i := i0; i < min(i0+32, r); i++ {
						for j, v := range raw.Data[i*raw.Stride+j0 : i*raw.Stride+min(j0+32, c)] {
							g.Data[(j0+j)*r+i] = v
						}
					}
				}
			}
		}
	} else {
		for i := 0; i < r; i++ {
			for j := 0; j < c; j++ {
				if r >= c {
					g.Data[i*c+j] = a.At(i, j)
				} else {
					g.Data[j*r+i] = a.At(i, j)
				}
			}
		}
	}
	return singularValuesInPlace(g)
}

// singularValuesInPlace returns the singular values of g, which must have at
// least as many rows as columns, in descending order, overwriting g.
func singularValuesInPlace(g blas64.General) ([]float64, error) {
	s, err := svd.Values(g)
	switch {
	case errors.Is(err, svd.ErrNotFinite):
		return nil, errorOf(ErrOverflow, "matrix has a non-finite entry (overflow)")
	case err != nil:
		return nil, errNoConvergence
	}
	return s, nil
}

// nuclearNorm returns the sum of the singular values of a.
func nuclearNorm(a mat.Matrix) (float64, error) {
	s, err := singularValues(a)
	if err != nil {
		return 0, err
	}
	return sumAscending(s), nil
}

// sumAscending returns the sum of s, added from the smallest value up for
// accuracy; it sorts s.
func sumAscending(s []float64) float64 {
	sort.Float64s(s)
	var sum float64
	for _, v := range s {
		sum += v
	}
	return sum
}

// padColumns returns a with zero columns appended up to k columns; a itself
// when it already has k columns. It panics if a has more than k columns.
func padColumns(a *mat.Dense, k int) *mat.Dense {
	m, c := a.Dims()
	if c == k {
		return a
	}
	if c > k {
		panic(fmt.Sprintf("repgeo: padColumns: %d columns > %d", c, k))
	}
	p := mat.NewDense(m, k, nil)
	p.Slice(0, m, 0, c).(*mat.Dense).Copy(a)
	return p
}

// svdFull returns the full SVD a = U diag(s) V^T of a square matrix.
func svdFull(a *mat.Dense) (u, v *mat.Dense, s []float64, err error) {
	var svd mat.SVD
	if ok := svd.Factorize(a, mat.SVDFull); !ok {
		return nil, nil, nil, errNoConvergence
	}
	u, v = new(mat.Dense), new(mat.Dense)
	svd.UTo(u)
	svd.VTo(v)
	return u, v, svd.Values(nil), nil
}

// frobeniusNorm returns |a| (the Frobenius norm).
func frobeniusNorm(a mat.Matrix) float64 { return mat.Norm(a, 2) }

// isFiniteMatrix reports whether every entry of a is finite.
func isFiniteMatrix(a mat.Matrix) bool {
	r, c := a.Dims()
	for i := 0; i < r; i++ {
		for j := 0; j < c; j++ {
			v := a.At(i, j)
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return false
			}
		}
	}
	return true
}

// frobDot returns the Frobenius inner product of a and b over their common
// columns (the narrower one counts as zero-padded). Both must have the same
// number of rows.
func frobDot(a, b *mat.Dense) float64 {
	ra, ca := a.Dims()
	_, cb := b.Dims()
	k := min(ca, cb)
	x, y := a.RawMatrix(), b.RawMatrix()
	var sum float64
	for i := 0; i < ra; i++ {
		xr := x.Data[i*x.Stride : i*x.Stride+k]
		yr := y.Data[i*y.Stride : i*y.Stride+k]
		for j, v := range xr {
			sum += v * yr[j]
		}
	}
	return sum
}

// scaleInPlace multiplies every element of a by f, without the temporary
// that mat.Dense.Scale takes when its receiver is its argument.
func scaleInPlace(f float64, a *mat.Dense) {
	r, c := a.Dims()
	raw := a.RawMatrix()
	for i := 0; i < r; i++ {
		row := raw.Data[i*raw.Stride : i*raw.Stride+c]
		for j := range row {
			row[j] *= f
		}
	}
}

// inverseLU sets dst to the inverse of the square matrix x through an LU
// factorization, the inverse of U and one triangular solve (level-3 work
// throughout). It returns false when x is singular or so ill-conditioned
// that the pivots of U span more than 1e15, where the inverse would not be
// accurate.
func inverseLU(dst *mat.Dense, x mat.Matrix) bool {
	n, _ := x.Dims()
	lu := mat.DenseCopyOf(x)
	g := lu.RawMatrix()
	ipiv := make([]int, n)
	if !luFactor(g, ipiv) {
		return false
	}
	lo, hi := math.Inf(1), 0.0
	for i := 0; i < n; i++ {
		d := math.Abs(g.Data[i*g.Stride+i])
		lo, hi = math.Min(lo, d), math.Max(hi, d)
	}
	if !(lo > 1e-15*hi) {
		return false
	}
	luInverse(g, ipiv)
	if r, c := dst.Dims(); dst.IsEmpty() || r != n || c != n {
		dst.Reset()
		dst.ReuseAs(n, n)
	}
	dst.Copy(lu)
	return true
}
