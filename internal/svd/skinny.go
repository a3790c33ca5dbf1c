package svd

import (
	"gonum.org/v1/gonum/blas"

	"github.com/repgeo/repgeo/internal/fastblas"
)

// kc is the number of terms of the kernel calls of the skinny products.
const kc = 256

// useAsm selects the assembly kernel for the skinny products below; tests
// switch it off to check the path through fastblas.
var useAsm = haveAsm

// The skinny products of the band reduction, W = Vᵀ C and Z = C Yᵀ with C
// large and V, Y of at most nb columns or rows, read C once. Through a
// general matrix product C would first be copied into a packed buffer,
// which costs about as much as the arithmetic at these shapes. With the
// assembly kernel only the small operand is packed, and C is read in place:
// 8-column strips for Vᵀ C, 6-row blocks for C Yᵀ.

// tile computes the rows×cols top-left part of the 6×8 tile
// c += A·B with the kernel (k terms); rows ≤ 6, cols ≤ 8.
func tile(k int, a []float64, ars, aps int, b []float64, bps int, c []float64, ldc, rows, cols int) {
	if rows == 6 && cols == 8 {
		kernel6x8s(k, &a[0], ars, aps, &b[0], bps, &c[0], ldc)
		return
	}
	var tmp [6 * 8]float64
	kernel6x8s(k, &a[0], ars, aps, &b[0], bps, &tmp[0], 8)
	for r := 0; r < rows; r++ {
		for j := 0; j < cols; j++ {
			c[r*ldc+j] += tmp[r*8+j]
		}
	}
}

// mulVtC sets the kb×nc matrix w (stride ldw) to Vᵀ C for the mq×kb matrix
// v (stride ldv) and the mq×nc matrix c (stride ldc).
func (r *reducer) mulVtC(kb, nc, mq int, v []float64, ldv int, c []float64, ldc int, w []float64, ldw int) {
	if !useAsm {
		var bl fastblas.Implementation
		bl.Dgemm(blas.Trans, blas.NoTrans, kb, nc, mq, 1, v, ldv, c, ldc, 0, w, ldw)
		return
	}
	// Vᵀ packed in blocks of 6 rows: ap[(blk*mq+p)*6+i] = V(p, 6blk+i).
	nblk := (kb + 5) / 6
	ap := r.ap[:nblk*mq*6]
	for p := 0; p < mq; p++ {
		vp := v[p*ldv : p*ldv+kb]
		for blk := 0; blk < nblk; blk++ {
			dst := ap[(blk*mq+p)*6 : (blk*mq+p)*6+6]
			n := copy(dst, vp[blk*6:])
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
		for j0 := 0; j0 < nc; j0 += 8 {
			cols := min(8, nc-j0)
			b, bps := c[p0*ldc+j0:], ldc
			if cols < 8 {
				bt := r.strip[:kcb*8]
				for p := 0; p < kcb; p++ {
					d := bt[p*8 : p*8+8]
					copy(d, c[(p0+p)*ldc+j0:(p0+p)*ldc+j0+cols])
					clear(d[cols:])
				}
				b, bps = bt, 8
			}
			for blk := 0; blk < nblk; blk++ {
				tile(kcb, ap[(blk*mq+p0)*6:], 1, 6, b, bps, w[blk*6*ldw+j0:], ldw, min(6, kb-blk*6), cols)
			}
		}
	}
}

// mulCYt sets the mr×k matrix z (stride ldz) to C Yᵀ for the mr×nc matrix
// c (stride ldc) and the k×nc matrix y (stride ldy).
func (r *reducer) mulCYt(mr, k, nc int, c []float64, ldc int, y []float64, ldy int, z []float64, ldz int) {
	if !useAsm {
		var bl fastblas.Implementation
		bl.Dgemm(blas.NoTrans, blas.Trans, mr, k, nc, 1, c, ldc, y, ldy, 0, z, ldz)
		return
	}
	// Yᵀ packed in strips of 8 columns: bp[(s*nc+p)*8+j] = Y(8s+j, p).
	ns := (k + 7) / 8
	bp := r.bp[:ns*nc*8]
	for s := 0; s < ns; s++ {
		for j := 0; j < 8; j++ {
			if s*8+j >= k {
				for p := 0; p < nc; p++ {
					bp[(s*nc+p)*8+j] = 0
				}
				continue
			}
			for p, val := range y[(s*8+j)*ldy : (s*8+j)*ldy+nc] {
				bp[(s*nc+p)*8+j] = val
			}
		}
	}
	for i := 0; i < mr; i++ {
		clear(z[i*ldz : i*ldz+k])
	}
	for p0 := 0; p0 < nc; p0 += kc {
		kcb := min(kc, nc-p0)
		for i0 := 0; i0 < mr; i0 += 6 {
			rows := min(6, mr-i0)
			a, ars := c[i0*ldc+p0:], ldc
			if rows < 6 {
				at := r.rows[:6*kcb]
				clear(at)
				for i := 0; i < rows; i++ {
					copy(at[i*kcb:(i+1)*kcb], c[(i0+i)*ldc+p0:(i0+i)*ldc+p0+kcb])
				}
				a, ars = at, kcb
			}
			for s := 0; s < ns; s++ {
				tile(kcb, a, ars, 1, bp[(s*nc+p0)*8:], 8, z[i0*ldz+s*8:], ldz, rows, min(8, k-s*8))
			}
		}
	}
}
