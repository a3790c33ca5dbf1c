// Package backend selects the GoMLX backend that repgeo's models run on, and
// provides "repgeo-go": the pure-Go backend with its gaps filled and its
// convolutions lowered to matrix products.
//
// New honours GOMLX_BACKEND (for example "xla:cpu" or "xla:cuda" where the XLA
// plugin is installed, or "go" for the undecorated pure-Go backend); without
// it, the decorated pure-Go backend "repgeo-go" is used.
//
// "repgeo-go" embeds GoMLX's pure-Go backend (SimpleGo, GoMLX v0.26) and
// overrides single ops of its builder:
//
//   - Pad (edge, negative and interior padding) and Reverse, which the
//     pure-Go backend lacks and the convolution and mean-pool gradients need;
//   - ConvGeneral: empty strides and dilations, as the convolution gradient
//     passes them, are normalised; convolutions without groups become data
//     movement plus one matrix product (im2col for forward and input-gradient
//     convolutions, one window per output position for kernel gradients);
//   - float32 convolutions run as a custom op: a blocked im2col feeding an
//     AVX-512 or AVX2/FMA matrix kernel (gonum's where the CPU lacks AVX2);
//   - float32 element-wise ops (Add, Sub, Mul, Div, Max, Sign, Neg) on
//     tensors of at least 1024 elements, with the other operand of the same
//     shape, a vector along the last axis or a scalar, are fused into chains:
//     one custom op computes a base tensor followed by a list of steps, block
//     by block in the cache, with AVX2 loops; BroadcastInDim of a vector or
//     scalar is read without the copy, and ReduceSum over every axis but the
//     last of a chain sums it without writing it out. When the graph is
//     compiled, only the chains the outputs need, or that several computed
//     nodes share, are written out (see fuse.go and fusebuild.go). This
//     covers batch norm, the ReLU and their gradients as GoMLX builds them.
//     Chains of arithmetic steps run on tiles of rows held in registers
//     (chaintile.go), and a chain that alone reads a convolution's output
//     runs inside the convolution, on each block of its output while it is
//     in cache (epilogue.go);
//   - the remaining float32 Sign, ReduceSum, BroadcastInDim and broadcasting
//     Add, Sub, Mul and Div run as loops over contiguous runs instead of the
//     per-element index iterators of the pure-Go backend, and large
//     same-shape Add, Sub, Mul, Div and Max run on all cores.
//   - large float32 DotGeneral (any batch, contracting and cross axes) runs
//     as a custom op on the same matrix kernels, on all cores (dot.go).
//
// The configuration options "stockconv", "nofast", "nofuse", "noepilogue"
// and "stockdot" turn these off for comparisons (see NewDecorated).
//
// The custom ops are registered in the pure-Go backend's executor table,
// which GoMLX v0.26 does not export: hook_linkname.go links to it and to the
// node constructor by name, so with a GoMLX version lacking those symbols
// every binary importing this package fails to link. Building with
// -tags nolinkname leaves the link out: "repgeo-go" then fills the gaps and
// lowers convolutions with standard ops only (same results, slower), and
// FastPathErr and Backend.Description say why. If the link succeeds but the
// pure-Go backend's node or buffer layout is not GoMLX v0.26's, the decorator
// likewise uses standard ops only.
package backend
