//go:build !amd64 || noasm

package fastblas

// haveAsm reports whether an assembly micro-kernel exists: not in this build.
const haveAsm = false

// kernel6x8 is never called in this build.
func kernel6x8(k int, a, b, c *float64, ldc int) {
	panic("fastblas: no assembly kernel in this build")
}
