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
// and c multiples of 8) into dst, which may be src. Each op is the
// instruction, with the operands in the order, of the step loops above.
// Steps 0-6 take a scalar (broadcast) or a per-channel vector in Y8: 0 add,
// 1 sub, 2 mul, 3 div, 4 reversed sub, 5 reversed div, 6 Go's max with a
// scalar that is not NaN; steps 7-14 a tensor of the chain's shape, read
// row by row: 7 add, 8 sub, 9 mul, 10 div with the accumulated value first,
// 11 sub, 12 div, 13 add, 14 mul with the operand first; steps 15 and 16
// no operand: 15 x*x, 16 Sign(Sign(x)+1), as unaryOpAVX2 ops 2 and 3.

// Rows of the tile at AX, AX+R9, AX+2*R9, AX+R14 (3*R9) and the same from DX.
#define REG8(INS) \
	INS Y8, Y0, Y0; INS Y8, Y1, Y1; INS Y8, Y2, Y2; INS Y8, Y3, Y3; \
	INS Y8, Y4, Y4; INS Y8, Y5, Y5; INS Y8, Y6, Y6; INS Y8, Y7, Y7

#define REGREV8(INS) \
	INS Y0, Y8, Y0; INS Y1, Y8, Y1; INS Y2, Y8, Y2; INS Y3, Y8, Y3; \
	INS Y4, Y8, Y4; INS Y5, Y8, Y5; INS Y6, Y8, Y6; INS Y7, Y8, Y7

#define FULL8(INS) \
	INS (AX), Y0, Y0; INS (AX)(R9*1), Y1, Y1; INS (AX)(R9*2), Y2, Y2; INS (AX)(R14*1), Y3, Y3; \
	INS (DX), Y4, Y4; INS (DX)(R9*1), Y5, Y5; INS (DX)(R9*2), Y6, Y6; INS (DX)(R14*1), Y7, Y7

#define FULLREV8(INS) \
	VMOVUPS (AX), Y8; INS Y0, Y8, Y0; VMOVUPS (AX)(R9*1), Y9; INS Y1, Y9, Y1; \
	VMOVUPS (AX)(R9*2), Y10; INS Y2, Y10, Y2; VMOVUPS (AX)(R14*1), Y11; INS Y3, Y11, Y3; \
	VMOVUPS (DX), Y12; INS Y4, Y12, Y4; VMOVUPS (DX)(R9*1), Y13; INS Y5, Y13, Y5; \
	VMOVUPS (DX)(R9*2), Y14; INS Y6, Y14, Y6; VMOVUPS (DX)(R14*1), Y15; INS Y7, Y15, Y7

// x*x on the tile, as unaryOpAVX2 op 2.
#define SQ8 \
	VMULPS Y0, Y0, Y0; VMULPS Y1, Y1, Y1; VMULPS Y2, Y2, Y2; VMULPS Y3, Y3, Y3; \
	VMULPS Y4, Y4, Y4; VMULPS Y5, Y5, Y5; VMULPS Y6, Y6, Y6; VMULPS Y7, Y7, Y7

// Sign(Sign(x)+1) as unaryOpAVX2 op 3, with 1 in Y8 and 0 in Y9: 1 where
// not x < 0 (so for NaN), else 0.
#define NONNEG(X) VCMPPS $1, Y9, X, Y10; VANDNPS Y8, Y10, X

// Go's max(x, s) for a non-NaN scalar s in Y8, as scalarOpAVX2 op 6, with
// temporaries T1-T3.
#define SMAX(X, T1, T2, T3) \
	VMAXPS X, Y8, T1; VCMPPS $0, Y8, X, T2; VANDPS Y8, X, T3; VBLENDVPS T2, T3, T1, X

TEXT ·chainTileAVX2(SB), NOSPLIT, $8-48
	MOVQ dst+16(FP), DI
	MOVQ src+24(FP), SI
	MOVQ rows+32(FP), AX
	MOVQ c+40(FP), R9
	SHLQ $2, R9                 // bytes per row
	LEAQ (R9)(R9*2), R14        // bytes per 3 rows
	ANDQ $-8, AX
	JZ tdone
	CMPQ R9, $32
	JLT tdone
	IMULQ R9, AX
	MOVQ AX, end-8(SP)          // bytes of the rows
	XORQ R11, R11               // offset of the tile's first row
trow:
	XORQ R10, R10               // offset of the tile's column
tcol:
	MOVQ R11, R12
	ADDQ R10, R12               // offset of the tile
	LEAQ (SI)(R12*1), AX
	LEAQ (AX)(R9*4), DX
	VMOVUPS (AX), Y0
	VMOVUPS (AX)(R9*1), Y1
	VMOVUPS (AX)(R9*2), Y2
	VMOVUPS (AX)(R14*1), Y3
	VMOVUPS (DX), Y4
	VMOVUPS (DX)(R9*1), Y5
	VMOVUPS (DX)(R9*2), Y6
	VMOVUPS (DX)(R14*1), Y7
	MOVQ steps+0(FP), CX
	MOVQ nsteps+8(FP), R13
