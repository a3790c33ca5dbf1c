package backend

import (
	"math"
	"runtime"
	"sync"
)

// Fused element-wise chains.
//
// Batch norm, its gradient and the ReLU and its gradient reach the backend as
// chains of element-wise ops (Sub, Div, Mul, Add with per-channel vectors,
// Max with a broadcast zero, Sign, Add, Sign, Mul), each a pass over a full
// activation tensor with a freshly allocated output. The decorator instead
// builds each float32 element-wise op whose accumulated operand is itself
// such an op as one chainOp: the chain's base tensor followed by a list of
// steps, evaluated block by block in the cache. ReduceSum over every axis but
// the last of a chain becomes one reduceChainOp, which never writes the
// chain out. Which chains are written out (because several computed nodes
// share them) is decided when the graph is compiled, from the uses of the
// nodes the outputs need (see fuser.resolve in fusebuild.go).

// argKind is the kind of operand of a chain step.
type argKind uint8

const (
	argNone    argKind = iota // unary step
	argScalar                 // inputs[arg][0]
	argChannel                // inputs[arg][:c], repeated for each row of the last axis
	argFull                   // inputs[arg], of the chain's shape
	argBcast                  // inputs[arg] broadcast along some axes (chainStep.bc)
)

// Unary chain steps (binary ones use opAdd ... opMax).
const (
	opSign   elemOp = 100 + iota // Sign(x)
	opNeg                        // -x
	opSquare                     // x*x
	opNonNeg                     // Sign(Sign(x)+1): 1 for x >= 0 and NaN, 0 for x < 0
)

// chainStep is one step acc = acc op arg (or arg op acc if accRight) of a
// chain, or acc = op(acc) for a unary op.
type chainStep struct {
	op       elemOp
	kind     argKind
	arg      int
	accRight bool
	// bc maps the chain's elements to those of an argBcast operand.
	bc *bcastPlan

	// Build-time information for peephole rewrites; not used to execute.
	isConst bool
	cval    float32
}

// chainOp computes a chain over input 0 (the base, of the output's shape):
// each step is applied in turn, block by block.
type chainOp struct {
	c     int // length of the last axis (the rows of channel operands)
	steps []chainStep
	// stepwise runs the steps one by one, never in registers (chaintile.go;
	// configuration option "noepilogue").
	stepwise bool
}

// chainBlock is the number of elements evaluated at once (rounded to whole
// rows): small enough for the first-level cache.
const chainBlock = 2048

func (ch *chainOp) blockRows() int { return max(1, chainBlock/ch.c) }

func (ch *chainOp) exec(out []float32, inputs [][]float32) {
	c := ch.c
	if !ch.hasChannelStep() {
		c = 1 // Blocks need not be whole rows.
	}
	rows := len(out) / c
	br := max(1, chainBlock/c)
	parallelFor(rows, max(br, (1<<14)/c), func(r0, r1 int) {
		scratch := ch.scratch(br * c)
		for r := r0; r < r1; r += br {
			e0, e1 := r*c, min(r+br, r1)*c
			ch.eval(out[e0:e1], inputs, e0, scratch)
		}
	})
}

// scratch returns a buffer of n elements for the broadcast operands of a
// block, or nil if the chain has none.
func (ch *chainOp) scratch(n int) []float32 {
	for _, s := range ch.steps {
		if s.kind == argBcast {
			return make([]float32, n)
		}
	}
	return nil
}

func (ch *chainOp) hasChannelStep() bool {
	for _, s := range ch.steps {
		if s.kind == argChannel {
			return true
		}
	}
	return false
}

// inPlace allows writing over the base, unless a step reads it again.
func (ch *chainOp) inPlace() []int {
	for _, s := range ch.steps {
		if s.kind == argFull && s.arg == 0 {
			return nil
		}
	}
	return []int{0}
}

// eval computes elements [e0, e0+len(dst)) of the chain into dst; scratch
// (from ch.scratch) holds the block of a broadcast operand.
func (ch *chainOp) eval(dst []float32, inputs [][]float32, e0 int, scratch []float32) {
	if len(ch.steps) == 0 {
		copy(dst, inputs[0][e0:e0+len(dst)])
		return
	}
	// Whole tiles of rows in registers (chaintile.go), the rest step by step.
	if done := ch.evalTiles(dst, inputs, e0); done > 0 {
		if dst, e0 = dst[done:], e0+done; len(dst) == 0 {
			return
		}
	}
	src := inputs[0][e0 : e0+len(dst)]
	for _, s := range ch.steps {
		switch s.kind {
		case argNone:
			unaryStep(s.op, dst, src)
		case argScalar:
			scalarStep(s.op, s.accRight, dst, src, inputs[s.arg][0])
		case argFull:
			y := inputs[s.arg][e0 : e0+len(dst)]
			if s.accRight {
				vecStep(s.op, dst, y, src)
			} else {
				vecStep(s.op, dst, src, y)
			}
		case argChannel:
			channelStep(s.op, s.accRight, dst, src, inputs[s.arg][:ch.c])
		case argBcast:
			y := scratch[:len(dst)]
			s.bc.expand(y, inputs[s.arg], e0)
			if s.accRight {
				vecStep(s.op, dst, y, src)
			} else {
				vecStep(s.op, dst, src, y)
			}
		}
		src = dst
	}
}

