package backend

import "fmt"

// jView is a matrix A whose contraction index p = p1*k2 + p2 (p1 < k1,
// p2 < k2) walks memory on two levels: A(i, p) is
// data[off + i*row + p1*(k2*step+jump) + p2*step]. A convolution input read
// in place is such a view: p2 runs over one row of kernel taps (or output
// positions) and p1 over the rows.
type jView struct {
	data                 []float32
	off, row, step, jump int
	k2, k1               int
}

// at returns the offset of A(i, p1*k2+p2).
func (a *jView) at(i, p1, p2 int) int {
	return a.off + i*a.row + p1*(a.k2*a.step+a.jump) + p2*a.step
}

// gemmJ computes C[0:m, 0:n] += A·B for A an m×(k1*k2) jView, B row-major
// with leading dimension ldb from offset bOff, and C row-major with leading
// dimension ldc from offset cOff. Groups of 4 rows and 32 columns, and of 8
// (AVX-512) or 4 (AVX2) rows and 16 columns, and then of 8 or 4 rows and 8
// columns, run in the assembly micro-kernels (when available); the rest in
// plain Go. The order of the sums is fixed for a given kernel set. With acc
// false, C is overwritten: C = A·B.
func gemmJ(m, n int, a *jView, b []float32, bOff, ldb int, c []float32, cOff, ldc int, acc bool) {
	if m <= 0 || n <= 0 || a.k1 <= 0 || a.k2 <= 0 {
		return
	}
	k := a.k1 * a.k2
	// The kernels take raw pointers: check the extreme offsets once.
	lastA := a.at(m-1, a.k1-1, a.k2-1)
	firstA := min(a.off, a.at(0, a.k1-1, 0))
	if firstA < 0 || lastA >= len(a.data) || bOff < 0 || bOff+(k-1)*ldb+n > len(b) ||
		cOff < 0 || cOff+(m-1)*ldc+n > len(c) {
		panic(fmt.Sprintf("backend: gemmJ out of range (m %d, n %d, k %d×%d)", m, n, a.k1, a.k2))
	}
	n32, n16 := 0, 0
	if useKernel4x32 {
		n32 = n &^ 31
		n16 = n32
	}
	if useKernel4x16 || useKernel4x32 {
		n16 = n &^ 15
	}
	m4, m8 := m&^3, 0
	if useKernel4x32 {
		m8 = m &^ 7
	}
	for i := 0; i < m4; i += 4 {
		ap := &a.data[a.off+i*a.row]
		for j := 0; j < n32; j += 32 {
			kernel4x32j(a.k2, a.k1, ap, a.row, a.step, a.jump, &b[bOff+j], ldb, &c[cOff+i*ldc+j], ldc, acc)
		}
	}
	// 16-column slabs: 8 rows at a time with AVX-512, then 4 with AVX2.
	for j := n32; j < n16; j += 16 {
		i := 0
		for ; i < m8; i += 8 {
			kernel8x16j(a.k2, a.k1, &a.data[a.off+i*a.row], a.row, a.step, a.jump, &b[bOff+j], ldb, &c[cOff+i*ldc+j], ldc, acc)
		}
		if useKernel4x16 {
			for ; i < m4; i += 4 {
				kernel4x16j(a.k2, a.k1, &a.data[a.off+i*a.row], a.row, a.step, a.jump, &b[bOff+j], ldb, &c[cOff+i*ldc+j], ldc, acc)
			}
		}
		gemmJGo(a, b, bOff, ldb, c, cOff, ldc, i, m, j, j+16, acc)
	}
	gemmJGo(a, b, bOff, ldb, c, cOff, ldc, m4, m, 0, n32, acc)
	// An 8-column slab after the 16-column ones (8-channel layers): 8 rows at
	// a time, then 4, with AVX2/FMA on 256-bit registers. Widths that are
	// multiples of 16 never reach it, so their sums keep their order.
	n8 := n16
	if (useKernel4x16 || useKernel4x32) && n-n16 >= 8 {
		n8 = n16 + 8
		i := 0
		for ; i+8 <= m; i += 8 {
			kernel8x8j(a.k2, a.k1, &a.data[a.off+i*a.row], a.row, a.step, a.jump, &b[bOff+n16], ldb, &c[cOff+i*ldc+n16], ldc, acc)
		}
		for ; i < m4; i += 4 {
			kernel4x8j(a.k2, a.k1, &a.data[a.off+i*a.row], a.row, a.step, a.jump, &b[bOff+n16], ldb, &c[cOff+i*ldc+n16], ldc, acc)
		}
		gemmJGo(a, b, bOff, ldb, c, cOff, ldc, i, m, n16, n8, acc)
	}
	gemmJGo(a, b, bOff, ldb, c, cOff, ldc, 0, m, n8, n, acc)
}

// gemmJGo computes C[i0:i1, j0:j1] += A·B[:, j0:j1] (= with acc false) in
// plain Go.
func gemmJGo(a *jView, b []float32, bOff, ldb int, c []float32, cOff, ldc, i0, i1, j0, j1 int, acc bool) {
	if i1 <= i0 || j1 <= j0 {
		return
	}
	for i := i0; i < i1; i++ {
		dst := c[cOff+i*ldc+j0 : cOff+i*ldc+j1]
		if !acc {
			clear(dst)
		}
		for p1 := range a.k1 {
			for p2 := range a.k2 {
				av := a.data[a.at(i, p1, p2)]
				bo := bOff + (p1*a.k2+p2)*ldb + j0
				src := b[bo : bo+len(dst)]
				for j, bv := range src {
					dst[j] += av * bv
				}
			}
		}
	}
}
