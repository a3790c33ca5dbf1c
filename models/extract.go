package models

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive // GoMLX's idiom for graph code.
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"gonum.org/v1/gonum/mat"

	"github.com/repgeo/repgeo/data"
	"github.com/repgeo/repgeo/internal/tapnum"
)

// DefaultExtractBatch is the batch size of the inference executor of Extract
// when ExtractOptions.BatchSize is zero.
const DefaultExtractBatch = 50

// ExtractOptions configures Extract. The zero value extracts the coarse taps
// in batches of DefaultExtractBatch.
type ExtractOptions struct {
	// Grain selects the coarse or fine taps.
	Grain Grain
	// Layers, if not empty, selects a subset of the fine taps by name, with
	// or without the numeric prefix ("stem", "01_stem", "pool"); they are
	// returned in path order and renumbered from 00. A number must be one
	// an extraction can give the tap: at most its place in the fine list,
	// one number per tap, and numbers increasing along the path.
	Layers []string
	// BatchSize is the fixed batch size of the executor (the last batch is
	// padded); default DefaultExtractBatch.
	BatchSize int
}

// SelectTaps returns the numbered names of the taps that Extract returns
// for model with the options opt, or an error naming an unknown tap or a
// number that no extraction gives the tap (see ExtractOptions.Layers).
func SelectTaps(model string, opt ExtractOptions) ([]string, error) {
	_, _, names, err := selectTaps(model, opt)
	return names, err
}

// selectTaps returns, in path order, the positions (in the fine list when
// layers are given, else in the list of grain g) and names of the taps.
func selectTaps(model string, opt ExtractOptions) (grain Grain, pos []int, names []string, err error) {
	if len(opt.Layers) == 0 {
		names, err = TapNames(model, opt.Grain)
		if err != nil {
			return 0, nil, nil, err
		}
		for i := range names {
			pos = append(pos, i)
		}
		return opt.Grain, pos, names, nil
	}
	fine, err := TapNames(model, Fine)
	if err != nil {
		return 0, nil, nil, err
	}
	bare := make([]string, len(fine))
	for i, n := range fine {
		_, bare[i], _ = strings.Cut(n, "_")
	}
	want := map[int]bool{}
	var nums []tapnum.Tap // the taps given with a number
	for _, l := range opt.Layers {
		l = strings.TrimSpace(l)
		i := slices.Index(bare, l)
		if num, name, ok := tapnum.Parse(l); i < 0 && ok {
			// A numbered name, as an extraction writes them: at most the
			// tap's place in the fine list, which no extraction exceeds.
			if i = slices.Index(bare, name); i >= 0 {
				nums = append(nums, tapnum.Tap{Spec: l, Name: name, Key: name, Pos: i, Num: num, Max: i})
			}
		}
		if i < 0 {
			return 0, nil, nil, fmt.Errorf("models: %s has no tap %q (see its fine taps)", model, l)
		}
		want[i] = true
	}
	if err := tapnum.Check(nums); err != nil {
		return 0, nil, nil, fmt.Errorf("models: %s: %w", model, err)
	}
	var chosen []string
	for i := range fine {
		if want[i] {
			pos = append(pos, i)
			chosen = append(chosen, bare[i])
		}
	}
	return Fine, pos, numbered(chosen), nil
}

// ErrNotFinite is wrapped by the errors of Extract for an input value or an
// activation that is NaN or infinite, and of Evaluate for such a loss.
var ErrNotFinite = errors.New("not finite")

