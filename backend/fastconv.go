package backend

import (
	"runtime"
	"slices"
	"sync"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/shapes"
)

// im2colOp describes the patch matrix P of a float32 tensor with up to two
// spatial axes (the second of size 1 for 1D convolutions). Row (r, o0, o1)
// and column (i0, i1, c) of P hold input element [rowAxis=r, colAxis=c,
// spatial j = q_j], where
// q_j = (o_j*outerStride_j + i_j*innerStride_j - padLo_j) / dilation_j, or
// zero where that position is padding or falls between dilated samples.
type im2colOp struct {
	inDims, inStrides    []int // native input dimensions and row-major strides
	rowAxis, colAxis     int
	spatialAxes          [2]int
	outer, inner         [2]int // counts
	outerStep, innerStep [2]int
	padLo, dilation      [2]int
}

func (op *im2colOp) rows() int { return op.inDims[op.rowAxis] * op.outer[0] * op.outer[1] }
func (op *im2colOp) cols() int { return op.inner[0] * op.inner[1] * op.inDims[op.colAxis] }

// table returns, for spatial axis j, the input offset (index times stride)
// for each (outer, inner) pair, or -1 for padding.
func (op *im2colOp) table(j int) []int {
	dim, stride := 1, 0
	if op.spatialAxes[j] >= 0 {
		dim, stride = op.inDims[op.spatialAxes[j]], op.inStrides[op.spatialAxes[j]]
	}
	t := make([]int, op.outer[j]*op.inner[j])
	for o := range op.outer[j] {
		for i := range op.inner[j] {
			p := o*op.outerStep[j] + i*op.innerStep[j] - op.padLo[j]
			q := -1
			if p >= 0 && p%op.dilation[j] == 0 && p/op.dilation[j] < dim {
				q = p / op.dilation[j] * stride
			}
			t[o*op.inner[j]+i] = q
		}
	}
	return t
}

// im2colState holds the tables of one execution of an im2colOp.
type im2colState struct {
	op                   *im2colOp
	t0, t1               []int
	lo, hi               []int
	nc, cStride, rStride int
	contiguous           bool
}

func (op *im2colOp) prepare() *im2colState {
	st := &im2colState{op: op, t0: op.table(0), t1: op.table(1)}
	st.nc = op.inDims[op.colAxis]
	st.cStride = op.inStrides[op.colAxis]
	st.rStride = op.inStrides[op.rowAxis]
	in1 := op.inner[1]
	// When channels are innermost and consecutive inner indices of the second
	// spatial axis are consecutive input columns, the valid ones form one
	// contiguous run, copied at once.
	st.contiguous = st.cStride == 1 && op.spatialAxes[1] >= 0 && op.inStrides[op.spatialAxes[1]] == st.nc &&
		op.innerStep[1] == op.dilation[1]
	// For each outer index of axis 1: first and last+1 valid inner index.
	st.lo = make([]int, op.outer[1])
	st.hi = make([]int, op.outer[1])
	for o1 := range op.outer[1] {
		st.lo[o1], st.hi[o1] = in1, in1
		for i1 := range in1 {
			if st.t1[o1*in1+i1] >= 0 {
				if st.lo[o1] == in1 {
					st.lo[o1] = i1
				}
				st.hi[o1] = i1 + 1
			}
		}
	}
	return st
}

