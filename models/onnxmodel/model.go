package onnxmodel

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/onnx-gomlx/onnx"

	"github.com/repgeo/repgeo/backend"
)

// ErrCorrupt is wrapped by the errors of Load and Parse for files that are
// not valid ONNX models: truncated, garbled or internally inconsistent.
var ErrCorrupt = errors.New("corrupt ONNX model")

// ErrUnsupported is wrapped by the errors of Load and Parse for valid models
// that use an operator (or an operator attribute) the importer cannot
// convert.
var ErrUnsupported = errors.New("unsupported ONNX model")

// Node is one operator of an ONNX graph.
type Node struct {
	// Name is the node's name, such as "/layer1/layer1.0/conv1/Conv".
	Name string
	// Op is the ONNX operator type, such as "Conv".
	Op string
	// Module is the dotted path of the PyTorch module the node belongs to,
	// such as "layer1.0.conv1", recovered from the name's scope; empty for
	// nodes outside any module.
	Module string
	// Outputs are the names of the tensors the node produces.
	Outputs []string
}

// Model is an ONNX image classifier ready to run with GoMLX. It takes one
// float32 input in PyTorch's N×C×H×W layout.
type Model struct {
	path  string
	onnx  *onnx.Model
	ctx   *context.Context
	nodes []Node
	// input is the name of the image input; inShape its declared dimensions
	// (N, C, H, W), with -1 for dynamic axes.
	input   string
	inShape [4]int
	output  string
	// producer maps each tensor name to the index of the node producing it.
	producer map[string]int
}

// Load reads and checks the ONNX model in the file at path. It returns an
// error wrapping ErrCorrupt for a file that is not a valid ONNX model and
// ErrUnsupported, naming the operators, for a model the importer cannot
// convert.
func Load(path string) (*Model, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("onnxmodel: %w", err)
	}
	m, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	m.path = path
	return m, nil
}

// Parse reads and checks an ONNX model held in data, as Load does.
func Parse(data []byte) (m *Model, err error) {
	if len(data) == 0 {
		return nil, fmt.Errorf("onnxmodel: %w: empty file", ErrCorrupt)
	}
	var om *onnx.Model
	if perr := catch(func() {
		om, err = onnx.Parse(data)
	}); perr != nil {
		// The importer dereferences the graph before checking it exists.
		return nil, fmt.Errorf("onnxmodel: %w: no graph in the file (%s)", ErrCorrupt, firstLine(perr.Error()))
	}
	if err != nil {
		return nil, fmt.Errorf("onnxmodel: %w (truncated, or not an ONNX file): %v", ErrCorrupt, err)
	}
	rewritten, err := rewriteOps(om)
	if err != nil {
		return nil, err
	}
	if rewritten != nil {
		if perr := catch(func() { om, err = onnx.Parse(rewritten) }); perr != nil {
			err = perr
		}
		if err != nil {
			return nil, fmt.Errorf("onnxmodel: re-reading the rewritten graph: %v", err)
		}
	}
	m = &Model{onnx: om}
	m.normalizeAttributes()
	if err := m.check(); err != nil {
		return nil, err
	}
	if err := m.checkOperators(); err != nil {
		return nil, err
	}
	m.ctx = context.New()
	if perr := catch(func() {
		err = om.VariablesToContext(m.ctx)
	}); perr != nil {
		err = perr
	}
	if err != nil {
		return nil, fmt.Errorf("onnxmodel: %w: reading weights: %v", ErrCorrupt, err)
	}
	m.dropWeightData()
	if err := m.tryBuild(); err != nil {
		return nil, err
	}
	return m, nil
}

