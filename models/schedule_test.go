package models

import (
	"math"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/train/optimizers"
)

func TestStepScheduleRate(t *testing.T) {
	for _, tc := range []struct {
		step, total int
		want        float64
	}{
		{0, 100, 0.1}, {49, 100, 0.1}, {50, 100, 0.01}, {74, 100, 0.01}, {75, 100, 0.001}, {99, 100, 0.001},
		{0, 3, 0.1}, {1, 3, 0.01}, {2, 3, 0.001}, // milestones 3/2 = 1 and 9/4 = 2
	} {
		if got := StepScheduleRate(0.1, tc.step, tc.total); math.Abs(got-tc.want) > 1e-15 {
			t.Errorf("step %d of %d: %g, want %g", tc.step, tc.total, got, tc.want)
		}
	}
}

// TestTrainStepSchedule trains 8 steps with ScheduleStep and reads the
// learning rate each step used from the context's learning-rate variable.
func TestTrainStepSchedule(t *testing.T) {
	b := testBackend(t)
	s := tinySynthetic(t, true)
	net, err := New(b, configFor("resnet20", 0.125, s), 1)
	if err != nil {
		t.Fatal(err)
	}
	const total = 8
	var got []float64
	_, err = Train(net, s, TrainOptions{LearningRate: 0.05, Schedule: ScheduleStep, BatchSize: 16, Steps: total, Seed: 1,
		TestLimit: -1, AfterStep: func(step int, loss float64) error {
			if step == 0 {
				if !math.IsNaN(loss) {
					t.Errorf("AfterStep before the first step got loss %g, want NaN", loss)
				}
				return nil
			}
			v := net.Context.InspectVariable(context.ScopeSeparator+optimizers.Scope, optimizers.ParamLearningRate)
			if v == nil {
				t.Fatal("no learning-rate variable")
			}
			got = append(got, float64(tensors.ToScalar[float32](v.MustValue())))
			return nil
		}})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != total {
		t.Fatalf("AfterStep called for %d steps, want %d", len(got), total)
	}
	for i, lr := range got {
		if want := StepScheduleRate(0.05, i, total); math.Abs(lr-want) > 1e-7*want {
			t.Errorf("step %d used learning rate %g, want %g", i, lr, want)
		}
	}
	if _, err := Train(net, s, TrainOptions{Schedule: "linear", Steps: 1}); err == nil {
		t.Error("unknown schedule: no error")
	}
}
