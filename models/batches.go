package models

import (
	"fmt"
	"math/rand/v2"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"

	"github.com/repgeo/repgeo/data"
)

// batchPlan says which images, in which order and with which augmentation,
// make up the batch of each training step. The batch of a step is a function
// of the seed and the step alone: a seeded permutation per epoch and, with
// augmentation, a generator seeded per step. So batches can be assembled in
// any order, ahead of the training loop, and a resumed run sees the same
// ones.
type batchPlan struct {
	set       *data.Set
	batchSize int
	perEpoch  int // Whole batches per epoch.
	seed      uint64
	augment   bool

	// perm is the permutation of the training split for epoch permEpoch.
	perm      []int
	permEpoch int
}

// augmentPad is the padding of the random crops of augmentation.
const augmentPad = 4

// batch assembles the images [batch, H, W, C] and labels [batch, 1] of the
// given step into new tensors. It is not safe for concurrent use (it caches
// the epoch's permutation).
func (p *batchPlan) batch(step int) (x, y *tensors.Tensor) {
	epoch := step / p.perEpoch
	if p.perm == nil || epoch != p.permEpoch {
		p.perm = rand.New(rand.NewPCG(p.seed, uint64(epoch)+1)).Perm(p.set.Train.Len())
		p.permEpoch = epoch
	}
	at := (step % p.perEpoch) * p.batchSize
	idx := p.perm[at : at+p.batchSize]
	s := p.set
	x = tensors.FromShape(shapes.Make(dtypes.Float32, p.batchSize, s.Height, s.Width, s.Channels))
	y = tensors.FromShape(shapes.Make(dtypes.Int32, p.batchSize, 1))
	tensors.MustMutableFlatData(x, func(images []float32) {
		tensors.MustMutableFlatData(y, func(labels []int32) {
			if p.augment {
				s.AugmentedBatch(idx, images, labels, augmentPad, rand.New(rand.NewPCG(p.seed^0xa5a5a5a5, uint64(step))))
			} else {
				s.Batch(true, idx, images, labels)
			}
		})
	})
	return x, y
}

// stepBatch is the batch of one training step, or the error met assembling
// it.
type stepBatch struct {
	step int
	x, y *tensors.Tensor
	err  error
}

// batchFeeder assembles the batches of steps start, start+1, ..., total-1 on
// its own goroutine, one step ahead of the training loop that takes them with
// next: the batch of the next step is built while the current step runs,
// off the loop's critical path. The batches are those of batchPlan, in step
// order, so training is bit for bit the same as with batches built inline.
// close stops the goroutine and waits for it to return; it must be called,
// on every path, once the loop is done with the feeder.
type batchFeeder struct {
	out  chan stepBatch
	stop chan struct{}
	done chan struct{}
}

// newBatchFeeder starts feeding the batches of plan for steps [start, total).
func newBatchFeeder(plan *batchPlan, start, total int) *batchFeeder {
	f := &batchFeeder{out: make(chan stepBatch), stop: make(chan struct{}), done: make(chan struct{})}
	go f.run(plan, start, total)
	return f
}

func (f *batchFeeder) run(plan *batchPlan, start, total int) {
	defer close(f.done)
	defer close(f.out)
	for step := start; step < total; step++ {
		b := stepBatch{step: step}
		b.x, b.y, b.err = safeBatch(plan, step)
		select {
		case f.out <- b:
		case <-f.stop:
			finalizeBatch(b)
			return
		}
		if b.err != nil {
			return
		}
	}
}

// safeBatch is plan.batch(step), turning a panic (such as a bad image index
// in a modified dataset) into an error.
func safeBatch(plan *batchPlan, step int) (x, y *tensors.Tensor, err error) {
	defer func() {
		if r := recover(); r != nil {
			x, y, err = nil, nil, fmt.Errorf("models: assembling the batch of step %d: %v", step, r)
		}
	}()
	x, y = plan.batch(step)
	return x, y, nil
}

// next returns the batch of step, which must be the step after the one
// returned last (or the feeder's first).
func (f *batchFeeder) next(step int) (x, y *tensors.Tensor, err error) {
	b, ok := <-f.out
	if !ok {
		return nil, nil, fmt.Errorf("models: no batch for step %d: the batch feeder has stopped", step)
	}
	if b.err != nil {
		return nil, nil, b.err
	}
	if b.step != step {
		finalizeBatch(b)
		return nil, nil, fmt.Errorf("models: batch feeder gave the batch of step %d for step %d", b.step, step)
	}
	return b.x, b.y, nil
}

// close stops the feeder and waits for its goroutine to return. It may be
// called more than once.
func (f *batchFeeder) close() {
	select {
	case <-f.stop:
	default:
		close(f.stop)
	}
	<-f.done
}

// finalizeBatch frees the tensors of b, if any.
func finalizeBatch(b stepBatch) {
	for _, t := range []*tensors.Tensor{b.x, b.y} {
		if t != nil {
			_ = t.FinalizeAll()
		}
	}
}
