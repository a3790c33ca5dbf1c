package zoo_test

import (
	"errors"
	"fmt"
	"os"

	"github.com/repgeo/repgeo/data"
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

// Current tells a member trained as the list declares from one the zoo
// lacks and one trained with another spec (stale), which must not be used.
func ExampleZoo_Current() {
	dir, err := os.MkdirTemp("", "zoo-example-")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	z, err := zoo.Open(dir, data.FashionMNIST)
	if err != nil {
		fmt.Println(err)
		return
	}
	m, err := zoo.Lookup("resnet20-w1-s1")
	if err != nil {
		fmt.Println(err)
		return
	}
	e, err := z.Current(m)
	switch {
	case errors.Is(err, zoo.ErrNotTrained):
		fmt.Println(m.Name, "is not trained yet")
	case errors.Is(err, zoo.ErrStale):
		fmt.Println(m.Name, "was trained with another spec: retrain it")
	case err != nil:
		fmt.Println(err)
	default:
		fmt.Printf("%s: test accuracy %.4f\n", m.Name, e.TestAccuracy)
	}
	// Output:
	// resnet20-w1-s1 is not trained yet
}

// Remove removes a member (finished, stale or in training) so that Train
// trains it again from scratch; a zoo holding nothing of it says so.
func ExampleZoo_Remove() {
	dir, err := os.MkdirTemp("", "zoo-example-")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	z, err := zoo.Open(dir, data.FashionMNIST)
	if err != nil {
		fmt.Println(err)
		return
	}
	r, err := z.Remove("resnet20-w1-s1")
	switch {
	case errors.Is(err, zoo.ErrNotTrained):
		fmt.Println("nothing to remove")
	case err != nil:
		fmt.Println(err)
	default:
		fmt.Printf("removed: entry %v, state in training %v\n", r.Entry != nil, r.Partial)
	}
	// Output:
	// nothing to remove
}
