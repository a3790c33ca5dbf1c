package backend

import (
	"runtime"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/pkg/errors"
)

// dotOp is a float32 DotGeneral run with the assembly micro-kernels on all
// cores. With batch index t, the operands are read through offset tables, so
// any layout of batch, contracting and cross axes is read in place:
//
//	A_t(i, p) = a[aBatch[t] + aRow[i] + aK[p]]   (rows × k)
//	B_t(p, j) = b[bBatch[t] + bK[p] + bCol[j]]   (k × cols)
//
// and the product is added to out[t*rows*cols + i*outRow + j*outCol].
// Normally a is the lhs and b the rhs (outRow = cols, outCol = 1); when
// that pads less (a narrow rhs), the roles are swapped (swap true: a is the
// rhs, outRow = 1, outCol = rows of the DotGeneral output), so that the
// wider side fills the kernel's columns.
//
// The product is computed as in GotoBLAS: B is packed into panels of width
// columns (zero-padded), blocks of A into panels of 4 rows; contraction
// blocks of dotKC run in increasing order and each output element is summed
// by one worker in that order, with fused multiply-adds in contraction order
// within a block, so results depend neither on the number of cores nor on
// the micro-kernel (AVX-512 or AVX2).
type dotOp struct {
	batch, rows, cols, k int
	aBatch, aRow, aK     []int
	bBatch, bK, bCol     []int
	swap                 bool
	outRow, outCol       int
	width                int  // kernel columns: 32 (AVX-512) or 16 (AVX2)
	narrowEdge           bool // with width 32, the 16-column kernel for narrow last panels
}

// Block sizes: dotMC rows of A (a multiple of 4) and dotKC contraction
// indices are packed at a time (64 KiB, for the L2 cache); a packed panel of
// B of dotKC × 32 floats (32 KiB) stays in the L1 cache.
const (
	dotMC = 64
	dotKC = 256
)

// minDotMACs is the number of multiply-adds (batch·rows·cols·k) from which
// float32 DotGeneral runs as a dotOp. Even products of a few thousand
// multiply-adds run faster as a dotOp than on the pure-Go op (whose per-call
// cost is about 10 µs; see BenchmarkDotGeneralSmall), so only near-trivial
// ones are left to it.
const minDotMACs = 1 << 10

// maxDotPadding is the largest ratio of the multiply-adds a dotOp computes
// (rows padded to 4, columns to the kernel width) to the useful ones; beyond
// it (batched dot products of vectors, for example: 1 × 1 outputs) the
// pure-Go op is used.
const maxDotPadding = 16

// scratchPool recycles the packing buffers of dotOp.
var scratchPool sync.Pool

// getScratch returns a float32 buffer of length n with unspecified contents.
func getScratch(n int) []float32 {
	if p, ok := scratchPool.Get().(*[]float32); ok && cap(*p) >= n {
		return (*p)[:n]
	}
	return make([]float32, n)
}

func putScratch(s []float32) { scratchPool.Put(&s) }

// kernel adds the product of a packed panel of A (4 rows) and one of B to
// the 4 × width block at c, or to its first 16 columns only if narrow (for
// the last panel of 32-wide panels when it has 16 columns or fewer; the sums
// are the same, each column is accumulated in the same order).
func (op *dotOp) kernel(narrow bool, k int, a *float32, b *float32, c *float32, ldc int) {
	if op.width == 32 && !narrow {
		kernel4x32(k, a, 1, 4, b, 32, c, ldc)
	} else {
		kernel4x16(k, a, 1, 4, b, op.width, c, ldc)
	}
}

// dotExecs counts executions of dotOp (for tests).
var dotExecs atomic.Int64