// Extract runs the model in inference mode (batch norm on its running
// averages) on n images (flat NHWC float32, n×H×W×C as in the Config,
// normalized as by data.Set.Batch) and returns one n×d matrix per tap, in
// path order. Labels, if not nil, give the class of each image and fill
// Activations.Target (one-hot) and Labels. It returns an error for inputs of
// the wrong size, labels out of range, or a failure of the backend, and one
// wrapping ErrNotFinite for an input value or an activation that is NaN or
// infinite.
func Extract(net *Net, images []float32, labels []int, opt ExtractOptions) (acts *Activations, err error) {
	cfg := net.Config
	h, w, c := cfg.InputShape[0], cfg.InputShape[1], cfg.InputShape[2]
	size := h * w * c
	if len(images) == 0 || len(images)%size != 0 {
		return nil, fmt.Errorf("models: %d input values is not a whole number of %d×%d×%d images", len(images), h, w, c)
	}
	n := len(images) / size
	if labels != nil && len(labels) != n {
		return nil, fmt.Errorf("models: %d labels for %d images", len(labels), n)
	}
	for i, l := range labels {
		if l < 0 || l >= cfg.Classes {
			return nil, fmt.Errorf("models: label %d of image %d out of range [0, %d)", l, i, cfg.Classes)
		}
	}
	for k, v := range images {
		if f := float64(v); math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, fmt.Errorf("models: image %d has a value that is %w (%v)", k/size, ErrNotFinite, f)
		}
	}
	grain, pos, names, err := selectTaps(cfg.Model, opt)
	if err != nil {
		return nil, err
	}
	batch := opt.BatchSize
	if batch <= 0 {
		batch = DefaultExtractBatch
	}
	batch = min(batch, n)

	exec, err := context.NewExec(net.Backend, net.Context, func(ctx *context.Context, x *Node) []*Node {
		t := NewTaps(grain)
		Model(ctx, cfg, x, t)
		nodes := t.Nodes()
		outs := make([]*Node, len(pos))
		for k, p := range pos {
			y := nodes[p]
			y = Reshape(y, batch, y.Shape().Size()/batch)
			outs[k] = ConvertDType(y, dtypes.Float32)
		}
		return outs
	})
	if err != nil {
		return nil, fmt.Errorf("models: building the extraction executor: %w", err)
	}
	defer exec.Finalize()

	acts = &Activations{Taps: names, Layers: make([]*mat.Dense, len(pos))}
	buf := make([]float32, batch*size)
	for start := 0; start < n; start += batch {
		count := min(batch, n-start)
		copy(buf, images[start*size:(start+count)*size])
		clear(buf[count*size:])
		outs, err := execSafely(exec, tensors.FromFlatDataAndDimensions(buf, batch, h, w, c))
		if err != nil {
			return nil, fmt.Errorf("models: extraction: %w", err)
		}
		for k, t := range outs {
			d := t.Shape().Dimensions[1]
			if acts.Layers[k] == nil {
				acts.Layers[k] = mat.NewDense(n, d, nil)
			}
			vals := tensors.MustCopyFlatData[float32](t)
			t.MustFinalizeAll()
			for r := range count {
				row := acts.Layers[k].RawRowView(start + r)
				for j, v := range vals[r*d : (r+1)*d] {
					f := float64(v)
					if math.IsNaN(f) || math.IsInf(f, 0) {
						return nil, fmt.Errorf("models: tap %s: the activation of image %d is %w (%v)", names[k], start+r, ErrNotFinite, f)
					}
					row[j] = f
				}
			}
		}
	}
	if labels != nil {
		acts.Labels = slices.Clone(labels)
		acts.Target = mat.NewDense(n, cfg.Classes, nil)
		for i, l := range labels {
			acts.Target.Set(i, l, 1)
		}
	}
	return acts, nil
}

// execSafely runs exec, turning a panic from graph building or execution
// into an error.
func execSafely(exec *context.Exec, args ...any) (outs []*tensors.Tensor, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r)
		}
	}()
	return exec.Exec(args...)
}

// Probes chooses m images of the test split of set, stratified by class and
// seeded (see data.StratifiedSample), and returns them normalized (flat
// NHWC) with their labels.
func Probes(set *data.Set, m int, seed uint64) (images []float32, labels []int, err error) {
	idx, err := data.StratifiedSample(set.Test.Labels, set.Classes, m, seed)
	if err != nil {
		return nil, nil, err
	}
	images = make([]float32, len(idx)*set.ImageSize())
	lab := make([]int32, len(idx))
	set.Batch(false, idx, images, lab)
	labels = make([]int, len(idx))
	for i, l := range lab {
		labels[i] = int(l)
	}
	return images, labels, nil
}