// asmCode returns the op code of the assembly loops for op (reversed: the
// operand before the accumulated value).
func asmCode(op elemOp, reversed bool) (int, bool) {
	switch op {
	case opAdd:
		return 0, true
	case opMul:
		return 2, true
	case opSub:
		if reversed {
			return 4, true
		}
		return 1, true
	case opDiv:
		if reversed {
			return 5, true
		}
		return 3, true
	}
	return 0, false
}

// vecStep computes dst = x op y.
func vecStep(op elemOp, dst, x, y []float32) {
	n := len(dst)
	if code, ok := asmCode(op, false); ok && haveElemAVX2 && n >= 8 {
		n8 := n &^ 7
		vecOpAVX2(code, &dst[0], &x[0], &y[0], n8)
		dst, x, y = dst[n8:], x[n8:n], y[n8:n]
	}
	binaryVec(op, dst, x[:len(dst)], y)
}

// scalarStep computes dst = x op s (s op x if reversed).
func scalarStep(op elemOp, reversed bool, dst, x []float32, s float32) {
	n := len(dst)
	code, ok := asmCode(op, reversed)
	if op == opMax && s == s { // Go's max(x, NaN) is NaN: left to the Go loop.
		code, ok = 6, true
	}
	if ok && haveElemAVX2 && n >= 8 {
		n8 := n &^ 7
		scalarOpAVX2(code, &dst[0], &x[0], s, n8)
		dst, x = dst[n8:], x[n8:n]
	}
	binaryScalar(op, dst, x[:len(dst)], s, reversed)
}

// channelStep computes dst = x op y (y op x if reversed) for each row of
// len(y) elements.
func channelStep(op elemOp, reversed bool, dst, x, y []float32) {
	c := len(y)
	if code, ok := asmCode(op, reversed); ok && haveElemAVX2 && c%8 == 0 && len(dst) >= c {
		chanOpAVX2(code, &dst[0], &x[0], &y[0], len(dst)/c, c)
		return
	}
	channelRows(op, reversed, dst, x, y)
}

// colSum adds each row of c elements of x to sum.
func colSum(sum, x []float32) {
	c := len(sum)
	if haveElemAVX2 && c%8 == 0 && len(x) >= c {
		colSumAVX2(&sum[0], &x[0], len(x)/c, c)
		return
	}
	for o := 0; o+c <= len(x); o += c {
		row := x[o : o+c]
		for j, v := range row {
			sum[j] += v
		}
	}
}

// signf is Sign without branches (pre-activations have random signs): ±1,
// and 0 for ±0 and NaN, as the pure-Go backend's Sign.
func signf(x float32) float32 {
	bits := math.Float32bits(x)
	m := bits & 0x7fffffff
	// All ones iff 0 < m <= +Inf, i.e. x is neither zero nor NaN.
	mask := uint32(int32(-m)>>31) & uint32(int32(m-0x7f800001)>>31)
	return math.Float32frombits((0x3f800000 | bits&0x80000000) & mask)
}

func unaryStep(op elemOp, dst, x []float32) {
	dst = dst[:len(x)]
	if haveElemAVX2 && len(dst) >= 8 {
		code := -1
		switch op {
		case opSign:
			code = 0
		case opNeg:
			code = 1
		case opSquare:
			code = 2
		case opNonNeg:
			code = 3
		}
		if code >= 0 {
			n8 := len(dst) &^ 7
			unaryOpAVX2(code, &dst[0], &x[0], n8)
			dst, x = dst[n8:], x[n8:]
		}
	}
	switch op {
	case opSign:
		for i, a := range x {
			dst[i] = signf(a)
		}
	case opNeg:
		for i, a := range x {
			dst[i] = -a
		}
	case opSquare:
		for i, a := range x {
			dst[i] = a * a
		}
	case opNonNeg:
		for i, a := range x {
			dst[i] = signf(signf(a) + 1)
		}
	}
}