// check validates the structure of the parsed graph: a graph with nodes, one
// float32 rank-4 data input, outputs, every node input defined before use
// and every node producing at least one tensor.
func (m *Model) check() error {
	p := &m.onnx.Proto
	g := p.Graph
	if g == nil || len(g.Node) == 0 {
		return fmt.Errorf("onnxmodel: %w: no graph or no operators", ErrCorrupt)
	}
	inits := make(map[string]bool, len(g.Initializer))
	for _, t := range g.Initializer {
		inits[t.Name] = true
	}
	// Older exporters also list the weights as graph inputs: keep only the
	// data inputs.
	var names []string
	var dshapes []onnx.DynamicShape
	for i, name := range m.onnx.InputsNames {
		if !inits[name] {
			names = append(names, name)
			dshapes = append(dshapes, m.onnx.InputsShapes[i])
		}
	}
	m.onnx.InputsNames, m.onnx.InputsShapes = names, dshapes
	if len(names) != 1 {
		return fmt.Errorf("onnxmodel: %w: the model has %d data inputs %q; only models with one image input are supported",
			ErrUnsupported, len(names), names)
	}
	in := dshapes[0]
	if in.Rank() != 4 {
		return fmt.Errorf("onnxmodel: %w: input %q has shape %s; an image input N×C×H×W (rank 4) is needed",
			ErrUnsupported, names[0], in)
	}
	if in.DType != dtypes.Float32 {
		return fmt.Errorf("onnxmodel: %w: input %q has dtype %s; only float32 inputs are supported",
			ErrUnsupported, names[0], in.DType)
	}
	m.input = names[0]
	copy(m.inShape[:], in.Dimensions)
	if len(m.onnx.OutputsNames) == 0 {
		return fmt.Errorf("onnxmodel: %w: the graph declares no output", ErrCorrupt)
	}
	m.output = m.onnx.OutputsNames[0]

	defined := map[string]bool{m.input: true}
	for name := range inits {
		defined[name] = true
	}
	m.producer = make(map[string]int, len(g.Node))
	m.nodes = make([]Node, len(g.Node))
	for i, n := range g.Node {
		if n.OpType == "" {
			return fmt.Errorf("onnxmodel: %w: node %d (%q) has no operator type", ErrCorrupt, i, n.Name)
		}
		for _, in := range n.Input {
			if in != "" && !defined[in] {
				return fmt.Errorf("onnxmodel: %w: node %q (%s) reads %q, which no earlier node, weight or input defines",
					ErrCorrupt, n.Name, n.OpType, in)
			}
		}
		produces := false
		for _, out := range n.Output {
			if out != "" {
				defined[out] = true
				m.producer[out] = i
				produces = true
			}
		}
		if !produces {
			return fmt.Errorf("onnxmodel: %w: node %q (%s) has no output", ErrCorrupt, n.Name, n.OpType)
		}
		m.nodes[i] = Node{Name: n.Name, Op: n.OpType, Module: modulePath(n.Name), Outputs: slices.Clone(n.Output)}
	}
	for _, out := range m.onnx.OutputsNames {
		if !defined[out] {
			return fmt.Errorf("onnxmodel: %w: graph output %q is not computed by any node", ErrCorrupt, out)
		}
	}
	return nil
}

// normalizeAttributes rewrites node attributes that have no effect on
// inference but that the importer refuses: batch norm momentum (a training
// setting), and Dropout in inference mode (an identity, also with a
// constant false training_mode input, as torch exports F.dropout called with
// training=False); and max pooling in
// ceil mode as the equivalent floor mode with more end padding (ceilToFloor).
func (m *Model) normalizeAttributes() {
	if m.onnx.Proto.Graph == nil {
		return
	}
	var consts map[string]intConst
	var used map[string]bool
	for _, n := range m.onnx.Proto.Graph.Node {
		switch n.OpType {
		case "BatchNormalization":
			for _, a := range n.Attribute {
				if a.Name == "momentum" {
					a.F = 0.9
				}
			}
		case "MaxPool":
			var ceil *int64
			var kernel, strides, pads, dilations []int64
			for _, a := range n.Attribute {
				switch a.Name {
				case "ceil_mode":
					ceil = &a.I
				case "kernel_shape":
					kernel = a.Ints
				case "strides":
					strides = a.Ints
				case "pads":
					pads = a.Ints
				case "dilations":
					dilations = a.Ints
				}
			}
			if ceil == nil || *ceil == 0 {
				break
			}
			newPads, ok := ceilPads(kernel, strides, pads, dilations)
			if !ok {
				break // the importer reports ceil_mode as unsupported
			}
			*ceil = 0
			if pads == nil {
				p := freshLike(n.Attribute[0])
				p.Name, p.Type = "pads", 7 // INTS
				n.Attribute = append(n.Attribute, p)
			}
			for _, a := range n.Attribute {
				if a.Name == "pads" {
					a.Ints = newPads
				}
			}
		case "Dropout":
			// Dropout in inference mode (no training_mode input, or a
			// constant false one) or of constant ratio 0 (which F.dropout
			// called without training= exports in training mode), whose
			// mask nothing reads, is the identity.
			if consts == nil {
				consts = intConstants(m.onnx)
				used = map[string]bool{}
				for _, n := range m.onnx.Proto.Graph.Node {
					for _, in := range n.Input {
						used[in] = true
					}
				}
				for _, out := range m.onnx.OutputsNames {
					used[out] = true
				}
			}
			inference := len(n.Input) <= 2 || n.Input[2] == ""
			if c, ok := consts[safeIndex(n.Input, 2)]; ok && len(c.vals) == 1 && c.vals[0] == 0 {
				inference = true
			}
			if len(n.Input) >= 2 && zeroConstant(m.onnx, n.Input[1]) {
				inference = true
			}
			if len(n.Input) >= 1 && inference && len(n.Output) >= 1 && (len(n.Output) < 2 || !used[n.Output[1]]) {
				n.OpType = "Identity"
				n.Input = n.Input[:1]
				n.Output = n.Output[:1]
				n.Attribute = nil
			}
		}
	}
}

