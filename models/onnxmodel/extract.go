package onnxmodel

import (
	"fmt"
	"math"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"gonum.org/v1/gonum/mat"

	"github.com/repgeo/repgeo/models"
)

// DefaultBatchSize is the number of images run at once by Extract for
// models with a dynamic batch axis, when Options.BatchSize is 0.
const DefaultBatchSize = 16

// Token handling of Options.Tokens: how the token axis of a Vision
// Transformer's taps (N×T×D: T tokens of D features each) becomes the
// features of an activation matrix.
const (
	// TokensFlatten keeps every token: a tap gives m × T·D, token-major
	// (token 0's D features, then token 1's, ...), as a convolutional tap
	// keeps every spatial position. The default.
	TokensFlatten = "flatten"
	// TokensCLS keeps the class token (token 0), the one torchvision's
	// VisionTransformer classifies from: m × D.
	TokensCLS = "cls"
	// TokensMean averages the tokens: m × D.
	TokensMean = "mean"
)

// Options configure Model.Extract.
type Options struct {
	// BatchSize is the number of images per run for models exported with a
	// dynamic batch axis (DefaultBatchSize when 0). Models exported with a
	// fixed batch size run in batches of that size. The last batch is padded
	// with zero images, so that every run has the same shape.
	BatchSize int
	// Labels holds the class of each image, or nil when unknown.
	Labels []int
	// Classes is the number of classes of the one-hot target; when 0 it is
	// one more than the largest label.
	Classes int
	// Tokens says how the taps of a Vision Transformer (Layout "vit") with
	// a token axis (rank 3, N×T×D) are flattened: TokensFlatten (also when
	// empty), TokensCLS or TokensMean. Taps without a token axis (input,
	// output) are unchanged. A non-empty value for a model of another
	// layout is an error.
	Tokens string
}

// Preprocess returns p with the crop size and channels filled in from the
// model's input where p leaves them unset and the model fixes them.
func (m *Model) Preprocess(p Preprocess) Preprocess {
	_, c, h, w := m.InputShape()
	if p.Height == 0 && p.Width == 0 && h > 0 && w > 0 {
		p.Height, p.Width = h, w
	}
	if p.Channels == 0 && c > 0 {
		p.Channels = c
	}
	return p
}

// Extract runs the model on backend b for the images x (already
// preprocessed, see Preprocess) and returns the activations of the taps, in
// order, with tap names prefixed by their index ("00_input", "01_maxpool",
// ...). Each tap gives an N×d matrix whose row i is image i's tensor
// flattened in PyTorch's C-major order. With labels in opts, the one-hot
// target and the labels are filled in.
func (m *Model) Extract(b backends.Backend, x *Images, taps []Tap, opts *Options) (*models.Activations, error) {
	if opts == nil {
		opts = &Options{}
	}
	if err := x.Check(); err != nil {
		return nil, err
	}
	if len(taps) == 0 {
		return nil, fmt.Errorf("onnxmodel: no taps to extract")
	}
	n, c, h, w := m.InputShape()
	for i, want := range []int{c, h, w} {
		got := []int{x.C, x.H, x.W}[i]
		if want > 0 && got != want {
			return nil, fmt.Errorf("onnxmodel: images are %d×%d×%d (C×H×W) but the model takes %s; preprocess them (Model.Preprocess)",
				x.C, x.H, x.W, dimsString(c, h, w))
		}
	}
	switch opts.Tokens {
	case "", TokensFlatten:
	case TokensCLS, TokensMean:
	default:
		return nil, fmt.Errorf("onnxmodel: tokens %q: want %q, %q or %q", opts.Tokens, TokensFlatten, TokensCLS, TokensMean)
	}
	if opts.Tokens != "" && m.Layout() != "vit" {
		return nil, fmt.Errorf("onnxmodel: tokens %q: the model has no token axis (only Vision Transformers, layout \"vit\", have one; this model's layout is %q)",
			opts.Tokens, m.Layout())
	}
	if opts.Labels != nil && len(opts.Labels) != x.N {
		return nil, fmt.Errorf("onnxmodel: %d labels for %d images", len(opts.Labels), x.N)
	}
	batch := n
	if batch <= 0 {
		batch = opts.BatchSize
		if batch <= 0 {
			batch = DefaultBatchSize
		}
		batch = min(batch, x.N)
	}
	names := make([]string, len(taps))
	seen := map[string]bool{}
	for i, t := range taps {
		if t.Tensor != m.input {
			if _, ok := m.producer[t.Tensor]; !ok {
				return nil, fmt.Errorf("onnxmodel: tap %q: no tensor %q in the model", t.Name, t.Tensor)
			}
		}
		if seen[t.Tensor] {
			return nil, fmt.Errorf("onnxmodel: tap %q: tensor %q tapped twice", t.Name, t.Tensor)
		}
		seen[t.Tensor] = true
		names[i] = t.Tensor
	}

	exec, err := context.NewExec(b, m.ctx, func(ctx *context.Context, in *graph.Node) []*graph.Node {
		outs := m.onnx.CallGraph(ctx, in.Graph(), map[string]*graph.Node{m.input: in}, names...)
		for i, o := range outs {
			outs[i] = reduceTokens(o, opts.Tokens)
		}
		return outs
	})
	if err != nil {
		return nil, fmt.Errorf("onnxmodel: %w", err)
	}
	defer exec.Finalize()

	size := x.C * x.H * x.W
	layers := make([]*mat.Dense, len(taps))
	buf := make([]float32, batch*size)
	for start := 0; start < x.N; start += batch {
		count := min(batch, x.N-start)
		copy(buf, x.Data[start*size:(start+count)*size])
		clear(buf[count*size:])
		input := tensors.FromFlatDataAndDimensions(buf, batch, x.C, x.H, x.W)
		var outs []*tensors.Tensor
		if perr := catch(func() {
			outs, err = exec.Exec(input)
		}); perr != nil {
			err = perr
		}
		input.FinalizeAll()
		if err != nil {
			return nil, convertPanic(err, "running")
		}
		for k, t := range outs {
			err := copyRows(&layers[k], t, start, count, batch, x.N)
			t.FinalizeAll()
			if err != nil {
				return nil, fmt.Errorf("onnxmodel: tap %q: %w", taps[k].Name, err)
			}
		}
	}

	act := &models.Activations{Taps: make([]string, len(taps)), Layers: layers}
	for i, t := range taps {
		act.Taps[i] = fmt.Sprintf("%02d_%s", i, t.Name)
		if r, bad := firstNonFinite(layers[i]); bad {
			return nil, fmt.Errorf("onnxmodel: tap %q: non-finite activation for image %d", t.Name, r)
		}
	}
	if opts.Labels != nil {
		classes := opts.Classes
		for i, l := range opts.Labels {
			if l < 0 || (opts.Classes > 0 && l >= opts.Classes) {
				return nil, fmt.Errorf("onnxmodel: label %d of image %d out of range [0, %d)", l, i, opts.Classes)
			}
			if opts.Classes == 0 {
				classes = max(classes, l+1)
			}
		}
		act.Labels = append([]int(nil), opts.Labels...)
		act.Target = mat.NewDense(x.N, classes, nil)
		for i, l := range opts.Labels {
			act.Target.Set(i, l, 1)
		}
	}
	return act, nil
}

