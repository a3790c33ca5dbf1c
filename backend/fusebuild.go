package backend

import (
	"math"
	"slices"
	"unsafe"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/backends/simplego"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/shapes"
)

// Building fused chains (the ops are in fuse.go).
//
// Every float32 element-wise op whose result has at least minFuseSize
// elements, with one operand of the result's shape and the other of the same
// shape, a per-channel vector (last axis) or a scalar, becomes a chainOp
// node. If an operand is itself a chain node, its steps are copied (the
// operand is "inlined" and its node may end up never executed); a
// BroadcastInDim of a vector or scalar is read as the vector or scalar it
// broadcasts (an op on two of them is computed on the small operands and
// broadcast again); a scalar constant +0 subtracted is dropped; Sign(Sign(x)+1),
// GoMLX's ReLU-gradient indicator, is one step. When the graph is compiled,
// resolve decides which chains are computed and rewrites each computed chain
// to start from the nearest computed chain it extends.

// Limits of the fused chains: the smallest result fused, the steps and
// inputs a chain node holds (longer chains start again from a written-out
// node), and the longest last axis (the rows of a reduction's blocks).
const (
	minFuseSize   = 1 << 10
	maxChainSteps = 16
	maxChainIns   = 12
	maxChainRow   = 1 << 16
)

// chainExpr is what the builder knows of a chain node.
type chainExpr struct {
	node  *simplego.Node
	ins   []*simplego.Node
	steps []chainStep
	shape shapes.Shape

	// prefix is the chain whose steps (on the same base) start this one, or nil.
	prefix *chainExpr
	// inliners are the chains and reductions whose prefix this is.
	inliners []*chainExpr
	// reduce marks a reduceChainOp node (its value is not the chain).
	reduce bool
	// implicit marks a chain whose last step reads an operand of a smaller
	// shape broadcast implicitly (see operand.full).
	implicit bool
	// maxPlan, for a reduction (reduce set), makes it a reduceMaxChainOp
	// with output shape maxOut instead of a sum.
	maxPlan *bcastPlan
	maxOut  shapes.Shape
	ch      *chainOp
}

// bcastLeaf records a BroadcastInDim of a scalar or per-channel vector, or,
// of kind argBcast, of another tensor (read through bc).
type bcastLeaf struct {
	src  *simplego.Node
	kind argKind
	bc   *bcastPlan
}

// fuser is what a Builder knows of the chains it built, the broadcasts of
// vectors and scalars, and the float32 scalar constants.
type fuser struct {
	exprs  map[*simplego.Node]*chainExpr
	order  []*chainExpr
	bcasts map[*simplego.Node]bcastLeaf
	consts map[*simplego.Node]float32
}

func (b *Builder) fuserOrNil() *fuser {
	if hookErr != nil || b.noFast || b.noFuse {
		return nil
	}
	if b.fz == nil {
		b.fz = &fuser{
			exprs:  make(map[*simplego.Node]*chainExpr),
			bcasts: make(map[*simplego.Node]bcastLeaf),
			consts: make(map[*simplego.Node]float32),
		}
	}
	return b.fz
}

// Constant implements backends.Builder.Constant, noting float32 scalars for
// the peephole rewrites of chains.
func (b *Builder) Constant(flat any, dims ...int) (backends.Op, error) {
	op, err := b.Builder.Constant(flat, dims...)
	if err != nil {
		return op, err
	}
	if f := b.fuserOrNil(); f != nil {
		if v, ok := flat.([]float32); ok && len(v) == 1 {
			if n, ok := op.(*simplego.Node); ok {
				f.consts[n] = v[0]
			}
		}
	}
	return op, nil
}

// noteBroadcast records out = BroadcastInDim(x) if x is a scalar or a vector
// along out's last axis.
func (f *fuser) noteBroadcast(out, x backends.Op, xs, outShape shapes.Shape, axes []int) {
	on, ok1 := out.(*simplego.Node)
	xn, ok2 := x.(*simplego.Node)
	if !ok1 || !ok2 || xs.DType != dtypes.Float32 || outShape.DType != dtypes.Float32 || outShape.Rank() == 0 {
		return
	}
	if xs.Size() == 1 {
		f.bcasts[on] = bcastLeaf{src: xn, kind: argScalar}
		return
	}
	last := outShape.Rank() - 1
	c := outShape.Dimensions[last]
	if xs.Size() != c || len(axes) != xs.Rank() {
		return
	}
	for i, a := range axes {
		if xs.Dimensions[i] != 1 && a != last {
			return
		}
	}
	f.bcasts[on] = bcastLeaf{src: xn, kind: argChannel}
}

