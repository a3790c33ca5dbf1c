//go:build !amd64 || noasm

package fastblas

// asmKernels returns no kernels: this build has no assembly.
func asmKernels() []kernel { return nil }

// asmStripKernels returns no kernels: this build has no assembly.
func asmStripKernels() []stripKernel { return nil }
