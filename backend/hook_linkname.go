//go:build !nolinkname

package backend

import (
	_ "unsafe" // for go:linkname

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/backends/simplego"
	"github.com/gomlx/gomlx/pkg/core/shapes"
)

// The pure-Go backend's executor table and node constructor, linked by name
// (go.mod pins GoMLX v0.26.0). A GoMLX version without these symbols fails
// at link time; build with -tags nolinkname to fall back to standard ops.

//go:linkname sgNodeExecutors github.com/gomlx/gomlx/backends/simplego.nodeExecutors
var sgNodeExecutors [backends.OpTypeLast]sgExecutor

//go:linkname sgNewNode github.com/gomlx/gomlx/backends/simplego.(*Builder).newNode
func sgNewNode(b *simplego.Builder, opType backends.OpType, shape shapes.Shape, inputs ...*simplego.Node) *simplego.Node

func fencedOff() error { return nil }

func linkedExecutors() (*[backends.OpTypeLast]sgExecutor, error) { return &sgNodeExecutors, nil }

func newSGNode(b *simplego.Builder, opType backends.OpType, shape shapes.Shape, inputs ...*simplego.Node) *simplego.Node {
	return sgNewNode(b, opType, shape, inputs...)
}