// noteBroadcastGeneral records out = BroadcastInDim(x) for other x (such as
// the upstream gradient of a max pool broadcast over its windows), to be read
// in place by the chains that consume it.
func (f *fuser) noteBroadcastGeneral(out, x backends.Op, xs, outShape shapes.Shape, axes []int) {
	on, ok1 := out.(*simplego.Node)
	xn, ok2 := x.(*simplego.Node)
	if !ok1 || !ok2 || xs.DType != dtypes.Float32 || outShape.DType != dtypes.Float32 || len(axes) != xs.Rank() {
		return
	}
	if _, ok := f.bcasts[on]; ok {
		return
	}
	small := make([]int, outShape.Rank())
	for i := range small {
		small[i] = 1
	}
	prev := -1
	for i, a := range axes {
		if a <= prev || a >= len(small) || (xs.Dimensions[i] != 1 && xs.Dimensions[i] != outShape.Dimensions[a]) {
			return
		}
		prev = a
		small[a] = xs.Dimensions[i]
	}
	if bc := bcastOperandPlan(small, outShape.Dimensions); bc != nil {
		f.bcasts[on] = bcastLeaf{src: xn, kind: argBcast, bc: bc}
	}
}

// bcastOperandPlan returns the plan reading a tensor of dims small broadcast
// to out in a chain, or nil if there is nothing to broadcast or too many
// segments.
func bcastOperandPlan(small, out []int) *bcastPlan {
	bc := newBcastPlan(opCopy, false, small, out)
	if bc == nil || len(bc.dims) > maxBcastSegments {
		return nil
	}
	return bc
}

// operand is a classified input of an element-wise op.
type operand struct {
	node    *simplego.Node
	expr    *chainExpr // a chain to inline, or nil for a leaf
	kind    argKind
	isConst bool
	cval    float32
	bc      *bcastPlan // for kind argBcast

	// full is the BroadcastInDim node an operand of kind argBcast reads
	// through, or nil if the operand itself is smaller than the result
	// (implicit: the pure-Go backend broadcasts it in the op).
	full *simplego.Node
}

// asFull returns o as the full tensor it broadcasts to, if it is a recorded
// BroadcastInDim read in place.
func (o operand) asFull() (operand, bool) {
	if o.kind != argBcast || o.full == nil {
		return o, false
	}
	return operand{node: o.full, kind: argFull}, true
}

func (f *fuser) classify(b *Builder, op backends.Op, out shapes.Shape) (operand, bool) {
	n, ok := op.(*simplego.Node)
	if !ok {
		return operand{}, false
	}
	s, err := b.OpShape(op)
	if err != nil || s.DType != dtypes.Float32 {
		return operand{}, false
	}
	o := operand{node: n}
	switch {
	case s.Equal(out):
		if e := f.exprs[n]; e != nil && !e.reduce {
			o.expr, o.kind = e, argFull
		} else if l, ok := f.bcasts[n]; ok {
			o.node, o.kind, o.bc = l.src, l.kind, l.bc
			if l.kind == argBcast {
				o.full = n
			}
		} else {
			o.kind = argFull
		}
	case s.Size() == 1:
		o.kind = argScalar
	case s.Rank() == out.Rank():
		last := out.Rank() - 1
		o.kind = argChannel
		for a, d := range s.Dimensions {
			if (a == last && d != out.Dimensions[last]) || (a != last && d != 1) {
				o.kind = argBcast
			}
		}
		if o.kind == argBcast {
			if o.bc = bcastOperandPlan(s.Dimensions, out.Dimensions); o.bc == nil {
				return operand{}, false
			}
		}
	default:
		return operand{}, false
	}
	if o.kind == argScalar {
		o.cval, o.isConst = f.consts[o.node]
	}
	return o, true
}

// resultShape is the shape of an element-wise op on float32 lhs and rhs, if
// the fused path applies to it.
func resultShape(ls, rs shapes.Shape) (shapes.Shape, bool) {
	if ls.DType != dtypes.Float32 || rs.DType != dtypes.Float32 {
		return shapes.Shape{}, false
	}
	var out shapes.Shape
	switch {
	case ls.Equal(rs):
		out = ls
	case rs.Size() == 1:
		out = ls
	case ls.Size() == 1:
		out = rs
	case ls.Rank() == rs.Rank():
		dims := make([]int, ls.Rank())
		for a := range dims {
			l, r := ls.Dimensions[a], rs.Dimensions[a]
			switch {
			case l == r || r == 1:
				dims[a] = l
			case l == 1:
				dims[a] = r
			default:
				return shapes.Shape{}, false
			}
		}
		out = shapes.Make(dtypes.Float32, dims...)
	default:
		return shapes.Shape{}, false
	}
	if out.Rank() == 0 || out.Size() < minFuseSize || out.Dimensions[out.Rank()-1] > maxChainRow {
		return shapes.Shape{}, false
	}
	return out, true
}

