//go:build !noasm

#include "textflag.h"

// AVX2 loops of the fused element-wise chains (see elem_amd64.go). Counts
// are multiples of 8 elements; op codes: 0 add, 1 sub, 2 mul, 3 div,
// 4 reversed sub (y - x), 5 reversed div (y / x), 6 max (in scalarOpAVX2
// with Go's max semantics for a non-NaN scalar: NaN if x is NaN, +0 for
// max(-0, +0); in vecOpAVX2 the instructions the Go compiler emits for
// max(x, y) on amd64, so the same bits, NaNs included).

// func vecOpAVX2(op int, dst, x, y *float32, n int)
TEXT ·vecOpAVX2(SB), NOSPLIT, $0-40
	MOVQ dst+8(FP), DI
	MOVQ x+16(FP), SI
	MOVQ y+24(FP), DX
	MOVQ n+32(FP), CX
	SHRQ $3, CX
	JZ vdone
	MOVQ op+0(FP), AX
	CMPQ AX, $0
	JEQ vadd
	CMPQ AX, $1
	JEQ vsub
	CMPQ AX, $2
	JEQ vmul
	CMPQ AX, $3
	JEQ vdiv
	CMPQ AX, $6
	JEQ vmaxinit
	RET
vadd:
	VMOVUPS (SI), Y0
	VMOVUPS (DX), Y1
	VADDPS Y1, Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ $32, SI
	ADDQ $32, DX
	ADDQ $32, DI
	DECQ CX
	JNZ vadd
	JMP vdone
vsub:
	VMOVUPS (SI), Y0
	VMOVUPS (DX), Y1
	VSUBPS Y1, Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ $32, SI
	ADDQ $32, DX
	ADDQ $32, DI
	DECQ CX
	JNZ vsub
	JMP vdone
vmul:
	VMOVUPS (SI), Y0
	VMOVUPS (DX), Y1
	VMULPS Y1, Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ $32, SI
	ADDQ $32, DX
	ADDQ $32, DI
	DECQ CX
	JNZ vmul
	JMP vdone
vdiv:
	VMOVUPS (SI), Y0
	VMOVUPS (DX), Y1
	VDIVPS Y1, Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ $32, SI
	ADDQ $32, DX
	ADDQ $32, DI
	DECQ CX
	JNZ vdiv
	JMP vdone
vmaxinit:
	// Go computes max(x, y) as -(min(min(-x, -y), -x) | min(-x, -y)) with
	// MINSS, whose result is its second operand when either is NaN or
	// both are zeros: the same steps on 8 lanes.
	VPCMPEQD Y7, Y7, Y7
	VPSLLD $31, Y7, Y7        // sign bits
vmax:
	VMOVUPS (SI), Y0
	VMOVUPS (DX), Y1
	VXORPS Y7, Y0, Y0          // a = -x
	VXORPS Y7, Y1, Y1          // b = -y
	VMINPS Y1, Y0, Y2           // r1 = a < b ? a : b
	VMINPS Y0, Y2, Y3           // r2 = r1 < a ? r1 : a
	VORPS Y2, Y3, Y3
	VXORPS Y7, Y3, Y3
	VMOVUPS Y3, (DI)
	ADDQ $32, SI
	ADDQ $32, DX
	ADDQ $32, DI
	DECQ CX
	JNZ vmax
	JMP vdone
vdone:
	VZEROUPPER
	RET

// func chanOpAVX2(op int, dst, x, y *float32, rows, c int)
TEXT ·chanOpAVX2(SB), NOSPLIT, $0-48
	MOVQ dst+8(FP), DI
	MOVQ x+16(FP), SI
	MOVQ y+24(FP), DX
	MOVQ rows+32(FP), R8
	MOVQ c+40(FP), R9
	SHRQ $3, R9
	TESTQ R8, R8
	JZ cdone
	TESTQ R9, R9
	JZ cdone
	MOVQ op+0(FP), AX
	CMPQ AX, $0
	JEQ cadd
	CMPQ AX, $1
	JEQ csub
	CMPQ AX, $2
	JEQ cmul
	CMPQ AX, $3
	JEQ cdiv
	CMPQ AX, $4
	JEQ crsub
	CMPQ AX, $5
	JEQ crdiv
	RET
