package experiment_test

import (
	"fmt"

	"github.com/repgeo/repgeo/experiment"
	"github.com/repgeo/repgeo/models/zoo"
)

// Zoo members are named by architecture, width and seed (see zoo.Members);
// in smoke size each is replaced by a narrow stand-in of the same
// architecture.
func ExampleSmokeSpec() {
	m, err := zoo.Lookup("vgg11-w0.25-s2")
	if err != nil {
		panic(err)
	}
	fmt.Printf("%s: %s at width %g, seed %d\n", m.Name, m.Model, m.Width, m.Seed)
	s, err := experiment.SmokeSpec(m.Name, 8, 40)
	if err != nil {
		panic(err)
	}
	fmt.Printf("smoke stand-in: %s, %d steps, m = %d\n", s.Name(), s.Steps, s.Probes)
	// Output:
	// vgg11-w0.25-s2: vgg11 at width 0.25, seed 2
	// smoke stand-in: vgg11 ×0.03125, 8 steps, m = 40
}

// The sizes of a sample-size sweep: 15 values from 100 to the 10,000 test
// images, evenly spaced in log scale.
func ExampleLogSizes() {
	sizes, err := experiment.LogSizes(100, 10000, 15)
	if err != nil {
		panic(err)
	}
	fmt.Println(sizes)
	// Output:
	// [100 139 193 268 373 518 720 1000 1389 1931 2683 3728 5179 7197 10000]
}
