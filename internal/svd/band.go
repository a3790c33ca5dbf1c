package svd

import (
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/lapack"
	"gonum.org/v1/gonum/lapack/gonum"

	"github.com/repgeo/repgeo/internal/fastblas"
)

// reducer holds the workspace of the blocked Householder reductions of an
// m×n matrix (m ≥ n, row-major) with blocks of nb columns.
type reducer struct {
	m, n, nb int
	tau      []float64
	t, s, x  []float64 // nb×nb: block reflector factors and a product
	panel    []float64 // nb×m: the transposed panel
	y        []float64 // nb×m: explicit reflectors of the panel
	p        []float64 // m×2nb: [V | Z]
	q        []float64 // 2nb×n: [W; Y]
	ap, bp   []float64 // packed small operands of the skinny products
	strip    []float64 // m×8: a last, narrow strip of columns
	rows     []float64 // 6×n: a last, short block of rows
	work     []float64
}

// newReducer returns the workspace for an m×n matrix and blocks of nb.
func newReducer(m, n, nb int) *reducer {
	return &reducer{
		m: m, n: n, nb: nb,
		tau:   make([]float64, nb),
		t:     make([]float64, nb*nb),
		s:     make([]float64, nb*nb),
		x:     make([]float64, nb*nb),
		panel: make([]float64, nb*m),
		y:     make([]float64, nb*m),
		p:     make([]float64, m*2*nb),
		q:     make([]float64, 2*nb*n),
		ap:    make([]float64, (nb+5)/6*6*m),
		bp:    make([]float64, (nb+7)/8*8*n),
		strip: make([]float64, 8*m),
		rows:  make([]float64, 6*n),
		work:  make([]float64, max(m, n)),
	}
}

// lqLeaf is the number of rows below which lq calls the unblocked Dgelq2.
const lqLeaf = 12

// lq computes the LQ factorization of the k×nc matrix a (stride lda,
// k ≤ nc) recursively, splitting the rows in halves so that most of the work
// is matrix products. It leaves L in the lower triangle of a and the
// reflectors in the rows of a right of the diagonal, as Dgelq2 does, the
// reflectors also explicitly (unit diagonal, zeros left of it) in the k×nc
// matrix y (stride ldy), and in t (stride ldt) the upper triangular T with
// H₁⋯H_k = I - Yᵀ T Y.
func (r *reducer) lq(k, nc int, a []float64, lda int, t []float64, ldt int, y []float64, ldy int) {
	if k <= lqLeaf {
		var impl gonum.Implementation
		impl.Dgelq2(k, nc, a, lda, r.tau[:k], r.work)
		impl.Dlarft(lapack.Forward, lapack.RowWise, nc, k, a, lda, r.tau, t, ldt)
		for i := 0; i < k; i++ {
			yi := y[i*ldy : i*ldy+nc]
			clear(yi[:i])
			yi[i] = 1
			copy(yi[i+1:], a[i*lda+i+1:i*lda+nc])
		}
		return
	}
	var bl fastblas.Implementation
	k1 := k / 2
	k2 := k - k1
	r.lq(k1, nc, a, lda, t, ldt, y, ldy)
	// A2 = a[k1:k, :] -= (A2 Y1ᵀ) T1 Y1, the product in r.x (k2×k1).
	a2 := a[k1*lda:]
	w := r.x[:k2*k1]
	bl.Dgemm(blas.NoTrans, blas.Trans, k2, k1, nc, 1, a2, lda, y, ldy, 0, w, k1)
	bl.Dtrmm(blas.Right, blas.Upper, blas.NoTrans, blas.NonUnit, k2, k1, 1, t, ldt, w, k1)
	bl.Dgemm(blas.NoTrans, blas.NoTrans, k2, nc, k1, -1, w, k1, y, ldy, 1, a2, lda)
	r.lq(k2, nc-k1, a2[k1:], lda, t[k1*ldt+k1:], ldt, y[k1*ldy+k1:], ldy)
	y2 := y[k1*ldy:]
	for i := 0; i < k2; i++ {
		clear(y2[i*ldy : i*ldy+k1])
	}
	// T12 = -T1 (Y1 Y2ᵀ) T2.
	t12 := t[k1:]
	bl.Dgemm(blas.NoTrans, blas.Trans, k1, k2, nc-k1, 1, y[k1:], ldy, y2[k1:], ldy, 0, t12, ldt)
	bl.Dtrmm(blas.Left, blas.Upper, blas.NoTrans, blas.NonUnit, k1, k2, -1, t, ldt, t12, ldt)
	bl.Dtrmm(blas.Right, blas.Upper, blas.NoTrans, blas.NonUnit, k1, k2, 1, t[k1*ldt+k1:], ldt, t12, ldt)
}

// qrPanel computes the QR factorization of the mq×kb panel a (stride lda,
// mq ≥ kb) through the LQ factorization of its transpose, whose rows are
// contiguous. It leaves R in the upper triangle of the panel's first kb
// rows, V (unit lower trapezoidal, mq×kb) in the first kb columns of r.p
// with stride ldp, and T with Q = I - V T Vᵀ in r.t.
func (r *reducer) qrPanel(mq, kb int, a []float64, lda, ldp int) {
	pt := r.panel[:kb*mq]
	for i := 0; i < mq; i++ {
		for c, v := range a[i*lda : i*lda+kb] {
			pt[c*mq+i] = v
		}
	}
	y := r.y[:kb*mq]
	r.lq(kb, mq, pt, mq, r.t, r.nb, y, mq)
	for i := 0; i < mq; i++ {
		vi := r.p[i*ldp : i*ldp+kb]
		for c := range vi {
			vi[c] = y[c*mq+i]
		}
		if i < kb {
			ri := a[i*lda : i*lda+kb]
			for c := i; c < kb; c++ {
				ri[c] = pt[c*mq+i]
			}
		}
	}
}

