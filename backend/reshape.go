package backend

import (
	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/backends/simplego"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
)

// The pure-Go backend's Reshape copies its input unless it is the input's
// last use. Custom ops read their inputs as flat slices, so a custom op fed by
// a float32 Reshape reads the reshaped node itself: the Reshape is then not
// executed (unless something else needs it), and the copy is saved. In a
// training step the output gradient of a convolution, reshaped to a matrix
// for its kernel gradient while its input gradient still needs it, was
// copied so.

// Reshape implements backends.Builder.Reshape, noting float32 reshapes for
// the custom ops.
func (b *Builder) Reshape(x backends.Op, dims ...int) (backends.Op, error) {
	out, err := b.Builder.Reshape(x, dims...)
	if err != nil || hookErr != nil || b.noFast {
		return out, err
	}
	on, ok1 := out.(*simplego.Node)
	xn, ok2 := x.(*simplego.Node)
	if !ok1 || !ok2 || on == xn {
		return out, err
	}
	if s, err := b.OpShape(out); err != nil || s.DType != dtypes.Float32 {
		return out, nil
	}
	if b.reshapeSrc == nil {
		b.reshapeSrc = make(map[*simplego.Node]*simplego.Node)
	}
	b.reshapeSrc[on] = b.reshapeSource(xn)
	return out, nil
}

// reshapeSource returns the node whose flat data n holds: n's source if n is
// a float32 Reshape (of a Reshape ...), n otherwise.
func (b *Builder) reshapeSource(n *simplego.Node) *simplego.Node {
	if src, ok := b.reshapeSrc[n]; ok {
		return src
	}
	return n
}
