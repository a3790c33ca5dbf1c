package experiment_test

import (
	"fmt"

	"github.com/repgeo/repgeo/experiment"
)

// The models of the smoke size, which the tests run, and of the full size.
func ExampleStudy() {
	for _, size := range []string{experiment.Smoke, experiment.Full} {
		specs, err := experiment.Study(size)
		if err != nil {
			fmt.Println(err)
			return
		}
		for _, s := range specs {
			fmt.Printf("%s: %s, %d steps of %d, m = %d\n", size, s.Name(), s.Steps, s.BatchSize, s.Probes)
		}
	}
	// Output:
	// smoke: resnet20 ×0.125, 8 steps of 32, m = 40
	// smoke: vgg11 ×0.125, 8 steps of 32, m = 40
	// full: resnet20-w1-s1, 3744 steps of 128, m = 1000
	// full: vgg11-w0.25-s1, 3744 steps of 128, m = 1000
}
