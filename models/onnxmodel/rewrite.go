package onnxmodel

import (
	"fmt"

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
// The last node of each replacement keeps the original node's name and
// output, so module paths and taps are unchanged. It returns nil when the
// graph has none of these operators.
func rewriteOps(om *onnx.Model) ([]byte, error) {
	g := om.Proto.Graph
	if g == nil {
		return nil, nil
	}
	found := false
	for _, n := range g.Node {
		if rewritable[n.OpType] {
			found = true
			break
		}
	}
	if !found {
		return nil, nil
	}
	out := g.Node[:0:0]
	for _, n := range g.Node {
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
		attrs := r.Mutable(fields.ByName("attribute")).List()
		av := attrs.NewElement()
		a := av.Message()
		af := a.Descriptor().Fields()
		a.Set(af.ByName("name"), protoreflect.ValueOfString("value"))
		a.Set(af.ByName("type"), protoreflect.ValueOfEnum(af.ByName("type").Enum().Values().ByName("TENSOR").Number()))
		t := a.Mutable(af.ByName("t")).Message()
		tf := t.Descriptor().Fields()
		t.Set(tf.ByName("data_type"), protoreflect.ValueOfInt32(1)) // FLOAT
		t.Mutable(tf.ByName("float_data")).List().Append(protoreflect.ValueOfFloat32(*value))
		attrs.Append(av)
	}
	if axes != nil {
		attrs := r.Mutable(fields.ByName("attribute")).List()
		av := attrs.NewElement()
		a := av.Message()
		af := a.Descriptor().Fields()
		a.Set(af.ByName("name"), protoreflect.ValueOfString("axes"))
		a.Set(af.ByName("type"), protoreflect.ValueOfEnum(af.ByName("type").Enum().Values().ByName("INTS").Number()))
		ints := a.Mutable(af.ByName("ints")).List()
		for _, v := range axes {
			ints.Append(protoreflect.ValueOfInt64(v))
		}
		attrs.Append(av)
	}
	return n
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
