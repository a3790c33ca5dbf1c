package models

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"time"

	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive // GoMLX's idiom for graph code.
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/train"
	"github.com/gomlx/gomlx/pkg/ml/train/losses"
	"github.com/gomlx/gomlx/pkg/ml/train/metrics"
	"github.com/gomlx/gomlx/pkg/ml/train/optimizers"
	"github.com/gomlx/gomlx/pkg/ml/train/optimizers/cosineschedule"

	"github.com/repgeo/repgeo/data"
)

// Optimizers known to Train.
const (
	SGD  = "sgd"
	Adam = "adam"
)

// TrainOptions configures Train. Zero fields take the defaults noted, which
// follow the paper's recipe (SGD 0.1, momentum 0.9, weight decay 1e-4,
// batch 128) with a cosine learning-rate schedule.
type TrainOptions struct {
	// Optimizer is SGD (with momentum, the default) or Adam.
	Optimizer string
	// LearningRate is the initial learning rate (default 0.1 for SGD, 1e-3
	// for Adam), annealed over all steps as Schedule says.
	LearningRate float64
	// Schedule is the learning-rate schedule: ScheduleCosine (the default)
	// or ScheduleStep.
	Schedule string
	// Momentum of SGD (default 0.9; negative for none).
	Momentum float64
	// WeightDecay (default 1e-4; negative for none).
	WeightDecay float64
	// BatchSize (default 128, at most the training split's size).
	BatchSize int
	// Epochs to train; Steps, if set, overrides it. An epoch is the number
	// of whole batches in the training split. Default 1 epoch.
	Epochs, Steps int
	// Seed seeds the weights, the data order and the augmentation.
	Seed uint64
	// Augment, if set, applies random crops (padding 4) and horizontal flips.
	Augment bool
	// Dir, if set, is the checkpoint directory; checkpoints are written
	// every CheckpointEvery steps (default: every epoch, at most 200 steps)
	// and at the end, keeping the last Keep (default 3).
	Dir             string
	CheckpointEvery int
	Keep            int
	// Snapshots lists epochs whose weights are kept in Dir/snapshots/epoch-NNN
	// (0 is the initialization). It needs Dir.
	Snapshots []int
	// SnapshotSteps lists global steps whose weights are kept in
	// Dir/snapshots/step-NNNNNNNN (0 is the initialization), for snapshots
	// at any step, inside an epoch too. It needs Dir.
	SnapshotSteps []int
	// Resume continues from the latest checkpoint in Dir, if there is one.
	Resume bool
	// TestLimit, if positive, evaluates the test accuracy on only the first
	// TestLimit test images; negative skips the evaluation.
	TestLimit int
	// Progress, if not nil, is called after every step.
	Progress func(Progress)
	// AfterStep, if not nil, is called once before the first step of this
	// run with the starting global step and a NaN loss, then after every
	// step with the global step reached and that step's batch loss. A
	// non-nil error stops training: Train returns it unwrapped, without
	// writing a further checkpoint.
	AfterStep func(step int, loss float64) error
}

// Progress describes the state of training after a step.
type Progress struct {
	// Step is the number of steps done (global, counting resumed ones); Steps
	// is the total.
	Step, Steps int
	// Epoch is the fractional number of epochs done.
	Epoch float64
	// Loss and Accuracy are exponential moving averages of the batch values.
	Loss, Accuracy float64
	// ImagesPerSecond is the training throughput since the first step of this
	// run, excluding that step (which builds the graph).
	ImagesPerSecond float64
}

// TrainResult summarizes a training run.
type TrainResult struct {
	// Steps is the global step reached.
	Steps int
	// LossFirst is the loss of the first batch of this run (before its
	// update); LossLast is the mean batch loss of the last (up to) ten steps.
	// Both are NaN when the run had no step left to do.
	LossFirst, LossLast float64
	// TestAccuracy is the accuracy on the test split (NaN if not evaluated).
	TestAccuracy float64
	// ImagesPerSecond is the steady-state training throughput.
	ImagesPerSecond float64
	// Checkpoint is the base path of the last checkpoint written, if any.
	Checkpoint string
}

