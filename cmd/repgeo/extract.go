package main

import (
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/repgeo/repgeo/backend"
	"github.com/repgeo/repgeo/data"
	"github.com/repgeo/repgeo/models"
	"github.com/repgeo/repgeo/npy"
)

func init() {
	commands["extract"] = command{
		summary: "write the activations of a trained model (or an ONNX model) on probe images to .npz",
		run:     runExtract,
	}
}

func runExtract(args []string, stdout io.Writer) error {
	fs := newCommandFlags("extract",
		"(--checkpoint=DIR | --onnx=FILE) (--dataset=NAME --m=M | --inputs=FILE.npy) [--layers=all|fine|LIST] [--seed=S] --out=FILE.npz",
		"Runs a model in inference mode on m probe images (drawn from the test\n"+
			"split, stratified by class and seeded) and writes one array per tap, in\n"+
			"path order (keys \"00_input\", \"01_...\", ...), then the one-hot \"target\"\n"+
			"(not with --inputs). A checkpoint directory of \"repgeo train\" carries its\n"+
			"model and dataset, so --dataset defaults to the one it was trained on.\n"+
			"A flag the chosen form does not use is refused, even at its default value.")
	checkpoint := fs.String("checkpoint", "", "checkpoint directory written by \"repgeo train\"")
	var oc onnxExtract
	fs.StringVar(&oc.Model, "onnx", "", "an ONNX model instead of a checkpoint")
	fs.StringVar(&oc.Dataset, "dataset", "", "dataset of the probe images: "+strings.Join(data.Names(), ", "))
	fs.StringVar(&oc.DataDir, "data", "", "directory of the dataset's files (default $"+data.EnvDataDir+"); not with --inputs")
	fs.StringVar(&oc.Inputs, "inputs", "", "probe images from a float .npy file, N×C×H×W (as PyTorch) or N×H×W×C with --nhwc;\nwith --checkpoint fed as they are (normalize them as the training data)")
	fs.BoolVar(&oc.NHWC, "nhwc", false, "the --inputs array is N×H×W×C (only with --inputs)")
	fs.IntVar(&oc.M, "m", 0, "number of probe images (with --inputs: the first M, default all)")
	fs.Uint64Var(&oc.Seed, "seed", 0, "seed of the stratified choice of probe images from the dataset; not with --inputs")
	fs.StringVar(&oc.Layers, "layers", "", "taps: all (coarse, the default), fine, or a comma-separated list of tap names")
	fs.StringVar(&oc.Out, "out", "", "output .npz file")
	oc.Flags = addONNXFlags(fs)
	if err := parseCommandFlags(fs, args, stdout); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return badInput("extract takes no arguments, got %q", fs.Args())
	}
	switch {
	case *checkpoint != "" && oc.Model != "":
		return badInput("give one of --checkpoint and --onnx, not both")
	case oc.Model == "" && *checkpoint == "":
		return badInput("--checkpoint=DIR or --onnx=FILE is required")
	}
	if err := rejectExtractFlags(fs, oc, *checkpoint != ""); err != nil {
		return err
	}
	if oc.Model != "" {
		// ONNX models are handled by package models/onnxmodel.
		return runExtractONNX(oc, stdout)
	}
	return extractCheckpoint(*checkpoint, oc, stdout)
}

// onnxOnlyFlags are the flags of extract that only the --onnx form uses.
var onnxOnlyFlags = []string{"list", "normalize", "resize", "tokens"}

// rejectExtractFlags returns a bad-input error for a flag given on the
// command line that the chosen form of extract would ignore: an ONNX-only
// flag with --checkpoint, any flag besides --onnx with --list, --seed and
// --data (which choose probe images from a dataset) with --inputs, and
// --nhwc (which describes the --inputs array) without it.
func rejectExtractFlags(fs *flag.FlagSet, oc onnxExtract, checkpoint bool) error {
	if checkpoint {
		if err := rejectFlags(fs, "with --checkpoint (only with --onnx)", onnxOnlyFlags...); err != nil {
			return err
		}
	} else if *oc.Flags.list {
		var others []string
		fs.VisitAll(func(f *flag.Flag) {
			if f.Name != "onnx" && f.Name != "list" {
				others = append(others, f.Name)
			}
		})
		if err := rejectFlags(fs, "with --list, which only lists the model", others...); err != nil {
			return err
		}
	}
	switch {
	case oc.Inputs != "" && oc.Dataset == "":
		return rejectFlags(fs, "with --inputs, which gives the probe images", "seed", "data")
	case oc.Inputs == "":
		return rejectFlags(fs, "without --inputs (it describes the --inputs array)", "nhwc")
	}
	return nil
}

