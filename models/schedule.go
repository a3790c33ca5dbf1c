package models

import (
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive // GoMLX's idiom for graph code.
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/train/optimizers"
)

// Learning-rate schedules known to Train.
const (
	// ScheduleCosine anneals the learning rate to zero by a cosine over all steps.
	ScheduleCosine = "cosine"
	// ScheduleStep multiplies the learning rate by 0.1 at 50 % and again at
	// 75 % of the steps (PyTorch's MultiStepLR with those milestones).
	ScheduleStep = "step"
)

// StepScheduleRate returns the learning rate of ScheduleStep at the 0-based
// step of a run of total steps, starting from lr.
func StepScheduleRate(lr float64, step, total int) float64 {
	switch {
	case step >= 3*total/4:
		return lr * 0.01
	case step >= total/2:
		return lr * 0.1
	}
	return lr
}

// stepSchedule sets the context's learning-rate variable for the current
// training step (the global step before this step's increment) following
// StepScheduleRate.
func stepSchedule(ctx *context.Context, g *Graph, dtype dtypes.DType, lr float64, total int) {
	ctx = ctx.Checked(false)
	step := optimizers.GetGlobalStepVar(ctx).ValueGraph(g)
	half := LessThan(step, Scalar(g, step.DType(), total/2))
	threeQuarters := LessThan(step, Scalar(g, step.DType(), 3*total/4))
	rate := Where(half, Scalar(g, dtype, lr),
		Where(threeQuarters, Scalar(g, dtype, lr*0.1), Scalar(g, dtype, lr*0.01)))
	optimizers.LearningRateVar(ctx, dtype, lr).SetValueGraph(rate)
}
