package backend

import (
	"slices"
	"sync/atomic"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/backends/simplego"
)

// Convolution epilogues.
//
// In inference, every convolution of a ResNet or VGG is read by one fused
// chain only (batch norm, then the ReLU, or the residual sum and the ReLU):
// the convolution writes its output out, and the chain reads it back and
// writes it again. When the graph is compiled, such a pair becomes one
// convChainOp: the chain's steps run on each block of output positions as
// soon as the micro-kernels have computed it, while it is in cache. The
// convolution's values and the chain's steps are the same float32
// operations in the same order, so the results are bit for bit those of the
// pair.

// convEpilogueExecs counts executions of convChainOp (for tests).
var convEpilogueExecs atomic.Int64

// epilogue applies a chain in place to blocks of an output: ins are the
// chain's inputs, ins[0] the output itself.
type epilogue struct {
	ch  *chainOp
	ins [][]float32
}

// scratch returns a per-worker buffer for apply.
func (e *epilogue) scratch() []float32 { return e.ch.scratch(e.ch.blockRows() * e.ch.c) }

// apply evaluates the chain over elements [lo, hi) of ins[0], in place, in
// blocks of whole rows that stay in the first-level cache. lo and hi are
// multiples of the chain's row length.
func (e *epilogue) apply(lo, hi int, scratch []float32) {
	out := e.ins[0]
	br := e.ch.blockRows() * e.ch.c
	for e0 := lo; e0 < hi; e0 += br {
		e1 := min(e0+br, hi)
		e.ch.eval(out[e0:e1], e.ins, e0, scratch)
	}
}

// convChainOp is a forward convolution (a directConvOp computed by forward)
// followed by a chain whose base is the convolution's output. Its inputs
// are the convolution's two, then the chain's inputs but the base.
type convChainOp struct {
	conv *directConvOp
	ch   *chainOp
}

func (op *convChainOp) exec(out []float32, inputs [][]float32) {
	directExecs.Add(1)
	convEpilogueExecs.Add(1)
	ins := make([][]float32, len(inputs)-1)
	ins[0] = out
	copy(ins[1:], inputs[2:])
	op.conv.forward(out, inputs[0], inputs[1], &epilogue{ch: op.ch, ins: ins})
}

// epilogueOK reports whether the chain ch, whose base is the output of conv,
// can run as conv's epilogue with the same results: conv runs forward, the
// chain's rows are conv's output channels, no step reads the base again
// (it is overwritten in place), and every element takes the same loop
// whatever the blocks: a step along the channels makes the chain's blocks
// whole rows, and with the assembly loops, rows of a multiple of 8 elements
// run in them entirely (the Go loops after them may give NaNs another sign).
func epilogueOK(conv *directConvOp, ch *chainOp) bool {
	if conv.kgrad || conv.polyphaseOK() || ch.c != conv.n || len(ch.steps) == 0 ||
		!ch.hasChannelStep() || (haveElemAVX2 && ch.c%8 != 0) {
		return false
	}
	for _, s := range ch.steps {
		if s.kind != argNone && s.arg == 0 {
			return false
		}
	}
	return true
}

