package backend

import (
	"reflect"
	"sync/atomic"
	"unsafe"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/backends/simplego"
	"github.com/gomlx/gomlx/pkg/core/shapes"
)

// The pure-Go backend of GoMLX v0.26 has no public way to add an op. The
// float32 fast path adds two (im2col and a matrix product) by reaching into
// it: its table of op executors and its node constructor are linked by name,
// and the unexported fields it needs (Node.data, Buffer.flat) are located by
// reflection once, at start-up. If any of them is not what this code expects
// (another GoMLX version), hookErr is set and the decorator uses only
// standard ops.

type sgExecutor func(backend *simplego.Backend, node *simplego.Node, inputs []*simplego.Buffer, inputsOwned []bool) (*simplego.Buffer, error)

//go:linkname sgNodeExecutors github.com/gomlx/gomlx/backends/simplego.nodeExecutors
var sgNodeExecutors [backends.OpTypeLast]sgExecutor

//go:linkname sgNewNode github.com/gomlx/gomlx/backends/simplego.(*Builder).newNode
func sgNewNode(b *simplego.Builder, opType backends.OpType, shape shapes.Shape, inputs ...*simplego.Node) *simplego.Node

var (
	nodeDataOffset, nodeInputsOffset, bufferFlatOffset uintptr
	hookErr                                            error
)

// customOpType is the op type under which the decorator's own ops are
// executed: one the pure-Go backend does not implement, so that no other node
// can carry it.
const customOpType = backends.OpTypeBatchNormGradient

func init() {
	hookErr = initHook()
}

func fieldOffset(t reflect.Type, name string, want reflect.Type) (uintptr, bool) {
	f, ok := t.FieldByName(name)
	if !ok || f.Type != want {
		return 0, false
	}
	return f.Offset, true
}

func initHook() error {
	anyType := reflect.TypeOf((*any)(nil)).Elem()
	var ok1, ok2, ok3 bool
	nodeDataOffset, ok1 = fieldOffset(reflect.TypeOf(simplego.Node{}), "data", anyType)
	nodeInputsOffset, ok2 = fieldOffset(reflect.TypeOf(simplego.Node{}), "inputs", reflect.TypeOf([]*simplego.Node{}))
	bufferFlatOffset, ok3 = fieldOffset(reflect.TypeOf(simplego.Buffer{}), "flat", anyType)
	if !ok1 || !ok2 || !ok3 {
		return errHook("simplego.Node or simplego.Buffer layout differs from GoMLX v0.26")
	}
	if sgNodeExecutors[customOpType] != nil {
		return errHook("op type " + customOpType.String() + " already has an executor")
	}
	if sgNodeExecutors[backends.OpTypeDotGeneral] == nil {
		return errHook("executor table not found")
	}
	sgNodeExecutors[customOpType] = execCustom
	return nil
}

type errHook string

func (e errHook) Error() string { return "backend: fast path disabled: " + string(e) }

// customOp is the data of a node of customOpType.
type customOp interface {
	// exec computes the op's output, of the given shape, from its inputs.
	exec(out []float32, inputs [][]float32)
}

type customNode struct {
	op    customOp
	shape shapes.Shape
}

func nodeData(n *simplego.Node) *any {
	return (*any)(unsafe.Add(unsafe.Pointer(n), nodeDataOffset))
}

func bufferFlat(b *simplego.Buffer) *any {
	return (*any)(unsafe.Add(unsafe.Pointer(b), bufferFlatOffset))
}

// addCustom adds a float32 node computing op from inputs, with output shape.
func (b *Builder) addCustom(op customOp, shape shapes.Shape, inputs ...backends.Op) (backends.Op, error) {
	nodes := make([]*simplego.Node, len(inputs))
	for i, in := range inputs {
		n, ok := in.(*simplego.Node)
		if !ok {
			return nil, errHook("input is not a pure-Go backend op")
		}
		nodes[i] = n
	}
	node := sgNewNode(b.Builder, customOpType, shape, nodes...)
	*nodeData(node) = &customNode{op: op, shape: shape}
	return node, nil
}

// customExecs counts executions of custom ops (for tests).
var customExecs atomic.Int64

func execCustom(backend *simplego.Backend, node *simplego.Node, inputs []*simplego.Buffer, _ []bool) (*simplego.Buffer, error) {
	cn, ok := (*nodeData(node)).(*customNode)
	if !ok {
		return nil, errHook("node of op type " + customOpType.String() + " without custom data")
	}
	flats := make([][]float32, len(inputs))
	for i, in := range inputs {
		flats[i] = (*bufferFlat(in)).([]float32)
	}
	customExecs.Add(1)
	out := backend.NewBuffer(cn.shape)
	cn.op.exec((*bufferFlat(out)).([]float32), flats)
	return out, nil
}