// channelRows computes dst = x op y (y op x if vecFirst) for each row of
// len(y) elements of x.
func channelRows(op elemOp, vecFirst bool, dst, x, y []float32) {
	c := len(y)
	n := len(x) - len(x)%c
	switch {
	case op == opAdd:
		for r := 0; r < n; r += c {
			xr, dr := x[r:r+c], dst[r:r+c]
			for j, b := range y {
				dr[j] = xr[j] + b
			}
		}
	case op == opMul:
		for r := 0; r < n; r += c {
			xr, dr := x[r:r+c], dst[r:r+c]
			for j, b := range y {
				dr[j] = xr[j] * b
			}
		}
	case op == opMax:
		for r := 0; r < n; r += c {
			xr, dr := x[r:r+c], dst[r:r+c]
			for j, b := range y {
				dr[j] = max(xr[j], b)
			}
		}
	case op == opSub && !vecFirst:
		for r := 0; r < n; r += c {
			xr, dr := x[r:r+c], dst[r:r+c]
			for j, b := range y {
				dr[j] = xr[j] - b
			}
		}
	case op == opSub:
		for r := 0; r < n; r += c {
			xr, dr := x[r:r+c], dst[r:r+c]
			for j, b := range y {
				dr[j] = b - xr[j]
			}
		}
	case op == opDiv && !vecFirst:
		for r := 0; r < n; r += c {
			xr, dr := x[r:r+c], dst[r:r+c]
			for j, b := range y {
				dr[j] = xr[j] / b
			}
		}
	case op == opDiv:
		for r := 0; r < n; r += c {
			xr, dr := x[r:r+c], dst[r:r+c]
			for j, b := range y {
				dr[j] = b / xr[j]
			}
		}
	}
}

// reduceChainOp sums a chain over every axis but the last, without writing
// the chain out: out[j] = Σ_rows chain[row, j].
type reduceChainOp struct {
	ch *chainOp
}

func (r *reduceChainOp) exec(out []float32, inputs [][]float32) {
	ch := r.ch
	c := ch.c
	rows := len(inputs[0]) / c
	br := ch.blockRows()
	workers := min(runtime.GOMAXPROCS(0), max(1, rows*c/(1<<15)), rows)
	chunk := (rows + workers - 1) / workers
	partial := make([][]float32, workers)
	span := func(w int) {
		r0, r1 := w*chunk, min((w+1)*chunk, rows)
		sum := out
		if w > 0 {
			sum = make([]float32, c)
			partial[w] = sum
		}
		scratch := make([]float32, br*c)
		bscratch := ch.scratch(br * c)
		for r := r0; r < r1; r += br {
			e0, e1 := r*c, min(r+br, r1)*c
			blk := scratch[:e1-e0]
			ch.eval(blk, inputs, e0, bscratch)
			colSum(sum, blk)
		}
	}
	clear(out)
	if workers <= 1 {
		span(0)
		return
	}
	var wg sync.WaitGroup
	for w := 1; w < workers; w++ {
		if w*chunk >= rows {
			break
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			span(w)
		}()
	}
	span(0)
	wg.Wait()
	for _, part := range partial {
		for j, v := range part {
			out[j] += v
		}
	}
}

// reduceMaxChainOp is ReduceMax of a chain whose outermost axes are kept
// (a max pool of the ReLU of a batch norm): the chain is evaluated one outer
// index at a time (for a 2×2 pool on channels-last tensors, two image rows)
// and folded as reduceMaxOp does, without writing it out.
type reduceMaxChainOp struct {
	ch *chainOp
	p  *bcastPlan
}

func (r *reduceMaxChainOp) exec(out []float32, inputs [][]float32) {
	rm := &reduceMaxOp{p: r.p}
	if len(r.ch.steps) == 0 {
		// The chain is computed anyway (it starts from it).
		rm.exec(out, inputs[:1])
		return
	}
	negInf := float32(math.Inf(-1))
	for i := range out {
		out[i] = negInf
	}
	p := r.p
	blk := p.outStrides[0]
	parallelFor(p.dims[0], max(1, (1<<15)/blk), func(i0, i1 int) {
		buf := make([]float32, blk)
		scratch := r.ch.scratch(blk)
		for i := i0; i < i1; i++ {
			r.ch.eval(buf, inputs, i*blk, scratch)
			rm.walk(out, buf, 1, 0, i*p.smallStride[0])
		}
	})
}

// maxBcastSegments bounds the merged segments of a broadcast operand of a
// chain (expand keeps its index on the stack).
const maxBcastSegments = 16

// expand writes elements [e0, e0+len(dst)) of the broadcast of small (a
// plan with op opCopy) into dst.
func (p *bcastPlan) expand(dst, small []float32, e0 int) {
	n := len(p.dims)
	var idx [maxBcastSegments]int
	s, rem := 0, e0
	for a := range n {
		idx[a] = rem / p.outStrides[a]
		rem %= p.outStrides[a]
		s += idx[a] * p.smallStride[a]
	}
	last := n - 1
	for d := 0; d < len(dst); {
		run := min(p.dims[last]-idx[last], len(dst)-d)
		if p.bcast[last] {
			v := small[s]
			seg := dst[d : d+run]
			for i := range seg {
				seg[i] = v
			}
		} else {
			copy(dst[d:d+run], small[s:s+run])
		}
		d += run
		idx[last] += run
		s += run * p.smallStride[last]
		for a := last; a > 0 && idx[a] == p.dims[a]; a-- {
			s -= idx[a] * p.smallStride[a]
			idx[a] = 0
			idx[a-1]++
			s += p.smallStride[a-1]
		}
	}
}
