package backend

import (
	"math"
	"runtime"
	"slices"
	"sync"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/shapes"
)

// reducePlan sums a float32 tensor over some axes. It reuses bcastPlan's
// segments: the "broadcast" segments of the plan are the reduced ones, and
// the output plays the part of the small operand.
type reducePlan struct {
	p *bcastPlan
}

func (r *reducePlan) exec(out []float32, inputs [][]float32) {
	x := inputs[0]
	p := r.p
	clear(out)
	outer := p.dims[0]
	workers := min(runtime.GOMAXPROCS(0), max(1, p.size/(1<<15)), outer)
	if workers <= 1 {
		r.span(out, x, 0, outer)
		return
	}
	chunk := (outer + workers - 1) / workers
	partial := make([][]float32, workers)
	var wg sync.WaitGroup
	for w := range workers {
		i0, i1 := w*chunk, min((w+1)*chunk, outer)
		if i0 >= i1 {
			continue
		}
		dst := out
		if p.bcast[0] && w > 0 {
			// Workers reduce into the same outputs: give each its own.
			partial[w] = make([]float32, len(out))
			dst = partial[w]
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			r.span(dst, x, i0, i1)
		}()
	}
	wg.Wait()
	for _, part := range partial {
		for i, v := range part {
			out[i] += v
		}
	}
}

// span reduces indices [i0, i1) of the outermost segment into out.
func (r *reducePlan) span(out, x []float32, i0, i1 int) {
	p := r.p
	if len(p.dims) == 2 && p.bcast[0] && !p.bcast[1] {
		// Sum of rows (batch statistics of channels-last tensors).
		c := p.dims[1]
		out = out[:c]
		for i := i0; i < i1; i++ {
			row := x[i*c : (i+1)*c]
			for j, v := range row {
				out[j] += v
			}
		}
		return
	}
	for i := i0; i < i1; i++ {
		r.walk(out, x, 1, i*p.outStrides[0], i*p.smallStride[0])
	}
}

func (r *reducePlan) walk(out, x []float32, level, o, s int) {
	p := r.p
	if level == len(p.dims) {
		out[s] += x[o]
		return
	}
	if level == len(p.dims)-1 {
		n := p.dims[level]
		src := x[o : o+n]
		if p.bcast[level] {
			var sum float32
			for _, v := range src {
				sum += v
			}
			out[s] += sum
			return
		}
		dst := out[s : s+n]
		for i, v := range src {
			dst[i] += v
		}
		return
	}
	for i := range p.dims[level] {
		r.walk(out, x, level+1, o+i*p.outStrides[level], s+i*p.smallStride[level])
	}
}

// ReduceSum implements backends.Builder.ReduceSum, with a float32 fast path.
func (b *Builder) ReduceSum(x backends.Op, axes ...int) (backends.Op, error) {
	if out, ok, err := b.fusedReduceSum(x, axes); ok || err != nil {
		return out, err
	}
	if hookErr == nil && !b.noFast && len(axes) > 0 {
		if plan, outDims, ok := b.reducePlanFor(x, axes); ok {
			return b.addCustom(&reducePlan{p: plan}, shapes.Make(dtypes.Float32, outDims...), x)
		}
	}
	return b.Builder.ReduceSum(x, axes...)
}

// reducePlanFor plans the reduction of float32 x over axes as a broadcast
// plan whose broadcast segments are the reduced ones, with the output's
// dimensions; ok is false for other dtypes, invalid axes (left for the
// pure-Go backend to report) and reductions of nothing.
func (b *Builder) reducePlanFor(x backends.Op, axes []int) (plan *bcastPlan, outDims []int, ok bool) {
	xs, err := b.OpShape(x)
	if err != nil || xs.DType != dtypes.Float32 || xs.Size() <= 1 {
		return nil, nil, false
	}
	small := slices.Clone(xs.Dimensions)
	seen := make(map[int]bool, len(axes))
	for _, a := range axes {
		if a < 0 || a >= xs.Rank() || seen[a] {
			return nil, nil, false
		}
		seen[a] = true
		small[a] = 1
	}
	for a, d := range xs.Dimensions {
		if !seen[a] {
			outDims = append(outDims, d)
		}
	}
	plan = newBcastPlan(opCopy, false, small, xs.Dimensions)
	return plan, outDims, plan != nil
}

// signOp is Sign for float32, without branches: its input (pre-activations,
// in the ReLU gradient) has random signs.
type signOp struct{}