// start returns a new chain on acc: acc's steps if it is a chain that can
// grow, or acc as the base otherwise.
func (f *fuser) start(acc operand, out shapes.Shape, extraIns int) *chainExpr {
	e := &chainExpr{shape: out}
	if p := acc.expr; p != nil && len(p.steps) < maxChainSteps && len(p.ins)+extraIns <= maxChainIns {
		e.ins = slices.Clone(p.ins)
		e.steps = slices.Clone(p.steps)
		e.prefix = p
		return e
	}
	e.ins = []*simplego.Node{acc.node}
	return e
}

func (e *chainExpr) addIn(n *simplego.Node) int {
	if i := slices.Index(e.ins, n); i >= 0 {
		return i
	}
	e.ins = append(e.ins, n)
	return len(e.ins) - 1
}

// emit adds e's node to the graph.
func (f *fuser) emit(b *Builder, e *chainExpr) (backends.Op, error) {
	e.ch = &chainOp{c: e.shape.Dimensions[e.shape.Rank()-1], steps: e.steps, stepwise: b.noEpilogue}
	ins := make([]backends.Op, len(e.ins))
	for i, n := range e.ins {
		ins[i] = n
	}
	var op customOp = e.ch
	outShape := e.shape.Clone()
	switch {
	case e.maxPlan != nil:
		op = &reduceMaxChainOp{ch: e.ch, p: e.maxPlan}
		outShape = e.maxOut.Clone()
	case e.reduce:
		op = &reduceChainOp{ch: e.ch}
		outShape = shapes.Make(dtypes.Float32, e.ch.c)
	}
	node, err := b.addCustom(op, outShape, ins...)
	if err != nil {
		return nil, err
	}
	e.node = node.(*simplego.Node)
	f.exprs[e.node] = e
	f.order = append(f.order, e)
	if e.prefix != nil {
		e.prefix.inliners = append(e.prefix.inliners, e)
	}
	return node, nil
}

// fusedBinary returns the fused node for lhs op rhs, or ok=false.
func (b *Builder) fusedBinary(op elemOp, lhs, rhs backends.Op) (backends.Op, bool, error) {
	f := b.fuserOrNil()
	if f == nil {
		return nil, false, nil
	}
	ls, err1 := b.OpShape(lhs)
	rs, err2 := b.OpShape(rhs)
	if err1 != nil || err2 != nil {
		return nil, false, nil
	}
	out, ok := resultShape(ls, rs)
	if !ok {
		return nil, false, nil
	}
	l, ok1 := f.classify(b, lhs, out)
	r, ok2 := f.classify(b, rhs, out)
	if !ok1 || !ok2 {
		return nil, false, nil
	}
	if l.full != nil && l.full == r.full {
		// The same broadcast twice (a square): on the full tensor.
		l, _ = l.asFull()
		r, _ = r.asFull()
	}
	if l.expr == nil && l.kind != argFull && r.expr == nil && r.kind != argFull {
		// No operand of the result's shape: a broadcast read in place
		// becomes the chain's base.
		if lf, ok := l.asFull(); ok {
			l = lf
		} else if rf, ok := r.asFull(); ok {
			r = rf
		}
	}
	implicit := (l.kind == argBcast && l.full == nil) || (r.kind == argBcast && r.full == nil)
	if implicit && (op == opMax || (l.expr == nil && l.kind != argFull && r.expr == nil && r.kind != argFull)) {
		// Left to the broadcasting ops, as before operands of this kind
		// were fused.
		return nil, false, nil
	}
	var e *chainExpr
	if op == opMul && l.node == r.node && l.kind == argFull {
		// Square.
		e = f.start(l, out, 0)
		e.steps = append(e.steps, chainStep{op: opSquare})
	} else {
		acc, arg, accRight := l, r, false
		switch {
		case l.expr != nil && r.expr != nil:
			if len(r.expr.steps) > len(l.expr.steps) {
				acc, arg, accRight = r, l, true
			}
		case l.expr != nil:
		case r.expr != nil:
			acc, arg, accRight = r, l, true
		case l.kind == argFull:
		case r.kind == argFull:
			acc, arg, accRight = r, l, true
		default:
			// Both operands are broadcasts of vectors or scalars (as in the
			// gradient of a division by a per-channel vector): compute on the
			// small ones and broadcast the result, read small by consumers.
			return b.smallThenBroadcast(op, l, r, out)
		}
		e = f.start(acc, out, 1)
		e.implicit = implicit
		// x - (+0) is x, also for x = -0 (not so x - (-0)).
		if !(op == opSub && !accRight && arg.isConst && math.Float32bits(arg.cval) == 0) {
			e.steps = append(e.steps, chainStep{op: op, kind: arg.kind, arg: e.addIn(arg.node), accRight: accRight,
				bc: arg.bc, isConst: arg.isConst, cval: arg.cval})
		}
	}
	res, err := f.emit(b, e)
	return res, err == nil, err
}

