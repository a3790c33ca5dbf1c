package svd

import (
	"gonum.org/v1/gonum/blas"

	"github.com/repgeo/repgeo/internal/fastblas"
)

// reducer holds the workspace of the blocked Householder reductions of an
// m×n matrix (m ≥ n, row-major) with blocks of nb columns.
type reducer struct {
	m, n, nb int
	tau      []float64
	t, s, x  []float64    // nb×nb: block reflector factors and a product
	tt       []float64    // nb×nb: a negated, full copy of t or s
	wt       []float64    // nb×n: Vᵀ C before its product with Tᵀ
	panel    []float64    // nb×m: the transposed panel
	y        []float64    // nb×m: explicit reflectors of the panel
	p        []float64    // m×2nb: [V | Z]
	q        []float64    // 2nb×n: [W; Y]
	kern     *microKernel // of the products; nil for fastblas
	bp       []float64    // packed small operand of the products
	strip    []float64    // m×nr: a last, narrow strip of columns
	rows     []float64    // mr×kc: a last, short block of rows
	wtT      []float64    // n×nb (nb rounded up to nr): Wᵀ in mulVtC
	work     []float64
}

// newReducer returns the workspace for an m×n matrix and blocks of nb, with
// the current micro-kernel (the package's kernel) for the products.
func newReducer(m, n, nb int) *reducer {
	r := &reducer{
		m: m, n: n, nb: nb,
		kern:  kernel,
		tau:   make([]float64, nb),
		t:     make([]float64, nb*nb),
		s:     make([]float64, nb*nb),
		x:     make([]float64, nb*nb),
		tt:    make([]float64, nb*nb),
		wt:    make([]float64, nb*n),
		panel: make([]float64, nb*m),
		y:     make([]float64, nb*m),
		p:     make([]float64, m*2*nb),
		q:     make([]float64, 2*nb*n),
		work:  make([]float64, max(m, n)),
	}
	if kn := r.kern; kn != nil {
		r.bp = make([]float64, (nb+kn.nr-1)/kn.nr*kn.nr*m)
		r.strip = make([]float64, kn.nr*min(m, kc))
		r.rows = make([]float64, kn.mr*min(m, kc))
		r.wtT = make([]float64, n*((nb+kn.nr-1)/kn.nr*kn.nr))
	}
	return r
}

