package svd

import (
	"gonum.org/v1/gonum/blas"

	"github.com/repgeo/repgeo/internal/fastblas"
)

// kc is the largest number of terms of a kernel call: a block of the small
// operand of kc terms stays in L2, and a strip of C in L1 or L2, while the
// kernel runs over them.
const kc = 512

// The products of the band reduction with the large trailing matrix C,
// W = Vᵀ C, Z = C Yᵀ and the update C += A B, have V, Y, A or B of at most a
// few blocks of nb columns or rows. Through a general matrix product C would
// first be copied into a packed buffer, which costs about as much as the
// arithmetic at these shapes. With an assembly micro-kernel (mr×nr tiles, see
// microKernel) only the small operand is packed, if at all, and C is read in
// place: mr-column strips for Vᵀ C (computed as Cᵀ V), mr-row blocks for
// C Yᵀ, rows of tiles for the update.

// tile computes the rows×cols top-left part of the mr×nr tile
// c += A·B with the reducer's kernel (k terms); rows ≤ mr, cols ≤ nr.
func (r *reducer) tile(k int, a []float64, ars, aps int, b []float64, bps int, c []float64, ldc, rows, cols int) {
	kn := r.kern
	if rows == kn.mr && cols == kn.nr {
		kn.fn(k, &a[0], ars, aps, &b[0], bps, &c[0], ldc)
		return
	}
	var tmp [maxMR * maxNR]float64
	kn.fn(k, &a[0], ars, aps, &b[0], bps, &tmp[0], kn.nr)
	for i := 0; i < rows; i++ {
		for j := 0; j < cols; j++ {
			c[i*ldc+j] += tmp[i*kn.nr+j]
		}
	}
}

// mulVtC sets the kb×nc matrix w (stride ldw) to Vᵀ C for the mq×kb matrix
// v (stride ldv) and the mq×nc matrix c (stride ldc).
//
// With a micro-kernel it computes the transpose Wᵀ = Cᵀ V into r.wtT and
// copies it to w: strips of mr columns of C are the kernel's A operand, read
// in place and broadcast one row (one cache line) at a time, and V is packed
// in strips of nr columns as B. A strip of kc rows of C (kc·mr elements)
// then stays in L1 for the kb/nr kernel calls that read it, where Vᵀ C with
// C as B (nr-column strips, kb/mr calls each) reads twice as many strips of
// twice the width from L2; this is 5–15% faster (BenchmarkSkinny).
func (r *reducer) mulVtC(kb, nc, mq int, v []float64, ldv int, c []float64, ldc int, w []float64, ldw int) {
	if r.kern == nil {
		var bl fastblas.Implementation
		bl.Dgemm(blas.Trans, blas.NoTrans, kb, nc, mq, 1, v, ldv, c, ldc, 0, w, ldw)
		return
	}
	mr, nr := r.kern.mr, r.kern.nr
	// V packed in strips of nr columns: bp[(s*mq+p)*nr+j] = V(p, nr·s+j).
	ns := (kb + nr - 1) / nr
	bp := r.bp[:ns*mq*nr]
	for p := 0; p < mq; p++ {
		vp := v[p*ldv : p*ldv+kb]
		for s := 0; s < ns; s++ {
			dst := bp[(s*mq+p)*nr : (s*mq+p)*nr+nr]
			n := copy(dst, vp[s*nr:])
			clear(dst[n:])
		}
	}
	ldt := ns * nr
	wt := r.wtT[:nc*ldt]
	clear(wt)
	// Blocks of kc terms keep the packed strips of V in L2 and the strip of
	// C in L1 while the kernel runs over them.
	for p0 := 0; p0 < mq; p0 += kc {
		kcb := min(kc, mq-p0)
		for j0 := 0; j0 < nc; j0 += mr {
			rows := min(mr, nc-j0)
			a, aps := c[p0*ldc+j0:], ldc
			if rows < mr {
				// A last strip of fewer than mr columns is copied, padded
				// with zeros.
				at := r.rows[:mr*kcb]
				for p := 0; p < kcb; p++ {
					d := at[p*mr : p*mr+mr]
					copy(d, c[(p0+p)*ldc+j0:(p0+p)*ldc+j0+rows])
					clear(d[rows:])
				}
				a, aps = at, mr
			}
			for s := 0; s < ns; s++ {
				r.tile(kcb, a, 1, aps, bp[(s*mq+p0)*nr:], nr, wt[j0*ldt+s*nr:], ldt, rows, nr)
			}
		}
	}
	for i := 0; i < kb; i++ {
		wi := w[i*ldw : i*ldw+nc]
		for j := range wi {
			wi[j] = wt[j*ldt+i]
		}
	}
}

