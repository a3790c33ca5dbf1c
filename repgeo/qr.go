package repgeo

import (
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/lapack/gonum"
	"gonum.org/v1/gonum/lapack/lapack64"
	"gonum.org/v1/gonum/mat"
)

// houseQR is the Householder QR factorization t = Q R of a tall n×s matrix
// (n ≥ s) in LAPACK's compact form: R on and above the diagonal of a, the
// reflectors below it.
//
// gonum v0.17.0's blocked routines (Dgeqrf, Dormqr, Dorgqr) build their block
// reflectors with a Dlarft that loses the length of the first reflector when
// the second one ends in more exact zeros than it (LAPACK's 1-based "I > 1"
// translated as "i > 1"); a later, longer reflector then gets a wrong block
// reflector and the factorization is wrong, without any error. It can only
// happen when a reflector ends in an exact zero, so newHouseQR checks that
// and, in that case, factors and applies Q with the unblocked Dgeqr2 and
// Dorm2r instead, which do not use Dlarft.
type houseQR struct {
	a       blas64.General
	tau     []float64
	blocked bool
}

// newHouseQR factors t (n×s, n ≥ s).
func newHouseQR(t mat.Matrix) *houseQR {
	n, s := t.Dims()
	g := blas64.General{Rows: n, Cols: s, Stride: s, Data: make([]float64, n*s)}
	if tt, ok := t.(mat.Transpose); ok {
		// A transposed view: copy row by row of the original.
		src := mat.DenseCopyOf(tt.Matrix)
		raw := src.RawMatrix()
		for j := 0; j < s; j++ {
			for i, v := range raw.Data[j*raw.Stride : j*raw.Stride+n] {
				g.Data[i*s+j] = v
			}
		}
	} else {
		for i := 0; i < n; i++ {
			for j := 0; j < s; j++ {
				g.Data[i*s+j] = t.At(i, j)
			}
		}
	}
	q := &houseQR{a: g, tau: make([]float64, s), blocked: true}
	orig := append([]float64(nil), g.Data...)
	work := make([]float64, 1)
	lapack64.Geqrf(g, q.tau, work, -1)
	work = make([]float64, int(work[0]))
	lapack64.Geqrf(g, q.tau, work, len(work))
	if !reflectorsEndNonzero(g) {
		copy(g.Data, orig)
		(gonum.Implementation{}).Dgeqr2(n, s, g.Data, g.Stride, q.tau, make([]float64, s))
		q.blocked = false
	}
	return q
}

// reflectorsEndNonzero reports whether every reflector of the compact
// factorization g has a nonzero last entry, so that all have the full length
// and gonum's block reflectors are right.
func reflectorsEndNonzero(g blas64.General) bool {
	n, s := g.Rows, g.Cols
	for i := 0; i < min(s, n-1); i++ {
		if g.Data[(n-1)*g.Stride+i] == 0 {
			return false
		}
	}
	return true
}

// r returns the s×s upper triangular factor R.
func (q *houseQR) r() *mat.Dense {
	s := q.a.Cols
	r := mat.NewDense(s, s, nil)
	for i := 0; i < s; i++ {
		for j := i; j < s; j++ {
			r.Set(i, j, q.a.Data[i*q.a.Stride+j])
		}
	}
	return r
}

// applyQ overwrites the n×k matrix c with Q c.
func (q *houseQR) applyQ(c blas64.General) {
	if c.Cols == 0 {
		return
	}
	if !q.blocked {
		(gonum.Implementation{}).Dorm2r(blas.Left, blas.NoTrans, c.Rows, c.Cols, q.a.Cols, q.a.Data, q.a.Stride, q.tau, c.Data, c.Stride, make([]float64, c.Cols))
		return
	}
	work := make([]float64, 1)
	lapack64.Ormqr(blas.Left, blas.NoTrans, q.a, q.tau, c, work, -1)
	work = make([]float64, int(work[0]))
	lapack64.Ormqr(blas.Left, blas.NoTrans, q.a, q.tau, c, work, len(work))
}
