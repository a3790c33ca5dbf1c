//go:build nolinkname

package backend

import (
	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/backends/simplego"
	"github.com/gomlx/gomlx/pkg/core/shapes"
)

// Built with -tags nolinkname: nothing is linked into the pure-Go backend by
// name, and repgeo-go runs on its standard ops only.

const fenceMessage = "built with -tags nolinkname: custom float32 ops (fast convolutions, fused element-wise chains) " +
	"are off, repgeo-go uses the pure-Go backend's standard ops (same results, slower)"

func fencedOff() error { return errHook(fenceMessage) }

func linkedExecutors() (*[backends.OpTypeLast]sgExecutor, error) { return nil, errHook(fenceMessage) }

func newSGNode(*simplego.Builder, backends.OpType, shapes.Shape, ...*simplego.Node) *simplego.Node {
	panic("backend: custom op requested in a build with -tags nolinkname")
}