cadd:
	MOVQ DX, BX
	MOVQ R9, CX
caddcol:
	VMOVUPS (SI), Y0
	VMOVUPS (BX), Y1
	VADDPS Y1, Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ $32, SI
	ADDQ $32, BX
	ADDQ $32, DI
	DECQ CX
	JNZ caddcol
	DECQ R8
	JNZ cadd
	JMP cdone
csub:
	MOVQ DX, BX
	MOVQ R9, CX
csubcol:
	VMOVUPS (SI), Y0
	VMOVUPS (BX), Y1
	VSUBPS Y1, Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ $32, SI
	ADDQ $32, BX
	ADDQ $32, DI
	DECQ CX
	JNZ csubcol
	DECQ R8
	JNZ csub
	JMP cdone
cmul:
	MOVQ DX, BX
	MOVQ R9, CX
cmulcol:
	VMOVUPS (SI), Y0
	VMOVUPS (BX), Y1
	VMULPS Y1, Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ $32, SI
	ADDQ $32, BX
	ADDQ $32, DI
	DECQ CX
	JNZ cmulcol
	DECQ R8
	JNZ cmul
	JMP cdone
cdiv:
	MOVQ DX, BX
	MOVQ R9, CX
cdivcol:
	VMOVUPS (SI), Y0
	VMOVUPS (BX), Y1
	VDIVPS Y1, Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ $32, SI
	ADDQ $32, BX
	ADDQ $32, DI
	DECQ CX
	JNZ cdivcol
	DECQ R8
	JNZ cdiv
	JMP cdone
crsub:
	MOVQ DX, BX
	MOVQ R9, CX
crsubcol:
	VMOVUPS (SI), Y0
	VMOVUPS (BX), Y1
	VSUBPS Y0, Y1, Y0
	VMOVUPS Y0, (DI)
	ADDQ $32, SI
	ADDQ $32, BX
	ADDQ $32, DI
	DECQ CX
	JNZ crsubcol
	DECQ R8
	JNZ crsub
	JMP cdone
crdiv:
	MOVQ DX, BX
	MOVQ R9, CX
crdivcol:
	VMOVUPS (SI), Y0
	VMOVUPS (BX), Y1
	VDIVPS Y0, Y1, Y0
	VMOVUPS Y0, (DI)
	ADDQ $32, SI
	ADDQ $32, BX
	ADDQ $32, DI
	DECQ CX
	JNZ crdivcol
	DECQ R8
	JNZ crdiv
	JMP cdone
cdone:
	VZEROUPPER
	RET

// func scalarOpAVX2(op int, dst, x *float32, s float32, n int)
TEXT ·scalarOpAVX2(SB), NOSPLIT, $0-40
	MOVQ dst+8(FP), DI
	MOVQ x+16(FP), SI
	VBROADCASTSS s+24(FP), Y1
	MOVQ n+32(FP), CX
	SHRQ $3, CX
	JZ sdone
	MOVQ op+0(FP), AX
	CMPQ AX, $0
	JEQ sadd
	CMPQ AX, $1
	JEQ ssub
	CMPQ AX, $2
	JEQ smul
	CMPQ AX, $3
	JEQ sdiv
	CMPQ AX, $4
	JEQ srsub
	CMPQ AX, $5
	JEQ srdiv
	CMPQ AX, $6
	JEQ smax
	RET
sadd:
	VMOVUPS (SI), Y0
	VADDPS Y1, Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	DECQ CX
	JNZ sadd
	JMP sdone
ssub:
	VMOVUPS (SI), Y0
	VSUBPS Y1, Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	DECQ CX
	JNZ ssub
	JMP sdone
smul:
	VMOVUPS (SI), Y0
	VMULPS Y1, Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	DECQ CX
	JNZ smul
	JMP sdone
sdiv:
	VMOVUPS (SI), Y0
	VDIVPS Y1, Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	DECQ CX
	JNZ sdiv
	JMP sdone
