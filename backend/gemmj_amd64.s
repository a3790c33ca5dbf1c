//go:build !noasm

#include "textflag.h"

// func kernel4x16j(k2, k1 int, a *float32, aRow, aStep, aJump int, b *float32, ldb int, c *float32, ldc int, acc bool)
//
// kernel4x16 with a two-level walk of A: the contraction runs k1 times over
// k2 indices; A's four row pointers advance by aStep per index and by aJump
// more after each run of k2, while B advances uniformly by ldb. This reads
// convolution inputs in place (a run is a row of kernel taps, or a row of
// output positions). With acc false, C is overwritten instead of added to.
// Strides are in elements. Requires AVX2 and FMA, k1, k2 >= 1.
TEXT ·kernel4x16j(SB), NOSPLIT, $0-81
	MOVQ k2+0(FP), BX
	MOVQ k1+8(FP), AX
	MOVQ a+16(FP), SI
	MOVQ aRow+24(FP), R8
	MOVQ aStep+32(FP), R14
	MOVQ b+48(FP), DI
	MOVQ ldb+56(FP), R9
	MOVQ c+64(FP), DX
	MOVQ ldc+72(FP), R10
	SHLQ $2, R8
	SHLQ $2, R14
	SHLQ $2, R9
	SHLQ $2, R10

	LEAQ (SI)(R8*1), R11
	LEAQ (R11)(R8*1), R12
	LEAQ (R12)(R8*1), R13
	MOVQ aJump+40(FP), R8
	SHLQ $2, R8

	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7

outer:
	MOVQ BX, CX

loop:
	VMOVUPS (DI), Y8
	VMOVUPS 32(DI), Y9
	VBROADCASTSS (SI), Y10
	VBROADCASTSS (R11), Y11
	VFMADD231PS Y8, Y10, Y0
	VFMADD231PS Y9, Y10, Y1
	VFMADD231PS Y8, Y11, Y2
	VFMADD231PS Y9, Y11, Y3
	VBROADCASTSS (R12), Y12
	VBROADCASTSS (R13), Y13
	VFMADD231PS Y8, Y12, Y4
	VFMADD231PS Y9, Y12, Y5
	VFMADD231PS Y8, Y13, Y6
	VFMADD231PS Y9, Y13, Y7
	ADDQ R14, SI
	ADDQ R14, R11
	ADDQ R14, R12
	ADDQ R14, R13
	ADDQ R9, DI
	DECQ CX
	JNZ  loop
	ADDQ R8, SI
	ADDQ R8, R11
	ADDQ R8, R12
	ADDQ R8, R13
	DECQ AX
	JNZ  outer

	MOVBLZX acc+80(FP), AX
	TESTL AX, AX
	JZ   set_kernel4x16j

	VADDPS (DX), Y0, Y0
	VADDPS 32(DX), Y1, Y1
	VMOVUPS Y0, (DX)
	VMOVUPS Y1, 32(DX)
	ADDQ R10, DX
	VADDPS (DX), Y2, Y2
	VADDPS 32(DX), Y3, Y3
	VMOVUPS Y2, (DX)
	VMOVUPS Y3, 32(DX)
	ADDQ R10, DX
	VADDPS (DX), Y4, Y4
	VADDPS 32(DX), Y5, Y5
	VMOVUPS Y4, (DX)
	VMOVUPS Y5, 32(DX)
	ADDQ R10, DX
	VADDPS (DX), Y6, Y6
	VADDPS 32(DX), Y7, Y7
	VMOVUPS Y6, (DX)
	VMOVUPS Y7, 32(DX)
	VZEROUPPER
	RET

set_kernel4x16j:
	VMOVUPS Y0, (DX)
	VMOVUPS Y1, 32(DX)
	ADDQ R10, DX
	VMOVUPS Y2, (DX)
	VMOVUPS Y3, 32(DX)
	ADDQ R10, DX
	VMOVUPS Y4, (DX)
	VMOVUPS Y5, 32(DX)
	ADDQ R10, DX
	VMOVUPS Y6, (DX)
	VMOVUPS Y7, 32(DX)
	VZEROUPPER
	RET

// func kernel8x8j(k2, k1 int, a *float32, aRow, aStep, aJump int, b *float32, ldb int, c *float32, ldc int, acc bool)
//
// kernel4x16j's two-level walk on 8 rows and 8 columns: C[r][0:8] +=
// sum_p A(r, p) * B[p][0:8] for r = 0..7, for matrices whose width leaves
// 8 columns after the 16-column slabs (the 8-channel layers of narrow
// networks). Accumulators Y0..Y7 (row r in Yr), B in Y8, A broadcast into
// Y9..Y12; rows at SI, R11 = SI+3*aRow and R12 = SI+6*aRow plus 0, 1 or 2
// times aRow. Every element is one FMA chain over p in order. With acc
// false, C is overwritten. Requires AVX2 and FMA, k1, k2 >= 1.
TEXT ·kernel8x8j(SB), NOSPLIT, $0-81
	MOVQ k2+0(FP), BX
	MOVQ k1+8(FP), AX
	MOVQ a+16(FP), SI
	MOVQ aRow+24(FP), R8
	MOVQ aStep+32(FP), R14
	MOVQ aJump+40(FP), R13
	MOVQ b+48(FP), DI
	MOVQ ldb+56(FP), R9
	MOVQ c+64(FP), DX
	MOVQ ldc+72(FP), R10
	SHLQ $2, R8
	SHLQ $2, R14
	SHLQ $2, R13
	SHLQ $2, R9
	SHLQ $2, R10

	LEAQ (SI)(R8*2), R11
	ADDQ R8, R11
	LEAQ (R11)(R8*2), R12
	ADDQ R8, R12

	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7

outer88:
	MOVQ BX, CX

