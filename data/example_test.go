package data_test

import (
	"fmt"
	"log"

	"github.com/repgeo/repgeo/data"
)

// Choose 12 probe images from the test split, balanced over the classes,
// and turn them into a normalized NHWC batch.
func ExampleStratifiedSample() {
	set, err := data.NewSynthetic(data.SyntheticOptions{Height: 28, Width: 28, Channels: 1, Train: 100, Test: 100, Seed: 1})
	if err != nil {
		log.Fatal(err)
	}
	idx, err := data.StratifiedSample(set.Test.Labels, set.Classes, 12, 7)
	if err != nil {
		log.Fatal(err)
	}
	images := make([]float32, len(idx)*set.ImageSize())
	labels := make([]int32, len(idx))
	set.Batch(false, idx, images, labels)
	fmt.Println(len(idx), "images of", set.ImageSize(), "values; labels", labels)
	// Output:
	// 12 images of 784 values; labels [0 1 1 2 2 3 4 5 6 7 8 9]
}
