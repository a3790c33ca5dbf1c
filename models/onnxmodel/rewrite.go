package onnxmodel

import (
	"encoding/binary"
	"fmt"
	"slices"

	"github.com/gomlx/onnx-gomlx/onnx"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// rewritable lists the operators the importer lacks (or, for
// GlobalAveragePool, converts to the wrong rank) that rewriteOps replaces by
// exact equivalents built from operators it converts correctly.
var rewritable = map[string]bool{"Sigmoid": true, "HardSigmoid": true, "HardSwish": true, "GlobalAveragePool": true}

// rewriteOps returns the model re-serialized with every Sigmoid,
// HardSigmoid and HardSwish node replaced by elementwise operators the
// importer converts, and GlobalAveragePool (which the importer flattens to
// N×C, where ONNX keeps N×C×1×1) by a mean over the spatial axes:
//
//	Sigmoid(x)           = 1 / (1 + Exp(-x))
//	HardSigmoid(x)       = Clip(alpha·x + beta, 0, 1)   (alpha 0.2, beta 0.5 by default)
//	HardSwish(x)         = x · HardSigmoid(x) with alpha 1/6
//	GlobalAveragePool(x) = ReduceMean(x, axes 2 and 3, keeping them)
//
// The rewriting of GlobalAveragePool assumes images (N×C×H×W), the only
// inputs this package accepts.
//
// It also rewrites Gather nodes whose indices are constants with negative
// values (counting from the end of the axis, as ONNX allows and as
// torch.onnx.export writes for x.size(-1)), which the importer takes as
// index 0 or clamps, into a Gather with the indices made non-negative:
//
//	Gather(data, idx, axis) = Gather(data, idx + neg·Shape(data)[axis], axis)
//
// where neg is 1 where idx is negative and 0 elsewhere (see negativeGather).
// And Mod with fmod = 0 (integers; the sign of the result is the
// divisor's, as Python's %), which the importer lacks, as
//
//	r = a - b·(a/b)                  (integer division truncates towards zero)
//	Mod(a, b) = r + b where r ≠ 0 and r, b differ in sign, r elsewhere
//
// The last node of each replacement keeps the original node's name and
// output, so module paths and taps are unchanged. It returns nil when the
// graph has none of these operators.
func rewriteOps(om *onnx.Model) ([]byte, error) {
	g := om.Proto.Graph
	if g == nil {
		return nil, nil
	}
	consts := intConstants(om)
	negGather := func(op string, inputs, outputs []string) bool {
		if op != "Gather" || len(inputs) != 2 || len(outputs) != 1 {
			return false
		}
		c, ok := consts[inputs[1]]
		return ok && slices.ContainsFunc(c.vals, func(v int64) bool { return v < 0 })
	}
	found := false
	for _, n := range g.Node {
		if rewritable[n.OpType] || negGather(n.OpType, n.Input, n.Output) || intMod(n.OpType, n.Input, n.Output, n.Attribute) {
			found = true
			break
		}
	}
	if !found {
		return nil, nil
	}
	out := g.Node[:0:0]
	for _, n := range g.Node {
		if negGather(n.OpType, n.Input, n.Output) {
			out = append(out, negativeGather(n, consts[n.Input[1]])...)
			continue
		}
		if intMod(n.OpType, n.Input, n.Output, n.Attribute) {
			a, b, y, name := n.Input[0], n.Input[1], n.Output[0], n.Name
			tmp := func(suffix string) string { return y + "__" + suffix }
			node := func(op, suffix string, inputs ...string) {
				out = append(out, newNode(n, op, name+"_"+suffix, inputs, tmp(suffix), nil, nil))
			}
			node("Div", "q", a, b)
			node("Mul", "bq", b, tmp("q"))
			node("Sub", "r", a, tmp("bq"))
			node("Sub", "zero", b, b) // a zero of the operands' type
			node("Equal", "exact", tmp("r"), tmp("zero"))
			node("Not", "inexact", tmp("exact"))
			node("Less", "rneg", tmp("r"), tmp("zero"))
			node("Less", "bneg", b, tmp("zero"))
			node("Xor", "signs", tmp("rneg"), tmp("bneg"))
			node("And", "fix", tmp("inexact"), tmp("signs"))
			node("Add", "rb", tmp("r"), b)
			out = append(out, newNode(n, "Where", name, []string{tmp("fix"), tmp("rb"), tmp("r")}, y, nil, nil))
			continue
		}
		if !rewritable[n.OpType] {
			out = append(out, n)
			continue
		}
		if len(n.Input) != 1 || len(n.Output) != 1 {
			return nil, fmt.Errorf("onnxmodel: %w: node %q (%s) has %d inputs and %d outputs, want 1 and 1",
				ErrCorrupt, n.Name, n.OpType, len(n.Input), len(n.Output))
		}
		x, y, name := n.Input[0], n.Output[0], n.Name
		tmp := func(suffix string) string { return y + "__" + suffix }
		node := func(op, nodeName string, inputs []string, output string) {
			out = append(out, newNode(n, op, nodeName, inputs, output, nil, nil))
		}
		constant := func(suffix string, v float32) string {
			c := tmp(suffix)
			out = append(out, newNode(n, "Constant", name+"_"+suffix, nil, c, &v, nil))
			return c
		}
		attr := func(key string, def float32) float32 {
			for _, a := range n.Attribute {
				if a.Name == key {
					return a.F
				}
			}
			return def
		}
		switch n.OpType {
		case "GlobalAveragePool":
			out = append(out, newNode(n, "ReduceMean", name, []string{x}, y, nil, []int64{2, 3}))
		case "Sigmoid":
			one := constant("one", 1)
			node("Neg", name+"_neg", []string{x}, tmp("neg"))
			node("Exp", name+"_exp", []string{tmp("neg")}, tmp("exp"))
			node("Add", name+"_add", []string{tmp("exp"), one}, tmp("den"))
			node("Div", name, []string{one, tmp("den")}, y)
		case "HardSigmoid", "HardSwish":
			alpha, beta := float32(1.0/6), float32(0.5)
			if n.OpType == "HardSigmoid" {
				alpha, beta = attr("alpha", 0.2), attr("beta", 0.5)
			}
			a := constant("alpha", alpha)
			b := constant("beta", beta)
			zero := constant("zero", 0)
			one := constant("one", 1)
			node("Mul", name+"_mul", []string{x, a}, tmp("ax"))
			node("Add", name+"_add", []string{tmp("ax"), b}, tmp("axb"))
			if n.OpType == "HardSigmoid" {
				node("Clip", name, []string{tmp("axb"), zero, one}, y)
			} else {
				node("Clip", name+"_clip", []string{tmp("axb"), zero, one}, tmp("hsig"))
				node("Mul", name, []string{x, tmp("hsig")}, y)
			}
		}
	}
	g.Node = out
	data, err := proto.Marshal(&om.Proto)
	if err != nil {
		return nil, fmt.Errorf("onnxmodel: re-serializing the rewritten graph: %w", err)
	}
	return data, nil
}

// ONNX tensor data types used by the rewrites.
const (
	onnxInt32 = 6
	onnxInt64 = 7
	onnxBool  = 9
)

// intConst is the value of a constant integer tensor of the graph.
type intConst struct {
	dtype int32 // onnxInt32, onnxInt64 or onnxBool
	dims  []int64
	vals  []int64
}

// intConstants returns the int32, int64 and bool tensors of the graph whose values
// are fixed: the outputs of Constant nodes and the initializers, by name.
func intConstants(om *onnx.Model) map[string]intConst {
	out := map[string]intConst{}
	g := om.Proto.Graph
	for _, t := range g.Initializer {
		if c, ok := decodeInts(t.DataType, t.Dims, t.Int32Data, t.Int64Data, t.RawData); ok {
			out[t.Name] = c
		}
	}
	for _, n := range g.Node {
		if n.OpType != "Constant" || len(n.Output) != 1 || len(n.Attribute) != 1 {
			continue
		}
		a := n.Attribute[0]
		switch a.Name {
		case "value":
			if t := a.T; t != nil {
				if c, ok := decodeInts(t.DataType, t.Dims, t.Int32Data, t.Int64Data, t.RawData); ok {
					out[n.Output[0]] = c
				}
			}
		case "value_int":
			out[n.Output[0]] = intConst{dtype: onnxInt64, vals: []int64{a.I}}
		case "value_ints":
			out[n.Output[0]] = intConst{dtype: onnxInt64, dims: []int64{int64(len(a.Ints))}, vals: slices.Clone(a.Ints)}
		}
	}
	return out
}

// decodeInts reads the values of an int32, int64 or bool tensor, stored in
// its typed field (int32_data for bool) or little-endian in raw.
func decodeInts(dtype int32, dims []int64, i32 []int32, i64 []int64, raw []byte) (intConst, bool) {
	size := int64(1)
	for _, d := range dims {
		size *= d
	}
	c := intConst{dtype: dtype, dims: slices.Clone(dims)}
	switch {
	case dtype == onnxInt64 && len(i64) > 0:
		c.vals = slices.Clone(i64)
	case (dtype == onnxInt32 || dtype == onnxBool) && len(i32) > 0:
		for _, v := range i32 {
			c.vals = append(c.vals, int64(v))
		}
	case dtype == onnxInt64 && int64(len(raw)) == 8*size:
		for i := range size {
			c.vals = append(c.vals, int64(binary.LittleEndian.Uint64(raw[8*i:])))
		}
	case dtype == onnxInt32 && int64(len(raw)) == 4*size:
		for i := range size {
			c.vals = append(c.vals, int64(int32(binary.LittleEndian.Uint32(raw[4*i:]))))
		}
	case dtype == onnxBool && int64(len(raw)) == size:
		for _, v := range raw {
			c.vals = append(c.vals, int64(v))
		}
	default:
		return c, false
	}
	return c, int64(len(c.vals)) == size
}

// negativeGather returns the nodes replacing the Gather node n whose
// constant indices idx hold negative values:
//
//	shape = Shape(data)                     (Shape(data, start=axis) for a negative axis)
//	dim   = Gather(shape, axis)             (index 0 for a negative axis), a scalar
//	idx'  = idx + neg · dim                 (neg: 1 where idx < 0), cast to idx's type
//	Gather(data, idx', axis)
//
// The importer folds Shape into a constant, so that idx' stays a constant
// expression wherever idx was one (as in the shape computations of
// torch.onnx.export's multi-head attention).
func negativeGather[T proto.Message](n T, idx intConst) []T {
	r := n.ProtoReflect()
	fields := r.Descriptor().Fields()
	name := r.Get(fields.ByName("name")).String()
	in := r.Get(fields.ByName("input")).List()
	data, index := in.Get(0).String(), in.Get(1).String()
	y := r.Get(fields.ByName("output")).List().Get(0).String()
	axis := int64(0)
	attrs := r.Get(fields.ByName("attribute")).List()
	for i := range attrs.Len() {
		a := attrs.Get(i).Message()
		if a.Get(attrField(n, "name")).String() == "axis" {
			axis = a.Get(attrField(n, "i")).Int()
		}
	}
	tmp := func(suffix string) string { return y + "__" + suffix }
	var out []T
	shape := newNode(n, "Shape", name+"_shape", []string{data}, tmp("shape"), nil, nil)
	at := axis
	if axis < 0 {
		setIntAttr(shape, "start", axis)
		at = 0
	}
	out = append(out, shape,
		intConstNode(n, name+"_axis", tmp("axis"), onnxInt64, nil, []int64{at}),
		newNode(n, "Gather", name+"_dim", []string{tmp("shape"), tmp("axis")}, tmp("dim"), nil, nil))
	dim := tmp("dim")
	if idx.dtype == onnxInt32 {
		cast := newNode(n, "Cast", name+"_cast", []string{dim}, tmp("dim32"), nil, nil)
		setIntAttr(cast, "to", onnxInt32)
		out = append(out, cast)
		dim = tmp("dim32")
	}
	neg := make([]int64, len(idx.vals))
	for i, v := range idx.vals {
		if v < 0 {
			neg[i] = 1
		}
	}
	out = append(out,
		intConstNode(n, name+"_neg", tmp("neg"), idx.dtype, idx.dims, neg),
		newNode(n, "Mul", name+"_offset", []string{tmp("neg"), dim}, tmp("offset"), nil, nil),
		newNode(n, "Add", name+"_index", []string{index, tmp("offset")}, tmp("index"), nil, nil))
	g := proto.Clone(n).(T)
	gr := g.ProtoReflect()
	gr.Mutable(fields.ByName("input")).List().Set(1, protoreflect.ValueOfString(tmp("index")))
	return append(out, g)
}

// newNode returns a node of the same message type as like, with the given
// operator, name, inputs and single output; with value non-nil, a Constant
// holding that float32 scalar; with axes, an "axes" attribute.
func newNode[T proto.Message](like T, op, name string, inputs []string, output string, value *float32, axes []int64) T {
	n := proto.Clone(like).(T)
	proto.Reset(n)
	r := n.ProtoReflect()
	fields := r.Descriptor().Fields()
	r.Set(fields.ByName("op_type"), protoreflect.ValueOfString(op))
	r.Set(fields.ByName("name"), protoreflect.ValueOfString(name))
	in := r.Mutable(fields.ByName("input")).List()
	for _, s := range inputs {
		in.Append(protoreflect.ValueOfString(s))
	}
	r.Mutable(fields.ByName("output")).List().Append(protoreflect.ValueOfString(output))
	if value != nil {
		t := addAttr(n, "value", "TENSOR").Mutable(attrField(n, "t")).Message()
		tf := t.Descriptor().Fields()
		t.Set(tf.ByName("data_type"), protoreflect.ValueOfInt32(1)) // FLOAT
		t.Mutable(tf.ByName("float_data")).List().Append(protoreflect.ValueOfFloat32(*value))
	}
	if axes != nil {
		ints := addAttr(n, "axes", "INTS").Mutable(attrField(n, "ints")).List()
		for _, v := range axes {
			ints.Append(protoreflect.ValueOfInt64(v))
		}
	}
	return n
}

// intConstNode returns a Constant node holding an int32 or int64 tensor of
// the given dimensions (nil for a scalar).
func intConstNode[T proto.Message](like T, name, output string, dtype int32, dims, vals []int64) T {
	n := newNode(like, "Constant", name, nil, output, nil, nil)
	t := addAttr(n, "value", "TENSOR").Mutable(attrField(n, "t")).Message()
	tf := t.Descriptor().Fields()
	t.Set(tf.ByName("data_type"), protoreflect.ValueOfInt32(dtype))
	d := t.Mutable(tf.ByName("dims")).List()
	for _, v := range dims {
		d.Append(protoreflect.ValueOfInt64(v))
	}
	if dtype == onnxInt32 {
		l := t.Mutable(tf.ByName("int32_data")).List()
		for _, v := range vals {
			l.Append(protoreflect.ValueOfInt32(int32(v)))
		}
	} else {
		l := t.Mutable(tf.ByName("int64_data")).List()
		for _, v := range vals {
			l.Append(protoreflect.ValueOfInt64(v))
		}
	}
	return n
}

// setIntAttr adds the integer attribute key = v to node n.
func setIntAttr(n proto.Message, key string, v int64) {
	addAttr(n, key, "INT").Set(attrField(n, "i"), protoreflect.ValueOfInt64(v))
}

// addAttr appends an attribute of the given name and type ("INT", "INTS",
// "TENSOR") to node n and returns it.
func addAttr(n proto.Message, key, typ string) protoreflect.Message {
	r := n.ProtoReflect()
	attrs := r.Mutable(r.Descriptor().Fields().ByName("attribute")).List()
	av := attrs.NewElement()
	a := av.Message()
	af := a.Descriptor().Fields()
	a.Set(af.ByName("name"), protoreflect.ValueOfString(key))
	a.Set(af.ByName("type"), protoreflect.ValueOfEnum(af.ByName("type").Enum().Values().ByName(protoreflect.Name(typ)).Number()))
	attrs.Append(av)
	return a
}

// attrField returns the descriptor of the named field of node n's
// attribute messages.
func attrField(n proto.Message, field string) protoreflect.FieldDescriptor {
	return n.ProtoReflect().Descriptor().Fields().ByName("attribute").Message().Fields().ByName(protoreflect.Name(field))
}

// ceilPads returns the pads of a MaxPool in ceil mode rewritten as floor mode,
// and whether the rewriting is exact: floor((L+p+s-1-k)/s) = ceil((L+p-k)/s)
// windows, so stride-1 more padding at the end of each spatial axis gives
// the ceil-mode windows (padding takes no part in a maximum). PyTorch drops a
// last window that would start in the end padding; with kernel - end padding
// >= stride no window can, so only then is the rewriting exact (as in
// GoogLeNet's and SqueezeNet's pools). pads is nil when absent (all zero).
func ceilPads(kernel, strides, pads, dilations []int64) ([]int64, bool) {
	d := len(kernel)
	if d == 0 || (strides != nil && len(strides) != d) || (pads != nil && len(pads) != 2*d) {
		return nil, false
	}
	for _, v := range dilations {
		if v != 1 {
			return nil, false
		}
	}
	out := make([]int64, 2*d)
	copy(out, pads)
	for i := range d {
		s := int64(1)
		if strides != nil {
			s = strides[i]
		}
		if kernel[i]-out[d+i] < s {
			return nil, false
		}
		out[d+i] += s - 1
	}
	return out, true
}

// freshLike returns a new, empty message of the same type as like.
func freshLike[T proto.Message](like T) T {
	n := proto.Clone(like).(T)
	proto.Reset(n)
	return n
}

// intMod reports whether n is a Mod node with fmod = 0 (integer operands),
// reading its attribute from the node itself: node names are optional and
// need not be unique.
func intMod[A interface {
	GetName() string
	GetI() int64
}](op string, inputs, outputs []string, attrs []A) bool {
	if op != "Mod" || len(inputs) != 2 || len(outputs) != 1 {
		return false
	}
	for _, a := range attrs {
		if a.GetName() == "fmod" {
			return a.GetI() == 0
		}
	}
	return true
}
