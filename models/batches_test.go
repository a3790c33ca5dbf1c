package models

import (
	"errors"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// referenceBatch assembles the batch of step as the training loop did before
// batches were fed from another goroutine: a permutation of the training
// split per epoch seeded with (seed, epoch+1), and the augmentation drawn
// from a generator seeded with (seed^0xa5a5a5a5, step). Checkpoints of
// earlier runs, and the model zoo's committed weights, depend on this order.
func referenceBatch(p *batchPlan, step int) ([]float32, []int32) {
	s := p.set
	perm := rand.New(rand.NewPCG(p.seed, uint64(step/p.perEpoch)+1)).Perm(s.Train.Len())
	at := (step % p.perEpoch) * p.batchSize
	idx := perm[at : at+p.batchSize]
	images := make([]float32, p.batchSize*s.ImageSize())
	labels := make([]int32, p.batchSize)
	if p.augment {
		s.AugmentedBatch(idx, images, labels, 4, rand.New(rand.NewPCG(p.seed^0xa5a5a5a5, uint64(step))))
	} else {
		s.Batch(true, idx, images, labels)
	}
	return images, labels
}

func TestBatchFeederMatchesReference(t *testing.T) {
	s := tinySynthetic(t, false) // 256 training images.
	for _, tc := range []struct {
		name         string
		batch        int
		augment      bool
		start, total int
	}{
		{"plain", 32, false, 0, 20},            // 8 steps per epoch: two epoch changes.
		{"augmented", 32, true, 0, 20},         // Crops and flips drawn per step.
		{"resumed mid-epoch", 48, true, 7, 17}, // 5 steps per epoch, starting inside the second.
		{"one batch per epoch", 256, false, 0, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			plan := &batchPlan{set: s, batchSize: tc.batch, perEpoch: s.Train.Len() / tc.batch, seed: 11, augment: tc.augment}
			ref := &batchPlan{set: s, batchSize: tc.batch, perEpoch: plan.perEpoch, seed: 11, augment: tc.augment}
			f := newBatchFeeder(plan, tc.start, tc.total)
			defer f.close()
			var prev []float32
			for step := tc.start; step < tc.total; step++ {
				x, y, err := f.next(step)
				if err != nil {
					t.Fatalf("step %d: %v", step, err)
				}
				if got, want := x.Shape().Dimensions, []int{tc.batch, 32, 32, 3}; !slices.Equal(got, want) {
					t.Fatalf("step %d: images of shape %v, want %v", step, got, want)
				}
				if got, want := y.Shape().Dimensions, []int{tc.batch, 1}; !slices.Equal(got, want) {
					t.Fatalf("step %d: labels of shape %v, want %v", step, got, want)
				}
				images, labels := referenceBatch(ref, step)
				gotImages := tensors.MustCopyFlatData[float32](x)
				if !slices.Equal(gotImages, images) {
					t.Errorf("step %d: images differ from the reference order", step)
				}
				if got := tensors.MustCopyFlatData[int32](y); !slices.Equal(got, labels) {
					t.Errorf("step %d: labels %v, want %v", step, got[:4], labels[:4])
				}
				if slices.Equal(gotImages, prev) {
					t.Errorf("step %d: same images as the step before", step)
				}
				prev = gotImages
			}
			if _, _, err := f.next(tc.total); err == nil {
				t.Error("a batch past the last step")
			}
		})
	}
}

// waitClosed fails t unless f's goroutine has returned within a few seconds
// of close.
func waitClosed(t *testing.T, f *batchFeeder) {
	t.Helper()
	closed := make(chan struct{})
	go func() { f.close(); close(closed) }()
	select {
	case <-closed:
	case <-time.After(10 * time.Second):
		t.Fatal("the batch feeder did not stop")
	}
	select {
	case <-f.done:
	default:
		t.Fatal("close returned before the feeder's goroutine")
	}
}

func TestBatchFeederStops(t *testing.T) {
	s := tinySynthetic(t, true)
	for _, tc := range []struct {
		name  string
		taken int // Batches taken before close.
	}{
		{"before the first batch", 0},
		{"in the middle", 3},
		{"after the last batch", 10},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newBatchFeeder(&batchPlan{set: s, batchSize: 16, perEpoch: 16, seed: 1}, 0, 10)
			for step := range tc.taken {
				if _, _, err := f.next(step); err != nil {
					t.Fatal(err)
				}
			}
			waitClosed(t, f)
			f.close() // A second close is harmless.
		})
	}
}

func TestBatchFeederError(t *testing.T) {
	s := tinySynthetic(t, true)
	// Labels for 256 images but pixels for 100: assembling a batch with a
	// later image fails.
	s.Train.Pixels = slices.Clip(s.Train.Pixels[:100*s.ImageSize()])
	f := newBatchFeeder(&batchPlan{set: s, batchSize: 64, perEpoch: 4, seed: 1}, 0, 4)
	var err error
	for step := 0; step < 4 && err == nil; step++ {
		_, _, err = f.next(step)
	}
	if err == nil || !strings.Contains(err.Error(), "assembling the batch of step") {
		t.Fatalf("got %v, want an error assembling a batch", err)
	}
	if _, _, err := f.next(5); err == nil || !strings.Contains(err.Error(), "stopped") {
		t.Errorf("after the error: %v, want the feeder stopped", err)
	}
	waitClosed(t, f)
}

// An error returned by AfterStep ends Train, and with it the goroutine
// feeding the batches.
func TestTrainStopsFeeder(t *testing.T) {
	s := tinySynthetic(t, true)
	net, err := New(testBackend(t), configFor("vgg11", 0.125, s), 1)
	if err != nil {
		t.Fatal(err)
	}
	stop := errors.New("stop")
	var fed *batchFeeder
	testHookFeeder = func(f *batchFeeder) { fed = f }
	defer func() { testHookFeeder = nil }()
	_, err = Train(net, s, TrainOptions{BatchSize: 16, Steps: 10, TestLimit: -1,
		AfterStep: func(step int, _ float64) error {
			if step == 2 {
				return stop
			}
			return nil
		}})
	if !errors.Is(err, stop) {
		t.Fatalf("Train returned %v, want the AfterStep error", err)
	}
	if fed == nil {
		t.Fatal("Train fed no batches")
	}
	select {
	case <-fed.done:
	default:
		t.Error("the batch feeder still runs after Train returned")
	}
}