func (signOp) exec(out []float32, inputs [][]float32) {
	x := inputs[0]
	parallelFor(len(out), 1<<15, func(i0, i1 int) {
		for i := i0; i < i1; i++ {
			bits := math.Float32bits(x[i])
			m := bits & 0x7fffffff
			// All ones iff 0 < m <= +Inf, i.e. x is neither zero nor NaN.
			mask := uint32(int32(-m)>>31) & uint32(int32(m-0x7f800001)>>31)
			out[i] = math.Float32frombits((0x3f800000 | bits&0x80000000) & mask)
		}
	})
}

// Sign implements backends.Builder.Sign, with a float32 fast path.
func (b *Builder) Sign(x backends.Op) (backends.Op, error) {
	if out, ok, err := b.fusedUnary(opSign, x); ok || err != nil {
		return out, err
	}
	if hookErr == nil && !b.noFast {
		if xs, err := b.OpShape(x); err == nil && xs.DType == dtypes.Float32 && xs.Size() >= 1<<12 {
			return b.addCustom(signOp{}, xs.Clone(), x)
		}
	}
	return b.Builder.Sign(x)
}

// reduceMaxOp is ReduceMax for float32, as the pure-Go backend computes it
// (each output starts at -Inf and takes Go's max with its inputs in
// increasing index order; the same instructions, so the same bits, NaNs
// included) but walking contiguous runs instead of one index at a time, and
// split over the cores when the outermost axes are kept. In VGG's 2×2 max
// pool (a ReduceMax over the window axes of a reshape) the runs are the
// channels of a pixel.
type reduceMaxOp struct {
	p *bcastPlan
}

func (r *reduceMaxOp) exec(out []float32, inputs [][]float32) {
	x := inputs[0]
	p := r.p
	negInf := float32(math.Inf(-1))
	for i := range out {
		out[i] = negInf
	}
	outer := p.dims[0]
	if p.bcast[0] {
		// Every output reads from every outer index: one worker, in order.
		for i := range outer {
			r.walk(out, x, 1, i*p.outStrides[0], 0)
		}
		return
	}
	parallelFor(outer, max(1, (1<<15)/p.outStrides[0]), func(i0, i1 int) {
		for i := i0; i < i1; i++ {
			r.walk(out, x, 1, i*p.outStrides[0], i*p.smallStride[0])
		}
	})
}

// walk folds segment level (>= 1) of x at offset o into out at offset s.
func (r *reduceMaxOp) walk(out, x []float32, level, o, s int) {
	p := r.p
	if level == len(p.dims) {
		out[s] = max(out[s], x[o])
		return
	}
	n := p.dims[level]
	if level == len(p.dims)-3 && haveElemAVX2 && !p.bcast[level] && p.bcast[level+1] && !p.bcast[level+2] &&
		p.dims[level+2]%8 == 0 {
		// Kept pixels, the window along them, channels: one call for the
		// row, folding in the same order as the loops below.
		n2, c := p.dims[level+1], p.dims[level+2]
		_ = out[s+n*c-1]
		_ = x[o+n*n2*c-1]
		maxWindowsAVX2(&out[s], &x[o], n, n2, c)
		return
	}
	if level == len(p.dims)-1 {
		src := x[o : o+n]
		if p.bcast[level] {
			acc := out[s]
			for _, v := range src {
				acc = max(acc, v)
			}
			out[s] = acc
			return
		}
		maxInto(out[s:s+n], src)
		return
	}
	for i := range n {
		r.walk(out, x, level+1, o+i*p.outStrides[level], s+i*p.smallStride[level])
	}
}

// maxInto sets dst[i] = max(dst[i], src[i]) with Go's max (with AVX2, the
// same instructions on 8 lanes).
func maxInto(dst, src []float32) {
	src = src[:len(dst)]
	if n8 := len(dst) &^ 7; haveElemAVX2 && n8 > 0 {
		vecOpAVX2(6, &dst[0], &dst[0], &src[0], n8)
		dst, src = dst[n8:], src[n8:]
	}
	for i, v := range src {
		dst[i] = max(dst[i], v)
	}
}

// ReduceMax implements backends.Builder.ReduceMax, with a float32 fast path.
func (b *Builder) ReduceMax(x backends.Op, axes ...int) (backends.Op, error) {
	if out, ok, err := b.fusedReduceMax(x, axes); ok || err != nil {
		return out, err
	}
	if hookErr == nil && !b.noFast && len(axes) > 0 {
		if plan, outDims, ok := b.reducePlanFor(x, axes); ok {
			return b.addCustom(&reduceMaxOp{p: plan}, shapes.Make(dtypes.Float32, outDims...), x)
		}
	}
	return b.Builder.ReduceMax(x, axes...)
}
