package fastblas

import (
	"fmt"
	"runtime"
	"sync"

	"gonum.org/v1/gonum/blas/blas64"
)

// A stripKernel is a micro-kernel that reads both operands from strips w
// values wide: it computes C[0:ra, 0:w] += A·B with A(r, p) = a[p*w+r] and
// B(p, j) = b[p*w+j], k ≥ 1 terms.
type stripKernel struct {
	name  string
	w, ra int
	run   func(k int, a, b, c []float64, ldc int)
}

// goStripKernel is the pure-Go strip kernel, used without AVX2 and FMA.
var goStripKernel = newGoStripKernel("go", 8, 4)

// newGoStripKernel returns a pure-Go strip kernel for strips w wide and
// tiles of ra rows.
func newGoStripKernel(name string, w, ra int) stripKernel {
	return stripKernel{name: name, w: w, ra: ra, run: func(k int, a, b, c []float64, ldc int) {
		stripKernelGo(w, ra, k, a, b, c, ldc)
	}}
}

// skern is the strip kernel of the products of Strips: the fastest one this
// CPU runs. Tests switch it to check the others.
var skern = availableStripKernels()[0]

// availableStripKernels lists the strip kernels this CPU can run, fastest
// first.
func availableStripKernels() []stripKernel {
	return append(asmStripKernels(), goStripKernel)
}

// stripKernelGo is the pure-Go strip kernel, with the summation order of the
// assembly ones (without fused multiply-add).
func stripKernelGo(w, ra, k int, a, b, c []float64, ldc int) {
	_ = a[(k-1)*w+ra-1]
	var acc [maxMR * maxNR]float64
	for p := 0; p < k; p++ {
		bp := b[p*w : p*w+w]
		for r := range ra {
			ar := a[p*w+r]
			row := acc[r*w : r*w+w]
			for j, bj := range bp {
				row[j] += ar * bj
			}
		}
	}
	for r := range ra {
		cr := c[r*ldc : r*ldc+w]
		for j, v := range acc[r*w : r*w+w] {
			cr[j] += v
		}
	}
}

// Strips is a matrix stored by strips of columns (16 wide with AVX-512, 8
// otherwise), the layout the strip kernels read directly: products of Strips
// need no packing, and the triangular ones skip the zero part of every strip.
type Strips struct {
	rows, cols int
	w          int       // strip width, that of the kernel when it was made
	data       []float64 // strip s: data[s*rows*w:], row-major with stride w, zero past cols
}

// NewStrips returns a copy of a in strips.
func NewStrips(a blas64.General) *Strips {
	w := skern.w
	ns := (a.Cols + w - 1) / w
	s := &Strips{rows: a.Rows, cols: a.Cols, w: w, data: make([]float64, ns*a.Rows*w)}
	for q := range ns {
		j0 := q * w
		cols := min(w, a.Cols-j0)
		dst := s.data[q*a.Rows*w:]
		for i := range a.Rows {
			copy(dst[i*w:i*w+cols], a.Data[i*a.Stride+j0:i*a.Stride+j0+cols])
		}
	}
	return s
}

// Dims returns the number of rows and columns of s.
func (s *Strips) Dims() (rows, cols int) { return s.rows, s.cols }

// strip returns strip q from row p on.
func (s *Strips) strip(q, p int) []float64 {
	return s.data[(q*s.rows+p)*s.w : (q+1)*s.rows*s.w]
}

// MulTN sets c (a's columns × b's columns, row-major) to aᵀ·b. With lowerA
// (lowerB), a (b) must be lower triangular, zero at (i, j) for j > i, and its
// zeros are skipped. It panics if the dimensions do not match or the strips
// were made for another kernel. It runs on GOMAXPROCS goroutines when large,
// on the calling one under Serial.
func MulTN(a, b *Strips, lowerA, lowerB bool, c blas64.General) {
	if a.rows != b.rows || c.Rows != a.cols || c.Cols != b.cols || a.w != b.w || a.w != skern.w {
		panic(fmt.Sprintf("fastblas: MulTN: a is %d×%d (strips of %d), b %d×%d (%d), c %d×%d, kernel strips of %d",
			a.rows, a.cols, a.w, b.rows, b.cols, b.w, c.Rows, c.Cols, skern.w))
	}
	for i := range c.Rows {
		clear(c.Data[i*c.Stride : i*c.Stride+c.Cols])
	}
	if a.rows == 0 {
		return
	}
	kn := skern
	nsB := (b.cols + kn.w - 1) / kn.w
	workers := runtime.GOMAXPROCS(0)
	if serial.Load() > 0 || 2*a.rows*a.cols*b.cols < 1<<24 {
		workers = 1
	}
	workers = min(workers, nsB)
	if workers <= 1 {
		mulTNStrips(kn, a, b, lowerA, lowerB, c, 0, nsB)
		return
	}
	// Each goroutine takes a range of b's strips, so disjoint columns of c;
	// every element is summed in the same order as on one goroutine.
	var wg sync.WaitGroup
	for g := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			mulTNStrips(kn, a, b, lowerA, lowerB, c, g*nsB/workers, (g+1)*nsB/workers)
		}()
	}
	wg.Wait()
}

// Blocking of MulTN: b's strips pass over blocks of stripKC rows of
// stripChunk strips of a (256 kB with 16-wide strips, in L2), and each tile of
// C is loaded once per block of rows. Measured with BenchmarkMulTN.
const (
	stripChunk = 4
	stripKC    = 512
)

// mulTNStrips adds aᵀ·b to the columns of c in b's strips q0 to q1.
func mulTNStrips(kn stripKernel, a, b *Strips, lowerA, lowerB bool, c blas64.General, q0, q1 int) {
	w, n := kn.w, a.rows
	nsA := (a.cols + w - 1) / w
	var buf [maxMR * maxNR]float64
	tmp := buf[:kn.ra*w]
	for p0 := 0; p0 < n; p0 += stripKC {
		p1 := min(p0+stripKC, n)
		for i0 := 0; i0 < nsA; i0 += stripChunk {
			for q := q0; q < q1; q++ {
				cols := min(w, b.cols-q*w)
				for s := i0; s < min(i0+stripChunk, nsA); s++ {
					ps := p0
					if lowerA {
						ps = max(ps, s*w)
					}
					if lowerB {
						ps = max(ps, q*w)
					}
					if ps >= p1 {
						continue
					}
					k := p1 - ps
					as, bs := a.strip(s, ps), b.strip(q, ps)[:k*w]
					for r0 := 0; r0 < w; r0 += kn.ra {
						row := s*w + r0
						rows := min(kn.ra, a.cols-row)
						if rows <= 0 {
							break
						}
						ak := as[r0 : (k-1)*w+r0+kn.ra]
						if rows == kn.ra && cols == w {
							off := row*c.Stride + q*w
							kn.run(k, ak, bs, c.Data[off:off+(kn.ra-1)*c.Stride+w], c.Stride)
							continue
						}
						clear(tmp)
						kn.run(k, ak, bs, tmp, w)
						for r := range rows {
							cr := c.Data[(row+r)*c.Stride+q*w : (row+r)*c.Stride+q*w+cols]
							for j := range cr {
								cr[j] += tmp[r*w+j]
							}
						}
					}
				}
			}
		}
	}
}
