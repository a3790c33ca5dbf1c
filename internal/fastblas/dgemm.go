package fastblas

import (
	"runtime"
	"sync"
	"sync/atomic"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
)

// Implementation is gonum's float64 and float32 BLAS implementation with a
// faster Dgemm, Dsyrk, Dtrmm and Dtrsm. Its zero value is ready to use.
type Implementation struct {
	gonum.Implementation
}

var _ blas.Float64 = Implementation{}

// Cache blocking: the product runs over blocks of kc contraction indices
// (one packed micro-panel of B, kc·nr values, stays in L1), mcTiles·mr rows
// of A (a packed block of A stays in L2) and nc columns of B (a multiple of
// every kernel's nr).
const (
	kc      = 256
	mcTiles = 20
	nc      = 4096
)

// minFlops is the size m·n·k under which Dgemm passes the product to gonum;
// tests set it to zero to exercise the blocked code on every shape.
var minFlops = 32 * 32 * 32

// Dgemm sets C to alpha·op(A)·op(B) + beta·C for the m×n matrix C, where
// op(A) (m×k) is A or its transpose as tA says and op(B) (k×n) is B or its
// transpose as tB says. Invalid arguments panic as in gonum's Dgemm.
func (impl Implementation) Dgemm(tA, tB blas.Transpose, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	if !dgemmValid(tA, tB, m, n, k, a, lda, b, ldb, c, ldc) || m*n*k < minFlops {
		impl.Implementation.Dgemm(tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		return
	}
	aTrans := tA != blas.NoTrans
	bTrans := tB != blas.NoTrans
	if beta != 1 {
		for i := 0; i < m; i++ {
			ci := c[i*ldc : i*ldc+n]
			if beta == 0 {
				clear(ci)
				continue
			}
			for j := range ci {
				ci[j] *= beta
			}
		}
	}
	if alpha == 0 {
		return
	}
	dgemmBlocked(aTrans, bTrans, m, n, k, alpha, a, lda, b, ldb, c, ldc)
}

// dgemmValid reports whether the arguments of Dgemm are valid and the
// product is not empty (m, n, k > 0), with the conditions of gonum's Dgemm.
func dgemmValid(tA, tB blas.Transpose, m, n, k int, a []float64, lda int, b []float64, ldb int, c []float64, ldc int) bool {
	okT := func(t blas.Transpose) bool {
		return t == blas.NoTrans || t == blas.Trans || t == blas.ConjTrans
	}
	if !okT(tA) || !okT(tB) || m <= 0 || n <= 0 || k <= 0 || ldc < n || len(c) < (m-1)*ldc+n {
		return false
	}
	if tA == blas.NoTrans {
		if lda < k || len(a) < (m-1)*lda+k {
			return false
		}
	} else if lda < m || len(a) < (k-1)*lda+m {
		return false
	}
	if tB == blas.NoTrans {
		if ldb < n || len(b) < (k-1)*ldb+n {
			return false
		}
	} else if ldb < k || len(b) < (n-1)*ldb+k {
		return false
	}
	return true
}

// serial counts the callers of Serial that have not restored yet.
var serial atomic.Int32

// Serial makes every product run on its calling goroutine until the returned
// function is called: callers that keep all cores busy with goroutines of
// their own use it so that the products do not oversubscribe the cores.
// Calls may overlap; products split over the cores again once all of them
// have restored.
func Serial() (restore func()) {
	serial.Add(1)
	var once sync.Once
	return func() { once.Do(func() { serial.Add(-1) }) }
}

// packPoolA and packPoolB hold packing buffers of kc·nc (for B) or mc·kc (for A) values.
var (
	packPoolA = sync.Pool{New: func() any { s := make([]float64, mcTiles*maxMR*kc); return &s }}
	packPoolB = sync.Pool{New: func() any { s := make([]float64, kc*nc); return &s }}
)

// dgemmBlocked computes C += alpha·op(A)·op(B) with packed blocks.
func dgemmBlocked(aTrans, bTrans bool, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, c []float64, ldc int) {
	workers := runtime.GOMAXPROCS(0)
	if 2*m*n*k < 1<<22 || serial.Load() > 0 {
		workers = 1
	}
	kn := kern
	mr, nr := kn.mr, kn.nr
	mc := mcTiles * mr
	bufB := packPoolB.Get().(*[]float64)
	defer packPoolB.Put(bufB)
	bp := *bufB

	for j0 := 0; j0 < n; j0 += nc {
		ncb := min(nc, n-j0)
		panels := (ncb + nr - 1) / nr
		for p0 := 0; p0 < k; p0 += kc {
			kcb := min(kc, k-p0)
			// Pack B[p0:p0+kcb, j0:j0+ncb] into micro-panels of nr columns.
			parallel(workers, panels, func(next func() int) {
				for q := next(); q >= 0; q = next() {
					packB(nr, bp, b, ldb, bTrans, p0, kcb, j0, ncb, q, q+1)
				}
			})
			// Tasks: blocks of mc rows times ranges of column panels, taken
			// in order by the goroutines as they become free.
			rowBlocks := (m + mc - 1) / mc
			split := 1
			for workers > 1 && rowBlocks*split < 8*workers && split*2 <= panels {
				split *= 2
			}
			parallel(workers, rowBlocks*split, func(next func() int) {
				bufA := packPoolA.Get().(*[]float64)
				defer packPoolA.Put(bufA)
				ap := *bufA
				last := -1
				for t := next(); t >= 0; t = next() {
					rb, s := t/split, t%split
					i0 := rb * mc
					mcb := min(mc, m-i0)
					if rb != last {
						packA(mr, ap, a, lda, aTrans, alpha, i0, mcb, p0, kcb)
						last = rb
					}
					q0, q1 := s*panels/split, (s+1)*panels/split
					macroKernel(kn, ap, bp, kcb, mcb, ncb, q0, q1, c[i0*ldc+j0:], ldc)
				}
			})
		}
	}
}

// parallel runs worker on up to workers goroutines (on the calling one if
// there is only one) and waits for them. The workers share the tasks 0 to n-1:
// next returns the lowest task not yet taken, or -1 when none is left.
func parallel(workers, n int, worker func(next func() int)) {
	var counter atomic.Int64
	next := func() int {
		if t := int(counter.Add(1)) - 1; t < n {
			return t
		}
		return -1
	}
	w := min(workers, n)
	if w <= 1 {
		worker(next)
		return
	}
	var wg sync.WaitGroup
	for range w {
		wg.Add(1)
		go func() {
			defer wg.Done()
			worker(next)
		}()
	}
	wg.Wait()
}

// packA packs alpha·op(A)[i0:i0+mcb, p0:p0+kcb] into micro-panels of mr rows:
// ap[q*kcb*mr + p*mr + r] is alpha·op(A)(i0+q*mr+r, p0+p), zero past row mcb.
func packA(mr int, ap, a []float64, lda int, aTrans bool, alpha float64, i0, mcb, p0, kcb int) {
	for q := 0; q*mr < mcb; q++ {
		dst := ap[q*kcb*mr : (q+1)*kcb*mr]
		rows := min(mr, mcb-q*mr)
		ib := i0 + q*mr
		if aTrans {
			// op(A)(i, p) = a[p*lda+i]: rows of a are contiguous in i.
			if rows == mr && alpha == 1 {
				copyPanel(dst, mr, a[p0*lda+ib:], lda, kcb)
				continue
			}
			for p := range kcb {
				src := a[(p0+p)*lda+ib : (p0+p)*lda+ib+rows]
				d := dst[p*mr : p*mr+mr]
				for r, v := range src {
					d[r] = alpha * v
				}
				clear(d[rows:])
			}
			continue
		}
		for r := range rows {
			src := a[(ib+r)*lda+p0 : (ib+r)*lda+p0+kcb]
			for p, v := range src {
				dst[p*mr+r] = alpha * v
			}
		}
		if rows < mr {
			for p := range kcb {
				clear(dst[p*mr+rows : p*mr+mr])
			}
		}
	}
}

// packB packs micro-panels q0 to q1 of op(B)[p0:p0+kcb, j0:j0+ncb]:
// bp[q*kcb*nr + p*nr + j] is op(B)(p0+p, j0+q*nr+j), zero past column ncb.
func packB(nr int, bp, b []float64, ldb int, bTrans bool, p0, kcb, j0, ncb, q0, q1 int) {
	for q := q0; q < q1; q++ {
		dst := bp[q*kcb*nr : (q+1)*kcb*nr]
		cols := min(nr, ncb-q*nr)
		jb := j0 + q*nr
		if !bTrans {
			if cols == nr {
				copyPanel(dst, nr, b[p0*ldb+jb:], ldb, kcb)
				continue
			}
			for p := range kcb {
				d := dst[p*nr : p*nr+nr]
				copy(d, b[(p0+p)*ldb+jb:(p0+p)*ldb+jb+cols])
				clear(d[cols:])
			}
			continue
		}
		// op(B)(p, j) = b[j*ldb+p]: rows of b are contiguous in p.
		if cols == nr && nr == 16 {
			// Sixteen read streams, one contiguous write per p.
			src := b[jb*ldb+p0:]
			_ = src[15*ldb+kcb-1]
			for p := range kcb {
				d := (*[16]float64)(dst[p*16:])
				for j := range d {
					d[j] = src[j*ldb+p]
				}
			}
			continue
		}
		for j := range cols {
			src := b[(jb+j)*ldb+p0 : (jb+j)*ldb+p0+kcb]
			for p, v := range src {
				dst[p*nr+j] = v
			}
		}
		if cols < nr {
			for p := range kcb {
				clear(dst[p*nr+cols : p*nr+nr])
			}
		}
	}
}

// copyPanel copies n rows of w values, src[p*ld : p*ld+w], to dst[p*w :
// (p+1)*w]: the packing of a micro-panel whose rows are contiguous in the
// source. The kernels' widths are copied as arrays, without a call per row.
func copyPanel(dst []float64, w int, src []float64, ld, n int) {
	_ = src[(n-1)*ld+w-1]
	switch w {
	case 16:
		for p := range n {
			*(*[16]float64)(dst[p*16:]) = *(*[16]float64)(src[p*ld:])
		}
	case 12:
		for p := range n {
			*(*[12]float64)(dst[p*12:]) = *(*[12]float64)(src[p*ld:])
		}
	case 8:
		for p := range n {
			*(*[8]float64)(dst[p*8:]) = *(*[8]float64)(src[p*ld:])
		}
	case 6:
		for p := range n {
			*(*[6]float64)(dst[p*6:]) = *(*[6]float64)(src[p*ld:])
		}
	default:
		for p := range n {
			copy(dst[p*w:(p+1)*w], src[p*ld:p*ld+w])
		}
	}
}

// macroKernel computes C[0:mcb, q0*nr:min(q1*nr, ncb)] += Ap·Bp for packed
// blocks ap (mcb rows) and bp (ncb columns) of kcb contraction indices.
func macroKernel(kn kernel, ap, bp []float64, kcb, mcb, ncb, q0, q1 int, c []float64, ldc int) {
	mr, nr := kn.mr, kn.nr
	var buf [maxMR * maxNR]float64
	tmp := buf[:mr*nr]
	for q := q0; q < q1; q++ {
		j := q * nr
		cols := min(nr, ncb-j)
		bq := bp[q*kcb*nr : (q+1)*kcb*nr]
		for i := 0; i < mcb; i += mr {
			rows := min(mr, mcb-i)
			aq := ap[(i/mr)*kcb*mr : (i/mr+1)*kcb*mr]
			if rows == mr && cols == nr {
				kn.run(kcb, aq, bq, c[i*ldc+j:i*ldc+j+(mr-1)*ldc+nr], ldc)
				continue
			}
			clear(tmp)
			kn.run(kcb, aq, bq, tmp, nr)
			for r := range rows {
				cr := c[(i+r)*ldc+j : (i+r)*ldc+j+cols]
				for jj := range cr {
					cr[jj] += tmp[r*nr+jj]
				}
			}
		}
	}
}
