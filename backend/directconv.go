package backend

import (
	"sync"
	"sync/atomic"
)

// directConvOp is a float32 convolution (forward form) or kernel gradient
// (kgrad) computed from a padded, channels-last copy of the input, read in
// place by the micro-kernels: no im2col blocks are built.
//
// With the geometry of im (see im2colOp), the padded copy xp has dimensions
// [R, U0, U1, C], R the size of the row axis, C of the column axis and
// U_j = (outer_j-1)*outerStep_j + (inner_j-1)*innerStep_j + 1, and holds at
// (r, u0, u1, c) the input element at spatial positions (u_j - padLo_j) /
// dilation_j, or zero for padding and between dilated samples. Row
// (r, o0, o1) and column (i0, i1, c) of the patch matrix P are then
// xp[r, o0*outerStep_0 + i0*innerStep_0, o1*outerStep_1 + i1*innerStep_1, c]:
//
//   - forward: out[rows, n] = P · W[cols, n]; four consecutive rows of P in
//     one row of output positions are a strided view of xp, with the kernel
//     taps of one kernel row (i1, c) contiguous when innerStep_1 = 1;
//   - kernel gradient: out[cols, n] = Pᵀ · W[rows, n]; four consecutive
//     columns of P within a run of (i1, c) are consecutive in xp, and the
//     contraction walks the output positions row by row.
//
// Forward convolutions with input dilation (the input gradients of strided
// convolutions) are computed by phases instead, see polyphase.go. The
// results do not depend on the number of workers: every output element is
// summed in a fixed order.
type directConvOp struct {
	im    *im2colOp
	n     int
	kgrad bool
	// groups calls the micro-kernels for each group of four or eight
	// positions of an output row, as before whole rows were one call, and
	// prefetches nothing (same results; configuration option "noepilogue").
	groups bool
}

// padDims returns U0 and U1 of the padded copy.
func (op *directConvOp) padDims() (u0, u1 int) {
	im := op.im
	u := func(j int) int { return (im.outer[j]-1)*im.outerStep[j] + (im.inner[j]-1)*im.innerStep[j] + 1 }
	return u(0), u(1)
}

// directOK reports whether reading the input in place pays off. Forward:
// output rows must hold a group of four positions. Kernel gradient: the runs
// of contiguous columns of P must split into groups of four, and each image
// must have enough output positions for a long contraction per call.
// Tests set directAlways to take the in-place ops wherever they are correct.
func (op *directConvOp) directOK() bool {
	if !op.kgrad {
		return directAlways || op.im.outer[1] >= 4
	}
	return op.runLen()%4 == 0 && (directAlways || op.im.outer[0]*op.im.outer[1] >= 32)
}

var directAlways = false

// runLen is the number of consecutive columns of P that are consecutive in
// xp: a kernel row of taps times the channels when the taps are adjacent,
// the channels alone otherwise.
func (op *directConvOp) runLen() int {
	c := op.im.inDims[op.im.colAxis]
	if op.im.innerStep[1] == 1 {
		return op.im.inner[1] * c
	}
	return c
}

// padPlan holds what filling rows of the padded copy needs.
type padPlan struct {
	t0, t1           []int // input offsets of the padded indices, -1 for zeros
	lo, hi           int   // first and last+1 valid index of axis 1
	contiguous       bool  // valid positions of axis 1 are one run of x
	identity         bool  // x already is the padded copy
	u0, u1           int
	nc, rStride, cSt int
}

