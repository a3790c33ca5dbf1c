//go:build !noasm

package backend

// kernel4x16j is kernel4x16 with a two-level walk of A (see gemmj_amd64.s).
//
//go:noescape
func kernel4x16j(k2, k1 int, a *float32, aRow, aStep, aJump int, b *float32, ldb int, c *float32, ldc int, acc bool)

// kernel4x32j is kernel4x32 with a two-level walk of A (see
// gemmj_avx512_amd64.s).
//
//go:noescape
func kernel4x32j(k2, k1 int, a *float32, aRow, aStep, aJump int, b *float32, ldb int, c *float32, ldc int, acc bool)

// kernel8x16j is the AVX-512 two-level kernel for 8 rows and 16 columns (see
// gemmj_avx512_amd64.s).
//
//go:noescape
func kernel8x16j(k2, k1 int, a *float32, aRow, aStep, aJump int, b *float32, ldb int, c *float32, ldc int, acc bool)

// kernel8x8j is the AVX2/FMA two-level kernel for 8 rows and 8 columns (see
// gemmj_amd64.s).
//
//go:noescape
func kernel8x8j(k2, k1 int, a *float32, aRow, aStep, aJump int, b *float32, ldb int, c *float32, ldc int, acc bool)

// kernel4x8j is kernel8x8j on 4 rows (see gemmj_amd64.s).
//
//go:noescape
func kernel4x8j(k2, k1 int, a *float32, aRow, aStep, aJump int, b *float32, ldb int, c *float32, ldc int, acc bool)