// fill writes rows [r0, r1) of the patch matrix of x into dst (row-major,
// op.cols() columns).
func (st *im2colState) fill(dst []float32, r0, r1 int, x []float32) {
	op := st.op
	nc, in1 := st.nc, op.inner[1]
	cols := op.cols()
	nOuter := op.outer[0] * op.outer[1]
	for row := r0; row < r1; row++ {
		r, o := row/nOuter, row%nOuter
		o0, o1 := o/op.outer[1], o%op.outer[1]
		base := r * st.rStride
		d := dst[(row-r0)*cols : (row-r0+1)*cols]
		col := 0
		for i0 := range op.inner[0] {
			q0 := st.t0[o0*op.inner[0]+i0]
			seg := d[col : col+in1*nc]
			col += in1 * nc
			if q0 < 0 {
				clear(seg)
				continue
			}
			if st.contiguous {
				l, h := st.lo[o1], st.hi[o1]
				clear(seg[:l*nc])
				if h > l {
					src := base + q0 + st.t1[o1*in1+l]
					copy(seg[l*nc:h*nc], x[src:src+(h-l)*nc])
				}
				clear(seg[h*nc:])
				continue
			}
			for i1 := range in1 {
				q1 := st.t1[o1*in1+i1]
				e := seg[i1*nc : (i1+1)*nc]
				if q1 < 0 {
					clear(e)
					continue
				}
				src := base + q0 + q1
				if st.cStride == 1 {
					copy(e, x[src:src+nc])
					continue
				}
				for c := range e {
					e[c] = x[src+c*st.cStride]
				}
			}
		}
	}
}

// convOp is a float32 convolution as a product with its patch matrix P
// (see im2colOp), built block by block in a per-worker buffer that stays in
// cache instead of materialising P:
//
//   - forward (kgrad false): out[rows, n] = P[rows, cols] · W[cols, n];
//   - kernel gradient (kgrad true): out[cols, n] = Pᵀ · W[rows, n], computed
//     as its transpose Wᵀ·P.
type convOp struct {
	im    *im2colOp
	n     int
	kgrad bool
}

func (op *convOp) exec(out []float32, inputs [][]float32) {
	x, w := inputs[0], inputs[1]
	st := op.im.prepare()
	rows, cols, n := op.im.rows(), op.im.cols(), op.n
	if !op.kgrad {
		const rb = 64 // rows per block
		nBlocks := (rows + rb - 1) / rb
		parallelFor(nBlocks, 1, func(b0, b1 int) {
			buf := bufPool.Get().(*[]float32)
			defer bufPool.Put(buf)
			scratch := pooledSlice(buf, rb*cols) // fill writes every element it is read at
			for blk := b0; blk < b1; blk++ {
				r0, r1 := blk*rb, min((blk+1)*rb, rows)
				st.fill(scratch, r0, r1, x)
				c := out[r0*n : r1*n]
				clear(c)
				sgemmAcc(matrix{data: scratch, row: cols, col: 1}, matrix{data: w, row: n, col: 1}, c, n, n, 0, r1-r0, 0, cols)
			}
		})
		return
	}
	// The contraction (rows of P) is split into a fixed number of chunks,
	// whatever the number of cores, whose partial transposed products are
	// summed in order. P's columns are padded with zeros to a multiple of 16
	// so that the micro-kernels cover them all (the 27 columns of a 3x3
	// kernel on 3 channels would otherwise leave 11 to gonum).
	const pb = 128 // rows of P per block
	colsP := cols
	if (useKernel4x16 || useKernel4x32) && cols%16 != 0 && cols > 16 {
		colsP = (cols + 15) &^ 15
	}
	chunks := min(4, max(1, rows/pb))
	partial := make([][]float32, chunks)
	partialBufs := make([]*[]float32, chunks)
	chunk := (rows + chunks - 1) / chunks
	parallelFor(chunks, 1, func(c0, c1 int) {
		buf := bufPool.Get().(*[]float32)
		defer bufPool.Put(buf)
		scratch := pooledSlice(buf, pb*colsP) // fill and the spreading write every element read
		for ck := c0; ck < c1; ck++ {
			partialBufs[ck] = bufPool.Get().(*[]float32)
			ct := pooledSlice(partialBufs[ck], n*colsP)
			clear(ct)
			partial[ck] = ct
			p0, p1 := ck*chunk, min((ck+1)*chunk, rows)
			for q0 := p0; q0 < p1; q0 += pb {
				q1 := min(q0+pb, p1)
				st.fill(scratch, q0, q1, x)
				if colsP != cols {
					// Spread the rows to colsP columns, last first, zero-padded.
					for r := q1 - q0 - 1; r >= 0; r-- {
						copy(scratch[r*colsP:r*colsP+cols], scratch[r*cols:(r+1)*cols])
						clear(scratch[r*colsP+cols : (r+1)*colsP])
					}
				}
				// ctᵀ[n, colsP] += Wᵀ[n, q0:q1] · P[q0:q1, colsP]
				sgemmAcc(matrix{data: w[q0*n:], row: 1, col: n}, matrix{data: scratch, row: colsP, col: 1},
					ct, colsP, colsP, 0, n, 0, q1-q0)
			}
		}
	})
	// The partial products summed in order and transposed, in one pass.
	for i := range n {
		row := partial[0][i*colsP : i*colsP+cols]
		for j, v := range row {
			for _, p := range partial[1:] {
				v += p[i*colsP+j]
			}
			out[j*n+i] = v
		}
	}
	for _, b := range partialBufs {
		bufPool.Put(b)
	}
}

