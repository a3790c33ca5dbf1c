package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/repgeo/repgeo/backend"
	"github.com/repgeo/repgeo/data"
	"github.com/repgeo/repgeo/models/onnxmodel"
	"github.com/repgeo/repgeo/npy"
)

// onnxExtract holds what the --onnx form of "repgeo extract" needs: the
// values of the flags it shares with the checkpoint form, and its own flags
// (addONNXFlags).
type onnxExtract struct {
	Model   string // --onnx: the ONNX file
	Dataset string // --dataset: probe images from this dataset's test split
	DataDir string // directory of the dataset's files ("" for the default)
	Inputs  string // --inputs: probe images from this .npy file instead
	NHWC    bool   // --nhwc: the --inputs array is N×H×W×C
	M       int    // --m: number of probe images (0 with --inputs: all)
	Seed    uint64 // --seed: of the stratified probe selection
	Layers  string // --layers: comma-separated taps or presets ("" or "all": the default taps)
	Out     string // --out: the .npz file to write
	Flags   *onnxFlags
}

// onnxFlags are the flags only the --onnx form of "repgeo extract" has.
type onnxFlags struct {
	normalize *string
	resize    *int
	batch     *int
	list      *bool
	tokens    *string
}

// addONNXFlags adds the flags of the --onnx form to fs.
func addONNXFlags(fs *flag.FlagSet) *onnxFlags {
	return &onnxFlags{
		normalize: fs.String("normalize", "", "with --onnx: per-channel normalization of the probe images: imagenet\n(default with --dataset), dataset (its own statistics), none (default\nwith --inputs) or MEAN:STD as comma-separated lists, e.g. 0.5,0.5,0.5:0.25,0.25,0.25"),
		resize:    fs.Int("resize", 0, "with --onnx: resize the shorter side of the probe images to this size\nbefore the centre crop to the model's input (torchvision's Resize then\nCenterCrop); 0 resizes straight to the model's input size"),
		batch:     fs.Int("batch", onnxmodel.DefaultBatchSize, "images per run (an ONNX model exported with a fixed batch size runs in\nbatches of that size)"),
		tokens:    fs.String("tokens", "", "with --onnx, for a Vision Transformer: how each N×T×D tap (T tokens of D\nfeatures) becomes m rows: flatten (all tokens, m × T·D; the default), cls\n(the class token, m × D) or mean (mean over the tokens, m × D); an error\nfor models without a token axis"),
		list:      fs.Bool("list", false, "with --onnx: list the model's operators, their modules and tensors, and\nthe default taps, then exit"),
	}
}

// runExtractONNX runs the --onnx form of "repgeo extract".
func runExtractONNX(cfg onnxExtract, stdout io.Writer) error {
	if cfg.Flags == nil {
		return errors.New("extract: ONNX flags not registered")
	}
	if cfg.Model == "" {
		return badInput("--onnx needs a file")
	}
	model, err := onnxmodel.Load(cfg.Model)
	if err != nil {
		return badInput("%v", err)
	}
	if *cfg.Flags.list {
		return listONNX(model, stdout)
	}
	if cfg.Out == "" {
		return badInput("--out=FILE.npz is required")
	}
	if (cfg.Dataset == "") == (cfg.Inputs == "") {
		return badInput("give the probe images with exactly one of --dataset=NAME and --inputs=FILE.npy")
	}
	if cfg.M < 0 {
		return badInput("--m=%d: the number of probe images must be positive", cfg.M)
	}
	if *cfg.Flags.batch <= 0 {
		return badInput("--batch=%d must be positive", *cfg.Flags.batch)
	}
	if *cfg.Flags.resize < 0 {
		return badInput("--resize=%d must not be negative", *cfg.Flags.resize)
	}
	tokens := *cfg.Flags.tokens
	switch tokens {
	case "", onnxmodel.TokensFlatten, onnxmodel.TokensCLS, onnxmodel.TokensMean:
	default:
		return badInput("--tokens=%s: want %s, %s or %s", tokens, onnxmodel.TokensFlatten, onnxmodel.TokensCLS, onnxmodel.TokensMean)
	}
	if tokens != "" && model.Layout() != "vit" {
		return badInput("--tokens=%s: %s has no token axis (only Vision Transformers have one; its layout is %q)",
			tokens, cfg.Model, model.Layout())
	}
	var taps []onnxmodel.Tap
	if l := strings.TrimSpace(cfg.Layers); l == "" || l == "all" {
		taps = model.DefaultTaps()
	} else if taps, err = model.Taps(strings.Split(cfg.Layers, ",")...); err != nil {
		return badInput("--layers: %v", err)
	}

	var (
		images *onnxmodel.Images
		opts   = &onnxmodel.Options{BatchSize: *cfg.Flags.batch, Tokens: tokens}
		pre    = onnxmodel.Preprocess{Resize: *cfg.Flags.resize}
		norm   = *cfg.Flags.normalize
	)
	if cfg.Dataset != "" {
		set, err := data.Load(cfg.Dataset, cfg.DataDir)
		if err != nil {
			return badInput("%v", err)
		}
		if cfg.M == 0 {
			return badInput("--m is required with --dataset")
		}
		idx, err := data.StratifiedSample(set.Test.Labels, set.Classes, cfg.M, cfg.Seed)
		if err != nil {
			return badInput("%v", err)
		}
		size := set.ImageSize()
		pixels := make([]uint8, 0, len(idx)*size)
		opts.Labels = make([]int, len(idx))
		for i, k := range idx {
			pixels = append(pixels, set.Test.Pixels[k*size:(k+1)*size]...)
			opts.Labels[i] = int(set.Test.Labels[k])
		}
		opts.Classes = set.Classes
		if images, err = onnxmodel.FromPixels(pixels, len(idx), set.Height, set.Width, set.Channels); err != nil {
			return err
		}
		if norm == "" {
			norm = "imagenet"
		}
		if norm == "dataset" {
			for i := range set.Mean {
				pre.Mean = append(pre.Mean, float64(set.Mean[i]))
				pre.Std = append(pre.Std, float64(set.Std[i]))
			}
			norm = "given"
		}
	} else {
		if images, err = readONNXInputs(cfg.Inputs, cfg.NHWC, cfg.M); err != nil {
			return badInput("%v", err)
		}
		if norm == "" {
			norm = "none"
		}
		if norm == "dataset" {
			return badInput("--normalize=dataset needs --dataset")
		}
	}
	switch norm {
	case "given":
	case "imagenet":
		pre.Mean, pre.Std = onnxmodel.ImageNetMean, onnxmodel.ImageNetStd
	case "none":
	default:
		if pre.Mean, pre.Std, err = parseMeanStd(norm); err != nil {
			return badInput("--normalize: %v", err)
		}
	}
	if images, err = model.Preprocess(pre).Apply(images); err != nil {
		return badInput("%v", err)
	}

	b, err := backend.New()
	if err != nil {
		return err
	}
	defer b.Finalize()
	warnFastPath(b)
	act, err := model.Extract(b, images, taps, opts)
	if err != nil {
		return err
	}
	if err := writeActivations(stdout, cfg.Out, act); err != nil {
		return err
	}
	_, err = fmt.Fprintf(stdout, "wrote %s (%s on %s)\n", cfg.Out, cfg.Model, b.Name())
	return err
}