// fuseEpilogues turns each computed chain whose base is a forward
// convolution read by nothing else into a convChainOp. It runs after
// resolve, on the graph the outputs need. First, a chain B whose first step
// reads such a chain A (computed only for B) as its operand, as the
// residual sum of a ResNet block reads the batch norm of the block's last
// convolution, is rewritten to start from A's base: A's steps, then B's
// first step with A's value as the accumulated operand (on the same side of
// the op as before) and B's base as the other, then B's other steps.
func (f *fuser) fuseEpilogues(outputs []backends.Op) {
	uses := make(map[*simplego.Node]int)
	live := make(map[*simplego.Node]bool)
	var stack []*simplego.Node
	for _, o := range outputs {
		if n, ok := o.(*simplego.Node); ok {
			stack = append(stack, n)
			uses[n]++ // An output is read by the caller.
		}
	}
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if live[n] {
			continue
		}
		live[n] = true
		for _, in := range *nodeInputs(n) {
			uses[in]++
			stack = append(stack, in)
		}
	}
	// chainOf returns the chain of node n, if n is a chain node; convOf the
	// forward convolution of node n, if n is one that only one node reads.
	chainOf := func(n *simplego.Node) (*customNode, *chainOp, bool) {
		cn, ok := (*nodeData(n)).(*customNode)
		if !ok {
			return nil, nil, false
		}
		ch, ok := cn.op.(*chainOp)
		return cn, ch, ok
	}
	convOf := func(n *simplego.Node) (*directConvOp, bool) {
		if uses[n] != 1 {
			return nil, false
		}
		cn, ok := (*nodeData(n)).(*customNode)
		if !ok {
			return nil, false
		}
		conv, ok := cn.op.(*directConvOp)
		return conv, ok
	}
	for _, e := range f.order {
		if !live[e.node] || e.reduce {
			continue
		}
		cn, ch, ok := chainOf(e.node)
		if !ok || len(ch.steps) == 0 {
			continue
		}
		ins := *nodeInputs(e.node)
		s0 := ch.steps[0]
		if s0.kind != argFull || s0.arg == 0 || s0.op == opSquare || uses[ins[s0.arg]] != 1 {
			continue
		}
		a := ins[s0.arg]
		_, ach, ok := chainOf(a)
		if !ok || len(*nodeInputs(a)) == 0 {
			continue
		}
		aIns := *nodeInputs(a)
		conv, ok := convOf(aIns[0])
		if !ok {
			continue
		}
		merged, mergedIns, ok := mergeChains(ach, aIns, ch, ins, a)
		if !ok || !epilogueOK(conv, merged) {
			continue
		}
		*nodeInputs(e.node) = mergedIns
		*nodeData(e.node) = &customNode{op: merged, shape: cn.shape}
		e.ch = merged
		// a is no longer read; the convolution is read by e instead of a.
		uses[a], live[a] = 0, false
	}
	for _, e := range f.order {
		if !live[e.node] || e.reduce {
			continue
		}
		cn, ch, ok := chainOf(e.node)
		if !ok || ch != e.ch {
			continue
		}
		ins := *nodeInputs(e.node)
		if len(ins) == 0 {
			continue
		}
		conv, ok := convOf(ins[0])
		if !ok || !epilogueOK(conv, ch) {
			continue
		}
		convIns := *nodeInputs(ins[0])
		fused := append([]*simplego.Node{convIns[0], convIns[1]}, ins[1:]...)
		*nodeInputs(e.node) = fused
		*nodeData(e.node) = &customNode{op: &convChainOp{conv: conv, ch: ch}, shape: cn.shape}
	}
}

// mergeChains returns the chain computing b (inputs bIns) from the base of
// a (inputs aIns), where b's first step reads a (node an) as its operand:
// a's steps, b's first step on a's value and b's base, b's other steps. It
// returns ok=false if another step of b reads a, or the rows differ.
func mergeChains(a *chainOp, aIns []*simplego.Node, b *chainOp, bIns []*simplego.Node, an *simplego.Node) (*chainOp, []*simplego.Node, bool) {
	if a.c != b.c {
		return nil, nil, false
	}
	ins := slices.Clone(aIns)
	index := func(n *simplego.Node) int {
		if i := slices.Index(ins, n); i >= 0 {
			return i
		}
		ins = append(ins, n)
		return len(ins) - 1
	}
	steps := slices.Clone(a.steps)
	// acc op arg becomes arg op acc: the same operands on the same sides.
	s0 := b.steps[0]
	s0.arg, s0.accRight = index(bIns[0]), !s0.accRight
	steps = append(steps, s0)
	for _, s := range b.steps[1:] {
		if s.kind != argNone {
			if bIns[s.arg] == an {
				return nil, nil, false
			}
			s.arg = index(bIns[s.arg])
		}
		steps = append(steps, s)
	}
	return &chainOp{c: a.c, steps: steps}, ins, true
}