srsub:
	VMOVUPS (SI), Y0
	VSUBPS Y0, Y1, Y0
	VMOVUPS Y0, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	DECQ CX
	JNZ srsub
	JMP sdone
srdiv:
	VMOVUPS (SI), Y0
	VDIVPS Y0, Y1, Y0
	VMOVUPS Y0, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	DECQ CX
	JNZ srdiv
	JMP sdone
smax:
	VMOVUPS (SI), Y0
	VMAXPS Y0, Y1, Y2           // max(s, x), x where x is NaN or both are zeros
	VCMPPS $0, Y1, Y0, Y3       // x == s
	VANDPS Y1, Y0, Y4           // x AND s: +0 for max(-0, +0), x for other equal values
	VBLENDVPS Y3, Y4, Y2, Y2
	VMOVUPS Y2, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	DECQ CX
	JNZ smax
sdone:
	VZEROUPPER
	RET

// func unaryOpAVX2(op int, dst, x *float32, n int)
//
// op 0: Sign (±1, 0 for ±0 and NaN); 1: -x; 2: x*x; 3: Sign(Sign(x)+1)
// (0 for x < 0, 1 otherwise).
TEXT ·unaryOpAVX2(SB), NOSPLIT, $0-32
	MOVQ dst+8(FP), DI
	MOVQ x+16(FP), SI
	MOVQ n+24(FP), CX
	SHRQ $3, CX
	JZ udone
	VXORPS Y7, Y7, Y7           // 0
	MOVL $0x3f800000, AX
	MOVL AX, X6
	VBROADCASTSS X6, Y6         // 1
	MOVL $0x80000000, AX
	MOVL AX, X5
	VBROADCASTSS X5, Y5         // sign bit
	MOVQ op+0(FP), AX
	CMPQ AX, $0
	JEQ usign
	CMPQ AX, $1
	JEQ uneg
	CMPQ AX, $2
	JEQ usq
	CMPQ AX, $3
	JEQ unonneg
	JMP udone
usign:
	VMOVUPS (SI), Y0
	VCMPPS $1, Y0, Y7, Y1       // 0 < x
	VCMPPS $1, Y7, Y0, Y2       // x < 0
	VANDPS Y6, Y1, Y1           // 1 where x > 0
	VORPS Y5, Y6, Y3            // -1
	VANDPS Y3, Y2, Y2           // -1 where x < 0
	VORPS Y2, Y1, Y0
	VMOVUPS Y0, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	DECQ CX
	JNZ usign
	JMP udone
uneg:
	VMOVUPS (SI), Y0
	VXORPS Y5, Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	DECQ CX
	JNZ uneg
	JMP udone
usq:
	VMOVUPS (SI), Y0
	VMULPS Y0, Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	DECQ CX
	JNZ usq
	JMP udone
unonneg:
	VMOVUPS (SI), Y0
	VCMPPS $1, Y7, Y0, Y2       // x < 0 (false for NaN)
	VANDNPS Y6, Y2, Y0          // 1 where not x < 0
	VMOVUPS Y0, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	DECQ CX
	JNZ unonneg
udone:
	VZEROUPPER
	RET

// func colSumAVX2(sum, x *float32, rows, c int)
//
// sum[j] += x[r*c+j] for every row r, in row order.
TEXT ·colSumAVX2(SB), NOSPLIT, $0-32
	MOVQ sum+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ rows+16(FP), R8
	MOVQ c+24(FP), R9
	SHRQ $3, R9
	TESTQ R8, R8
	JZ sumdone
	TESTQ R9, R9
	JZ sumdone
sumrow:
	MOVQ DI, BX
	MOVQ R9, CX
sumcol:
	VMOVUPS (BX), Y0
	VADDPS (SI), Y0, Y0
	VMOVUPS Y0, (BX)
	ADDQ $32, SI
	ADDQ $32, BX
	DECQ CX
	JNZ sumcol
	DECQ R8
	JNZ sumrow
sumdone:
	VZEROUPPER
	RET

