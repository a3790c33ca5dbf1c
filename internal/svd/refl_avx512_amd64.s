//go:build !noasm

#include "textflag.h"

// func reflRightZ(rows, l int, x *float64, ldx int, v *float64, tau float64)
//
// Applies the reflector I - tau·v·vᵀ from the right to the rows×l matrix X
// with X(i, j) = x[i*ldx+j]: for each row, x_i -= tau·(x_i·v)·v. Requires
// AVX-512F, rows >= 1 and l >= 1. Columns are taken 8 at a time, the last
// partial group under the mask K1.
TEXT ·reflRightZ(SB), NOSPLIT, $0-48
	MOVQ rows+0(FP), R13
	MOVQ l+8(FP), DX
	MOVQ x+16(FP), DI
	MOVQ ldx+24(FP), R8
	SHLQ $3, R8
	MOVQ v+32(FP), SI
	VMOVSD tau+40(FP), X15
	VXORPD X14, X14, X14
	VSUBSD X15, X14, X15 // X15 = -tau
	MOVQ DX, R9
	SHRQ $3, R9          // full groups of 8 columns
	MOVQ DX, CX
	ANDQ $7, CX
	MOVL $1, AX
	SHLL CX, AX
	DECL AX
	KMOVW AX, K1         // the last, partial group

row:
	VPXORQ Z0, Z0, Z0
	VPXORQ Z1, Z1, Z1
	MOVQ DI, R10
	MOVQ SI, R11
	MOVQ R9, R12
	TESTQ R12, R12
	JZ   dottail

dot:
	VMOVUPD (R10), Z2
	VFMADD231PD (R11), Z2, Z0
	ADDQ $64, R10
	ADDQ $64, R11
	DECQ R12
	JNZ  dot

dottail:
	KORTESTW K1, K1
	JZ   reduce
	VMOVUPD.Z (R10), K1, Z2
	VMOVUPD.Z (R11), K1, Z3
	VFMADD231PD Z3, Z2, Z1

reduce:
	VADDPD Z1, Z0, Z0
	VEXTRACTF64X4 $1, Z0, Y1
	VADDPD Y1, Y0, Y0
	VEXTRACTF128 $1, Y0, X1
	VADDPD X1, X0, X0
	VPERMILPD $1, X0, X1
	VADDSD X1, X0, X0
	VMULSD X15, X0, X0
	VBROADCASTSD X0, Z4  // -tau·(x_i·v)
	MOVQ DI, R10
	MOVQ SI, R11
	MOVQ R9, R12
	TESTQ R12, R12
	JZ   updtail

upd:
	VMOVUPD (R10), Z2
	VFMADD231PD (R11), Z4, Z2
	VMOVUPD Z2, (R10)
	ADDQ $64, R10
	ADDQ $64, R11
	DECQ R12
	JNZ  upd

updtail:
	KORTESTW K1, K1
	JZ   next
	VMOVUPD.Z (R10), K1, Z2
	VMOVUPD.Z (R11), K1, Z3
	VFMADD231PD Z3, Z4, Z2
	VMOVUPD Z2, K1, (R10)

next:
	ADDQ R8, DI
	DECQ R13
	JNZ  row
	VZEROUPPER
	RET

// func reflLeftZ(l, cols int, x *float64, ldx int, v *float64, tau float64)
//
// Applies the reflector I - tau·v·vᵀ from the left to the l×cols matrix X
// with X(i, j) = x[i*ldx+j]: w = Xᵀv, then x_i -= tau·v_i·w for each row.
// Requires AVX-512F, l >= 1 and cols >= 1. Columns are taken 8 at a time
// under the mask K1 (all ones but for the last, partial group), with w in
// Z0 (rows of even index) and Z1 (odd).
TEXT ·reflLeftZ(SB), NOSPLIT, $0-48
	MOVQ l+0(FP), R13
	MOVQ cols+8(FP), DX
	MOVQ x+16(FP), DI
	MOVQ ldx+24(FP), R8
	SHLQ $3, R8
	MOVQ v+32(FP), SI
	VMOVSD tau+40(FP), X15
	VXORPD X14, X14, X14
	VSUBSD X15, X14, X15
	VBROADCASTSD X15, Z15 // -tau
	MOVQ R13, R14
	SHRQ $1, R14          // pairs of rows

group:
	MOVL $0xff, AX
	CMPQ DX, $8
	JAE  mask
	MOVQ DX, CX
	MOVL $1, AX
	SHLL CX, AX
	DECL AX

mask:
	KMOVW AX, K1
	VPXORQ Z0, Z0, Z0
	VPXORQ Z1, Z1, Z1
	MOVQ DI, R10
	MOVQ SI, R11
	MOVQ R14, R12
	TESTQ R12, R12
	JZ   wodd

wpair:
	VMOVUPD.Z (R10), K1, Z2
	VBROADCASTSD (R11), Z3
	VFMADD231PD Z3, Z2, Z0
	VMOVUPD.Z (R10)(R8*1), K1, Z4
	VBROADCASTSD 8(R11), Z5
	VFMADD231PD Z5, Z4, Z1
	LEAQ (R10)(R8*2), R10
	ADDQ $16, R11
	DECQ R12
	JNZ  wpair

wodd:
	TESTQ $1, R13
	JZ   scale
	VMOVUPD.Z (R10), K1, Z2
	VBROADCASTSD (R11), Z3
	VFMADD231PD Z3, Z2, Z0

scale:
	VADDPD Z1, Z0, Z0
	VMULPD Z15, Z0, Z0 // -tau·w
	MOVQ DI, R10
	MOVQ SI, R11
	MOVQ R13, R12

upd:
	VMOVUPD.Z (R10), K1, Z2
	VBROADCASTSD (R11), Z3
	VFMADD231PD Z3, Z0, Z2
	VMOVUPD Z2, K1, (R10)
	ADDQ R8, R10
	ADDQ $8, R11
	DECQ R12
	JNZ  upd

	ADDQ $64, DI
	SUBQ $8, DX
	JG   group
	VZEROUPPER
	RET
