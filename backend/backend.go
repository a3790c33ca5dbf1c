package backend

import (
	"fmt"
	"os"
	"strings"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/backends/simplego" // registers "go"
	"github.com/pkg/errors"
)

// Name is the name under which the decorated pure-Go backend is registered
// with GoMLX, for use in GOMLX_BACKEND (for example "repgeo-go" or
// "repgeo-go:parallelism=2").
const Name = "repgeo-go"

func init() {
	backends.Register(Name, NewDecorated)
}

// New returns the backend named by GOMLX_BACKEND, or the decorated pure-Go
// backend when the variable is unset.
func New() (backends.Backend, error) {
	return newWithConfig(configFromEnv())
}

// configFromEnv returns the backend configuration New uses: GOMLX_BACKEND if
// set and non-empty, Name otherwise.
func configFromEnv() string {
	if cfg := os.Getenv(backends.ConfigEnvVar); cfg != "" {
		return cfg
	}
	return Name
}

// splitConfig splits "<backend>:<options>" the way GoMLX does.
func splitConfig(config string) (name, options string) {
	name, options, _ = strings.Cut(config, ":")
	return name, options
}

// newWithConfig creates the backend for config, turning GoMLX's panics for
// unknown backends into errors.
func newWithConfig(config string) (b backends.Backend, err error) {
	defer func() {
		if r := recover(); r != nil {
			b, err = nil, errors.Errorf("backend: cannot create backend %q: %v", config, r)
		}
	}()
	name, _ := splitConfig(config)
	known := false
	for _, n := range backends.List() {
		if n == name {
			known = true
			break
		}
	}
	if !known {
		return nil, errors.Errorf("backend: unknown backend %q in configuration %q (compiled in: %s)",
			name, config, strings.Join(backends.List(), ", "))
	}
	b, err = backends.NewWithConfig(config)
	if err != nil {
		return nil, errors.WithMessagef(err, "backend: creating %q", config)
	}
	return b, nil
}

// NewDecorated creates the "repgeo-go" backend: the pure-Go (SimpleGo)
// backend created with the given configuration, with its missing ops filled in
// and its convolutions lowered to matrix products.
//
// Besides the pure-Go backend's options (for example "parallelism=2"), the
// comma-separated config accepts "stockconv", which keeps the pure-Go
// backend's own convolution (with the gaps filled), "nofast", which lowers
// convolutions with standard ops only, without any custom float32 op,
// "nofuse", which keeps the custom ops but runs element-wise ops one by one
// instead of as fused chains, "noepilogue", which runs the fused chains as
// ops of their own, step by step (not in the convolutions whose output they
// read, nor in registers), and the micro-kernels of the convolutions per
// group of positions, as before (same results), and "stockdot", which keeps
// the pure-Go backend's DotGeneral.
func NewDecorated(config string) (backends.Backend, error) {
	var innerOpts []string
	stockConv, noFast, noFuse, stockDot, noEpilogue := false, false, false, false, false
	for _, opt := range strings.Split(config, ",") {
		switch opt {
		case "noepilogue":
			noEpilogue = true
			continue
		case "nofuse":
			noFuse = true
			continue
		case "stockdot":
			stockDot = true
			continue
		case "stockconv":
			stockConv = true
			continue
		case "nofast":
			noFast = true
			continue
		}
		innerOpts = append(innerOpts, opt)
	}
	inner, err := simplego.New(strings.Join(innerOpts, ","))
	if err != nil {
		return nil, err
	}
	sg, ok := inner.(*simplego.Backend)
	if !ok {
		return nil, errors.Errorf("backend: simplego.New returned %T, want *simplego.Backend", inner)
	}
	caps := sg.Capabilities().Clone()
	caps.Operations[backends.OpTypePad] = true
	caps.Operations[backends.OpTypeReverse] = true
	return &Backend{Backend: sg, caps: caps, stockConv: stockConv, noFast: noFast, noFuse: noFuse, stockDot: stockDot,
		noEpilogue: noEpilogue}, nil
}

// Backend is the "repgeo-go" backend: it embeds the pure-Go backend and
// overrides the creation of builders.
type Backend struct {
	*simplego.Backend
	caps                      backends.Capabilities
	stockConv, noFast, noFuse bool
	stockDot, noEpilogue      bool
}

var _ backends.Backend = (*Backend)(nil)

// Name returns the backend's short name, "repgeo-go".
func (b *Backend) Name() string { return Name }

// String returns the same as Name.
func (b *Backend) String() string { return Name }

// Description describes the backend, including why the custom float32 ops
// are off when they are (see FastPathErr).
func (b *Backend) Description() string {
	d := fmt.Sprintf("%s: %s with Pad, Reverse and convolutions as matrix products", Name, b.Backend.Description())
	if hookErr != nil {
		d += " (" + hookErr.Error() + ")"
	}
	return d
}

// Capabilities returns the pure-Go backend's capabilities plus Pad and Reverse.
func (b *Backend) Capabilities() backends.Capabilities { return b.caps }

// Builder returns a builder that decorates the pure-Go backend's builder.
func (b *Backend) Builder(name string) backends.Builder {
	return &Builder{Builder: b.Backend.Builder(name).(*simplego.Builder), stockConv: b.stockConv, noFast: b.noFast,
		noFuse: b.noFuse, stockDot: b.stockDot, noEpilogue: b.noEpilogue}
}

// Builder decorates the pure-Go backend's builder. It adds Pad and Reverse,
// lowers ConvGeneral to matrix products, fuses float32 element-wise ops
// (Add, Sub, Mul, Div, Max, Sign, Neg, and ReduceSum of them) into chains
// settled when the graph is compiled, and runs other float32 Sign,
// ReduceSum, BroadcastInDim, Add, Sub, Mul, Div and Max as faster custom ops
// where they apply; every other op is the pure-Go backend's own.
type Builder struct {
	*simplego.Builder

	// stockConv disables the lowering of ConvGeneral (configuration option
	// "stockconv"), to compare against or fall back to the pure-Go op.
	stockConv bool

	// noFast disables the float32 fast path (configuration option "nofast"):
	// convolutions are then lowered with standard ops only.
	noFast bool

	// noFuse runs element-wise ops one by one, not as fused chains
	// (configuration option "nofuse").
	noFuse bool

	// fz holds the fused element-wise chains built so far (fusebuild.go).
	fz *fuser

	// stockDot keeps the pure-Go DotGeneral (configuration option "stockdot").
	stockDot bool

	// noEpilogue runs the chains as ops of their own, step by step, and the
	// convolutions' micro-kernels per group of positions (configuration
	// option "noepilogue"; see epilogue.go, chaintile.go).
	noEpilogue bool

	// reshapeSrc maps the float32 Reshape nodes to the node they reshape
	// (reshape.go), so that custom ops read the source in place.
	reshapeSrc map[*simplego.Node]*simplego.Node
}

var _ backends.Builder = (*Builder)(nil)