tstep:
	TESTQ R13, R13
	JZ tstore
	MOVQ 0(CX), R8              // op
	MOVQ 16(CX), AX             // operand
	CMPQ R8, $15
	JGE tunary
	CMPQ R8, $7
	JGE tfull
	CMPQ 8(CX), $0
	JNE tchan
	VBROADCASTSS (AX), Y8
	JMP treg
tunary:
	JGT tnonneg
	SQ8
	JMP tnext
tnonneg:
	VPCMPEQD Y8, Y8, Y8
	VPSRLD $25, Y8, Y8
	VPSLLD $23, Y8, Y8          // 1.0
	VXORPS Y9, Y9, Y9
	NONNEG(Y0)
	NONNEG(Y1)
	NONNEG(Y2)
	NONNEG(Y3)
	NONNEG(Y4)
	NONNEG(Y5)
	NONNEG(Y6)
	NONNEG(Y7)
	JMP tnext
tchan:
	VMOVUPS (AX)(R10*1), Y8
treg:
	CMPQ R8, $3
	JGT treghi
	JEQ rdiv
	CMPQ R8, $1
	JLT radd
	JEQ rsub
	REG8(VMULPS)
	JMP tnext
radd:
	REG8(VADDPS)
	JMP tnext
rsub:
	REG8(VSUBPS)
	JMP tnext
rdiv:
	REG8(VDIVPS)
	JMP tnext
treghi:
	CMPQ R8, $5
	JLT rrsub
	JEQ rrdiv
	SMAX(Y0, Y9, Y10, Y11)
	SMAX(Y1, Y12, Y13, Y14)
	SMAX(Y2, Y9, Y10, Y11)
	SMAX(Y3, Y12, Y13, Y14)
	SMAX(Y4, Y9, Y10, Y11)
	SMAX(Y5, Y12, Y13, Y14)
	SMAX(Y6, Y9, Y10, Y11)
	SMAX(Y7, Y12, Y13, Y14)
	JMP tnext
rrsub:
	REGREV8(VSUBPS)
	JMP tnext
rrdiv:
	REGREV8(VDIVPS)
	JMP tnext
tfull:
	ADDQ R12, AX
	LEAQ (AX)(R9*4), DX
	// The same rows of the operand two tiles further, into the cache.
	LEAQ (DX)(R9*8), BX
	LEAQ (BX)(R9*4), BX
	PREFETCHT0 (BX)
	PREFETCHT0 (BX)(R9*1)
	PREFETCHT0 (BX)(R9*2)
	PREFETCHT0 (BX)(R14*1)
	LEAQ (BX)(R9*4), BX
	PREFETCHT0 (BX)
	PREFETCHT0 (BX)(R9*1)
	PREFETCHT0 (BX)(R9*2)
	PREFETCHT0 (BX)(R14*1)
	CMPQ R8, $10
	JGT tfullhi
	JEQ fdiv
	CMPQ R8, $8
	JLT fadd
	JEQ fsub
	FULL8(VMULPS)
	JMP tnext
fadd:
	FULL8(VADDPS)
	JMP tnext
fsub:
	FULL8(VSUBPS)
	JMP tnext
fdiv:
	FULL8(VDIVPS)
	JMP tnext
tfullhi:
	CMPQ R8, $12
	JLT frsub
	JEQ frdiv
	CMPQ R8, $13
	JEQ fradd
	FULLREV8(VMULPS)
	JMP tnext
frsub:
	FULLREV8(VSUBPS)
	JMP tnext
frdiv:
	FULLREV8(VDIVPS)
	JMP tnext
fradd:
	FULLREV8(VADDPS)
tnext:
	ADDQ $24, CX
	DECQ R13
	JMP tstep
tstore:
	LEAQ (DI)(R12*1), AX
	LEAQ (AX)(R9*4), DX
	VMOVUPS Y0, (AX)
	VMOVUPS Y1, (AX)(R9*1)
	VMOVUPS Y2, (AX)(R9*2)
	VMOVUPS Y3, (AX)(R14*1)
	VMOVUPS Y4, (DX)
	VMOVUPS Y5, (DX)(R9*1)
	VMOVUPS Y6, (DX)(R9*2)
	VMOVUPS Y7, (DX)(R14*1)
	ADDQ $32, R10
	CMPQ R10, R9
	JLT tcol
	LEAQ (R11)(R9*8), R11
	CMPQ R11, end-8(SP)
	JLT trow
tdone:
	VZEROUPPER
	RET

