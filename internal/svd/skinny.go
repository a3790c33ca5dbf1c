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
// place: nr-column strips for Vᵀ C, mr-row blocks for C Yᵀ, rows of tiles for
// the update.

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
func (r *reducer) mulVtC(kb, nc, mq int, v []float64, ldv int, c []float64, ldc int, w []float64, ldw int) {
	if r.kern == nil {
		var bl fastblas.Implementation
		bl.Dgemm(blas.Trans, blas.NoTrans, kb, nc, mq, 1, v, ldv, c, ldc, 0, w, ldw)
		return
	}
	mr, nr := r.kern.mr, r.kern.nr
	// Vᵀ packed in blocks of mr rows: ap[(blk*mq+p)*mr+i] = V(p, mr·blk+i).
	nblk := (kb + mr - 1) / mr
	ap := r.ap[:nblk*mq*mr]
	for p := 0; p < mq; p++ {
		vp := v[p*ldv : p*ldv+kb]
		for blk := 0; blk < nblk; blk++ {
			dst := ap[(blk*mq+p)*mr : (blk*mq+p)*mr+mr]
			n := copy(dst, vp[blk*mr:])
			clear(dst[n:])
		}
	}
	for i := 0; i < kb; i++ {
		clear(w[i*ldw : i*ldw+nc])
	}
	// Blocks of kc terms keep the packed Vᵀ block in L2 and the strip of C
	// in L1 while the kernel runs over them.
	for p0 := 0; p0 < mq; p0 += kc {
		kcb := min(kc, mq-p0)
		for j0 := 0; j0 < nc; j0 += nr {
			cols := min(nr, nc-j0)
			b, bps := c[p0*ldc+j0:], ldc
			if cols < nr {
				bt := r.strip[:kcb*nr]
				for p := 0; p < kcb; p++ {
					d := bt[p*nr : p*nr+nr]
					copy(d, c[(p0+p)*ldc+j0:(p0+p)*ldc+j0+cols])
					clear(d[cols:])
				}
				b, bps = bt, nr
			}
			for blk := 0; blk < nblk; blk++ {
				r.tile(kcb, ap[(blk*mq+p0)*mr:], 1, mr, b, bps, w[blk*mr*ldw+j0:], ldw, min(mr, kb-blk*mr), cols)
			}
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
	var ys [maxNR][]float64
	for s := 0; s < ns; s++ {
		jn := min(nr, k-s*nr)
		for j := range jn {
			ys[j] = y[(s*nr+j)*ldy : (s*nr+j)*ldy+nc]
		}
		for p := 0; p < nc; p++ {
			dst := bp[(s*nc+p)*nr : (s*nc+p)*nr+nr]
			for j, yj := range ys[:jn] {
				dst[j] = yj[p]
			}
			clear(dst[jn:])
		}
	}
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