// reduceTokens applies the token handling (Options.Tokens) to a tap with a
// token axis, N×T×D; other ranks are returned unchanged.
func reduceTokens(x *graph.Node, tokens string) *graph.Node {
	if x.Rank() != 3 {
		return x
	}
	switch tokens {
	case TokensCLS:
		return graph.Squeeze(graph.Slice(x, graph.AxisRange(), graph.AxisElem(0)), 1)
	case TokensMean:
		return graph.ReduceMean(x, 1)
	}
	return x
}

// copyRows copies the first count rows of the batch output t into rows
// start.. of *dst, allocating *dst (n rows) on first use.
func copyRows(dst **mat.Dense, t *tensors.Tensor, start, count, batch, n int) error {
	shape := t.Shape()
	if shape.Rank() == 0 || shape.Dimensions[0] != batch {
		return fmt.Errorf("output shape %s has no batch axis of %d", shape, batch)
	}
	d := shape.Size() / batch
	if d == 0 {
		return fmt.Errorf("output shape %s is empty", shape)
	}
	if *dst == nil {
		*dst = mat.NewDense(n, d, nil)
	}
	raw := (*dst).RawMatrix()
	if raw.Cols != d {
		return fmt.Errorf("output shape %s changed between batches", shape)
	}
	out := raw.Data[start*d : (start+count)*d]
	var err error
	cerr := t.ConstFlatData(func(flat any) {
		switch v := flat.(type) {
		case []float32:
			for i := range out {
				out[i] = float64(v[i])
			}
		case []float64:
			copy(out, v[:len(out)])
		default:
			err = fmt.Errorf("output dtype %s is not floating point", shape.DType)
		}
	})
	if cerr != nil {
		return cerr
	}
	return err
}

func firstNonFinite(x *mat.Dense) (row int, bad bool) {
	raw := x.RawMatrix()
	for i := range raw.Rows {
		for _, v := range raw.Data[i*raw.Stride : i*raw.Stride+raw.Cols] {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return i, true
			}
		}
	}
	return 0, false
}

func dimsString(c, h, w int) string {
	s := ""
	for i, d := range []int{c, h, w} {
		if i > 0 {
			s += "×"
		}
		if d > 0 {
			s += fmt.Sprint(d)
		} else {
			s += "?"
		}
	}
	return s
}