func (op *dotOp) exec(out []float32, inputs [][]float32) {
	dotExecs.Add(1)
	a, b := inputs[0], inputs[1]
	if op.swap {
		a, b = b, a
	}
	w, k := op.width, op.k
	nPan := (op.cols + w - 1) / w
	panelSize := k * w

	// Pack B: panel (t, jp) holds B_t(p, jp*w + c) at [p*w + c].
	bp := getScratch(op.batch * nPan * panelSize)
	defer putScratch(bp)
	parallelFor(op.batch*nPan, 1, func(t0, t1 int) {
		for t := t0; t < t1; t++ {
			op.packB(bp[t*panelSize:(t+1)*panelSize], b, t/nPan, (t%nPan)*w)
		}
	})

	// Tasks: (batch, block of dotMC rows, range of column panels). Rows are
	// split further into column ranges when there are few of them, to
	// occupy all cores.
	mBlocks := (op.rows + dotMC - 1) / dotMC
	nBlocks := 1
	if want := 4 * runtime.GOMAXPROCS(0); op.batch*mBlocks < want {
		nBlocks = min(nPan, (want+op.batch*mBlocks-1)/(op.batch*mBlocks))
	}
	outBatch := op.rows * op.cols
	parallelFor(op.batch*mBlocks*nBlocks, 1, func(t0, t1 int) {
		ap := getScratch(dotMC * min(k, dotKC))
		defer putScratch(ap)
		tile := make([]float32, 4*w)
		for task := t0; task < t1; task++ {
			t, rest := task/(mBlocks*nBlocks), task%(mBlocks*nBlocks)
			ib, jb := rest/nBlocks, rest%nBlocks
			r0, r1 := ib*dotMC, min((ib+1)*dotMC, op.rows)
			jp0, jp1 := jb*nPan/nBlocks, (jb+1)*nPan/nBlocks
			ob := out[t*outBatch : (t+1)*outBatch]
			// Zero the task's block of the output (the buffer's contents
			// are unspecified) while it is in cache.
			c0, c1 := jp0*w, min(jp1*w, op.cols)
			for i := r0; i < r1; i++ {
				if op.outCol == 1 {
					clear(ob[i*op.outRow+c0 : i*op.outRow+c1])
					continue
				}
				for c := c0; c < c1; c++ {
					ob[i*op.outRow+c*op.outCol] = 0
				}
			}
			for pc := 0; pc < k; pc += dotKC {
				kb := min(dotKC, k-pc)
				op.packA(ap, a, t, r0, r1, pc, kb)
				for jp := jp0; jp < jp1; jp++ {
					bPtr := &bp[(t*nPan+jp)*panelSize+pc*w]
					c0 := jp * w
					cw := min(w, op.cols-c0)
					narrow := op.narrowEdge && cw <= 16
					for i := r0; i < r1; i += 4 {
						aPtr := &ap[(i-r0)*kb]
						rh := min(4, r1-i)
						if rh == 4 && op.outCol == 1 && (cw == w || narrow && cw == 16) {
							op.kernel(narrow, kb, aPtr, bPtr, &ob[i*op.outRow+c0], op.outRow)
							continue
						}
						// Edge or transposed output: through a tile.
						clear(tile)
						op.kernel(narrow, kb, aPtr, bPtr, &tile[0], w)
						for r := range rh {
							for c := range cw {
								ob[(i+r)*op.outRow+(c0+c)*op.outCol] += tile[r*w+c]
							}
						}
					}
				}
			}
		}
	})
}

// packA writes rows [r0, r1) and contraction indices [pc, pc+kb) of A_t into
// dst as panels of 4 rows: element (i, p) at [(i-r0)*kb + (p-pc)*4 + (i-r0)%4]
// with the panel starting at (i-r0)/4*4*kb. Rows past r1 are zero.
func (op *dotOp) packA(dst, a []float32, t, r0, r1, pc, kb int) {
	base := op.aBatch[t]
	aK := op.aK[pc : pc+kb]
	for i := r0; i < r1; i += 4 {
		d := dst[(i-r0)*kb : (i-r0+4)*kb]
		if i+4 <= r1 {
			o0, o1, o2, o3 := base+op.aRow[i], base+op.aRow[i+1], base+op.aRow[i+2], base+op.aRow[i+3]
			for p, o := range aK {
				e := d[p*4 : p*4+4 : p*4+4]
				e[0], e[1], e[2], e[3] = a[o0+o], a[o1+o], a[o2+o], a[o3+o]
			}
			continue
		}
		clear(d)
		for r := range r1 - i {
			ro := base + op.aRow[i+r]
			for p, o := range aK {
				d[p*4+r] = a[ro+o]
			}
		}
	}
}

