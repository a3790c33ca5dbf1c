//go:build !amd64 || noasm

package svd

// asmKernels lists the micro-kernels this CPU can run: none in this build.
var asmKernels []microKernel
