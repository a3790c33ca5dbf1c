// Package models builds, trains, checkpoints and probes the ResNets and VGGs
// whose representational paths repgeo measures, on GoMLX.
//
// A model is a plain function of a GoMLX context and a node (Model): the CIFAR
// ResNets resnet20, resnet32 and resnet56, resnet18 for 32×32 inputs, and
// vgg11 to vgg19 with batch norm, each with a width multiplier (Config). While
// the graph is built, Model records named taps in path order: the input, the
// stem, every block (ResNet) or conv stage (VGG), the pooled features and the
// logits; the Fine grain adds every operation inside the blocks (TapNames).
//
// New creates a model with seeded weights and Train trains it (SGD with
// momentum or Adam, cosine learning-rate schedule, weight decay, optional
// crop-and-flip augmentation), deterministically for a seed, writing
// checkpoints atomically (Checkpointer) that Load reads back, Config
// included. Extract runs an inference executor (batch norm on its running
// averages) on probe images (Probes: stratified by class, seeded) and
// returns an Activations: one m×d matrix per tap plus the one-hot target.
//
// Models run on any GoMLX backend: the pure-Go backend by default (through the
// backend package, which fills its gaps and speeds up convolutions), or XLA on
// CPU or GPU where its plugin is installed, selected with GOMLX_BACKEND. The
// few model-side workarounds for the pure-Go backend are in compat.go.
package models