// extractCheckpoint runs the --checkpoint form of "repgeo extract".
func extractCheckpoint(dir string, oc onnxExtract, stdout io.Writer) error {
	if oc.Out == "" {
		return badInput("--out=FILE.npz is required")
	}
	if oc.Dataset != "" && oc.Inputs != "" {
		return badInput("give the probe images with one of --dataset and --inputs, not both")
	}
	if oc.M < 0 {
		return badInput("--m=%d must not be negative", oc.M)
	}
	if *oc.Flags.batch <= 0 {
		return badInput("--batch=%d must be positive", *oc.Flags.batch)
	}
	opt := models.ExtractOptions{BatchSize: *oc.Flags.batch}
	switch l := strings.TrimSpace(oc.Layers); l {
	case "", "all":
	case "fine":
		opt.Grain = models.Fine
	default:
		opt.Layers = strings.Split(l, ",")
	}
	cfg, err := models.ReadConfig(dir)
	if err != nil {
		return badInput("%v", err)
	}
	if len(opt.Layers) > 0 {
		// Check the names before the (slow) load.
		if _, err := models.SelectTaps(cfg.Model, opt); err != nil {
			return badInput("--layers: %v", err)
		}
	}

	var images []float32
	var labels []int
	h, w, c := cfg.InputShape[0], cfg.InputShape[1], cfg.InputShape[2]
	if oc.Inputs != "" {
		if images, err = readCheckpointInputs(oc.Inputs, oc.NHWC, oc.M, h, w, c); err != nil {
			return badInput("%v", err)
		}
	} else {
		name := oc.Dataset
		if name == "" {
			name = cfg.Dataset
		}
		if oc.M == 0 {
			return badInput("--m is required with --dataset")
		}
		set, err := data.Load(name, oc.DataDir)
		if err != nil {
			return badInput("%v", err)
		}
		if [3]int{set.Height, set.Width, set.Channels} != cfg.InputShape || set.Classes != cfg.Classes {
			return badInput("%s has %d×%d×%d images of %d classes; the model takes %d×%d×%d of %d",
				name, set.Height, set.Width, set.Channels, set.Classes, h, w, c, cfg.Classes)
		}
		if images, labels, err = models.Probes(set, oc.M, oc.Seed); err != nil {
			return badInput("%v", err)
		}
	}

	b, err := backend.New()
	if err != nil {
		return err
	}
	defer b.Finalize()
	warnFastPath(b)
	net, err := models.Load(b, dir)
	if err != nil {
		return badInput("%v", err)
	}
	acts, err := models.Extract(net, images, labels, opt)
	if err != nil {
		return err
	}
	if err := writeActivations(stdout, oc.Out, acts); err != nil {
		return err
	}
	_, err = fmt.Fprintf(stdout, "wrote %s (%s width %g from %s on %s)\n", oc.Out, cfg.Model, cfg.Width, dir, b.Name())
	return err
}

// readCheckpointInputs reads probe images from a .npy file holding one
// N×C×H×W array (N×H×W×C with nhwc) and returns the first m (all if m is 0)
// as flat NHWC float32 of the model's shape h×w×c.
func readCheckpointInputs(path string, nhwc bool, m, h, w, c int) ([]float32, error) {
	arrays, err := npy.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if len(arrays) != 1 {
		return nil, fmt.Errorf("%s: holds %d arrays; --inputs needs one", path, len(arrays))
	}
	a := arrays[0]
	want := []int{c, h, w}
	layout := "N×C×H×W"
	if nhwc {
		want, layout = []int{h, w, c}, "N×H×W×C"
	}
	if len(a.Shape) != 4 || a.Shape[1] != want[0] || a.Shape[2] != want[1] || a.Shape[3] != want[2] {
		return nil, fmt.Errorf("%s: array of shape %v; the model takes %s = N×%d×%d×%d", path, a.Shape, layout, want[0], want[1], want[2])
	}
	n := a.Shape[0]
	if m > n {
		return nil, fmt.Errorf("%s: --m=%d but the file holds %d images", path, m, n)
	}
	if m > 0 {
		n = m
	}
	out := make([]float32, 0, n*h*w*c)
	for i := range n {
		row := a.Data.RawRowView(i)
		if nhwc {
			for _, v := range row {
				out = append(out, float32(v))
			}
			continue
		}
		for y := range h {
			for x := range w {
				for ch := range c {
					out = append(out, float32(row[(ch*h+y)*w+x]))
				}
			}
		}
	}
	for i, v := range out {
		if v != v || v > 3.4e38 || v < -3.4e38 {
			return nil, fmt.Errorf("%s: value %d is not finite", path, i)
		}
	}
	return out, nil
}

// writeActivations writes acts to path in the activations file format
// (models.WriteActivations: the taps in path order, then "target" when it
// has one) and prints a table of their shapes.
func writeActivations(stdout io.Writer, path string, acts *models.Activations) error {
	if err := models.WriteActivations(path, acts); err != nil {
		return err
	}
	names, mats := acts.Path()
	t := newTable(stdout)
	t.row("tap", "m", "d")
	for i, name := range names {
		r, c := mats[i].Dims()
		t.row(name, r, c)
	}
	return t.flush()
}