// qr replaces the m×n matrix a (stride lda) by the upper triangular factor
// R of its QR factorization, with zeros below the diagonal, in its first n
// rows; the rows below are not referenced afterwards.
func (r *reducer) qr(a []float64, lda int) {
	var bl fastblas.Implementation
	m, n, nb := r.m, r.n, r.nb
	for j := 0; j < n; j += nb {
		kb := min(nb, n-j)
		mq := m - j
		r.qrPanel(mq, kb, a[j*lda+j:], lda, kb)
		for i := 1; i < n-j; i++ {
			clear(a[(j+i)*lda+j : (j+i)*lda+j+min(i, kb)])
		}
		nc := n - j - kb
		if nc == 0 {
			break
		}
		// C = a[j:m, j+kb:n] -= V W with W = Tᵀ Vᵀ C.
		c := a[j*lda+j+kb:]
		w := r.q[:kb*nc]
		r.mulVtC(kb, nc, mq, r.p, kb, c, lda, w, nc)
		bl.Dtrmm(blas.Left, blas.Upper, blas.Trans, blas.NonUnit, kb, nc, 1, r.t, nb, w, nc)
		bl.Dgemm(blas.NoTrans, blas.NoTrans, mq, nc, kb, -1, r.p, kb, w, nc, 1, c, lda)
	}
}

// band reduces the m×n matrix a (stride lda) to upper band form with nb
// superdiagonals by Householder transformations from both sides. For each
// block of nb columns it computes a QR factorization of the panel, applies
// it to the block row right of the diagonal block, computes the LQ
// factorization of that block row and then applies both block reflectors to
// the trailing matrix in one rank-2nb update, so that the trailing matrix is
// read three times and written once per block. On return the band is held in
// a[r*lda+c] for 0 ≤ r ≤ c ≤ min(r+nb, n-1); the other entries hold
// intermediate values and must be ignored.
func (r *reducer) band(a []float64, lda int) {
	var impl gonum.Implementation
	var bl fastblas.Implementation
	m, n, nb := r.m, r.n, r.nb
	p, q, x := r.p, r.q, r.x
	for j := 0; j < n; j += nb {
		kb := min(nb, n-j)
		mq := m - j
		nc := n - j - kb // columns right of the diagonal block
		k := min(kb, nc) // number of reflectors of the LQ step
		ldp, ldq := kb+k, nc
		// V goes to p's first kb columns (stride kb+k).
		r.qrPanel(mq, kb, a[j*lda+j:], lda, ldp)
		if nc == 0 {
			break
		}
		// W = Tᵀ Vᵀ C for the trailing C = a[j:m, j+kb:n], into q's first
		// kb rows.
		c := a[j*lda+j+kb:]
		w := q[:kb*ldq]
		r.mulVtC(kb, nc, mq, p, ldp, c, lda, w, ldq)
		bl.Dtrmm(blas.Left, blas.Upper, blas.Trans, blas.NonUnit, kb, nc, 1, r.t, nb, w, ldq)
		// The block row C1 = a[j:j+kb, j+kb:n] gets the left update
		// C1 -= V1 W, then its LQ factorization C1 = L Y.
		bl.Dgemm(blas.NoTrans, blas.NoTrans, kb, nc, kb, -1, p, ldp, w, ldq, 1, c, lda)
		// Y (k×nc, unit upper trapezoidal) goes to q's rows kb..kb+k-1.
		y := q[kb*ldq : (kb+k)*ldq]
		if kb <= nc {
			r.lq(kb, nc, c, lda, r.s, nb, y, ldq)
		} else {
			impl.Dgelq2(kb, nc, c, lda, r.tau, r.work)
			impl.Dlarft(lapack.Forward, lapack.RowWise, nc, k, c, lda, r.tau, r.s, nb)
			for i := 0; i < k; i++ {
				yi := y[i*ldq : i*ldq+nc]
				clear(yi[:i])
				yi[i] = 1
				copy(yi[i+1:], c[i*lda+i+1:i*lda+nc])
			}
		}
		mr := mq - kb
		if mr == 0 {
			continue
		}
		// The rest C2 = a[j+kb:m, j+kb:n] is to become
		// (C2 - V2 W)(I - Yᵀ S Y) = C2 - V2 W - Z Y with
		// Z = (C2 Yᵀ - V2 (W Yᵀ)) S, in p's columns kb..kb+k-1.
		c2 := a[(j+kb)*lda+j+kb:]
		v2 := p[kb*ldp:]
		z := p[kb*ldp+kb:]
		bl.Dgemm(blas.NoTrans, blas.Trans, kb, k, nc, 1, w, ldq, y, ldq, 0, x, k)
		r.mulCYt(mr, k, nc, c2, lda, y, ldq, z, ldp)
		bl.Dgemm(blas.NoTrans, blas.NoTrans, mr, k, kb, -1, v2, ldp, x, k, 1, z, ldp)
		bl.Dtrmm(blas.Right, blas.Upper, blas.NoTrans, blas.NonUnit, mr, k, 1, r.s, nb, z, ldp)
		bl.Dgemm(blas.NoTrans, blas.NoTrans, mr, nc, kb+k, -1, v2, ldp, q, ldq, 1, c2, lda)
	}
}