// trainState is stored beside checkpoints so --resume can check it
// continues the same run.
type trainState struct {
	Optimizer    string  `json:"optimizer"`
	LearningRate float64 `json:"learning_rate"`
	Momentum     float64 `json:"momentum"`
	WeightDecay  float64 `json:"weight_decay"`
	BatchSize    int     `json:"batch_size"`
	Steps        int     `json:"steps"`
	Seed         uint64  `json:"seed"`
	Augment      bool    `json:"augment"`
	// Schedule is empty for the cosine schedule (so that older state files
	// still match).
	Schedule string `json:"schedule,omitempty"`
	// Dataset is the name of the dataset and TrainImages the size of its
	// training split. State files written before they were recorded lack
	// them; resuming one takes them for the current run's.
	Dataset     string `json:"dataset,omitempty"`
	TrainImages int    `json:"train_images,omitempty"`
}

// ErrIncompatible is wrapped by the errors of Train when a checkpoint
// directory does not fit the run: it already holds checkpoints and Resume is
// not set, or they were written by another model or other options.
var ErrIncompatible = errors.New("incompatible checkpoint directory")

// ErrDiverged is wrapped by the error of Train when the loss of a training
// step is NaN or infinite.
var ErrDiverged = errors.New("training diverged")

// TrainStateFile is the JSON file, beside the checkpoints, holding the
// options of the run (checked on resume).
const TrainStateFile = "train.json"

func (o *TrainOptions) defaults(set *data.Set) error {
	switch o.Optimizer {
	case "":
		o.Optimizer = SGD
	case SGD, Adam:
	default:
		return fmt.Errorf("models: unknown optimizer %q (want %s or %s)", o.Optimizer, SGD, Adam)
	}
	switch o.Schedule {
	case "":
		o.Schedule = ScheduleCosine
	case ScheduleCosine, ScheduleStep:
	default:
		return fmt.Errorf("models: unknown learning-rate schedule %q (want %s or %s)", o.Schedule, ScheduleCosine, ScheduleStep)
	}
	if o.LearningRate == 0 {
		o.LearningRate = 0.1
		if o.Optimizer == Adam {
			o.LearningRate = 1e-3
		}
	}
	if o.Momentum == 0 {
		o.Momentum = 0.9
	}
	if o.WeightDecay == 0 {
		o.WeightDecay = 1e-4
	}
	o.Momentum, o.WeightDecay = max(o.Momentum, 0), max(o.WeightDecay, 0)
	if !(o.LearningRate > 0) || math.IsInf(o.LearningRate, 0) {
		return fmt.Errorf("models: learning rate %g must be positive", o.LearningRate)
	}
	if o.BatchSize == 0 {
		o.BatchSize = 128
	}
	if o.BatchSize < 0 {
		return fmt.Errorf("models: batch size %d", o.BatchSize)
	}
	o.BatchSize = min(o.BatchSize, set.Train.Len())
	if o.BatchSize == 0 {
		return errors.New("models: empty training split")
	}
	if o.Epochs < 0 || o.Steps < 0 {
		return fmt.Errorf("models: negative epochs (%d) or steps (%d)", o.Epochs, o.Steps)
	}
	if o.Epochs == 0 && o.Steps == 0 {
		o.Epochs = 1
	}
	if o.Keep == 0 {
		o.Keep = 3
	}
	if len(o.Snapshots) > 0 && o.Dir == "" {
		return errors.New("models: snapshots need a checkpoint directory")
	}
	if o.Resume && o.Dir == "" {
		return errors.New("models: resume needs a checkpoint directory")
	}
	for _, e := range o.Snapshots {
		if e < 0 {
			return fmt.Errorf("models: snapshot epoch %d", e)
		}
	}
	if len(o.SnapshotSteps) > 0 && o.Dir == "" {
		return errors.New("models: snapshots need a checkpoint directory")
	}
	for _, s := range o.SnapshotSteps {
		if s < 0 {
			return fmt.Errorf("models: snapshot step %d", s)
		}
	}
	return nil
}