// safeIndex returns list[i], or "" when list is shorter.
func safeIndex(list []string, i int) string {
	if i < len(list) {
		return list[i]
	}
	return ""
}

// zeroConstant reports whether the tensor named name is a float32 constant
// (a Constant node's output or an initializer) whose values are all zero.
func zeroConstant(om *onnx.Model, name string) bool {
	const float = 1
	zero := func(dtype int32, floats []float32, raw []byte) bool {
		if dtype != float || (len(floats) == 0 && len(raw) == 0) {
			return false
		}
		for _, v := range floats {
			if v != 0 {
				return false
			}
		}
		if len(raw)%4 != 0 {
			return false
		}
		for i := 0; i < len(raw); i += 4 {
			if binary.LittleEndian.Uint32(raw[i:])&0x7fffffff != 0 { // +0 or -0
				return false
			}
		}
		return true
	}
	g := om.Proto.Graph
	for _, t := range g.Initializer {
		if t.Name == name {
			return zero(t.DataType, t.FloatData, t.RawData)
		}
	}
	for _, n := range g.Node {
		if n.OpType == "Constant" && len(n.Output) == 1 && n.Output[0] == name {
			for _, a := range n.Attribute {
				if a.Name == "value" && a.T != nil {
					return zero(a.T.DataType, a.T.FloatData, a.T.RawData)
				}
			}
		}
	}
	return false
}

// dropWeightData releases the file's copy of the floating-point weights,
// now held by the context, so that a model does not occupy twice its size in
// memory. The importer reads initializers' data only to fold small integer
// constants (shapes, axes), which are kept, and to convert the sub-graphs
// of If operators, whose models keep everything.
func (m *Model) dropWeightData() {
	for _, n := range m.nodes {
		if n.Op == "If" {
			return
		}
	}
	const (
		float    = 1
		float16  = 10
		double   = 11
		bfloat16 = 16
	)
	for _, t := range m.onnx.Proto.Graph.Initializer {
		switch t.DataType {
		case float, float16, double, bfloat16:
			t.RawData, t.FloatData, t.DoubleData, t.Int32Data = nil, nil, nil, nil
		}
	}
}

// supportedOps lists the ONNX operators onnx-gomlx v0.3.4 converts.
var supportedOps = map[string]bool{}

func init() {
	for _, op := range strings.Fields(`Add Sub Mul Div Pow And Or Xor BitwiseAnd BitwiseOr BitwiseXor
		Equal Less LessOrEqual Greater GreaterOrEqual Sqrt Exp Log Erf Relu Abs Neg Sign Ceil Floor
		Identity Not BitwiseNot Tanh Sin Cos MatMul Clip Where Min Max Constant Gather GatherElements
		Shape Concat Softmax Cast Transpose Gemm Flatten DequantizeLinear QuantizeLinear MatMulInteger
		QLinearMatMul Squeeze Unsqueeze Slice Reshape ReduceMean ConstantOfShape Expand Tile Range
		CumSum LSTM Conv AveragePool MaxPool GlobalAveragePool BatchNormalization LayerNormalization
		Pad DynamicQuantizeLinear Split Trilu ScatterND If`) {
		supportedOps[op] = true
	}
}

// checkOperators reports every operator type of the graph the importer lacks.
func (m *Model) checkOperators() error {
	missing := map[string]string{}
	for _, n := range m.nodes {
		if !supportedOps[n.Op] {
			if _, ok := missing[n.Op]; !ok {
				missing[n.Op] = n.Name
			}
		}
	}
	if len(missing) == 0 {
		return nil
	}
	ops := make([]string, 0, len(missing))
	for op := range missing {
		ops = append(ops, op)
	}
	sort.Strings(ops)
	desc := make([]string, len(ops))
	for i, op := range ops {
		desc[i] = fmt.Sprintf("%q (node %q)", op, missing[op])
	}
	return fmt.Errorf("onnxmodel: %w: operator %s not supported by the ONNX importer (onnx-gomlx)",
		ErrUnsupported, strings.Join(desc, ", "))
}

