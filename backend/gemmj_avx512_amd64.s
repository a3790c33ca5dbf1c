//go:build !noasm

#include "textflag.h"

// func kernel4x32j(k2, k1 int, a *float32, aRow, aStep, aJump int, b *float32, ldb int, c *float32, ldc int, acc bool)
//
// kernel4x32 with a two-level walk of A: the contraction runs k1 times over
// k2 indices; A's four row pointers advance by aStep per index and by aJump
// more after each run of k2, while B advances uniformly by ldb. This reads
// convolution inputs in place (a run is a row of kernel taps, or a row of
// output positions). With acc false, C is overwritten instead of added to.
// Strides are in elements. Requires AVX-512F, k1, k2 >= 1.
TEXT ·kernel4x32j(SB), NOSPLIT, $0-81
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

	VPXORD Z0, Z0, Z0
	VPXORD Z1, Z1, Z1
	VPXORD Z2, Z2, Z2
	VPXORD Z3, Z3, Z3
	VPXORD Z4, Z4, Z4
	VPXORD Z5, Z5, Z5
	VPXORD Z6, Z6, Z6
	VPXORD Z7, Z7, Z7

outer:
	MOVQ BX, CX

loop:
	VMOVUPS (DI), Z8
	VMOVUPS 64(DI), Z9
	VBROADCASTSS (SI), Z10
	VBROADCASTSS (R11), Z11
	VBROADCASTSS (R12), Z12
	VBROADCASTSS (R13), Z13
	VFMADD231PS Z8, Z10, Z0
	VFMADD231PS Z9, Z10, Z1
	VFMADD231PS Z8, Z11, Z2
	VFMADD231PS Z9, Z11, Z3
	VFMADD231PS Z8, Z12, Z4
	VFMADD231PS Z9, Z12, Z5
	VFMADD231PS Z8, Z13, Z6
	VFMADD231PS Z9, Z13, Z7
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
	JZ   set_kernel4x32j

	VADDPS (DX), Z0, Z0
	VADDPS 64(DX), Z1, Z1
	VMOVUPS Z0, (DX)
	VMOVUPS Z1, 64(DX)
	ADDQ R10, DX
	VADDPS (DX), Z2, Z2
	VADDPS 64(DX), Z3, Z3
	VMOVUPS Z2, (DX)
	VMOVUPS Z3, 64(DX)
	ADDQ R10, DX
	VADDPS (DX), Z4, Z4
	VADDPS 64(DX), Z5, Z5
	VMOVUPS Z4, (DX)
	VMOVUPS Z5, 64(DX)
	ADDQ R10, DX
	VADDPS (DX), Z6, Z6
	VADDPS 64(DX), Z7, Z7
	VMOVUPS Z6, (DX)
	VMOVUPS Z7, 64(DX)
	VZEROUPPER
	RET

set_kernel4x32j:
	VMOVUPS Z0, (DX)
	VMOVUPS Z1, 64(DX)
	ADDQ R10, DX
	VMOVUPS Z2, (DX)
	VMOVUPS Z3, 64(DX)
	ADDQ R10, DX
	VMOVUPS Z4, (DX)
	VMOVUPS Z5, 64(DX)
	ADDQ R10, DX
	VMOVUPS Z6, (DX)
	VMOVUPS Z7, 64(DX)
	VZEROUPPER
	RET

// func kernel8x16j(k2, k1 int, a *float32, aRow, aStep, aJump int, b *float32, ldb int, c *float32, ldc int, acc bool)
//
// kernel4x32j's computation on 8 rows and 16 columns: C[r][0:16] +=
// sum_p A(r, p) * B[p][0:16] for r = 0..7, A walked on two levels. For
// matrices 16 columns wide, where the 4-row AVX2 kernel would issue twice
// the instructions. Accumulators Z0..Z7 (row r in Zr), B in Z8, A broadcast
// from memory; rows at SI, R11 = SI+3*aRow and R12 = SI+6*aRow plus 0, 1 or
// 2 times aRow. With acc false, C is overwritten. Requires AVX-512F,
// k1, k2 >= 1.
TEXT ·kernel8x16j(SB), NOSPLIT, $0-81
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

	VPXORD Z0, Z0, Z0
	VPXORD Z1, Z1, Z1
	VPXORD Z2, Z2, Z2
	VPXORD Z3, Z3, Z3
	VPXORD Z4, Z4, Z4
	VPXORD Z5, Z5, Z5
	VPXORD Z6, Z6, Z6
	VPXORD Z7, Z7, Z7

outer8:
	MOVQ BX, CX

loop8:
	VMOVUPS (DI), Z8
	VFMADD231PS.BCST (SI), Z8, Z0
	VFMADD231PS.BCST (SI)(R8*1), Z8, Z1
	VFMADD231PS.BCST (SI)(R8*2), Z8, Z2
	VFMADD231PS.BCST (R11), Z8, Z3
	VFMADD231PS.BCST (R11)(R8*1), Z8, Z4
	VFMADD231PS.BCST (R11)(R8*2), Z8, Z5
	VFMADD231PS.BCST (R12), Z8, Z6
	VFMADD231PS.BCST (R12)(R8*1), Z8, Z7
	ADDQ R14, SI
	ADDQ R14, R11
	ADDQ R14, R12
	ADDQ R9, DI
	DECQ CX
	JNZ  loop8
	ADDQ R13, SI
	ADDQ R13, R11
	ADDQ R13, R12
	DECQ AX
	JNZ  outer8

	MOVBLZX acc+80(FP), AX
	TESTL AX, AX
	JZ   set_kernel8x16j

	VADDPS (DX), Z0, Z0
	VMOVUPS Z0, (DX)
	ADDQ R10, DX
	VADDPS (DX), Z1, Z1
	VMOVUPS Z1, (DX)
	ADDQ R10, DX
	VADDPS (DX), Z2, Z2
	VMOVUPS Z2, (DX)
	ADDQ R10, DX
	VADDPS (DX), Z3, Z3
	VMOVUPS Z3, (DX)
	ADDQ R10, DX
	VADDPS (DX), Z4, Z4
	VMOVUPS Z4, (DX)
	ADDQ R10, DX
	VADDPS (DX), Z5, Z5
	VMOVUPS Z5, (DX)
	ADDQ R10, DX
	VADDPS (DX), Z6, Z6
	VMOVUPS Z6, (DX)
	ADDQ R10, DX
	VADDPS (DX), Z7, Z7
	VMOVUPS Z7, (DX)
	VZEROUPPER
	RET

set_kernel8x16j:
	VMOVUPS Z0, (DX)
	ADDQ R10, DX
	VMOVUPS Z1, (DX)
	ADDQ R10, DX
	VMOVUPS Z2, (DX)
	ADDQ R10, DX
	VMOVUPS Z3, (DX)
	ADDQ R10, DX
	VMOVUPS Z4, (DX)
	ADDQ R10, DX
	VMOVUPS Z5, (DX)
	ADDQ R10, DX
	VMOVUPS Z6, (DX)
	ADDQ R10, DX
	VMOVUPS Z7, (DX)
	VZEROUPPER
	RET
