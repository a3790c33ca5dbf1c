package models_test

import (
	"fmt"
	"log"

	"github.com/repgeo/repgeo/backend"
	"github.com/repgeo/repgeo/data"
	"github.com/repgeo/repgeo/models"
)

// Train a tiny ResNet-20 for two steps on the synthetic dataset, then
// extract the representations of ten probe images at every coarse tap.
func Example() {
	b, err := backend.New()
	if err != nil {
		log.Fatal(err)
	}
	set, err := data.NewSynthetic(data.SyntheticOptions{Height: 28, Width: 28, Channels: 1, Train: 64, Test: 20, Seed: 1})
	if err != nil {
		log.Fatal(err)
	}
	cfg := models.Config{Model: "resnet20", Width: 0.125, Dataset: set.Name,
		InputShape: [3]int{28, 28, 1}, Classes: set.Classes}
	net, err := models.New(b, cfg, 1)
	if err != nil {
		log.Fatal(err)
	}
	res, err := models.Train(net, set, models.TrainOptions{Steps: 2, BatchSize: 16, Seed: 1, TestLimit: -1})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("steps:", res.Steps)

	images, labels, err := models.Probes(set, 10, 1)
	if err != nil {
		log.Fatal(err)
	}
	acts, err := models.Extract(net, images, labels, models.ExtractOptions{})
	if err != nil {
		log.Fatal(err)
	}
	for i, layer := range acts.Layers {
		m, d := layer.Dims()
		fmt.Printf("%s %d×%d\n", acts.Taps[i], m, d)
	}
	m, k := acts.Target.Dims()
	fmt.Printf("target %d×%d\n", m, k)
	// Output:
	// steps: 2
	// 00_input 10×784
	// 01_stem 10×1568
	// 02_stage1_block1 10×1568
	// 03_stage1_block2 10×1568
	// 04_stage1_block3 10×1568
	// 05_stage2_block1 10×784
	// 06_stage2_block2 10×784
	// 07_stage2_block3 10×784
	// 08_stage3_block1 10×392
	// 09_stage3_block2 10×392
	// 10_stage3_block3 10×392
	// 11_pool 10×8
	// 12_logits 10×10
	// target 10×10
}
