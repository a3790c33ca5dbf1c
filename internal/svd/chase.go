package svd

import (
	"gonum.org/v1/gonum/blas"
	blasgonum "gonum.org/v1/gonum/blas/gonum"
)

// band is an n×n upper band matrix with b superdiagonals held compactly
// while it is chased down to bidiagonal form: entry (r, c) is
// data[r*stride+c+off] for -b < c-r < 2b, so that rows are contiguous and a
// step down a column moves by stride. The extra diagonals hold the bulges.
type band struct {
	n, b        int
	stride, off int
	data        []float64
	kern        *microKernel // reflectors in assembly if it has them
}

// newBand returns an empty band for an n×n matrix with b superdiagonals.
func newBand(n, b int) *band {
	stride := 3 * b
	off := b
	return &band{n: n, b: b, stride: stride, off: off, data: make([]float64, n*stride+n+off+2*b), kern: kernel}
}

// at returns the index of entry (r, c) in data.
func (m *band) at(r, c int) int { return r*m.stride + c + m.off }

// load copies the upper band of the dense n×n matrix a (row-major, stride
// lda): entries (r, c) with r ≤ c ≤ r+b.
func (m *band) load(a []float64, lda int) {
	clear(m.data)
	for r := 0; r < m.n; r++ {
		e := min(r+m.b, m.n-1)
		copy(m.data[m.at(r, r):m.at(r, e)+1], a[r*lda+r:r*lda+e+1])
	}
}

// bidiagonalize reduces the band to upper bidiagonal form by bulge chasing
// with Householder reflectors of length at most b, and returns its diagonal
// d and superdiagonal e. Sweep s annihilates row s right of its
// superdiagonal with a reflector from the right, which fills the block below
// the diagonal; a reflector from the left then annihilates the first column
// of that bulge, which fills a block right of the band, whose first row is
// annihilated from the right in turn, and so on down the band. The rest of
// each bulge is left in place: the next sweep's reflectors annihilate it.
// The reflectors are applied by the kernel's reflRight and reflLeft if it has
// them, else with gonum's own Dgemv and Dger (assembly inner loops, no cgo
// call per reflector whatever BLAS blas64 uses).
func (m *band) bidiagonalize(d, e []float64) {
	var bl blasgonum.Implementation
	asm := m.kern != nil && m.kern.reflRight != nil
	n, b := m.n, m.b
	a := m.data
	v := make([]float64, b)
	w := make([]float64, 2*b)
	for s := 0; s < n-2; s++ {
		p := s
		for c0, c1 := s+1, min(s+b, n-1); c0 < c1; c0, c1 = c0+b, min(c0+2*b-1, n-1) {
			l := c1 - c0 + 1
			// Annihilate row p in columns c0+1..c1 and apply the reflector
			// to rows p+1..c1 from the right.
			row := a[m.at(p, c0) : m.at(p, c1)+1]
			beta, tau := larfg(row[0], row[1:])
			v[0] = 1
			copy(v[1:l], row[1:])
			row[0] = beta
			clear(row[1:])
			if tau != 0 {
				x := a[m.at(p+1, c0):]
				rows := c1 - p
				if asm {
					_ = x[(rows-1)*m.stride+l-1]
					m.kern.reflRight(rows, l, &x[0], m.stride, &v[0], tau)
				} else {
					bl.Dgemv(blas.NoTrans, rows, l, 1, x, m.stride, v, 1, 0, w, 1)
					bl.Dger(rows, l, -tau, w, 1, v, 1, x, m.stride)
				}
			}
			// Annihilate column c0 in rows c0+1..c1 and apply the reflector
			// to columns c0+1..min(c1+b, n-1) from the left.
			i0 := m.at(c0, c0)
			for i := 1; i < l; i++ {
				v[i] = a[i0+i*m.stride]
			}
			beta, tau = larfg(a[i0], v[1:l])
			a[i0] = beta
			for i := 1; i < l; i++ {
				a[i0+i*m.stride] = 0
			}
			v[0] = 1
			if ce := min(c1+b, n-1); tau != 0 && ce > c0 {
				x := a[i0+1:]
				if asm {
					_ = x[(l-1)*m.stride+ce-c0-1]
					m.kern.reflLeft(l, ce-c0, &x[0], m.stride, &v[0], tau)
				} else {
					bl.Dgemv(blas.Trans, l, ce-c0, 1, x, m.stride, v, 1, 0, w, 1)
					bl.Dger(l, ce-c0, -tau, v, 1, w, 1, x, m.stride)
				}
			}
			p = c0
		}
	}
	for i := 0; i < n; i++ {
		d[i] = a[m.at(i, i)]
		if i+1 < n {
			e[i] = a[m.at(i, i+1)]
		}
	}
}
