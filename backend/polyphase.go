package backend

import "sync/atomic"

// Input gradients of strided convolutions arrive as stride-1 convolutions of
// the output gradient dilated by the stride (zeros between its samples).
// Reading the dilated input would multiply by those zeros: with stride 2,
// three quarters of a 3x3 kernel's products. Instead, output positions are
// taken by phase (their index modulo the dilation): all positions of one
// phase meet the same kernel taps (every d-th one), which fall on adjacent
// samples of the undilated input. Each phase is then a small stride-1
// convolution on the undilated, padded input with its sub-kernel, read in
// place like the others; positions of one phase are d apart in the output.

// polyphaseOK reports whether the forward op has input dilation and the
// unit strides and kernel dilations the phase split assumes.
func (op *directConvOp) polyphaseOK() bool {
	im := op.im
	return !op.kgrad && (im.dilation[0] > 1 || im.dilation[1] > 1) &&
		im.outerStep == [2]int{1, 1} && im.innerStep == [2]int{1, 1}
}

// floorDiv and ceilDiv divide rounding towards −∞ and +∞ (d > 0).
func floorDiv(a, d int) int {
	if a >= 0 {
		return a / d
	}
	return -((-a + d - 1) / d)
}

func ceilDiv(a, d int) int { return -floorDiv(-a, d) }

// phaseAxis describes one spatial axis of a polyphase convolution.
type phaseAxis struct {
	d, padLo, outer, inner int
	qlo, q                 int // first undilated input index held, and count
}

func (op *directConvOp) phaseAxis(j int) phaseAxis {
	im := op.im
	a := phaseAxis{d: im.dilation[j], padLo: im.padLo[j], outer: im.outer[j], inner: im.inner[j]}
	a.qlo = ceilDiv(-a.padLo, a.d)
	a.q = floorDiv(a.outer+a.inner-2-a.padLo, a.d) + 1 - a.qlo
	return a
}

// first returns, for output position o, the first kernel tap that meets an
// input sample, the number of such taps, and the buffer index of the sample
// the first one meets.
func (a *phaseAxis) first(o int) (tap, taps, q int) {
	tap = ((a.padLo-o)%a.d + a.d) % a.d
	if tap >= a.inner {
		return tap, 0, 0
	}
	taps = (a.inner - tap + a.d - 1) / a.d
	return tap, taps, (o+tap-a.padLo)/a.d - a.qlo
}

// polyPlan returns the plan filling the undilated, padded input buffer.
func (op *directConvOp) polyPlan(ax [2]phaseAxis) *padPlan {
	im := op.im
	p := &padPlan{nc: im.inDims[im.colAxis], rStride: im.inStrides[im.rowAxis], cSt: im.inStrides[im.colAxis],
		u0: ax[0].q, u1: ax[1].q}
	table := func(j int) []int {
		dim, stride := 1, 0
		if im.spatialAxes[j] >= 0 {
			dim, stride = im.inDims[im.spatialAxes[j]], im.inStrides[im.spatialAxes[j]]
		}
		t := make([]int, ax[j].q)
		for i := range t {
			t[i] = -1
			if q := i + ax[j].qlo; q >= 0 && q < dim {
				t[i] = q * stride
			}
		}
		return t
	}
	p.t0, p.t1 = table(0), table(1)
	p.lo, p.hi = p.u1, p.u1
	for i, q := range p.t1 {
		if q >= 0 {
			p.lo, p.hi = min(p.lo, i), i+1
		}
	}
	p.contiguous = p.cSt == 1 && (im.spatialAxes[1] < 0 || im.inStrides[im.spatialAxes[1]] == p.nc)
	return p
}

// polyExecs counts executions of the phase split (for tests).
var polyExecs atomic.Int64

