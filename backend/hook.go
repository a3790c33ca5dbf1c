package backend

import (
	"reflect"
	"sync/atomic"
	"unsafe"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/backends/simplego"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/pkg/errors"
)

// The pure-Go backend of GoMLX v0.26 has no public way to add an op. The
// float32 fast path adds its own (convolutions, also with the fused chain
// that reads them, matrix products, element-wise and broadcasting ops and
// fused chains of them, ReduceSum, ReduceMax and max pools, Sign, Reverse,
// Transpose) by reaching into it: its table of op
// executors and its node constructor are linked by name in hook_linkname.go,
// and the unexported fields it needs (Node.data, Node.inputs, Buffer.flat,
// Buffer.shape) are located by reflection once, at start-up. If the fields
// are not what this code expects, hookErr is set and the decorator uses only
// standard ops.
//
// The link by name is fenced by the build tag "nolinkname": a GoMLX version
// without these symbols fails to link any binary importing this package, and
// building with -tags nolinkname then gives a working backend on standard
// ops only (hook_nolinkname.go), with hookErr saying why.

type sgExecutor func(backend *simplego.Backend, node *simplego.Node, inputs []*simplego.Buffer, inputsOwned []bool) (*simplego.Buffer, error)

var (
	nodeDataOffset, bufferFlatOffset, nodeInputsOffset, bufferShapeOffset uintptr
	hookErr                                                               error
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
	if err := fencedOff(); err != nil {
		return err
	}
	anyType := reflect.TypeOf((*any)(nil)).Elem()
	var ok1, ok2, ok3, ok4 bool
	nodeDataOffset, ok1 = fieldOffset(reflect.TypeOf(simplego.Node{}), "data", anyType)
	bufferFlatOffset, ok2 = fieldOffset(reflect.TypeOf(simplego.Buffer{}), "flat", anyType)
	nodeInputsOffset, ok3 = fieldOffset(reflect.TypeOf(simplego.Node{}), "inputs", reflect.TypeOf([]*simplego.Node(nil)))
	bufferShapeOffset, ok4 = fieldOffset(reflect.TypeOf(simplego.Buffer{}), "shape", reflect.TypeOf(shapes.Shape{}))
	if !ok1 || !ok2 || !ok3 || !ok4 {
		return errHook("simplego.Node or simplego.Buffer layout differs from GoMLX v0.26")
	}
	table, err := linkedExecutors()
	if err != nil {
		return err
	}
	if table[customOpType] != nil {
		return errHook("op type " + customOpType.String() + " already has an executor")
	}
	if table[backends.OpTypeDotGeneral] == nil {
		return errHook("executor table not found")
	}
	table[customOpType] = execCustom
	return nil
}

type errHook string

func (e errHook) Error() string { return "backend: fast path disabled: " + string(e) }

// FastPathErr returns nil if repgeo-go runs its custom float32 ops, or the
// reason it uses the pure-Go backend's standard ops only (slower, same
// results): a build with -tags nolinkname, or a GoMLX version whose pure-Go
// backend differs from v0.26.
func FastPathErr() error { return hookErr }

// customOp is the data of a node of customOpType.
type customOp interface {
	// exec computes the op's output, of the given shape, from its inputs.
	exec(out []float32, inputs [][]float32)
}

// inPlacer is implemented by custom ops that can write their output over
// one of their inputs (element-wise ops): inPlace returns the indices of the
// inputs that have the output's shape, in order of preference.
type inPlacer interface {
	inPlace() []int
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

func bufferShape(b *simplego.Buffer) *shapes.Shape {
	return (*shapes.Shape)(unsafe.Add(unsafe.Pointer(b), bufferShapeOffset))
}

// addCustom adds a float32 node computing op from inputs, with output shape.
func (b *Builder) addCustom(op customOp, shape shapes.Shape, inputs ...backends.Op) (backends.Op, error) {
	nodes := make([]*simplego.Node, len(inputs))
	for i, in := range inputs {
		n, ok := in.(*simplego.Node)
		if !ok {
			return nil, errors.Errorf("backend: input %d of a custom op is a %T, not a pure-Go backend op", i, in)
		}
		nodes[i] = b.reshapeSource(n)
	}
	node := newSGNode(b.Builder, customOpType, shape, nodes...)
	*nodeData(node) = &customNode{op: op, shape: shape}
	return node, nil
}

// customExecs counts executions of custom ops, and customInPlace those that
// wrote their output over an input (for tests).
var customExecs, customInPlace atomic.Int64

func execCustom(backend *simplego.Backend, node *simplego.Node, inputs []*simplego.Buffer, inputsOwned []bool) (*simplego.Buffer, error) {
	cn, ok := (*nodeData(node)).(*customNode)
	if !ok {
		return nil, errors.Errorf("backend: node of op type %s without custom data", customOpType)
	}
	flats := make([][]float32, len(inputs))
	for i, in := range inputs {
		flats[i] = (*bufferFlat(in)).([]float32)
	}
	customExecs.Add(1)
	if ip, ok := cn.op.(inPlacer); ok {
		// Reuse an input the executor no longer needs, as the pure-Go
		// backend's own element-wise ops do: setting it to nil tells the
		// executor that it became the output.
		for _, i := range ip.inPlace() {
			if i < len(inputs) && inputsOwned[i] && inputs[i] != nil && len(flats[i]) == cn.shape.Size() {
				out := inputs[i]
				inputs[i] = nil
				customInPlace.Add(1)
				cn.op.exec(flats[i], flats)
				// The input may be the source of a Reshape (reshape.go).
				*bufferShape(out) = cn.shape
				return out, nil
			}
		}
	}
	out := backend.NewBuffer(cn.shape)
	if out == nil {
		return nil, errors.Errorf("backend: no buffer for %s (backend finalized?)", cn.shape)
	}
	cn.op.exec((*bufferFlat(out)).([]float32), flats)
	return out, nil
}
