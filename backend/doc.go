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
//   - float32 convolutions, Sign, ReduceSum, BroadcastInDim and broadcasting
//     Add, Sub, Mul and Div run as custom ops: a blocked im2col feeding an
//     AVX2/FMA matrix kernel (gonum's where the CPU lacks AVX2), and loops
//     over contiguous runs instead of the per-element index iterators of the
//     pure-Go backend; large same-shape Add, Sub, Mul, Div and Max run on
//     all cores.
//   - large float32 DotGeneral (any batch, contracting and cross axes) runs
//     as a custom op on the same matrix kernels, on all cores (dot.go).
//
// The custom ops are registered in the pure-Go backend's executor table,
// which GoMLX v0.26 does not export (see hook.go); if that fails, as it would
// with another GoMLX version, the decorator uses standard ops only.
package backend
