package models

import (
	"math"
	"testing"
)

func TestTrainLossFalls(t *testing.T) {
	b := testBackend(t)
	for _, tc := range []struct {
		model     string
		gray      bool
		optimizer string
		lr        float64
	}{
		{"resnet20", true, SGD, 0.05},
		{"vgg11", false, Adam, 0.01},
	} {
		s := tinySynthetic(t, tc.gray)
		net, err := New(b, configFor(tc.model, 0.125, s), 1)
		if err != nil {
			t.Fatal(err)
		}
		var calls int
		var last Progress
		res, err := Train(net, s, TrainOptions{Optimizer: tc.optimizer, LearningRate: tc.lr, BatchSize: 16,
			Steps: 40, Seed: 1, Augment: !tc.gray, TestLimit: 100,
			Progress: func(p Progress) { calls++; last = p }})
		if err != nil {
			t.Fatalf("%s: %v", tc.model, err)
		}
		t.Logf("%s: loss %.3f -> %.3f, test accuracy %.2f, %.0f images/s", tc.model, res.LossFirst, res.LossLast, res.TestAccuracy, res.ImagesPerSecond)
		if !(res.LossLast < 0.8*res.LossFirst) {
			t.Errorf("%s: loss went from %.3f to %.3f, want a fall of at least 20%%", tc.model, res.LossFirst, res.LossLast)
		}
		// Chance is 0.1: well above it, batch norm's running averages work in
		// inference mode.
		if !(res.TestAccuracy > 0.25) {
			t.Errorf("%s: test accuracy %.2f after training, want > 0.25", tc.model, res.TestAccuracy)
		}
		if res.Steps != 40 || calls != 40 || last.Step != 40 || last.Steps != 40 {
			t.Errorf("%s: %d steps, %d progress calls, last %+v", tc.model, res.Steps, calls, last)
		}
		if math.Abs(last.Epoch-40*16/256.0) > 1e-9 {
			t.Errorf("%s: epoch %g, want %g", tc.model, last.Epoch, 40*16/256.0)
		}
	}
}

func TestTrainOptionErrors(t *testing.T) {
	b := testBackend(t)
	s := tinySynthetic(t, true)
	net, err := New(b, configFor("vgg11", 0.125, s), 1)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		opt  TrainOptions
	}{
		{"optimizer", TrainOptions{Optimizer: "lbfgs"}},
		{"learning rate", TrainOptions{LearningRate: -1}},
		{"batch", TrainOptions{BatchSize: -3}},
		{"snapshots without dir", TrainOptions{Snapshots: []int{1}}},
		{"resume without dir", TrainOptions{Resume: true}},
	} {
		if _, err := Train(net, s, tc.opt); err == nil {
			t.Errorf("%s: no error", tc.name)
		}
	}
	other := tinySynthetic(t, false)
	if _, err := Train(net, other, TrainOptions{Steps: 1}); err == nil {
		t.Error("training on images of another shape: no error")
	}
}