// Train trains net on the training split of set and evaluates it on the
// test split. It is deterministic for a given seed: the weights (when net is
// fresh from New with the same seed), the order of the data (a seeded
// permutation per epoch) and the augmentation (seeded per step) do not
// depend on checkpointing or resuming. With Resume, net's weights and
// optimizer state are replaced by the latest checkpoint in Dir, if any.
// The batch of each step (images, labels, augmentation) is assembled on
// another goroutine while the step before it runs, so set must not be
// modified until Train returns, also not by Progress or AfterStep.
func Train(net *Net, set *data.Set, opt TrainOptions) (*TrainResult, error) {
	cfg := net.Config
	if err := checkSet(cfg, set); err != nil {
		return nil, err
	}
	if err := opt.defaults(set); err != nil {
		return nil, err
	}
	perEpoch := set.Train.Len() / opt.BatchSize
	total := opt.Steps
	if total == 0 {
		total = opt.Epochs * perEpoch
	}
	state := trainState{Optimizer: opt.Optimizer, LearningRate: opt.LearningRate, Momentum: opt.Momentum,
		WeightDecay: opt.WeightDecay, BatchSize: opt.BatchSize, Steps: total, Seed: opt.Seed, Augment: opt.Augment,
		Dataset: set.Name, TrainImages: set.Train.Len()}
	if opt.Schedule != ScheduleCosine {
		state.Schedule = opt.Schedule
	}

	ctx := net.Context
	if !opt.Resume && opt.Dir != "" {
		if names, _, err := listCheckpoints(opt.Dir); err == nil && len(names) > 0 {
			return nil, fmt.Errorf("models: %w: %s already holds checkpoints: resume, or train into another directory", ErrIncompatible, opt.Dir)
		}
	}
	if opt.Resume {
		if err := resumeInto(net, opt.Dir, state); err != nil {
			return nil, err
		}
	}
	ctx.SetParam(optimizers.ParamLearningRate, opt.LearningRate)
	ctx.SetParam(ParamMomentum, opt.Momentum)
	ctx.SetParam(ParamWeightDecay, opt.WeightDecay)

	// Variables are created and initialized by an inference graph first, so
	// the initial weights do not depend on what the training graph adds.
	if err := initVariables(net); err != nil {
		return nil, err
	}
	start := int(optimizers.GetGlobalStep(ctx))
	if start > total {
		return nil, fmt.Errorf("models: %w: checkpoint is at step %d, past the %d steps of this run", ErrIncompatible, start, total)
	}

	var ckpt *Checkpointer
	res := &TrainResult{LossFirst: math.NaN(), LossLast: math.NaN(), TestAccuracy: math.NaN()}
	if opt.Dir != "" {
		var err error
		if ckpt, err = NewCheckpointer(net, opt.Dir, opt.Keep); err != nil {
			return nil, err
		}
		defer ckpt.Close()
		if err := writeJSON(filepath.Join(opt.Dir, TrainStateFile), state); err != nil {
			return nil, fmt.Errorf("models: writing %s: %w", TrainStateFile, err)
		}
	}
	every := opt.CheckpointEvery
	if every <= 0 {
		every = max(1, min(perEpoch, 200))
	}
	lastSaved := -1
	save := func(step int) error {
		if ckpt == nil || step == lastSaved {
			return nil
		}
		base, err := ckpt.Save(int64(step))
		if err != nil {
			return err
		}
		res.Checkpoint, lastSaved = base, step
		return nil
	}
	snapshot := func(step int) error {
		atEpoch := step%perEpoch == 0 && slices.Contains(opt.Snapshots, step/perEpoch)
		atStep := slices.Contains(opt.SnapshotSteps, step)
		if ckpt == nil || (!atEpoch && !atStep) {
			return nil
		}
		if err := save(step); err != nil {
			return err
		}
		if atStep {
			if err := ckpt.Snapshot(filepath.Join("snapshots", fmt.Sprintf("step-%08d", step))); err != nil {
				return err
			}
		}
		if atEpoch {
			return ckpt.Snapshot(filepath.Join("snapshots", fmt.Sprintf("epoch-%03d", step/perEpoch)))
		}
		return nil
	}
	if err := snapshot(start); err != nil {
		return nil, err
	}

	var optimizer optimizers.Interface
	if opt.Optimizer == Adam {
		optimizer = optimizers.Adam().LearningRate(opt.LearningRate).WeightDecay(opt.WeightDecay).Done()
	} else {
		optimizer = &sgdMomentum{lr: opt.LearningRate, momentum: opt.Momentum, weightDecay: opt.WeightDecay}
	}
	modelFn := func(ctx *context.Context, _ any, inputs []*Node) []*Node {
		g := inputs[0].Graph()
		if ctx.IsTraining(g) {
			if opt.Schedule == ScheduleStep {
				stepSchedule(ctx, g, inputs[0].DType(), opt.LearningRate, total)
			} else {
				cosineschedule.New(ctx, g, inputs[0].DType()).LearningRate(opt.LearningRate).PeriodSteps(total).Done()
			}
		}
		return []*Node{Model(ctx, cfg, inputs[0], nil)}
	}
	batchAccuracy := metrics.NewBaseMetric("Batch Accuracy", "acc", metrics.AccuracyMetricType,
		metrics.SparseCategoricalAccuracyGraph, nil)
	trainer := train.NewTrainer(net.Backend, ctx, modelFn, losses.SparseCategoricalCrossEntropyLogits,
		optimizer, []metrics.Interface{batchAccuracy}, nil)

	// The batches are assembled one step ahead, on another goroutine.
	plan := &batchPlan{set: set, batchSize: opt.BatchSize, perEpoch: perEpoch, seed: opt.Seed, augment: opt.Augment}
	feeder := newBatchFeeder(plan, start, total)
	defer feeder.close()
	if testHookFeeder != nil {
		testHookFeeder(feeder)
	}
	if opt.AfterStep != nil {
		if err := opt.AfterStep(start, math.NaN()); err != nil {
			return nil, err
		}
	}
	var lastLosses []float64
	emaLoss, emaAcc := math.NaN(), math.NaN()
	var steadyStart time.Time
	for step := start; step < total; step++ {
		x, y, err := feeder.next(step)
		if err != nil {
			return nil, err
		}
		outs, err := trainStepSafely(trainer, x, y)
		finalizeBatch(stepBatch{x: x, y: y}) // Now rather than at garbage collection.
		if err != nil {
			return nil, fmt.Errorf("models: training step %d: %w", step, err)
		}
		loss := scalarOf(outs[0])
		acc := scalarOf(outs[len(outs)-1])
		for _, t := range outs {
			t.MustFinalizeAll()
		}
		if math.IsNaN(loss) || math.IsInf(loss, 0) {
			return nil, fmt.Errorf("models: %w at step %d (loss %g); try a smaller learning rate", ErrDiverged, step, loss)
		}
		if step == start {
			res.LossFirst = loss
			emaLoss, emaAcc = loss, acc
			steadyStart = time.Now()
		} else {
			emaLoss, emaAcc = 0.9*emaLoss+0.1*loss, 0.9*emaAcc+0.1*acc
		}
		lastLosses = append(lastLosses, loss)
		if len(lastLosses) > 10 {
			lastLosses = lastLosses[1:]
		}
		done := step + 1
		if step > start {
			res.ImagesPerSecond = float64((step-start)*opt.BatchSize) / time.Since(steadyStart).Seconds()
		}
		if done%every == 0 || done == total {
			if err := save(done); err != nil {
				return nil, err
			}
		}
		if err := snapshot(done); err != nil {
			return nil, err
		}
		if opt.Progress != nil {
			opt.Progress(Progress{Step: done, Steps: total, Epoch: float64(done) / float64(perEpoch),
				Loss: emaLoss, Accuracy: emaAcc, ImagesPerSecond: res.ImagesPerSecond})
		}
		if opt.AfterStep != nil {
			if err := opt.AfterStep(done, loss); err != nil {
				return nil, err
			}
		}
	}
	res.Steps = max(start, total)
	if len(lastLosses) > 0 {
		res.LossLast = 0
		for _, l := range lastLosses {
			res.LossLast += l
		}
		res.LossLast /= float64(len(lastLosses))
	}
	if res.Checkpoint == "" {
		// Nothing trained in this run (already complete): still leave a checkpoint.
		if err := save(start); err != nil {
			return nil, err
		}
	}
	if opt.TestLimit >= 0 {
		n := set.Test.Len()
		if opt.TestLimit > 0 {
			n = min(n, opt.TestLimit)
		}
		acc, err := Accuracy(net, set, n)
		if err != nil {
			return nil, err
		}
		res.TestAccuracy = acc
	}
	return res, nil
}

