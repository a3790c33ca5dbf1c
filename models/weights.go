package models

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"

	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive // GoMLX's idiom for graph code.
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/context/checkpoints"
	"github.com/gomlx/gomlx/pkg/ml/train/optimizers"

	"github.com/repgeo/repgeo/data"
)

// IsWeight reports whether v is a weight of a model (a trainable variable
// or one of batch norm's running averages) rather than optimizer state (SGD's
// velocities, Adam's moments, the learning rate, schedule counters, the
// global step), the trainer's running metrics or the context's
// random-number state.
func IsWeight(v *context.Variable) bool { return isWeight(v.Scope(), v.Name()) }

// isWeight is IsWeight for the variable of that scope and name.
func isWeight(scope, name string) bool {
	for _, s := range []string{momentumScope, optimizers.Scope, optimizers.AdamDefaultScope, metricsScope} {
		p := context.ScopeSeparator + s
		if scope == p || strings.HasPrefix(scope, p+context.ScopeSeparator) {
			return false
		}
	}
	return name != optimizers.GlobalStepVariableName && name != context.RNGStateVariableName
}

// SaveWeights writes the weights of net (its trainable variables and batch
// norm's running averages, without optimizer state) into dir, creating it if
// needed, as a checkpoint directory that Load reads: ConfigFile and one
// checkpoint labelled with the global step (holding the Config too),
// replacing the checkpoints dir held. The old checkpoints are unlisted
// first (their JSON files removed), then ConfigFile and the new weights
// file are written, each atomically, and the new checkpoint's JSON file,
// which marks it present, last: a crash leaves either the old checkpoint
// or the new one beside their Config, or none. Subdirectories of dir are
// left alone. The files depend only on the weights and the Config, not on
// how net came by them (see stageCheckpoint).
func SaveWeights(net *Net, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("models: saving weights: %w", err)
	}
	staging, err := os.MkdirTemp(dir, ".staging-")
	if err != nil {
		return fmt.Errorf("models: saving weights: %w", err)
	}
	defer os.RemoveAll(staging)
	ctx := net.Context
	step := int64(0)
	if v := ctx.InspectVariable(context.RootScope, optimizers.GlobalStepVariableName); v != nil {
		step = optimizers.GetGlobalStep(ctx)
	}
	staged, err := stageCheckpoint(net, staging, true)
	if err != nil {
		return err
	}
	old, _, err := listCheckpoints(dir)
	if err != nil {
		return fmt.Errorf("models: saving weights: %w", err)
	}
	for _, suffix := range []string{checkpoints.JsonNameSuffix, checkpoints.BinDataSuffix} {
		for _, o := range old {
			if err := os.Remove(filepath.Join(dir, o+suffix)); err != nil && !errors.Is(err, os.ErrNotExist) {
				return fmt.Errorf("models: saving weights: %w", err)
			}
		}
	}
	if err := writeJSON(filepath.Join(dir, ConfigFile), net.Config); err != nil {
		return fmt.Errorf("models: saving weights: %w", err)
	}
	name := fmt.Sprintf("checkpoint-n%07d-step-%08d", 0, step)
	for _, suffix := range []string{checkpoints.BinDataSuffix, checkpoints.JsonNameSuffix} {
		from, to := filepath.Join(staging, staged+suffix), filepath.Join(dir, name+suffix)
		if err := syncFile(from); err != nil {
			return fmt.Errorf("models: saving weights: %w", err)
		}
		if err := os.Rename(from, to); err != nil {
			return fmt.Errorf("models: saving weights: %w", err)
		}
	}
	return nil
}

// metricsScope is where GoMLX's trainer keeps its running metrics.
const metricsScope = "metrics"

// Evaluation is the result of Evaluate.
type Evaluation struct {
	// Accuracy is the fraction of images classified correctly and Loss the
	// mean cross-entropy of the softmax of the logits.
	Accuracy, Loss float64
	// Images is the number of test images evaluated.
	Images int
}

// Evaluate returns the accuracy and mean cross-entropy loss of net on the
// first n test images of set (all if n <= 0), with batch norm in inference
// mode. The set must be the dataset of net's Config; a loss that is not
// finite gives an error wrapping ErrNotFinite.
func Evaluate(net *Net, set *data.Set, n int) (Evaluation, error) {
	if n <= 0 || n > set.Test.Len() {
		n = set.Test.Len()
	}
	if n == 0 {
		return Evaluation{}, errors.New("models: no test images")
	}
	cfg := net.Config
	if err := checkSet(cfg, set); err != nil {
		return Evaluation{}, err
	}
	const batch = 100
	b := min(batch, n)
	exec, err := context.NewExec(net.Backend, net.Context, func(ctx *context.Context, x, y *Node) []*Node {
		logits := Model(ctx, cfg, x, nil)
		// Per-image cross-entropy: −log softmax(logits)[label].
		onehot := OneHot(Reshape(y, y.Shape().Dimensions[0]), cfg.Classes, logits.DType())
		loss := Neg(ReduceSum(Mul(onehot, LogSoftmax(logits)), -1))
		return []*Node{ArgMax(logits, -1), loss}
	})
	if err != nil {
		return Evaluation{}, fmt.Errorf("models: %w", err)
	}
	defer exec.Finalize()
	size := set.ImageSize()
	images := make([]float32, b*size)
	labels := make([]int32, b)
	idx := make([]int, b)
	correct, sum := 0, 0.0
	for start := 0; start < n; start += b {
		count := min(b, n-start)
		for i := range b {
			idx[i] = start + min(i, count-1) // Pad the last batch by repeating its last image.
		}
		set.Batch(false, idx, images, labels)
		outs, err := execSafely(exec, tensors.FromFlatDataAndDimensions(images, b, set.Height, set.Width, set.Channels),
			tensors.FromFlatDataAndDimensions(labels, b, 1))
		if err != nil {
			return Evaluation{}, fmt.Errorf("models: evaluation: %w", err)
		}
		pred := tensors.MustCopyFlatData[int32](outs[0])
		perImage := tensors.MustCopyFlatData[float32](outs[1])
		for _, t := range outs {
			t.MustFinalizeAll()
		}
		if len(pred) != b || len(perImage) != b {
			return Evaluation{}, fmt.Errorf("models: evaluation gave %d predictions and %d losses for a batch of %d", len(pred), len(perImage), b)
		}
		for i := range count {
			if pred[i] == labels[i] {
				correct++
			}
			sum += float64(perImage[i])
		}
	}
	ev := Evaluation{Accuracy: float64(correct) / float64(n), Loss: sum / float64(n), Images: n}
	if math.IsNaN(ev.Loss) || math.IsInf(ev.Loss, 0) {
		return ev, fmt.Errorf("models: evaluation gave a loss that is %w (%g)", ErrNotFinite, ev.Loss)
	}
	return ev, nil
}