// listONNX prints the operators of the model and its default taps.
func listONNX(model *onnxmodel.Model, stdout io.Writer) error {
	n, c, h, w := model.InputShape()
	fmt.Fprintf(stdout, "input %q: %s (N×C×H×W, -1 is dynamic); output %q; layout %q\n\n",
		model.InputName(), fmt.Sprint([]int{n, c, h, w}), model.OutputName(), model.Layout())
	t := newTable(stdout)
	t.row("op", "module", "tensor")
	for _, node := range model.Nodes() {
		if node.Module == "" && node.Op == "Identity" {
			continue // weights shared by the exporter
		}
		mod := node.Module
		if mod == "" {
			mod = "-"
		}
		t.row(node.Op, mod, strings.Join(node.Outputs, " "))
	}
	if err := t.flush(); err != nil {
		return err
	}
	var names []string
	for _, tap := range model.DefaultTaps() {
		names = append(names, tap.Name)
	}
	_, err := fmt.Fprintf(stdout, "\ndefault taps (--layers=all): %s\npresets: %s, %s, %s, %s; or module paths, node or tensor names, input, output\n",
		strings.Join(names, ","), onnxmodel.PresetBlocks, onnxmodel.PresetStages, onnxmodel.PresetModules, onnxmodel.PresetFine)
	if err == nil && model.Layout() == "vit" {
		_, err = fmt.Fprintf(stdout, "token axis: the taps between %s and the head are N×T×D; --tokens=%s (default), %s or %s\n",
			onnxmodel.TapEmbedding, onnxmodel.TokensFlatten, onnxmodel.TokensCLS, onnxmodel.TokensMean)
	}
	return err
}

// readONNXInputs reads probe images from a .npy file holding one float
// array N×C×H×W (or N×H×W×C with nhwc), keeping the first m when m > 0.
func readONNXInputs(path string, nhwc bool, m int) (*onnxmodel.Images, error) {
	arrays, err := npy.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if len(arrays) != 1 {
		return nil, fmt.Errorf("%s: holds %d arrays; --inputs needs one N×C×H×W array", path, len(arrays))
	}
	a := arrays[0]
	if len(a.Shape) != 4 {
		layout := "N×C×H×W"
		if nhwc {
			layout = "N×H×W×C"
		}
		return nil, fmt.Errorf("%s: array of shape %v; --inputs needs a 4-axis array %s", path, a.Shape, layout)
	}
	n := a.Shape[0]
	if m > n {
		return nil, fmt.Errorf("%s: --m=%d but the file holds %d images", path, m, n)
	}
	if m > 0 {
		n = m
	}
	_, d := a.Data.Dims()
	flat := make([]float32, 0, n*d)
	for i := range n {
		for _, v := range a.Data.RawRowView(i) {
			flat = append(flat, float32(v))
		}
	}
	var x *onnxmodel.Images
	if nhwc {
		x, err = onnxmodel.FromNHWC(flat, n, a.Shape[1], a.Shape[2], a.Shape[3])
	} else {
		x = &onnxmodel.Images{N: n, C: a.Shape[1], H: a.Shape[2], W: a.Shape[3], Data: flat}
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if err := x.Check(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return x, nil
}

// parseMeanStd parses "m1,m2,m3:s1,s2,s3".
func parseMeanStd(s string) (mean, std []float64, err error) {
	ms, ss, ok := strings.Cut(s, ":")
	if !ok {
		return nil, nil, fmt.Errorf("%q: want imagenet, dataset, none or MEAN:STD (comma-separated lists)", s)
	}
	parse := func(list string) ([]float64, error) {
		var out []float64
		for _, f := range strings.Split(list, ",") {
			v, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
			if err != nil {
				return nil, fmt.Errorf("%q is not a number", f)
			}
			out = append(out, v)
		}
		return out, nil
	}
	if mean, err = parse(ms); err != nil {
		return nil, nil, err
	}
	if std, err = parse(ss); err != nil {
		return nil, nil, err
	}
	if len(mean) != len(std) {
		return nil, nil, fmt.Errorf("%q: %d means for %d standard deviations", s, len(mean), len(std))
	}
	return mean, std, nil
}
