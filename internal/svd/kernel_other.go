//go:build !amd64 || noasm

package svd

// haveAsm reports whether an assembly micro-kernel exists: not in this build.
const haveAsm = false

// kernel6x8s is never called in this build.
func kernel6x8s(k int, a *float64, ars, aps int, b *float64, bps int, c *float64, ldc int) {
	panic("svd: no assembly kernel in this build")
}