// func maxWindowsAVX2(dst, src *float32, n1, n2, c int)
//
// For j < n1 and k < n2 in order: dst[j*c : (j+1)*c] = max(dst[...],
// src[(j*n2+k)*c : ...]) with Go's max (as vecOpAVX2 op 6); c is a
// multiple of 8. The windows of a max pool along one image row.
TEXT ·maxWindowsAVX2(SB), NOSPLIT, $0-40
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n1+16(FP), R8
	MOVQ n2+24(FP), R9
	MOVQ c+32(FP), R10
	SHRQ $3, R10
	TESTQ R8, R8
	JZ wdone
	TESTQ R9, R9
	JZ wdone
	TESTQ R10, R10
	JZ wdone
	VPCMPEQD Y7, Y7, Y7
	VPSLLD $31, Y7, Y7          // sign bits
	MOVQ R10, R11
	SHLQ $5, R11                // bytes per run of c
wrow:
	MOVQ R9, R12
wwin:
	MOVQ DI, BX
	MOVQ R10, CX
wvec:
	VMOVUPS (BX), Y0
	VMOVUPS (SI), Y1
	VXORPS Y7, Y0, Y0           // a = -x
	VXORPS Y7, Y1, Y1           // b = -y
	VMINPS Y1, Y0, Y2           // r1 = a < b ? a : b
	VMINPS Y0, Y2, Y3           // r2 = r1 < a ? r1 : a
	VORPS Y2, Y3, Y3
	VXORPS Y7, Y3, Y3
	VMOVUPS Y3, (BX)
	ADDQ $32, BX
	ADDQ $32, SI
	DECQ CX
	JNZ wvec
	DECQ R12
	JNZ wwin
	ADDQ R11, DI
	DECQ R8
	JNZ wrow
wdone:
	VZEROUPPER
	RET

// func chainTileAVX2(steps *tileStep, nsteps int, dst, src *float32, rows, c int)
//
// Runs the steps of a chain (see tileStep in chaintile.go) on tiles of 8
// rows × 8 columns held in Y0-Y7: src rows [0, rows) of c elements (rows
// and c multiples of 8) into dst, which may be src. The operand of a step
// is loaded into Y8-Y15 (one per row of the tile), and each op is the
// instruction, with the operands in the order, of the loops above.
#define TILE8(INS) \
	INS Y8, Y0, Y0; INS Y9, Y1, Y1; INS Y10, Y2, Y2; INS Y11, Y3, Y3; \
	INS Y12, Y4, Y4; INS Y13, Y5, Y5; INS Y14, Y6, Y6; INS Y15, Y7, Y7

#define TILE8REV(INS) \
	INS Y0, Y8, Y0; INS Y1, Y9, Y1; INS Y2, Y10, Y2; INS Y3, Y11, Y3; \
	INS Y4, Y12, Y4; INS Y5, Y13, Y5; INS Y6, Y14, Y6; INS Y7, Y15, Y7

// Go's max(x, s) for a non-NaN scalar s in Y8, as scalarOpAVX2 op 6.
#define SMAX(X) \
	VMAXPS X, Y8, Y9; VCMPPS $0, Y8, X, Y10; VANDPS Y8, X, Y11; VBLENDVPS Y10, Y11, Y9, X

TEXT ·chainTileAVX2(SB), NOSPLIT, $0-48
	MOVQ steps+0(FP), BX
	MOVQ nsteps+8(FP), R13
	MOVQ dst+16(FP), DI
	MOVQ src+24(FP), SI
	MOVQ rows+32(FP), R8
	MOVQ c+40(FP), R9
	SHLQ $2, R9                 // bytes per row
	SHRQ $3, R8                 // tiles of 8 rows
	JZ tdone
	CMPQ R9, $32
	JLT tdone
	XORQ R11, R11               // offset of the tile's first row
trow:
	XORQ R10, R10               // offset of the tile's column