func (op *directConvOp) plan() *padPlan {
	im := op.im
	p := &padPlan{nc: im.inDims[im.colAxis], rStride: im.inStrides[im.rowAxis], cSt: im.inStrides[im.colAxis]}
	p.u0, p.u1 = op.padDims()
	offsets := func(j, u int) []int {
		dim, stride := 1, 0
		if im.spatialAxes[j] >= 0 {
			dim, stride = im.inDims[im.spatialAxes[j]], im.inStrides[im.spatialAxes[j]]
		}
		t := make([]int, u)
		for i := range t {
			q := i - im.padLo[j]
			t[i] = -1
			if q >= 0 && q%im.dilation[j] == 0 && q/im.dilation[j] < dim {
				t[i] = q / im.dilation[j] * stride
			}
		}
		return t
	}
	p.t0, p.t1 = offsets(0, p.u0), offsets(1, p.u1)
	p.lo, p.hi = p.u1, p.u1
	for i, q := range p.t1 {
		if q >= 0 {
			p.lo, p.hi = min(p.lo, i), i+1
		}
	}
	p.contiguous = p.cSt == 1 && im.dilation[1] == 1 &&
		(im.spatialAxes[1] < 0 || im.inStrides[im.spatialAxes[1]] == p.nc)
	// x is its own padded copy when it is channels-last in the order (row
	// axis, spatial axes, column axis) and every padded index is the input
	// position of the same index.
	rank := len(im.inDims)
	p.identity = im.rowAxis == 0 && im.colAxis == rank-1 && im.spatialAxes[0] == 1 &&
		(rank == 3 || im.spatialAxes[1] == 2) && p.contiguous
	for j, t := range [][]int{p.t0, p.t1} {
		dim := 1
		if im.spatialAxes[j] >= 0 {
			dim = im.inDims[im.spatialAxes[j]]
		}
		p.identity = p.identity && len(t) == dim && im.padLo[j] == 0 && im.dilation[j] == 1
	}
	return p
}

// fill writes padded rows [k0, k1) of image (row-axis index) r into dst.
func (p *padPlan) fill(dst, x []float32, r, k0, k1 int) {
	nc := p.nc
	rowLen := p.u1 * nc
	for k := k0; k < k1; k++ {
		d := dst[(k-k0)*rowLen : (k-k0+1)*rowLen]
		if p.t0[k] < 0 || p.hi <= p.lo {
			clear(d)
			continue
		}
		base := r*p.rStride + p.t0[k]
		if p.contiguous {
			clear(d[:p.lo*nc])
			src := base + p.t1[p.lo]
			copy(d[p.lo*nc:p.hi*nc], x[src:src+(p.hi-p.lo)*nc])
			clear(d[p.hi*nc:])
			continue
		}
		for i1, q1 := range p.t1 {
			e := d[i1*nc : (i1+1)*nc]
			if q1 < 0 {
				clear(e)
				continue
			}
			src := base + q1
			if p.cSt == 1 {
				copy(e, x[src:src+nc])
				continue
			}
			for c := range e {
				e[c] = x[src+c*p.cSt]
			}
		}
	}
}

// region returns the part of x that rows [k0, k1) of image r of the padded
// copy read, or nil if they read none or not one contiguous run.
func (p *padPlan) region(x []float32, r, k0, k1 int) []float32 {
	if p.identity || !p.contiguous || p.hi <= p.lo {
		return nil
	}
	first, last := -1, -1
	for k := k0; k < k1; k++ {
		if p.t0[k] >= 0 {
			if first < 0 {
				first = k
			}
			last = k
		}
	}
	if first < 0 {
		return nil
	}
	a := r*p.rStride + p.t0[first] + p.t1[p.lo]
	b := r*p.rStride + p.t0[last] + p.t1[p.hi-1] + p.nc
	if a < 0 || b > len(x) || a >= b {
		return nil
	}
	return x[a:b]
}

// bufPool recycles the per-worker buffers of the padded rows and packed
// positions, so that steady-state training allocates none.
var bufPool = sync.Pool{New: func() any { return new([]float32) }}

// rowsOf returns padded rows [k0, k1) of image r: a view of x when it is
// its own padded copy, else filled into buf.
func (p *padPlan) rowsOf(buf *[]float32, x []float32, r, k0, k1 int) []float32 {
	n := (k1 - k0) * p.u1 * p.nc
	if p.identity {
		o := (r*p.u0 + k0) * p.u1 * p.nc
		return x[o : o+n]
	}
	if cap(*buf) < n {
		*buf = make([]float32, n)
	}
	d := (*buf)[:n]
	p.fill(d, x, r, k0, k1)
	return d
}

// directExecs counts executions of directConvOp (for tests).
var directExecs atomic.Int64

func (op *directConvOp) exec(out []float32, inputs [][]float32) {
	directExecs.Add(1)
	if op.kgrad {
		op.kernelGradient(out, inputs[0], inputs[1])
		return
	}
	if op.polyphaseOK() {
		op.polyphase(out, inputs[0], inputs[1])
		return
	}
	op.forward(out, inputs[0], inputs[1], nil)
}

