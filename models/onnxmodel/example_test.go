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

// Extract the default taps of a Vision Transformer (17 tokens of 16
// features) with the token axis reduced to the class token.
func ExampleOptions_tokens() {
	model, err := onnxmodel.Load("testdata/vit_tiny.onnx")
	if err != nil {
		log.Fatal(err)
	}
	images := &onnxmodel.Images{N: 3, C: 3, H: 32, W: 32, Data: make([]float32, 3*3*32*32)}
	for i := range images.Data {
		images.Data[i] = float32(i%97) / 97
	}
	b, err := backend.New()
	if err != nil {
		log.Fatal(err)
	}
	defer b.Finalize()
	fmt.Println("layout", model.Layout())
	for _, tokens := range []string{onnxmodel.TokensFlatten, onnxmodel.TokensCLS} {
		act, err := model.Extract(b, images, model.DefaultTaps(), &onnxmodel.Options{Tokens: tokens})
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(tokens + ":")
		for i, name := range act.Taps {
			m, d := act.Layers[i].Dims()
			fmt.Printf("  %-34s %d×%d\n", name, m, d)
		}
	}
	// Output:
	// layout vit
	// flatten:
	//   00_input                           3×3072
	//   01_embedding                       3×272
	//   02_encoder.layers.encoder_layer_0  3×272
	//   03_encoder.layers.encoder_layer_1  3×272
	//   04_encoder.ln                      3×272
	//   05_output                          3×10
	// cls:
	//   00_input                           3×3072
	//   01_embedding                       3×16
	//   02_encoder.layers.encoder_layer_0  3×16
	//   03_encoder.layers.encoder_layer_1  3×16
	//   04_encoder.ln                      3×16
	//   05_output                          3×10
}
