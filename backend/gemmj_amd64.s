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