// forward computes out[rows, n] = P · W. Work items are blocks of output rows
// of one image; each fills the padded input rows it reads into a per-worker
// buffer that stays in cache. A non-nil epi is applied to each item's
// output positions once they are computed, while they are in cache.
func (op *directConvOp) forward(out, x, w []float32, epi *epilogue) {
	im := op.im
	pp := op.plan()
	u1 := pp.u1
	nr, nc, n := im.inDims[im.rowAxis], pp.nc, op.n
	cols := im.cols()
	o0n, o1n := im.outer[0], im.outer[1]
	oS0, oS1 := im.outerStep[0], im.outerStep[1]
	iS0, iS1 := im.innerStep[0], im.innerStep[1]
	in0, in1 := im.inner[0], im.inner[1]
	// About 256 positions per item (the padded rows read, halo included,
	// stay in L1 or L2), in whole groups of four when possible.
	ob := min(o0n, max(1, (256+o1n-1)/o1n))
	for ob < o0n && ob*o1n%4 != 0 {
		ob++
	}
	perImage := (o0n + ob - 1) / ob
	parallelFor(nr*perImage, 1, func(b0, b1 int) {
		padBuf, packPtr := bufPool.Get().(*[]float32), bufPool.Get().(*[]float32)
		defer bufPool.Put(padBuf)
		defer bufPool.Put(packPtr)
		if cap(*packPtr) < 4*cols {
			*packPtr = make([]float32, 4*cols)
		}
		packBuf := (*packPtr)[:4*cols]
		var tmpC []float32 // output of a last group of fewer than four positions
		var epiScratch []float32
		if epi != nil {
			epiScratch = epi.scratch()
		}
		// The input rows of the next item, asked for in the second-level
		// cache while this one computes, a part after each output row.
		rowsRead := func(item int) (r, k0, k1 int) {
			r, oa := item/perImage, item%perImage*ob
			oe := min(oa+ob, o0n)
			return r, oa * oS0, (oe-1)*oS0 + (in0-1)*iS0 + 1
		}
		for item := b0; item < b1; item++ {
			r, oa := item/perImage, item%perImage*ob
			oe := min(oa+ob, o0n)
			ka := oa * oS0
			xp := pp.rowsOf(padBuf, x, r, ka, (oe-1)*oS0+(in0-1)*iS0+1)
			var next []float32
			if item+1 < b1 && !op.groups {
				nr, nk0, nk1 := rowsRead(item + 1)
				if _, _, k1 := rowsRead(item); nr == r {
					nk0 = max(nk0, k1) // Rows this item read are in the cache.
				}
				if nk0 < nk1 {
					next = pp.region(x, nr, nk0, nk1)
				}
			}
			nextPart := (len(next)/max(1, oe-oa) + 15) &^ 15
			// rowBase is the offset in xp of P's row for position (o0, o1).
			rowBase := func(o0, o1 int) int { return ((o0*oS0-ka)*u1 + o1*oS1) * nc }
			p0, p1 := (r*o0n+oa)*o1n, (r*o0n+oe)*o1n // rows of P (and out)
			for t := p0; t < p1; t += 4 {
				m := min(4, p1-t)
				o0, o1 := t/o1n%o0n, t%o1n
				if m == 4 && o1+4 <= o1n {
					// The groups of four or eight positions left in this
					// output row, read in place from xp in one call: gemmJ
					// takes eight rows at a time, then four, as calls for
					// each group did.
					m = min(o1n-o1, p1-t) &^ 3
					if op.groups {
						m = 4
						if t+8 <= p1 && o1+8 <= o1n {
							m = 8
						}
					}
					base := rowBase(o0, o1)
					if iS1 == 1 {
						a := jView{data: xp, off: base, row: oS1 * nc, step: 1,
							k2: in1 * nc, k1: in0, jump: iS0*u1*nc - in1*nc}
						gemmJ(m, n, &a, w, 0, n, out, t*n, n, false)
					} else {
						for i0 := range in0 {
							a := jView{data: xp, off: base + i0*iS0*u1*nc, row: oS1 * nc, step: 1,
								k2: nc, k1: in1, jump: iS1*nc - nc}
							gemmJ(m, n, &a, w, i0*in1*nc*n, n, out, t*n, n, i0 > 0)
						}
					}
					if len(next) > 0 && o1+m == o1n {
						k := min(nextPart, len(next))
						prefetchL2(&next[0], k)
						next = next[k:]
					}
					t += m - 4
					continue
				}
				// Positions across output rows, or a last partial group: pack them.
				for i := range m {
					base := rowBase((t+i)/o1n%o0n, (t+i)%o1n)
					d := packBuf[i*cols : (i+1)*cols]
					for i0 := range in0 {
						for i1 := range in1 {
							src := base + (i0*iS0*u1+i1*iS1)*nc
							copy(d[(i0*in1+i1)*nc:(i0*in1+i1+1)*nc], xp[src:src+nc])
						}
					}
				}
				a := jView{data: packBuf, row: cols, step: 1, k2: cols, k1: 1}
				if m == 4 {
					gemmJ(m, n, &a, w, 0, n, out, t*n, n, false)
					continue
				}
				// Fewer than four: zero rows complete the group for the
				// micro-kernels, and the rows wanted are copied out.
				clear(packBuf[m*cols:])
				if tmpC == nil {
					tmpC = make([]float32, 4*n)
				}
				gemmJ(4, n, &a, w, 0, n, tmpC, 0, n, false)
				copy(out[t*n:(t+m)*n], tmpC[:m*n])
			}
			if epi != nil {
				epi.apply(p0*n, p1*n, epiScratch)
			}
		}
	})
}

