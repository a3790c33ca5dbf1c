//go:build !amd64 || noasm

package backend

func kernel4x16j(k2, k1 int, a *float32, aRow, aStep, aJump int, b *float32, ldb int, c *float32, ldc int, acc bool) {
	panic("backend: kernel4x16j not available on this platform")
}

func kernel4x32j(k2, k1 int, a *float32, aRow, aStep, aJump int, b *float32, ldb int, c *float32, ldc int, acc bool) {
	panic("backend: kernel4x32j not available on this platform")
}

func kernel8x16j(k2, k1 int, a *float32, aRow, aStep, aJump int, b *float32, ldb int, c *float32, ldc int, acc bool) {
	panic("backend: kernel8x16j not available on this platform")
}

func kernel8x8j(k2, k1 int, a *float32, aRow, aStep, aJump int, b *float32, ldb int, c *float32, ldc int, acc bool) {
	panic("backend: kernel8x8j not available on this platform")
}

func kernel4x8j(k2, k1 int, a *float32, aRow, aStep, aJump int, b *float32, ldb int, c *float32, ldc int, acc bool) {
	panic("backend: kernel4x8j not available on this platform")
}