// Neg implements backends.Builder.Neg, fused into chains for float32.
func (b *Builder) Neg(x backends.Op) (backends.Op, error) {
	if out, ok, err := b.fusedUnary(opNeg, x); ok || err != nil {
		return out, err
	}
	return b.Builder.Neg(x)
}

// smallThenBroadcast computes op on the vectors or scalars l and r (each a
// leaf of kind argChannel or argScalar) and broadcasts the result to out.
func (b *Builder) smallThenBroadcast(op elemOp, l, r operand, out shapes.Shape) (backends.Op, bool, error) {
	rank := out.Rank()
	small := make([]int, rank)
	for i := range small {
		small[i] = 1
	}
	if l.kind == argChannel || r.kind == argChannel {
		small[rank-1] = out.Dimensions[rank-1]
	}
	reshape := func(o operand) (backends.Op, error) {
		dims := make([]int, rank)
		for i := range dims {
			dims[i] = 1
		}
		if o.kind == argChannel {
			dims[rank-1] = out.Dimensions[rank-1]
		}
		return b.Builder.Reshape(o.node, dims...)
	}
	ls, err := reshape(l)
	if err != nil {
		return nil, false, err
	}
	rs, err := reshape(r)
	if err != nil {
		return nil, false, err
	}
	var res backends.Op
	switch op {
	case opAdd:
		res, err = b.Builder.Add(ls, rs)
	case opSub:
		res, err = b.Builder.Sub(ls, rs)
	case opMul:
		res, err = b.Builder.Mul(ls, rs)
	case opDiv:
		res, err = b.Builder.Div(ls, rs)
	case opMax:
		res, err = b.Builder.Max(ls, rs)
	default:
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	axes := make([]int, rank)
	for i := range axes {
		axes[i] = i
	}
	res, err = b.BroadcastInDim(res, out.Clone(), axes)
	return res, err == nil, err
}

// fusedUnary returns the fused node for op(x), or ok=false.
func (b *Builder) fusedUnary(op elemOp, x backends.Op) (backends.Op, bool, error) {
	f := b.fuserOrNil()
	if f == nil {
		return nil, false, nil
	}
	xs, err := b.OpShape(x)
	if err != nil {
		return nil, false, nil
	}
	out, ok := resultShape(xs, xs)
	if !ok {
		return nil, false, nil
	}
	o, ok := f.classify(b, x, out)
	if of, isFull := o.asFull(); isFull {
		o = of
	}
	if !ok || o.kind != argFull {
		return nil, false, nil
	}
	e := f.start(o, out, 0)
	n := len(e.steps)
	if p := e.prefix; op == opSign && p != nil && n >= 2 && p.prefix != nil && p.prefix.prefix != nil &&
		len(p.steps) == n && len(p.prefix.steps) == n-1 && len(p.prefix.prefix.steps) == n-2 &&
		e.steps[n-1].op == opAdd && e.steps[n-1].kind == argScalar && e.steps[n-1].isConst && e.steps[n-1].cval == 1 &&
		e.steps[n-2].op == opSign && e.steps[n-2].kind == argNone {
		// Sign(Sign(x) + 1): one step, on the chain before the first Sign.
		e.steps = append(e.steps[:n-2], chainStep{op: opNonNeg})
		e.prefix = p.prefix.prefix
		e.ins = e.ins[:len(e.prefix.ins)] // The constant 1 is no longer read.
	} else {
		e.steps = append(e.steps, chainStep{op: op})
	}
	res, err := f.emit(b, e)
	return res, err == nil, err
}

// fusedReduceSum returns a reduceChainOp for the sum of a chain over every
// axis but the last, or ok=false.
func (b *Builder) fusedReduceSum(x backends.Op, axes []int) (backends.Op, bool, error) {
	f := b.fuserOrNil()
	if f == nil {
		return nil, false, nil
	}
	n, ok := x.(*simplego.Node)
	if !ok {
		return nil, false, nil
	}
	src := f.exprs[n]
	// No axes means every axis. A sum of an op with an implicitly broadcast
	// operand stays the separate sum it was before such ops were fused.
	if src == nil || src.reduce || src.implicit || len(axes) == 0 || len(axes) != src.shape.Rank()-1 {
		return nil, false, nil
	}
	sorted := slices.Sorted(slices.Values(axes))
	for i, a := range sorted {
		if a != i {
			return nil, false, nil
		}
	}
	e := f.start(operand{node: n, expr: src, kind: argFull}, src.shape, 0)
	e.reduce = true
	res, err := f.emit(b, e)
	return res, err == nil, err
}

// fusedReduceMax returns a reduceMaxChainOp for the maximum of a chain (or
// of a Reshape of one, as in a max pool) over axes, or ok=false.
func (b *Builder) fusedReduceMax(x backends.Op, axes []int) (backends.Op, bool, error) {
	f := b.fuserOrNil()
	xn, ok := x.(*simplego.Node)
	if f == nil || !ok || len(axes) == 0 {
		return nil, false, nil
	}
	src := f.exprs[b.reshapeSource(xn)]
	if src == nil || src.reduce {
		return nil, false, nil
	}
	plan, outDims, ok := b.reducePlanFor(x, axes)
	if !ok || plan.bcast[0] {
		return nil, false, nil
	}
	// Blocks of one outer index, whole rows of the chain.
	blk := plan.outStrides[0]
	if c := src.shape.Dimensions[src.shape.Rank()-1]; blk%c != 0 || blk > maxChainRow {
		return nil, false, nil
	}
	e := f.start(operand{node: src.node, expr: src, kind: argFull}, src.shape, 0)
	e.reduce = true
	e.maxPlan = plan
	e.maxOut = shapes.Make(dtypes.Float32, outDims...)
	res, err := f.emit(b, e)
	return res, err == nil, err
}

// Compile implements backends.Builder.Compile: it settles which fused chains
// are computed before the pure-Go backend compiles the graph.
func (b *Builder) Compile(outputs []backends.Op, shardings []*backends.ShardingSpec) (backends.Executable, error) {
	if b.fz != nil && len(b.fz.order) > 0 {
		b.fz.resolve(outputs)
		for _, e := range b.fz.order {
			ins := *nodeInputs(e.node)
			for i, n := range ins {
				ins[i] = b.reshapeSource(n)
			}
		}
		if !b.noEpilogue {
			b.fz.fuseEpilogues(outputs)
		}
	}
	return b.Builder.Compile(outputs, shardings)
}

func nodeInputs(n *simplego.Node) *[]*simplego.Node {
	return (*[]*simplego.Node)(unsafe.Add(unsafe.Pointer(n), nodeInputsOffset))
}

// resolve decides which chains are computed and rewrites each computed
// chain or reduction to start from the nearest computed chain it extends.
//
// A chain node is computed if the outputs need it, or if it is not needed
// but at least two computed nodes would otherwise recompute its steps (then
// writing it out once is cheaper).
func (f *fuser) resolve(outputs []backends.Op) {
	live := make(map[*simplego.Node]bool)
	var stack []*simplego.Node
	for _, o := range outputs {
		if n, ok := o.(*simplego.Node); ok {
			stack = append(stack, n)
		}
	}
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if live[n] {
			continue
		}
		live[n] = true
		stack = append(stack, *nodeInputs(n)...)
	}
	computed := make(map[*chainExpr]bool)
	flow := make(map[*chainExpr]int) // computed nodes that would recompute this chain
	for i := len(f.order) - 1; i >= 0; i-- {
		e := f.order[i]
		fl := 0
		for _, in := range e.inliners {
			if computed[in] {
				fl++
			} else {
				fl += flow[in]
			}
		}
		flow[e] = fl
		computed[e] = live[e.node] || (!e.reduce && fl >= 2 && (fl-1)*len(e.steps) >= 3)
	}
	for _, e := range f.order {
		if !computed[e] {
			continue
		}
		p := e.prefix
		for p != nil && !computed[p] {
			p = p.prefix
		}
		if p == nil {
			continue
		}
		suffix := e.steps[len(p.steps):]
		ins := []*simplego.Node{p.node}
		steps := make([]chainStep, len(suffix))
		for j, s := range suffix {
			if s.kind != argNone {
				n := e.ins[s.arg]
				k := slices.Index(ins, n)
				if k < 0 {
					ins = append(ins, n)
					k = len(ins) - 1
				}
				s.arg = k
			}
			steps[j] = s
		}
		e.ch.steps = steps
		*nodeInputs(e.node) = ins
	}
}
