package onnxmodel_test

import (
	"fmt"
	"log"

	"github.com/repgeo/repgeo/backend"
	"github.com/repgeo/repgeo/models/onnxmodel"
)

// Load a ResNet exported from PyTorch, preprocess two 8-bit 32×32 RGB
// images as torchvision would, and extract the representations of the
// residual stages.
func Example() {
	model, err := onnxmodel.Load("testdata/resnet_tiny.onnx")
	if err != nil {
		log.Fatal(err)
	}
	pixels := make([]uint8, 2*32*32*3) // two images, height×width×channels
	for i := range pixels {
		pixels[i] = uint8(i * 7)
	}
	images, err := onnxmodel.FromPixels(pixels, 2, 32, 32, 3)
	if err != nil {
		log.Fatal(err)
	}
	pre := model.Preprocess(onnxmodel.Preprocess{Mean: onnxmodel.ImageNetMean, Std: onnxmodel.ImageNetStd})
	if images, err = pre.Apply(images); err != nil {
		log.Fatal(err)
	}
	taps, err := model.Taps(onnxmodel.PresetStages)
	if err != nil {
		log.Fatal(err)
	}
	b, err := backend.New()
	if err != nil {
		log.Fatal(err)
	}
	defer b.Finalize()
	act, err := model.Extract(b, images, taps, &onnxmodel.Options{Labels: []int{3, 7}, Classes: 10})
	if err != nil {
		log.Fatal(err)
	}
	for i, name := range act.Taps {
		m, d := act.Layers[i].Dims()
		fmt.Printf("%-11s %d×%d\n", name, m, d)
	}
	m, k := act.Target.Dims()
	fmt.Printf("target      %d×%d\n", m, k)
	// Output:
	// 00_input    2×3072
	// 01_maxpool  2×256
	// 02_layer1   2×256
	// 03_layer2   2×128
	// 04_layer3   2×64
	// 05_layer4   2×32
	// 06_avgpool  2×32
	// 07_output   2×10
	// target      2×10
}
