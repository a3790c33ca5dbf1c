// Package data loads the image datasets the models package trains on and
// probes: CIFAR-10 from its official binary files, Fashion-MNIST from IDX
// files, and a small generated, learnable dataset for tests and demos.
//
// A Set holds raw 8-bit pixels in height×width×channels order and labels for
// a training and a test split; Set.Batch turns rows into normalized float32
// images (NHWC) for a model, and Set.AugmentedBatch adds the random-crop and
// flip augmentation used for CIFAR. StratifiedSample chooses probe images
// deterministically and balanced over classes.
package data