// packB writes columns [c0, c0+width) of B_t (zero past op.cols) into dst as
// dst[p*width + c].
func (op *dotOp) packB(dst, b []float32, t, c0 int) {
	w := op.width
	cw := min(w, op.cols-c0)
	base := op.bBatch[t]
	cols := op.bCol[c0 : c0+cw]
	if isUnitRun(cols) {
		for p, o := range op.bK {
			src := b[base+o+cols[0] : base+o+cols[0]+cw]
			d := dst[p*w : (p+1)*w]
			copy(d, src)
			clear(d[cw:])
		}
		return
	}
	if cw < w {
		clear(dst)
	}
	if isUnitRun(op.bK) {
		// Contraction innermost (a transposed B): read each column in order.
		for c, co := range cols {
			src := b[base+co+op.bK[0] : base+co+op.bK[0]+op.k]
			for p, v := range src {
				dst[p*w+c] = v
			}
		}
		return
	}
	for p, o := range op.bK {
		d := dst[p*w : p*w+cw]
		for c, co := range cols {
			d[c] = b[base+o+co]
		}
	}
}

// isUnitRun reports whether offsets are consecutive: off[i] = off[0] + i.
func isUnitRun(off []int) bool {
	for i, o := range off {
		if o != off[0]+i {
			return false
		}
	}
	return true
}

// axisOffsets returns, for each index of the row-major flattening of the
// given axes (in that order) of a tensor with dimensions dims, the offset
// of the element in the tensor.
func axisOffsets(dims, strides, axes []int) []int {
	n := 1
	for _, ax := range axes {
		n *= dims[ax]
	}
	off := make([]int, n)
	size := 1
	for i := len(axes) - 1; i >= 0; i-- {
		d, s := dims[axes[i]], strides[axes[i]]
		// off[j] for the axes after i is already in off[:size]; extend it.
		for x := d - 1; x >= 0; x-- {
			for j := range size {
				off[x*size+j] = off[j] + x*s
			}
		}
		size *= d
	}
	return off
}

// crossAxes returns the axes of a tensor of rank that are neither
// contracting nor batch axes, in increasing order.
func crossAxes(rank int, contracting, batch []int) []int {
	var cross []int
	for ax := range rank {
		if !slices.Contains(contracting, ax) && !slices.Contains(batch, ax) {
			cross = append(cross, ax)
		}
	}
	return cross
}

// validAxes returns the axes made non-negative, or ok=false if one is out of
// range or repeated (in axes or in other).
func validAxes(rank int, axes, other []int) ([]int, bool) {
	res := make([]int, len(axes))
	for i, ax := range axes {
		if ax < 0 {
			ax += rank
		}
		if ax < 0 || ax >= rank || slices.Contains(res[:i], ax) || slices.Contains(other, ax) {
			return nil, false
		}
		res[i] = ax
	}
	return res, true
}

// dotKernelWidth returns the column width of the micro-kernel dotOp uses on
// this CPU, or 0 if there is none.
func dotKernelWidth() int {
	switch {
	case useKernel4x32:
		return 32
	case useKernel4x16:
		return 16
	}
	return 0
}

