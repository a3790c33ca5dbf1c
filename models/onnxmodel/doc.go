// Package onnxmodel loads image classifiers trained elsewhere (PyTorch,
// torchvision) from ONNX files and extracts the representations of named
// intermediate nodes, so that they can be measured exactly like the models
// trained by package models.
//
// Load parses an ONNX file with onnx-gomlx and checks that every operator it
// uses can be converted to a GoMLX graph; corrupt files and unsupported
// operators are reported by name. Operators the importer lacks but that have
// exact equivalents (Sigmoid, HardSigmoid, HardSwish, max pooling in ceil
// mode), and Gather nodes with negative constant indices (which the importer
// misreads, breaking the shape computations of torch's multi-head
// attention), are rewritten first. Model.Nodes lists the graph's operators
// with the PyTorch module each belongs to (torch.onnx.export names nodes by
// module scope, such as "/layer1/layer1.0/relu_1/Relu" for module
// "layer1.0.relu_1"). Model.Taps resolves tap specifications, in path order:
// a module path ("layer2.1", "features.14"), a node or tensor name,
// "input", "output", or a preset ("blocks", "stages", "fine", "modules"),
// the first two knowing the torchvision ResNet and VGG layouts, "blocks" also
// the VisionTransformer layout (the embedding, every encoder block, the
// final norm and the head).
//
// Images holds probe images in PyTorch's N×C×H×W layout; Preprocess
// reproduces torchvision's Resize, CenterCrop and Normalize. Model.Extract
// runs the model on any GoMLX backend (the default one from package backend,
// or XLA where installed) and returns a *models.Activations: one m×d float64
// matrix per tap, each row an input's activations flattened in PyTorch's
// C-major order, plus the one-hot target when labels are given. The token
// axis of a Vision Transformer's taps (N×T×D) is kept, flattened, or reduced
// to the class token or the token mean (Options.Tokens).
package onnxmodel