// pooledSlice returns (*buf)[:n], growing *buf if needed; the elements are
// not cleared.
func pooledSlice(buf *[]float32, n int) []float32 {
	if cap(*buf) < n {
		*buf = make([]float32, n)
	}
	return (*buf)[:n]
}

// parallelFor splits [0, n) into chunks of at least minChunk run on up to
// GOMAXPROCS goroutines.
func parallelFor(n, minChunk int, fn func(i0, i1 int)) {
	workers := min(runtime.GOMAXPROCS(0), max(1, n/minChunk))
	if workers <= 1 {
		fn(0, n)
		return
	}
	var wg sync.WaitGroup
	chunk := (n + workers - 1) / workers
	for w := range workers {
		i0, i1 := w*chunk, min((w+1)*chunk, n)
		if i0 >= i1 {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			fn(i0, i1)
		}()
	}
	wg.Wait()
}

// useDirectConv selects the convolution ops that read the input in place
// (directConvOp) over the ones that build im2col blocks (convOp); tests
// switch it off to compare them.
var useDirectConv = true

// fastConv lowers a float32 convolution with one or two spatial axes to a
// convOp, plus reshapes and transposes. It returns ok=false when the fast path
// does not apply.
func (b *Builder) fastConv(input, kernel backends.Op, xShape, kShape, outShape shapes.Shape,
	axes backends.ConvolveAxesConfig, strides []int, paddings [][2]int, inputDilations, kernelDilations []int) (backends.Op, bool, error) {
	nSpatial := xShape.Rank() - 2
	if hookErr != nil || xShape.DType != dtypes.Float32 || nSpatial < 1 || nSpatial > 2 {
		return nil, false, nil
	}
	op := &im2colOp{
		inDims:    slices.Clone(xShape.Dimensions),
		inStrides: rowMajorStrides(xShape.Dimensions),
	}
	var kDims, oDims [2]int
	taps, positions := 1, 1
	for j := range 2 {
		op.spatialAxes[j] = -1
		kDims[j], oDims[j] = 1, 1
		op.dilation[j] = 1
		op.outerStep[j], op.innerStep[j] = 1, 1
		if j < nSpatial {
			op.spatialAxes[j] = axes.InputSpatial[j]
			kDims[j] = kShape.Dimensions[axes.KernelSpatial[j]]
			oDims[j] = outShape.Dimensions[axes.OutputSpatial[j]]
			op.padLo[j] = paddings[j][0]
			op.dilation[j] = inputDilations[j]
		}
		taps *= kDims[j]
		positions *= oDims[j]
	}
	stride := func(j int) int {
		if j < nSpatial {
			return strides[j]
		}
		return 1
	}
	kdil := func(j int) int {
		if j < nSpatial {
			return kernelDilations[j]
		}
		return 1
	}
	cin := kShape.Dimensions[axes.KernelInputChannels]
	cout := kShape.Dimensions[axes.KernelOutputChannels]
	batch := xShape.Dimensions[axes.InputBatch]
	rank := xShape.Rank()

	if taps <= positions {
		// Rows (batch, output position), columns (tap, channel).
		op.rowAxis, op.colAxis = axes.InputBatch, axes.InputChannels
		for j := range 2 {
			op.outer[j], op.outerStep[j] = oDims[j], stride(j)
			op.inner[j], op.innerStep[j] = kDims[j], kdil(j)
		}
		perm := append(slices.Clone(axes.KernelSpatial), axes.KernelInputChannels, axes.KernelOutputChannels)
		k := kernel
		var err error
		if !isIdentity(perm) {
			if k, err = b.Transpose(k, perm...); err != nil {
				return nil, false, err
			}
		}
		if k, err = b.Reshape(k, taps*cin, cout); err != nil {
			return nil, false, err
		}
		var cop customOp = &convOp{im: op, n: cout}
		if d := (&directConvOp{im: op, n: cout, groups: b.noEpilogue}); useDirectConv && d.directOK() {
			cop = d
		}
		y, err := b.addCustom(cop, shapes.Make(dtypes.Float32, op.rows(), cout), input, k)
		if err != nil {
			return nil, false, err
		}
		dims := append([]int{batch}, oDims[:nSpatial]...)
		if y, err = b.Reshape(y, append(dims, cout)...); err != nil {
			return nil, false, err
		}
		dotAxisOf := map[int]int{-1: 0, -2: nSpatial + 1}
		for i := range nSpatial {
			dotAxisOf[i] = 1 + i
		}
		out, err := b.toOutputLayout(y, dotAxisOf, axes, rank)
		return out, err == nil, err
	}

	// Kernel-gradient form: rows (channel, tap), columns (output position,
	// batch); the product with the kernel as [(Cin, taps), Cout] contracts
	// the rows.
	op.rowAxis, op.colAxis = axes.InputChannels, axes.InputBatch
	for j := range 2 {
		op.outer[j], op.outerStep[j] = kDims[j], kdil(j)
		op.inner[j], op.innerStep[j] = oDims[j], stride(j)
	}
	perm := append([]int{axes.KernelInputChannels}, axes.KernelSpatial...)
	perm = append(perm, axes.KernelOutputChannels)
	k := kernel
	var err error
	if !isIdentity(perm) {
		if k, err = b.Transpose(k, perm...); err != nil {
			return nil, false, err
		}
	}
	if k, err = b.Reshape(k, cin*taps, cout); err != nil {
		return nil, false, err
	}
	var cop customOp = &convOp{im: op, n: cout, kgrad: true}
	if d := (&directConvOp{im: op, n: cout, kgrad: true}); useDirectConv && d.directOK() {
		cop = d
	}
	y, err := b.addCustom(cop, shapes.Make(dtypes.Float32, op.cols(), cout), input, k)
	if err != nil {
		return nil, false, err
	}
	dims := append(slices.Clone(oDims[:nSpatial]), batch, cout)
	if y, err = b.Reshape(y, dims...); err != nil {
		return nil, false, err
	}
	dotAxisOf := map[int]int{-1: nSpatial, -2: nSpatial + 1}
	for i := range nSpatial {
		dotAxisOf[i] = i
	}
	out, err := b.toOutputLayout(y, dotAxisOf, axes, rank)
	return out, err == nil, err
}

// rowMajorStrides returns the row-major strides of dims.
func rowMajorStrides(dims []int) []int {
	s := make([]int, len(dims))
	acc := 1
	for i := len(dims) - 1; i >= 0; i-- {
		s[i] = acc
		acc *= dims[i]
	}
	return s
}
