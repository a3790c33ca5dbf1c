//go:build tools

// Package tools pins the versions of the modules repgeo's packages and
// notebooks import, so that go.mod and go.sum stay complete.
package tools

import (
	_ "codeberg.org/sbinet/npyio"
	_ "codeberg.org/sbinet/npyio/npz"
	_ "github.com/gomlx/gomlx/backends/simplego"
	_ "github.com/gomlx/gomlx/backends/xla"
	_ "github.com/gomlx/gomlx/pkg/core/graph"
	_ "github.com/gomlx/gomlx/pkg/core/tensors"
	_ "github.com/gomlx/gomlx/pkg/ml/context"
	_ "github.com/gomlx/gomlx/pkg/ml/context/checkpoints"
	_ "github.com/gomlx/gomlx/pkg/ml/layers"
	_ "github.com/gomlx/gomlx/pkg/ml/layers/batchnorm"
	_ "github.com/gomlx/gomlx/pkg/ml/train"
	_ "github.com/gomlx/gomlx/pkg/ml/train/losses"
	_ "github.com/gomlx/gomlx/pkg/ml/train/optimizers"
	_ "github.com/gomlx/onnx-gomlx/onnx"
	_ "github.com/janpfeifer/gonb/gonbui"
	_ "github.com/schollz/progressbar/v3"
	_ "gonum.org/v1/gonum/mat"
	_ "gonum.org/v1/plot"
	_ "gonum.org/v1/plot/plotter"
	_ "gonum.org/v1/plot/vg"
)