// func chainTileAVX512(steps *tileStep, nsteps int, dst, src *float32, rows, c int)
//
// chainTileAVX2 on tiles of 8 rows × 16 columns in Z0-Z7 (c a multiple of
// 16): the same operations on each lane, so the same results.
#define REG8Z(INS) \
	INS Z8, Z0, Z0; INS Z8, Z1, Z1; INS Z8, Z2, Z2; INS Z8, Z3, Z3; \
	INS Z8, Z4, Z4; INS Z8, Z5, Z5; INS Z8, Z6, Z6; INS Z8, Z7, Z7

#define REGREV8Z(INS) \
	INS Z0, Z8, Z0; INS Z1, Z8, Z1; INS Z2, Z8, Z2; INS Z3, Z8, Z3; \
	INS Z4, Z8, Z4; INS Z5, Z8, Z5; INS Z6, Z8, Z6; INS Z7, Z8, Z7

#define FULL8Z(INS) \
	INS (AX), Z0, Z0; INS (AX)(R9*1), Z1, Z1; INS (AX)(R9*2), Z2, Z2; INS (AX)(R14*1), Z3, Z3; \
	INS (DX), Z4, Z4; INS (DX)(R9*1), Z5, Z5; INS (DX)(R9*2), Z6, Z6; INS (DX)(R14*1), Z7, Z7

#define FULLREV8Z(INS) \
	VMOVUPS (AX), Z8; INS Z0, Z8, Z0; VMOVUPS (AX)(R9*1), Z9; INS Z1, Z9, Z1; \
	VMOVUPS (AX)(R9*2), Z10; INS Z2, Z10, Z2; VMOVUPS (AX)(R14*1), Z11; INS Z3, Z11, Z3; \
	VMOVUPS (DX), Z12; INS Z4, Z12, Z4; VMOVUPS (DX)(R9*1), Z13; INS Z5, Z13, Z5; \
	VMOVUPS (DX)(R9*2), Z14; INS Z6, Z14, Z6; VMOVUPS (DX)(R14*1), Z15; INS Z7, Z15, Z7

// SMAX on 16 lanes: the comparison in a mask register, the AND as VPANDD
// (AVX-512F), the blend under the mask.
#define SMAXZ(X, T1, T3, K) \
	VMAXPS X, Z8, T1; VCMPPS $0, Z8, X, K; VPANDD Z8, X, T3; VBLENDMPS T3, T1, K, X

#define SQ8Z \
	VMULPS Z0, Z0, Z0; VMULPS Z1, Z1, Z1; VMULPS Z2, Z2, Z2; VMULPS Z3, Z3, Z3; \
	VMULPS Z4, Z4, Z4; VMULPS Z5, Z5, Z5; VMULPS Z6, Z6, Z6; VMULPS Z7, Z7, Z7

// NONNEG on 16 lanes, with 1 in Z8 and 0 in Z9: x < 0 in a mask register,
// then 0 under the mask and 1 elsewhere (the same bits).
#define NONNEGZ(X, K) VCMPPS $1, Z9, X, K; VBLENDMPS Z9, Z8, K, X

TEXT ·chainTileAVX512(SB), NOSPLIT, $8-48
	MOVQ dst+16(FP), DI
	MOVQ src+24(FP), SI
	MOVQ rows+32(FP), AX
	MOVQ c+40(FP), R9
	SHLQ $2, R9                 // bytes per row
	LEAQ (R9)(R9*2), R14        // bytes per 3 rows
	ANDQ $-8, AX
	JZ tdone
	CMPQ R9, $64
	JLT tdone
	IMULQ R9, AX
	MOVQ AX, end-8(SP)          // bytes of the rows
	XORQ R11, R11               // offset of the tile's first row
trow:
	XORQ R10, R10               // offset of the tile's column
tcol:
	MOVQ R11, R12
	ADDQ R10, R12               // offset of the tile
	LEAQ (SI)(R12*1), AX
	LEAQ (AX)(R9*4), DX
	VMOVUPS (AX), Z0
	VMOVUPS (AX)(R9*1), Z1
	VMOVUPS (AX)(R9*2), Z2
	VMOVUPS (AX)(R14*1), Z3
	VMOVUPS (DX), Z4
	VMOVUPS (DX)(R9*1), Z5
	VMOVUPS (DX)(R9*2), Z6
	VMOVUPS (DX)(R14*1), Z7
	MOVQ steps+0(FP), CX
	MOVQ nsteps+8(FP), R13
tstep:
	TESTQ R13, R13
	JZ tstore
	MOVQ 0(CX), R8              // op
	MOVQ 16(CX), AX             // operand
	CMPQ R8, $15
	JGE tunary
	CMPQ R8, $7
	JGE tfull
	CMPQ 8(CX), $0
	JNE tchan
	VBROADCASTSS (AX), Z8
	JMP treg
tunary:
	JGT tnonneg
	SQ8Z
	JMP tnext