// polyphase computes the forward convolution out[rows, n] = P · W by phases.
func (op *directConvOp) polyphase(out, x, w []float32) {
	polyExecs.Add(1)
	im := op.im
	ax := [2]phaseAxis{op.phaseAxis(0), op.phaseAxis(1)}
	pp := op.polyPlan(ax)
	nr, nc, n := im.inDims[im.rowAxis], pp.nc, op.n
	in0, in1 := im.inner[0], im.inner[1]
	o0n, o1n := im.outer[0], im.outer[1]
	d0, d1 := ax[0].d, ax[1].d
	q1n := ax[1].q

	// Sub-kernels: for first taps (f0, f1), the rows (t0, t1, c) of W for
	// taps (f0 + t0*d0, f1 + t1*d1), at subOff[f0*d1+f1].
	subPtr := bufPool.Get().(*[]float32)
	defer bufPool.Put(subPtr)
	if cap(*subPtr) < in0*in1*nc*n {
		*subPtr = make([]float32, in0*in1*nc*n)
	}
	sub := (*subPtr)[:in0*in1*nc*n]
	subOff := make([]int, d0*d1)
	off := 0
	for f0 := range d0 {
		for f1 := range d1 {
			subOff[f0*d1+f1] = off
			for i0 := f0; i0 < in0; i0 += d0 {
				for i1 := f1; i1 < in1; i1 += d1 {
					src := (i0*in1 + i1) * nc * n
					off += copy(sub[off:off+nc*n], w[src:src+nc*n])
				}
			}
		}
	}

	parallelFor(nr, 1, func(r0, r1 int) {
		padBuf, packPtr := bufPool.Get().(*[]float32), bufPool.Get().(*[]float32)
		defer bufPool.Put(padBuf)
		defer bufPool.Put(packPtr)
		maxK := ((in0 + d0 - 1) / d0) * ((in1 + d1 - 1) / d1) * nc
		if cap(*packPtr) < 4*maxK+4*n {
			*packPtr = make([]float32, 4*maxK+4*n)
		}
		packBuf, tmpC := (*packPtr)[:4*maxK], (*packPtr)[4*maxK:4*maxK+4*n]
		for r := r0; r < r1; r++ {
			xp := pp.rowsOf(padBuf, x, r, 0, ax[0].q)
			for o0 := range o0n {
				f0, nt0, q0 := ax[0].first(o0)
				for s := range min(d1, o1n) {
					f1, nt1, q1 := ax[1].first(s)
					count := (o1n - s + d1 - 1) / d1 // positions s, s+d1, ...
					rowOut := ((r*o0n+o0)*o1n + s) * n
					if nt0 == 0 || nt1 == 0 {
						for t := range count {
							clear(out[rowOut+t*d1*n : rowOut+t*d1*n+n])
						}
						continue
					}
					b := sub[subOff[f0*d1+f1]:]
					base := (q0*q1n + q1) * nc
					t := 0
					for ; t+4 <= count; t += 4 {
						m := 4
						if t+8 <= count {
							m = 8
						}
						a := jView{data: xp, off: base + t*nc, row: nc, step: 1,
							k2: nt1 * nc, k1: nt0, jump: q1n*nc - nt1*nc}
						gemmJ(m, n, &a, b, 0, n, out, rowOut+t*d1*n, d1*n, false)
						t += m - 4
					}
					if t == count {
						continue
					}
					// The last positions of the phase: packed, with zero rows.
					k := nt0 * nt1 * nc
					clear(packBuf[:4*k])
					for i := range count - t {
						for t0 := range nt0 {
							src := base + ((t+i)+t0*q1n)*nc
							copy(packBuf[i*k+t0*nt1*nc:i*k+(t0+1)*nt1*nc], xp[src:src+nt1*nc])
						}
					}
					a := jView{data: packBuf, row: k, step: 1, k2: k, k1: 1}
					gemmJ(4, n, &a, b, 0, n, tmpC, 0, n, false)
					for i := range count - t {
						copy(out[rowOut+(t+i)*d1*n:rowOut+(t+i)*d1*n+n], tmpC[i*n:(i+1)*n])
					}
				}
			}
		}
	})
}