// testHookFeeder, when set by a test, is given the batch feeder of Train.
var testHookFeeder func(*batchFeeder)

// resumeInto loads the latest checkpoint of dir into net, if there is one,
// after checking it was written by the same model and run options.
func resumeInto(net *Net, dir string, state trainState) error {
	names, _, err := listCheckpoints(dir)
	if errors.Is(err, os.ErrNotExist) || (err == nil && len(names) == 0) {
		return nil // Nothing to resume: start afresh.
	}
	if err != nil {
		return fmt.Errorf("models: resume: %w", err)
	}
	cfg, err := ReadConfig(dir)
	if err != nil {
		return err
	}
	if cfg != net.Config {
		return fmt.Errorf("models: resume: %w: %s holds %+v, not %+v", ErrIncompatible, dir, cfg, net.Config)
	}
	var prev trainState
	if err := readJSON(filepath.Join(dir, TrainStateFile), &prev); err != nil {
		return fmt.Errorf("models: resume: %w: %v", ErrCheckpoint, err)
	}
	if prev.Dataset == "" { // Written before the dataset was recorded.
		prev.Dataset = state.Dataset
	}
	if prev.TrainImages == 0 {
		prev.TrainImages = state.TrainImages
	}
	if prev != state {
		return fmt.Errorf("models: resume: %w: %s was trained with %+v, this run asks for %+v", ErrIncompatible, dir, prev, state)
	}
	return loadWeights(net, dir)
}