// lqLeaf is the number of rows below which lq calls the unblocked gelq2.
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
		r.gelq2(k, nc, a, lda, r.tau[:k])
		for i := 0; i < k; i++ {
			yi := y[i*ldy : i*ldy+nc]
			clear(yi[:i])
			yi[i] = 1
			copy(yi[i+1:], a[i*lda+i+1:i*lda+nc])
		}
		larft(k, nc, y, ldy, r.tau, t, ldt)
		return
	}
	var bl fastblas.Implementation
	k1 := k / 2
	k2 := k - k1
	r.lq(k1, nc, a, lda, t, ldt, y, ldy)
	// A2 = a[k1:k, :] += (-(A2 Y1ᵀ) T1) Y1, the product in r.x (k2×k1).
	a2 := a[k1*lda:]
	w := r.x[:k2*k1]
	r.mulCYt(k2, k1, nc, a2, lda, y, ldy, w, k1)
	bl.Dtrmm(blas.Right, blas.Upper, blas.NoTrans, blas.NonUnit, k2, k1, -1, t, ldt, w, k1)
	r.mulAdd(k2, nc, k1, w, k1, y, ldy, a2, lda)
	r.lq(k2, nc-k1, a2[k1:], lda, t[k1*ldt+k1:], ldt, y[k1*ldy+k1:], ldy)
	y2 := y[k1*ldy:]
	for i := 0; i < k2; i++ {
		clear(y2[i*ldy : i*ldy+k1])
	}
	// T12 = -T1 (Y1 Y2ᵀ) T2.
	t12 := t[k1:]
	r.mulCYt(k1, k2, nc-k1, y[k1:], ldy, y2[k1:], ldy, t12, ldt)
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
		// C = a[j:m, j+kb:n] += V W with W = -Tᵀ (Vᵀ C), the triangular
		// product as a full one with a zero triangle.
		c := a[j*lda+j+kb:]
		w := r.q[:kb*nc]
		wt := r.wt[:kb*nc]
		r.mulVtC(kb, nc, mq, r.p, kb, c, lda, wt, nc)
		negTriangle(r.tt, kb, r.t, nb, true)
		clear(w)
		r.mulAdd(kb, nc, kb, r.tt, kb, wt, nc, w, nc)
		r.mulAdd(mq, nc, kb, r.p, kb, w, nc, c, lda)
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
		// W = -Tᵀ (Vᵀ C) for the trailing C = a[j:m, j+kb:n], into q's
		// first kb rows. The triangular products here are full ones with a
		// zero triangle (negTriangle), which the kernel does faster than a
		// triangular product would be done.
		c := a[j*lda+j+kb:]
		w := q[:kb*ldq]
		wt := r.wt[:kb*nc]
		r.mulVtC(kb, nc, mq, p, ldp, c, lda, wt, nc)
		negTriangle(r.tt, kb, r.t, nb, true)
		for i := 0; i < kb; i++ {
			clear(w[i*ldq : i*ldq+nc])
		}
		r.mulAdd(kb, nc, kb, r.tt, kb, wt, nc, w, ldq)
		// The block row C1 = a[j:j+kb, j+kb:n] gets the left update
		// C1 += V1 W, then its LQ factorization C1 = L Y.
		r.mulAdd(kb, nc, kb, p, ldp, w, ldq, c, lda)
		// Y (k×nc, unit upper trapezoidal) goes to q's rows kb..kb+k-1.
		y := q[kb*ldq : (kb+k)*ldq]
		if kb <= nc {
			r.lq(kb, nc, c, lda, r.s, nb, y, ldq)
		} else {
			r.gelq2(kb, nc, c, lda, r.tau)
			for i := 0; i < k; i++ {
				yi := y[i*ldq : i*ldq+nc]
				clear(yi[:i])
				yi[i] = 1
				copy(yi[i+1:], c[i*lda+i+1:i*lda+nc])
			}
			larft(k, nc, y, ldq, r.tau, r.s, nb)
		}
		mr := mq - kb
		if mr == 0 {
			continue
		}
		// The rest C2 = a[j+kb:m, j+kb:n] is to become
		// (C2 + V2 W)(I - Yᵀ S Y) = C2 + V2 W + Z Y with
		// Z = -(C2 Yᵀ + V2 X) S and X = W Yᵀ (in r.x); C2 Yᵀ + V2 X goes to
		// r.panel, Z to p's columns kb..kb+k-1, and the update is
		// C2 += [V2 Z] [W; Y], reading C2 once in place.
		c2 := a[(j+kb)*lda+j+kb:]
		v2 := p[kb*ldp:]
		z := p[kb*ldp+kb:]
		r.mulCYt(kb, k, nc, w, ldq, y, ldq, x, k)
		zt := r.panel[:mr*k]
		r.mulCYt(mr, k, nc, c2, lda, y, ldq, zt, k)
		r.mulAdd(mr, k, kb, v2, ldp, x, k, zt, k)
		negTriangle(r.tt, k, r.s, nb, false)
		for i := 0; i < mr; i++ {
			clear(z[i*ldp : i*ldp+k])
		}
		r.mulAdd(mr, k, k, zt, k, r.tt, k, z, ldp)
		r.mulAdd(mr, nc, kb+k, v2, ldp, q, ldq, c2, lda)
	}
}

// negTriangle sets the k×k matrix dst (stride k) to -T, or to -Tᵀ if trans,
// for the upper triangle T of the k×k matrix t (stride ldt), with zeros in
// the other triangle.
func negTriangle(dst []float64, k int, t []float64, ldt int, trans bool) {
	dst = dst[:k*k]
	clear(dst)
	for i := 0; i < k; i++ {
		for j := i; j < k; j++ {
			if trans {
				dst[j*k+i] = -t[i*ldt+j]
			} else {
				dst[i*k+j] = -t[i*ldt+j]
			}
		}
	}
}