// kernelGradient computes out[cols, n] = Pᵀ · W. The images (the
// contraction) are split into a fixed number of chunks, whatever the number
// of cores, each padded once into a per-worker buffer and multiplied by
// groups of four or eight columns of P times blocks of W's columns; the
// chunks' partial products are summed in order.
func (op *directConvOp) kernelGradient(out, x, w []float32) {
	im := op.im
	pp := op.plan()
	u0, u1 := pp.u0, pp.u1
	nr, nc, n := im.inDims[im.rowAxis], pp.nc, op.n
	o0n, o1n := im.outer[0], im.outer[1]
	oS0, oS1 := im.outerStep[0], im.outerStep[1]
	iS0, iS1 := im.innerStep[0], im.innerStep[1]
	in0, in1 := im.inner[0], im.inner[1]
	runLen := op.runLen()
	// Runs of columns of P contiguous in xp: (first column, offset in xp).
	type run struct{ col, off int }
	var runs []run
	if iS1 == 1 {
		for i0 := range in0 {
			runs = append(runs, run{i0 * runLen, i0 * iS0 * u1 * nc})
		}
	} else {
		for i0 := range in0 {
			for i1 := range in1 {
				runs = append(runs, run{(i0*in1 + i1) * nc, (i0*iS0*u1 + i1*iS1) * nc})
			}
		}
	}
	// Work units: a group of eight (or four) columns of P and a block of W's
	// columns.
	const nb = 32
	nBlocks := (n + nb - 1) / nb
	gs := 4
	if runLen%8 == 0 {
		gs = 8
	}
	groups := len(runs) * (runLen / gs)
	const maxChunks = 4
	chunks := min(maxChunks, nr)
	per := (nr + chunks - 1) / chunks
	chunks = (nr + per - 1) / per
	var partials [maxChunks]*[]float32
	parallelFor(chunks, 1, func(c0, c1 int) {
		padBuf := bufPool.Get().(*[]float32)
		defer bufPool.Put(padBuf)
		for ck := c0; ck < c1; ck++ {
			dst := out
			if ck > 0 {
				partials[ck] = bufPool.Get().(*[]float32)
				if cap(*partials[ck]) < len(out) {
					*partials[ck] = make([]float32, len(out))
				}
				dst = (*partials[ck])[:len(out)]
			}
			r0, r1 := ck*per, min((ck+1)*per, nr)
			for r := r0; r < r1; r++ {
				xp := pp.rowsOf(padBuf, x, r, 0, u0)
				for g := range groups * nBlocks {
					grp, jb := g/nBlocks, g%nBlocks
					ru, within := runs[grp/(runLen/gs)], grp%(runLen/gs)*gs
					j0, j1 := jb*nb, min((jb+1)*nb, n)
					a := jView{data: xp, off: ru.off + within, row: 1, step: oS1 * nc,
						k2: o1n, k1: o0n, jump: oS0*u1*nc - o1n*oS1*nc}
					gemmJ(gs, j1-j0, &a, w, r*o0n*o1n*n+j0, n, dst, (ru.col+within)*n+j0, n, r > r0)
				}
			}
		}
	})
	for _, p := range partials[1:chunks] {
		for i, v := range (*p)[:len(out)] {
			out[i] += v
		}
		bufPool.Put(p)
	}
}
