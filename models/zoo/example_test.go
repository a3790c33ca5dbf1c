package zoo_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/repgeo/repgeo/backend"
	"github.com/repgeo/repgeo/data"
	"github.com/repgeo/repgeo/internal/fakefashion"
	"github.com/repgeo/repgeo/models/zoo"
)

// A member of the zoo by its short name, and the steps whose weights it keeps
// on Fashion-MNIST (60,000 training images).
func ExampleLookup() {
	m, err := zoo.Lookup("resnet20-w1-s1")
	if err != nil {
		fmt.Println(err)
		return
	}
	steps := m.TotalSteps(60000)
	fmt.Printf("%s: %s ×%g, seed %d, %s lr %g (%s schedule), batch %d, %d epochs = %d steps\n",
		m.Name, m.Model, m.Width, m.Seed, m.Recipe.Optimizer, m.Recipe.LearningRate, m.Recipe.Schedule,
		m.Recipe.BatchSize, m.Recipe.Epochs, steps)
	fmt.Println("snapshots:", m.SnapshotSteps(steps))
	fmt.Println(len(zoo.Members()), "members")
	// Output:
	// resnet20-w1-s1: resnet20 ×1, seed 1, sgd lr 0.1 (step schedule), batch 128, 8 epochs = 3744 steps
	// snapshots: [0 2 4 8 16 31 61 121 241 479 950 1886 3744]
	// 15 members
}

// The test accuracy each member is to reach on the full Fashion-MNIST
// test set; CIFAR-10 sets no target.
func ExampleMember_TargetAccuracy() {
	for _, name := range []string{"resnet20-w1-s2", "resnet20-w2-s1", "vgg19-w0.25-s1"} {
		m, err := zoo.Lookup(name)
		if err != nil {
			fmt.Println(err)
			return
		}
		target, _ := m.TargetAccuracy(data.FashionMNIST)
		fmt.Printf("%s: %.2f\n", m.Name, target)
	}
	m, _ := zoo.Lookup("resnet20-w1-s1")
	_, ok := m.TargetAccuracy(data.CIFAR10)
	fmt.Println("target on CIFAR-10:", ok)
	// Output:
	// resnet20-w1-s2: 0.92
	// resnet20-w2-s1: 0.90
	// vgg19-w0.25-s1: 0.90
	// target on CIFAR-10: false
}

// scratchZoo returns a zoo in a new temporary directory (removed by the
// returned function) and a Fashion-MNIST look-alike of 64 training and 20
// test images to train it on, so that the examples run without the data.
func scratchZoo() (z *zoo.Zoo, set *data.Set, cleanup func(), err error) {
	dir, err := os.MkdirTemp("", "zoo-example-")
	if err != nil {
		return nil, nil, nil, err
	}
	cleanup = func() { os.RemoveAll(dir) }
	if err := fakefashion.Write(dir, 64, 20, 1); err != nil {
		cleanup()
		return nil, nil, nil, err
	}
	if set, err = data.Load(data.FashionMNIST, dir); err != nil {
		cleanup()
		return nil, nil, nil, err
	}
	if z, err = zoo.Open(filepath.Join(dir, "zoo"), data.FashionMNIST); err != nil {
		cleanup()
		return nil, nil, nil, err
	}
	return z, set, cleanup, nil
}

// Current tells a member trained as the list declares from one the zoo
// lacks and one trained with another spec (stale), which must not be used.
// Here a scratch zoo holds vgg11-w0.25-s2 trained for 2 steps of 16 images
// instead of its recipe's zoo.Epochs epochs of batches of 128: current for the spec
// it was trained with, stale for the list's.
func ExampleZoo_Current() {
	z, set, cleanup, err := scratchZoo()
	if err != nil {
		fmt.Println(err)
		return
	}
	defer cleanup()
	b, err := backend.New()
	if err != nil {
		fmt.Println(err)
		return
	}
	defer b.Finalize()
	declared, err := zoo.Lookup("vgg11-w0.25-s2")
	if err != nil {
		fmt.Println(err)
		return
	}
	short := declared
	short.Recipe.Steps, short.Recipe.BatchSize = 2, 16
	if _, err := z.Train(short, zoo.TrainOptions{Backend: b, Set: set}); err != nil {
		fmt.Println(err)
		return
	}
	missing, err := zoo.Lookup("resnet20-w1-s1")
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, c := range []struct {
		what string
		m    zoo.Member
	}{{"as trained", short}, {"as the list declares", declared}, {"as the list declares", missing}} {
		e, err := z.Current(c.m)
		switch {
		case errors.Is(err, zoo.ErrNotTrained):
			fmt.Printf("%s %s: not trained yet\n", c.m.Name, c.what)
		case errors.Is(err, zoo.ErrStale):
			fmt.Printf("%s %s: trained with another spec, retrain it\n", c.m.Name, c.what)
		case err != nil:
			fmt.Println(err)
		default:
			fmt.Printf("%s %s: current, %d steps, test accuracy on %d images\n", c.m.Name, c.what, e.Steps, e.TestImages)
		}
	}
	// Output:
	// vgg11-w0.25-s2 as trained: current, 2 steps, test accuracy on 20 images
	// vgg11-w0.25-s2 as the list declares: trained with another spec, retrain it
	// resnet20-w1-s1 as the list declares: not trained yet
}

// Remove removes a member (finished, stale or in training) so that Train
// trains it again from scratch; a zoo holding nothing of it says so. Here
// a scratch zoo holds vgg11-w0.25-s2 finished and vgg11-w0.25-s3 stopped
// after its first step, both with a recipe of 2 steps of 16 images; Holds
// says what Remove then removes.
func ExampleZoo_Remove() {
	z, set, cleanup, err := scratchZoo()
	if err != nil {
		fmt.Println(err)
		return
	}
	defer cleanup()
	b, err := backend.New()
	if err != nil {
		fmt.Println(err)
		return
	}
	defer b.Finalize()
	var names []string
	for _, c := range []struct {
		name   string
		stopAt int
	}{{"vgg11-w0.25-s2", 0}, {"vgg11-w0.25-s3", 1}} {
		m, err := zoo.Lookup(c.name)
		if err != nil {
			fmt.Println(err)
			return
		}
		m.Recipe.Steps, m.Recipe.BatchSize = 2, 16
		_, err = z.Train(m, zoo.TrainOptions{Backend: b, Set: set, StopAt: c.stopAt})
		if err != nil && !(c.stopAt > 0 && errors.Is(err, zoo.ErrStopped)) {
			fmt.Println(err)
			return
		}
		names = append(names, m.Name)
	}
	for _, name := range append(names, names[0]) {
		h, err := z.Holds(name)
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("%s: holds entry %v, state in training %v, directory %v\n", name, h.Entry != nil, h.Partial, h.Dir)
		r, err := z.Remove(name)
		switch {
		case errors.Is(err, zoo.ErrNotTrained):
			fmt.Printf("%s: nothing to remove\n", name)
		case err != nil:
			fmt.Println(err)
		default:
			fmt.Printf("%s: removed entry %v, state in training %v, directory %v\n", name, r.Entry != nil, r.Partial, r.Dir)
		}
	}
	// Output:
	// vgg11-w0.25-s2: holds entry true, state in training false, directory true
	// vgg11-w0.25-s2: removed entry true, state in training false, directory true
	// vgg11-w0.25-s3: holds entry false, state in training true, directory false
	// vgg11-w0.25-s3: removed entry false, state in training true, directory false
	// vgg11-w0.25-s2: holds entry false, state in training false, directory false
	// vgg11-w0.25-s2: nothing to remove
}
