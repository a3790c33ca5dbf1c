package main

import (
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"

	"github.com/gomlx/gomlx/backends"
	"github.com/schollz/progressbar/v3"

	"github.com/repgeo/repgeo/backend"
	"github.com/repgeo/repgeo/data"
	"github.com/repgeo/repgeo/models"
)

func init() {
	commands["train"] = command{
		summary: "train a ResNet or VGG on a dataset, with checkpoints",
		run:     runTrain,
	}
}

// trainOutput is the --json output of "repgeo train"; other tools read
// these keys.
type trainOutput struct {
	Model           string    `json:"model"`
	Steps           int       `json:"steps"`
	LossFirst       jsonFloat `json:"loss_first"`
	LossLast        jsonFloat `json:"loss_last"`
	TestAccuracy    jsonFloat `json:"test_accuracy"`
	ImagesPerSecond jsonFloat `json:"images_per_second"`
	Checkpoint      string    `json:"checkpoint"`
}

func runTrain(args []string, stdout io.Writer) error {
	fs := newCommandFlags("train",
		"--model=NAME --dataset=cifar10|fashion-mnist|synthetic [--width=K] [--epochs=N | --steps=N] --out=DIR [flags]",
		"Trains a model (see \"repgeo models\") with SGD+momentum or Adam, a cosine\n"+
			"or step learning-rate schedule and weight decay, writing checkpoints to --out\n"+
			"atomically; --resume continues an interrupted run. The backend is chosen\n"+
			"by GOMLX_BACKEND (default: the pure-Go backend).")
	model := fs.String("model", "", "architecture: "+strings.Join(models.Names(), ", "))
	dataset := fs.String("dataset", "", "dataset: "+strings.Join(data.Names(), ", "))
	dataDir := fs.String("data", "", "directory of the dataset's files (default $"+data.EnvDataDir+"; Fashion-MNIST: "+data.DefaultFashionMNISTDir+")")
	download := fs.Bool("download", false, "cifar10: first download the official archive into --data (or $"+data.EnvDataDir+"), checking its MD5")
	width := fs.Float64("width", 1, "width multiplier of every channel count")
	epochs := fs.Int("epochs", 0, "epochs to train (default 1 when --steps is not given)")
	steps := fs.Int("steps", 0, "total training steps (overrides --epochs)")
	batch := fs.Int("batch", 128, "batch size")
	lr := fs.Float64("lr", 0, "initial learning rate (default 0.1 for sgd, 0.001 for adam), annealed by --schedule")
	schedule := fs.String("schedule", models.ScheduleCosine, "learning-rate schedule: cosine (to 0) or step (x0.1 at 50% and 75% of the steps)")
	optimizer := fs.String("optimizer", models.SGD, "optimizer: sgd (with momentum) or adam")
	momentum := fs.Float64("momentum", 0.9, "SGD momentum")
	wd := fs.Float64("wd", 1e-4, "weight decay")
	seed := fs.Uint64("seed", 0, "seed of the weights, the data order and the augmentation")
	augment := fs.String("augment", "auto", "random crop and flip: on, off, or auto (on for cifar10)")
	snapshots := fs.String("snapshots", "", "comma-separated epochs whose weights are kept in DIR/snapshots/epoch-NNN (0: initial)")
	snapshotSteps := fs.String("snapshot-steps", "", "comma-separated global steps whose weights are kept in DIR/snapshots/step-NNNNNNNN (0: initial)")
	resume := fs.Bool("resume", false, "continue from the latest checkpoint in --out")
	every := fs.Int("every", 0, "checkpoint every N steps (default: every epoch, at most 200 steps)")
	keep := fs.Int("keep", 3, "number of checkpoints kept")
	trainLimit := fs.Int("train-limit", 0, "train on only the first N training images (0: all)")
	testLimit := fs.Int("test-limit", 0, "evaluate on only the first N test images (0: all, -1: skip)")
	out := fs.String("out", "", "checkpoint directory")
	asJSON := fs.Bool("json", false, "print the result as one JSON object")
	if err := parseCommandFlags(fs, args, stdout); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return badInput("train takes no arguments, got %q", fs.Args())
	}
	if *model == "" || *dataset == "" || *out == "" {
		return badInput("--model, --dataset and --out are required")
	}
	if _, err := models.TapNames(*model, models.Coarse); err != nil {
		return badInput("%v", err)
	}
	if _, _, _, err := data.InputShape(*dataset); err != nil {
		return badInput("%v", err)
	}
	if *epochs < 0 || *steps < 0 || *batch <= 0 || *lr < 0 || *momentum < 0 || *wd < 0 || *trainLimit < 0 || *keep < 1 {
		return badInput("--epochs, --steps, --lr, --momentum, --wd and --train-limit must not be negative; --batch and --keep must be positive")
	}
	if *optimizer != models.SGD && *optimizer != models.Adam {
		return badInput("--optimizer=%q: want sgd or adam", *optimizer)
	}
	if *schedule != models.ScheduleCosine && *schedule != models.ScheduleStep {
		return badInput("--schedule=%q: want %s or %s", *schedule, models.ScheduleCosine, models.ScheduleStep)
	}
	snaps, err := parseInts(*snapshots)
	if err != nil {
		return badInput("--snapshots: %v", err)
	}
	snapSteps, err := parseInts(*snapshotSteps)
	if err != nil {
		return badInput("--snapshot-steps: %v", err)
	}
	aug := *dataset == data.CIFAR10
	switch *augment {
	case "auto":
	case "on":
		aug = true
	case "off":
		aug = false
	default:
		return badInput("--augment=%q: want on, off or auto", *augment)
	}
	if *download {
		dir := *dataDir
		if dir == "" {
			dir = os.Getenv(data.EnvDataDir)
		}
		if *dataset != data.CIFAR10 || dir == "" {
			return badInput("--download is for --dataset=cifar10 with --data=DIR or $%s", data.EnvDataDir)
		}
		if err := data.DownloadCIFAR10(dir); err != nil {
			return err
		}
		*dataDir = dir
	}
	set, err := data.Load(*dataset, *dataDir)
	if err != nil {
		return badInput("%v", err)
	}
	if *trainLimit > 0 && *trainLimit < set.Train.Len() {
		n := *trainLimit
		set.Train.Labels = set.Train.Labels[:n]
		set.Train.Pixels = set.Train.Pixels[:n*set.ImageSize()]
	}
	cfg := models.Config{Model: *model, Width: *width, Dataset: set.Name,
		InputShape: [3]int{set.Height, set.Width, set.Channels}, Classes: set.Classes}
	if err := cfg.Validate(); err != nil {
		return badInput("%v", err)
	}
	b, err := backend.New()
	if err != nil {
		return err
	}
	defer b.Finalize()
	warnFastPath(b)
	net, err := models.New(b, cfg, *seed)
	if err != nil {
		return badInput("%v", err)
	}
	opt := models.TrainOptions{Optimizer: *optimizer, LearningRate: *lr, Schedule: *schedule, Momentum: *momentum, WeightDecay: *wd,
		BatchSize: *batch, Epochs: *epochs, Steps: *steps, Seed: *seed, Augment: aug, Dir: *out,
		CheckpointEvery: *every, Keep: *keep, Snapshots: snaps, SnapshotSteps: snapSteps, Resume: *resume, TestLimit: *testLimit}
	if *momentum == 0 {
		opt.Momentum = -1 // Explicitly none.
	}
	if *wd == 0 {
		opt.WeightDecay = -1
	}
	var bar *progressbar.ProgressBar
	if isTerminal(os.Stderr) {
		opt.Progress = func(p models.Progress) {
			if bar == nil {
				bar = progressbar.NewOptions(p.Steps,
					progressbar.OptionSetWriter(os.Stderr),
					progressbar.OptionSetDescription(cfg.Model),
					progressbar.OptionShowCount(),
					progressbar.OptionSetPredictTime(true),
					progressbar.OptionThrottle(200_000_000),
					progressbar.OptionClearOnFinish())
			}
			bar.Describe(fmt.Sprintf("%s epoch %.2f loss %.3f acc %.3f %.0f img/s",
				cfg.Model, p.Epoch, p.Loss, p.Accuracy, p.ImagesPerSecond))
			_ = bar.Set(p.Step)
		}
	}
	res, err := models.Train(net, set, opt)
	if bar != nil {
		_ = bar.Finish()
	}
	if errors.Is(err, models.ErrCheckpoint) || errors.Is(err, models.ErrIncompatible) {
		return badInput("%v", err)
	}
	if err != nil {
		return err
	}
	if *asJSON {
		return emitJSON(stdout, trainOutput{Model: cfg.Model, Steps: res.Steps, LossFirst: jsonFloat(res.LossFirst),
			LossLast: jsonFloat(res.LossLast), TestAccuracy: jsonFloat(res.TestAccuracy),
			ImagesPerSecond: jsonFloat(res.ImagesPerSecond), Checkpoint: res.Checkpoint})
	}
	acc := "not evaluated"
	if !math.IsNaN(res.TestAccuracy) {
		acc = fmt.Sprintf("%.4f", res.TestAccuracy)
	}
	_, err = fmt.Fprintf(stdout, "%s (width %g) on %s: %d steps, loss %.4f -> %.4f, test accuracy %s, %.1f images/s\ncheckpoint %s\n",
		cfg.Model, cfg.Width, set.Name, res.Steps, res.LossFirst, res.LossLast, acc, res.ImagesPerSecond, res.Checkpoint)
	return err
}

// parseInts parses a comma-separated list of non-negative integers.
func parseInts(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		v, err := strconv.Atoi(f)
		if err != nil || v < 0 {
			return nil, fmt.Errorf("%q is not a non-negative integer", f)
		}
		out = append(out, v)
	}
	return out, nil
}

// isTerminal reports whether f is a character device (a terminal).
func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// warnFastPath tells on stderr when repgeo-go runs without its custom ops
// (built with -tags nolinkname, or another GoMLX version): training and
// extraction give the same numbers, much more slowly.
func warnFastPath(b backends.Backend) {
	if err := backend.FastPathErr(); err != nil && b.Name() == backend.Name {
		fmt.Fprintf(os.Stderr, "repgeo: warning: %v\n", err)
	}
}