// checkSet reports an error unless set is the dataset of cfg, with images of
// its shape and its number of classes.
func checkSet(cfg Config, set *data.Set) error {
	if cfg.Dataset != set.Name {
		return fmt.Errorf("models: %s is a model of %q, the dataset given is %q", cfg.Model, cfg.Dataset, set.Name)
	}
	if cfg.InputShape != [3]int{set.Height, set.Width, set.Channels} || cfg.Classes != set.Classes {
		return fmt.Errorf("models: %s takes %v images of %d classes, dataset %s has %d×%d×%d of %d",
			cfg.Model, cfg.InputShape, cfg.Classes, set.Name, set.Height, set.Width, set.Channels, set.Classes)
	}
	return nil
}

// initVariables builds the inference graph once on a zero batch, creating
// and initializing any variable the model lacks.
func initVariables(net *Net) error {
	h, w, c := net.Config.InputShape[0], net.Config.InputShape[1], net.Config.InputShape[2]
	exec, err := context.NewExec(net.Backend, net.Context, func(ctx *context.Context, x *Node) *Node {
		return Model(ctx, net.Config, x, nil)
	})
	if err != nil {
		return fmt.Errorf("models: %w", err)
	}
	defer exec.Finalize()
	outs, err := execSafely(exec, tensors.FromFlatDataAndDimensions(make([]float32, h*w*c), 1, h, w, c))
	if err != nil {
		return fmt.Errorf("models: initializing variables: %w", err)
	}
	for _, t := range outs {
		t.MustFinalizeAll()
	}
	return nil
}

// trainStepSafely runs one training step, turning panics into errors.
func trainStepSafely(trainer *train.Trainer, x, y *tensors.Tensor) (outs []*tensors.Tensor, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r)
		}
	}()
	return trainer.TrainStep(nil, []*tensors.Tensor{x}, []*tensors.Tensor{y})
}

// scalarOf returns the value of a scalar float tensor.
func scalarOf(t *tensors.Tensor) float64 {
	switch v := t.Value().(type) {
	case float32:
		return float64(v)
	case float64:
		return v
	}
	return math.NaN()
}

// Accuracy returns the fraction of the first n test images of set that net
// classifies correctly (batch norm in inference mode). The set must be the
// dataset of net's Config.
func Accuracy(net *Net, set *data.Set, n int) (float64, error) {
	if err := checkSet(net.Config, set); err != nil {
		return math.NaN(), err
	}
	n = min(n, set.Test.Len())
	if n <= 0 {
		return math.NaN(), errors.New("models: no test images")
	}
	const batch = 100
	b := min(batch, n)
	cfg := net.Config
	exec, err := context.NewExec(net.Backend, net.Context, func(ctx *context.Context, x *Node) *Node {
		return ArgMax(Model(ctx, cfg, x, nil), -1)
	})
	if err != nil {
		return math.NaN(), fmt.Errorf("models: %w", err)
	}
	defer exec.Finalize()
	size := set.ImageSize()
	images := make([]float32, b*size)
	labels := make([]int32, b)
	idx := make([]int, b)
	correct := 0
	for start := 0; start < n; start += b {
		count := min(b, n-start)
		for i := range b {
			idx[i] = start + min(i, count-1) // Pad the last batch by repeating its last image.
		}
		set.Batch(false, idx, images, labels)
		outs, err := execSafely(exec, tensors.FromFlatDataAndDimensions(images, b, set.Height, set.Width, set.Channels))
		if err != nil {
			return math.NaN(), fmt.Errorf("models: evaluation: %w", err)
		}
		pred := tensors.MustCopyFlatData[int32](outs[0])
		outs[0].MustFinalizeAll()
		for i := range count {
			if pred[i] == labels[i] {
				correct++
			}
		}
	}
	return float64(correct) / float64(n), nil
}
