//go:build !amd64 || noasm

package backend

const haveKernel4x16 = false

func kernel4x16(k int, a *float32, aRow, aStep int, b *float32, ldb int, c *float32, ldc int) {
	panic("backend: kernel4x16 not available on this platform")
}

const haveKernel4x32 = false

func kernel4x32(k int, a *float32, aRow, aStep int, b *float32, ldb int, c *float32, ldc int) {
	panic("backend: kernel4x32 not available on this platform")
}