// fastDot returns a dotOp for a large float32 DotGeneral, or ok=false when
// the fast path does not apply (other dtypes, small products, no assembly
// kernel, or invalid arguments, which the pure-Go backend then reports).
func (b *Builder) fastDot(lhs backends.Op, lhsContracting, lhsBatch []int, rhs backends.Op, rhsContracting, rhsBatch []int) (backends.Op, bool, error) {
	width := dotKernelWidth()
	if b.stockDot || width == 0 {
		return nil, false, nil
	}
	ls, rs, ok := b.fastFloat32(lhs, rhs)
	if !ok || len(lhsContracting) != len(rhsContracting) || len(lhsBatch) != len(rhsBatch) {
		return nil, false, nil
	}
	lc, ok1 := validAxes(ls.Rank(), lhsContracting, nil)
	lb, ok2 := validAxes(ls.Rank(), lhsBatch, lc)
	rc, ok3 := validAxes(rs.Rank(), rhsContracting, nil)
	rb, ok4 := validAxes(rs.Rank(), rhsBatch, rc)
	if !ok1 || !ok2 || !ok3 || !ok4 {
		return nil, false, nil
	}
	batch, k := 1, 1
	var outDims []int
	for i := range lb {
		d := ls.Dimensions[lb[i]]
		if d != rs.Dimensions[rb[i]] {
			return nil, false, nil
		}
		batch *= d
		outDims = append(outDims, d)
	}
	for i := range lc {
		d := ls.Dimensions[lc[i]]
		if d != rs.Dimensions[rc[i]] {
			return nil, false, nil
		}
		k *= d
	}
	lx, rx := crossAxes(ls.Rank(), lc, lb), crossAxes(rs.Rank(), rc, rb)
	m, n := 1, 1
	for _, ax := range lx {
		m *= ls.Dimensions[ax]
		outDims = append(outDims, ls.Dimensions[ax])
	}
	for _, ax := range rx {
		n *= rs.Dimensions[ax]
		outDims = append(outDims, rs.Dimensions[ax])
	}
	if batch*m*n*k < minDotMACs || batch*m*n*k == 0 {
		return nil, false, nil
	}
	lStrides, rStrides := rowMajorStrides(ls.Dimensions), rowMajorStrides(rs.Dimensions)
	op := &dotOp{
		batch: batch, rows: m, cols: n, k: k,
		aBatch: axisOffsets(ls.Dimensions, lStrides, lb),
		aRow:   axisOffsets(ls.Dimensions, lStrides, lx),
		aK:     axisOffsets(ls.Dimensions, lStrides, lc),
		bBatch: axisOffsets(rs.Dimensions, rStrides, rb),
		bK:     axisOffsets(rs.Dimensions, rStrides, rc),
		bCol:   axisOffsets(rs.Dimensions, rStrides, rx),
		outRow: n, outCol: 1,
		width: width, narrowEdge: width == 32 && useKernel4x16,
	}
	// Swap the roles when that wastes fewer padded columns and rows.
	padded := func(rows, cols int) int { return (rows + 3) / 4 * 4 * ((cols + width - 1) / width * width) }
	if min(padded(m, n), padded(n, m)) > maxDotPadding*m*n {
		return nil, false, nil
	}
	if padded(n, m) < padded(m, n) {
		op.swap = true
		op.rows, op.cols = n, m
		op.aBatch, op.bBatch = op.bBatch, op.aBatch
		op.aRow, op.bCol = op.bCol, op.aRow
		op.aK, op.bK = op.bK, op.aK
		op.outRow, op.outCol = 1, n
	}
	out, err := b.addCustom(op, shapes.Make(dtypes.Float32, outDims...), lhs, rhs)
	return out, err == nil, err
}

// DotGeneral implements backends.Builder.DotGeneral: large float32 products
// run as a custom op on the assembly micro-kernels, on all cores; anything
// else is the pure-Go backend's own op.
func (b *Builder) DotGeneral(lhs backends.Op, lhsContractingAxes, lhsBatchAxes []int, rhs backends.Op, rhsContractingAxes, rhsBatchAxes []int) (backends.Op, error) {
	if out, ok, err := b.fastDot(lhs, lhsContractingAxes, lhsBatchAxes, rhs, rhsContractingAxes, rhsBatchAxes); ok || err != nil {
		return out, err
	}
	return b.Builder.DotGeneral(lhs, lhsContractingAxes, lhsBatchAxes, rhs, rhsContractingAxes, rhsBatchAxes)
}

// Dot implements backends.Builder.Dot as a DotGeneral (which the pure-Go
// backend's Dot would call on its own builder, bypassing the fast path).
func (b *Builder) Dot(lhs, rhs backends.Op) (backends.Op, error) {
	ls, err := b.OpShape(lhs)
	if err != nil {
		return nil, err
	}
	rs, err := b.OpShape(rhs)
	if err != nil {
		return nil, err
	}
	switch {
	case ls.Rank() == 1 && rs.Rank() == 1:
		return b.DotGeneral(lhs, []int{0}, nil, rhs, []int{0}, nil)
	case ls.Rank() == 2 && (rs.Rank() == 1 || rs.Rank() == 2):
		return b.DotGeneral(lhs, []int{1}, nil, rhs, []int{0}, nil)
	}
	return nil, errors.Errorf("backend: Dot operands have invalid ranks: lhs=%s, rhs=%s", ls, rs)
}