loop88:
	VMOVUPS (DI), Y8
	VBROADCASTSS (SI), Y9
	VBROADCASTSS (SI)(R8*1), Y10
	VBROADCASTSS (SI)(R8*2), Y11
	VBROADCASTSS (R11), Y12
	VFMADD231PS Y8, Y9, Y0
	VFMADD231PS Y8, Y10, Y1
	VFMADD231PS Y8, Y11, Y2
	VFMADD231PS Y8, Y12, Y3
	VBROADCASTSS (R11)(R8*1), Y9
	VBROADCASTSS (R11)(R8*2), Y10
	VBROADCASTSS (R12), Y11
	VBROADCASTSS (R12)(R8*1), Y12
	VFMADD231PS Y8, Y9, Y4
	VFMADD231PS Y8, Y10, Y5
	VFMADD231PS Y8, Y11, Y6
	VFMADD231PS Y8, Y12, Y7
	ADDQ R14, SI
	ADDQ R14, R11
	ADDQ R14, R12
	ADDQ R9, DI
	DECQ CX
	JNZ  loop88
	ADDQ R13, SI
	ADDQ R13, R11
	ADDQ R13, R12
	DECQ AX
	JNZ  outer88

	MOVBLZX acc+80(FP), AX
	TESTL AX, AX
	JZ   set_kernel8x8j

	VADDPS (DX), Y0, Y0
	VMOVUPS Y0, (DX)
	ADDQ R10, DX
	VADDPS (DX), Y1, Y1
	VMOVUPS Y1, (DX)
	ADDQ R10, DX
	VADDPS (DX), Y2, Y2
	VMOVUPS Y2, (DX)
	ADDQ R10, DX
	VADDPS (DX), Y3, Y3
	VMOVUPS Y3, (DX)
	ADDQ R10, DX
	VADDPS (DX), Y4, Y4
	VMOVUPS Y4, (DX)
	ADDQ R10, DX
	VADDPS (DX), Y5, Y5
	VMOVUPS Y5, (DX)
	ADDQ R10, DX
	VADDPS (DX), Y6, Y6
	VMOVUPS Y6, (DX)
	ADDQ R10, DX
	VADDPS (DX), Y7, Y7
	VMOVUPS Y7, (DX)
	VZEROUPPER
	RET

set_kernel8x8j:
	VMOVUPS Y0, (DX)
	ADDQ R10, DX
	VMOVUPS Y1, (DX)
	ADDQ R10, DX
	VMOVUPS Y2, (DX)
	ADDQ R10, DX
	VMOVUPS Y3, (DX)
	ADDQ R10, DX
	VMOVUPS Y4, (DX)
	ADDQ R10, DX
	VMOVUPS Y5, (DX)
	ADDQ R10, DX
	VMOVUPS Y6, (DX)
	ADDQ R10, DX
	VMOVUPS Y7, (DX)
	VZEROUPPER
	RET

// func kernel4x8j(k2, k1 int, a *float32, aRow, aStep, aJump int, b *float32, ldb int, c *float32, ldc int, acc bool)
//
// kernel8x8j on 4 rows: accumulators Y0..Y3, B in Y8, A broadcast into
// Y9..Y12; rows at SI, SI+aRow, SI+2*aRow and R11 = SI+3*aRow. With acc
// false, C is overwritten. Requires AVX2 and FMA, k1, k2 >= 1.
TEXT ·kernel4x8j(SB), NOSPLIT, $0-81
	MOVQ k2+0(FP), BX
	MOVQ k1+8(FP), AX
	MOVQ a+16(FP), SI
	MOVQ aRow+24(FP), R8
	MOVQ aStep+32(FP), R14
	MOVQ aJump+40(FP), R13
	MOVQ b+48(FP), DI
	MOVQ ldb+56(FP), R9
	MOVQ c+64(FP), DX
	MOVQ ldc+72(FP), R10
	SHLQ $2, R8
	SHLQ $2, R14
	SHLQ $2, R13
	SHLQ $2, R9
	SHLQ $2, R10

	LEAQ (SI)(R8*2), R11
	ADDQ R8, R11

	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3

outer48:
	MOVQ BX, CX

loop48:
	VMOVUPS (DI), Y8
	VBROADCASTSS (SI), Y9
	VBROADCASTSS (SI)(R8*1), Y10
	VBROADCASTSS (SI)(R8*2), Y11
	VBROADCASTSS (R11), Y12
	VFMADD231PS Y8, Y9, Y0
	VFMADD231PS Y8, Y10, Y1
	VFMADD231PS Y8, Y11, Y2
	VFMADD231PS Y8, Y12, Y3
	ADDQ R14, SI
	ADDQ R14, R11
	ADDQ R9, DI
	DECQ CX
	JNZ  loop48
	ADDQ R13, SI
	ADDQ R13, R11
	DECQ AX
	JNZ  outer48

	MOVBLZX acc+80(FP), AX
	TESTL AX, AX
	JZ   set_kernel4x8j

	VADDPS (DX), Y0, Y0
	VMOVUPS Y0, (DX)
	ADDQ R10, DX
	VADDPS (DX), Y1, Y1
	VMOVUPS Y1, (DX)
	ADDQ R10, DX
	VADDPS (DX), Y2, Y2
	VMOVUPS Y2, (DX)
	ADDQ R10, DX
	VADDPS (DX), Y3, Y3
	VMOVUPS Y3, (DX)
	VZEROUPPER
	RET

set_kernel4x8j:
	VMOVUPS Y0, (DX)
	ADDQ R10, DX
	VMOVUPS Y1, (DX)
	ADDQ R10, DX
	VMOVUPS Y2, (DX)
	ADDQ R10, DX
	VMOVUPS Y3, (DX)
	VZEROUPPER
	RET