// tryBuild builds (without compiling) the graph of every output once, for a
// batch of one, on the project's pure-Go backend, to report operators and
// attributes the importer cannot convert. Operations a backend lacks are
// reported by Extract on the backend actually used. Models whose spatial
// input size is dynamic are checked at extraction.
func (m *Model) tryBuild() error {
	dims := m.inShape
	if dims[1] <= 0 || dims[2] <= 0 || dims[3] <= 0 {
		return nil
	}
	if dims[0] <= 0 {
		dims[0] = 1
	}
	b, err := backends.NewWithConfig(backend.Name)
	if err != nil {
		return fmt.Errorf("onnxmodel: checking the graph: %w", err)
	}
	defer b.Finalize()
	err = m.build(b, dims, m.onnx.OutputsNames)
	if errors.Is(err, errBackend) {
		return nil
	}
	return err
}

// build converts the graph computing the named tensors for an input of the
// given dimensions, and discards it.
func (m *Model) build(b backends.Backend, dims [4]int, outputs []string) (err error) {
	g := graph.NewGraph(b, "onnxmodel_check")
	defer func() {
		if perr := catch(g.Finalize); perr != nil && err == nil {
			err = convertPanic(perr, "building")
		}
	}()
	if perr := catch(func() {
		x := graph.Parameter(g, m.input, shapes.Make(dtypes.Float32, dims[:]...))
		m.onnx.CallGraph(m.ctx, g, map[string]*graph.Node{m.input: x}, outputs...)
	}); perr != nil {
		return convertPanic(perr, "building")
	}
	return nil
}

// catch calls fn and returns the value of a panic as an error: the
// importer and GoMLX's graph building report errors by panicking.
func catch(fn func()) (err error) {
	defer func() {
		if r := recover(); r != nil {
			if e, ok := r.(error); ok {
				err = e
			} else {
				err = fmt.Errorf("%v", r)
			}
		}
	}()
	fn()
	return nil
}

// errBackend marks errors for operations the backend lacks.
var errBackend = errors.New("the backend lacks an operation the model needs")

// convertPanic turns a panic of the importer, of graph building or of
// execution into an error naming the unsupported operator or attribute where
// possible; stage says what was being done ("building", "running").
func convertPanic(p error, stage string) error {
	msg := p.Error()
	if match := unimplementedOp.FindStringSubmatch(msg); match != nil {
		return fmt.Errorf("onnxmodel: %w: operator %q not supported by the ONNX importer (onnx-gomlx)", ErrUnsupported, match[1])
	}
	if strings.Contains(msg, "in SimpleGo") {
		return fmt.Errorf("onnxmodel: %w (try GOMLX_BACKEND=xla:cpu where XLA is installed): %s", errBackend, firstLine(msg))
	}
	if strings.Contains(msg, "not yet implemented") || strings.Contains(msg, "not implemented") {
		return fmt.Errorf("onnxmodel: %w: %s", ErrUnsupported, firstLine(msg))
	}
	return fmt.Errorf("onnxmodel: %s the graph: %s", stage, firstLine(msg))
}

var unimplementedOp = regexp.MustCompile(`unimplemented ONNX op "([^"]*)"`)

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// modulePath recovers the dotted PyTorch module path from a node name as
// torch.onnx.export writes it: "/layer1/layer1.0/relu_1/Relu" belongs to
// "layer1.0.relu_1". Each scope component is either the module's
// attribute name ("conv1"), or for a child of a container, the container's
// component, a dot and the child's name ("layer1.0", "downsample.0").
func modulePath(name string) string {
	if !strings.HasPrefix(name, "/") {
		return ""
	}
	parts := strings.Split(name[1:], "/")
	path, last := "", ""
	for _, c := range parts[:len(parts)-1] {
		switch {
		case c == "":
			continue
		case last != "" && strings.HasPrefix(c, last+"."):
			// A container's child: "layer1" then "layer1.0".
			path = path[:len(path)-len(last)] + c
		case path == "":
			path = c
		default:
			path += "." + c
		}
		last = c
	}
	return path
}

// Path returns the file the model was loaded from, or "" for Parse.
func (m *Model) Path() string { return m.path }

// Nodes returns the operators of the graph in topological order.
func (m *Model) Nodes() []Node { return slices.Clone(m.nodes) }

// InputName returns the name of the image input.
func (m *Model) InputName() string { return m.input }

// OutputName returns the name of the model's (first) output.
func (m *Model) OutputName() string { return m.output }

// InputShape returns the declared input dimensions N, C, H, W; a dynamic
// axis (such as an exported "batch" axis) is -1.
func (m *Model) InputShape() (n, c, h, w int) {
	return m.inShape[0], m.inShape[1], m.inShape[2], m.inShape[3]
}