// mulCYt sets the mr×k matrix z (stride ldz) to C Yᵀ for the mr×nc matrix
// c (stride ldc) and the k×nc matrix y (stride ldy).
func (r *reducer) mulCYt(mr, k, nc int, c []float64, ldc int, y []float64, ldy int, z []float64, ldz int) {
	if r.kern == nil {
		var bl fastblas.Implementation
		bl.Dgemm(blas.NoTrans, blas.Trans, mr, k, nc, 1, c, ldc, y, ldy, 0, z, ldz)
		return
	}
	tr, nr := r.kern.mr, r.kern.nr
	// Yᵀ packed in strips of nr columns: bp[(s*nc+p)*nr+j] = Y(nr·s+j, p).
	ns := (k + nr - 1) / nr
	bp := r.bp[:ns*nc*nr]
	r.packYt(k, nc, y, ldy, bp)
	for i := 0; i < mr; i++ {
		clear(z[i*ldz : i*ldz+k])
	}
	for p0 := 0; p0 < nc; p0 += kc {
		kcb := min(kc, nc-p0)
		for i0 := 0; i0 < mr; i0 += tr {
			rows := min(tr, mr-i0)
			a, ars := c[i0*ldc+p0:], ldc
			if rows < tr {
				at := r.rows[:tr*kcb]
				clear(at)
				for i := 0; i < rows; i++ {
					copy(at[i*kcb:(i+1)*kcb], c[(i0+i)*ldc+p0:(i0+i)*ldc+p0+kcb])
				}
				a, ars = at, kcb
			}
			for s := 0; s < ns; s++ {
				r.tile(kcb, a, ars, 1, bp[(s*nc+p0)*nr:], nr, z[i0*ldz+s*nr:], ldz, rows, min(nr, k-s*nr))
			}
		}
	}
}

// packYt packs Yᵀ for the k×nc matrix y (stride ldy) into bp in strips of
// nr columns, bp[(s*nc+p)*nr+j] = Y(nr·s+j, p), zero past k. It runs over
// blocks of 64 columns of Y, each row of a block read contiguously and the
// block's part of the strip (64·nr elements) kept in L1.
func (r *reducer) packYt(k, nc int, y []float64, ldy int, bp []float64) {
	const pb = 64
	nr := r.kern.nr
	for s := 0; s*nr < k; s++ {
		jn := min(nr, k-s*nr)
		st := bp[s*nc*nr : (s+1)*nc*nr]
		for p0 := 0; p0 < nc; p0 += pb {
			np := min(pb, nc-p0)
			blk := st[p0*nr : (p0+np)*nr]
			for j := 0; j < jn; j++ {
				yj := y[(s*nr+j)*ldy+p0 : (s*nr+j)*ldy+p0+np]
				for p, v := range yj {
					blk[p*nr+j] = v
				}
			}
			if jn < nr {
				for p := 0; p < np; p++ {
					clear(blk[p*nr+jn : p*nr+nr])
				}
			}
		}
	}
}

// nc2 is the width of the column panels of mulAdd: a panel of the k×n
// operand stays in L2 while the kernel runs down the rows of C.
const nc2 = 512

// mulAdd adds A·B to the m×n matrix c (stride ldc) for the m×k matrix a
// (stride lda) and the k×n matrix b (stride ldb), with k small (a few
// blocks of nb). All three are read in place, C once, by rows of tiles.
func (r *reducer) mulAdd(m, n, k int, a []float64, lda int, b []float64, ldb int, c []float64, ldc int) {
	if r.kern == nil {
		var bl fastblas.Implementation
		bl.Dgemm(blas.NoTrans, blas.NoTrans, m, n, k, 1, a, lda, b, ldb, 1, c, ldc)
		return
	}
	mr, nr := r.kern.mr, r.kern.nr
	for p0 := 0; p0 < k; p0 += kc {
		kcb := min(kc, k-p0)
		for jc := 0; jc < n; jc += nc2 {
			ncb := min(nc2, n-jc)
			// A last strip of fewer than nr columns is copied, padded with
			// zeros.
			full := ncb / nr * nr
			if cols := ncb - full; cols > 0 {
				bt := r.strip[:kcb*nr]
				for p := 0; p < kcb; p++ {
					d := bt[p*nr : p*nr+nr]
					copy(d, b[(p0+p)*ldb+jc+full:(p0+p)*ldb+jc+ncb])
					clear(d[cols:])
				}
			}
			for i0 := 0; i0 < m; i0 += mr {
				rows := min(mr, m-i0)
				as, ars := a[i0*lda+p0:], lda
				if rows < mr {
					at := r.rows[:mr*kcb]
					clear(at)
					for i := 0; i < rows; i++ {
						copy(at[i*kcb:(i+1)*kcb], a[(i0+i)*lda+p0:(i0+i)*lda+p0+kcb])
					}
					as, ars = at, kcb
				}
				ci := c[i0*ldc+jc:]
				for j := 0; j < full; j += nr {
					r.tile(kcb, as, ars, 1, b[p0*ldb+jc+j:], ldb, ci[j:], ldc, rows, nr)
				}
				if full < ncb {
					r.tile(kcb, as, ars, 1, r.strip, nr, ci[full:], ldc, rows, ncb-full)
				}
			}
		}
	}
}