tcol:
	MOVQ R11, R12
	ADDQ R10, R12               // offset of the tile
	LEAQ (SI)(R12*1), AX
	VMOVUPS (AX), Y0
	ADDQ R9, AX
	VMOVUPS (AX), Y1
	ADDQ R9, AX
	VMOVUPS (AX), Y2
	ADDQ R9, AX
	VMOVUPS (AX), Y3
	ADDQ R9, AX
	VMOVUPS (AX), Y4
	ADDQ R9, AX
	VMOVUPS (AX), Y5
	ADDQ R9, AX
	VMOVUPS (AX), Y6
	ADDQ R9, AX
	VMOVUPS (AX), Y7
	MOVQ BX, CX
	MOVQ R13, DX
tstep:
	TESTQ DX, DX
	JZ tstore
	MOVQ 8(CX), AX              // kind
	CMPQ AX, $1
	JEQ tchan
	CMPQ AX, $2
	JEQ tfull
	MOVQ 16(CX), AX             // scalar
	VBROADCASTSS (AX), Y8
	JMP tsame
tchan:
	MOVQ 16(CX), AX
	VMOVUPS (AX)(R10*1), Y8
tsame:
	VMOVAPS Y8, Y9
	VMOVAPS Y8, Y10
	VMOVAPS Y8, Y11
	VMOVAPS Y8, Y12
	VMOVAPS Y8, Y13
	VMOVAPS Y8, Y14
	VMOVAPS Y8, Y15
	JMP top
tfull:
	MOVQ 16(CX), AX
	ADDQ R12, AX
	VMOVUPS (AX), Y8
	ADDQ R9, AX
	VMOVUPS (AX), Y9
	ADDQ R9, AX
	VMOVUPS (AX), Y10
	ADDQ R9, AX
	VMOVUPS (AX), Y11
	ADDQ R9, AX
	VMOVUPS (AX), Y12
	ADDQ R9, AX
	VMOVUPS (AX), Y13
	ADDQ R9, AX
	VMOVUPS (AX), Y14
	ADDQ R9, AX
	VMOVUPS (AX), Y15
top:
	MOVQ 0(CX), AX              // op
	CMPQ AX, $0
	JEQ tadd
	CMPQ AX, $1
	JEQ tsub
	CMPQ AX, $2
	JEQ tmul
	CMPQ AX, $3
	JEQ tdiv
	CMPQ AX, $4
	JEQ trsub
	CMPQ AX, $5
	JEQ trdiv
	CMPQ AX, $6
	JEQ tradd
	CMPQ AX, $7
	JEQ trmul
	CMPQ AX, $8
	JEQ tmax
	JMP tdone                   // unknown op: stop (the caller checks the codes)
tadd:
	TILE8(VADDPS)
	JMP tnext
tsub:
	TILE8(VSUBPS)
	JMP tnext
tmul:
	TILE8(VMULPS)
	JMP tnext
tdiv:
	TILE8(VDIVPS)
	JMP tnext
trsub:
	TILE8REV(VSUBPS)
	JMP tnext
trdiv:
	TILE8REV(VDIVPS)
	JMP tnext
tradd:
	TILE8REV(VADDPS)
	JMP tnext
trmul:
	TILE8REV(VMULPS)
	JMP tnext
tmax:
	SMAX(Y0)
	SMAX(Y1)
	SMAX(Y2)
	SMAX(Y3)
	SMAX(Y4)
	SMAX(Y5)
	SMAX(Y6)
	SMAX(Y7)
tnext:
	ADDQ $24, CX
	DECQ DX
	JMP tstep
tstore:
	LEAQ (DI)(R12*1), AX
	VMOVUPS Y0, (AX)
	ADDQ R9, AX
	VMOVUPS Y1, (AX)
	ADDQ R9, AX
	VMOVUPS Y2, (AX)
	ADDQ R9, AX
	VMOVUPS Y3, (AX)
	ADDQ R9, AX
	VMOVUPS Y4, (AX)
	ADDQ R9, AX
	VMOVUPS Y5, (AX)
	ADDQ R9, AX
	VMOVUPS Y6, (AX)
	ADDQ R9, AX
	VMOVUPS Y7, (AX)
	ADDQ $32, R10
	CMPQ R10, R9
	JLT tcol
	MOVQ R9, AX
	SHLQ $3, AX
	ADDQ AX, R11
	DECQ R8
	JNZ trow
tdone:
	VZEROUPPER
	RET