tnonneg:
	VPTERNLOGD $0xff, Z8, Z8, Z8
	VPSRLD $25, Z8, Z8
	VPSLLD $23, Z8, Z8          // 1.0
	VPXORD Z9, Z9, Z9
	NONNEGZ(Z0, K1)
	NONNEGZ(Z1, K2)
	NONNEGZ(Z2, K1)
	NONNEGZ(Z3, K2)
	NONNEGZ(Z4, K1)
	NONNEGZ(Z5, K2)
	NONNEGZ(Z6, K1)
	NONNEGZ(Z7, K2)
	JMP tnext
tchan:
	VMOVUPS (AX)(R10*1), Z8
treg:
	CMPQ R8, $3
	JGT treghi
	JEQ rdiv
	CMPQ R8, $1
	JLT radd
	JEQ rsub
	REG8Z(VMULPS)
	JMP tnext
radd:
	REG8Z(VADDPS)
	JMP tnext
rsub:
	REG8Z(VSUBPS)
	JMP tnext
rdiv:
	REG8Z(VDIVPS)
	JMP tnext
treghi:
	CMPQ R8, $5
	JLT rrsub
	JEQ rrdiv
	SMAXZ(Z0, Z16, Z17, K1)
	SMAXZ(Z1, Z18, Z19, K2)
	SMAXZ(Z2, Z16, Z17, K1)
	SMAXZ(Z3, Z18, Z19, K2)
	SMAXZ(Z4, Z16, Z17, K1)
	SMAXZ(Z5, Z18, Z19, K2)
	SMAXZ(Z6, Z16, Z17, K1)
	SMAXZ(Z7, Z18, Z19, K2)
	JMP tnext
rrsub:
	REGREV8Z(VSUBPS)
	JMP tnext
rrdiv:
	REGREV8Z(VDIVPS)
	JMP tnext
tfull:
	ADDQ R12, AX
	LEAQ (AX)(R9*4), DX
	// The same rows of the operand two tiles further, into the cache.
	LEAQ (DX)(R9*8), BX
	LEAQ (BX)(R9*4), BX
	PREFETCHT0 (BX)
	PREFETCHT0 (BX)(R9*1)
	PREFETCHT0 (BX)(R9*2)
	PREFETCHT0 (BX)(R14*1)
	LEAQ (BX)(R9*4), BX
	PREFETCHT0 (BX)
	PREFETCHT0 (BX)(R9*1)
	PREFETCHT0 (BX)(R9*2)
	PREFETCHT0 (BX)(R14*1)
	CMPQ R8, $10
	JGT tfullhi
	JEQ fdiv
	CMPQ R8, $8
	JLT fadd
	JEQ fsub
	FULL8Z(VMULPS)
	JMP tnext
fadd:
	FULL8Z(VADDPS)
	JMP tnext
fsub:
	FULL8Z(VSUBPS)
	JMP tnext
fdiv:
	FULL8Z(VDIVPS)
	JMP tnext
tfullhi:
	CMPQ R8, $12
	JLT frsub
	JEQ frdiv
	CMPQ R8, $13
	JEQ fradd
	FULLREV8Z(VMULPS)
	JMP tnext
frsub:
	FULLREV8Z(VSUBPS)
	JMP tnext
frdiv:
	FULLREV8Z(VDIVPS)
	JMP tnext
fradd:
	FULLREV8Z(VADDPS)
tnext:
	ADDQ $24, CX
	DECQ R13
	JMP tstep
tstore:
	LEAQ (DI)(R12*1), AX
	LEAQ (AX)(R9*4), DX
	VMOVUPS Z0, (AX)
	VMOVUPS Z1, (AX)(R9*1)
	VMOVUPS Z2, (AX)(R9*2)
	VMOVUPS Z3, (AX)(R14*1)
	VMOVUPS Z4, (DX)
	VMOVUPS Z5, (DX)(R9*1)
	VMOVUPS Z6, (DX)(R9*2)
	VMOVUPS Z7, (DX)(R14*1)
	ADDQ $64, R10
	CMPQ R10, R9
	JLT tcol
	LEAQ (R11)(R9*8), R11
	CMPQ R11, end-8(SP)
	JLT trow
tdone:
	VZEROUPPER
	RET

// func prefetchL2(p *float32, n int)
//
// Asks for the 64-byte lines of p[0:n] in the second-level cache
// (PREFETCHT1): a hint, which never faults and changes no value.
TEXT ·prefetchL2(SB), NOSPLIT, $0-16
	MOVQ p+0(FP), AX
	MOVQ n+8(FP), CX
	LEAQ (AX)(CX*4), CX
pfloop:
	CMPQ AX, CX
	JGE pfdone
	PREFETCHT1 (AX)
	ADDQ $64, AX
	JMP pfloop
pfdone:
	RET
