package backend

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// kernelSets lists the micro-kernel selections this CPU can run: none (plain
// Go), AVX2 only, AVX-512 only and both.
func kernelSets() [][2]bool {
	sets := [][2]bool{{false, false}}
	if haveKernel4x16 {
		sets = append(sets, [2]bool{true, false})
	}
	if haveKernel4x32 {
		sets = append(sets, [2]bool{false, true})
	}
	if haveKernel4x16 && haveKernel4x32 {
		sets = append(sets, [2]bool{true, true})
	}
	return sets
}

// TestGemmJ checks the two-level product against float64 sums for row
// counts around the kernels' four and eight, column counts around 8, 16 and
// 32, and contraction walks with positive, zero and negative extra jumps,
// adding to C and overwriting it.
func TestGemmJ(t *testing.T) {
	defer func(v16, v32 bool) { useKernel4x16, useKernel4x32 = v16, v32 }(useKernel4x16, useKernel4x32)
	r := rand.New(rand.NewPCG(5, 6))
	cases := []struct{ m, n, k2, k1, row, step, jump int }{
		{1, 1, 1, 1, 1, 1, 0},
		{4, 16, 3, 1, 5, 1, 0},
		{4, 32, 48, 3, 16, 1, 1040},
		{5, 48, 7, 4, 9, 2, -3},
		{8, 80, 12, 6, 1, 20, 40},
		{3, 17, 9, 2, 1, 7, 0},
		{9, 64, 5, 5, 70, 1, 0},
		{4, 33, 1, 9, 4, 3, 11},
		{16, 16, 48, 3, 16, 1, 1040},
		{12, 16, 8, 8, 1, 48, 96},
		{8, 8, 24, 3, 24, 1, 216},
		{12, 8, 9, 2, 1, 8, -5},
		{5, 8, 7, 3, 11, 1, 4},
		{8, 24, 24, 3, 8, 1, 40},
		{11, 40, 6, 2, 3, 2, 0},
		{4, 9, 5, 1, 6, 1, 0},
	}
	for _, ks := range kernelSets() {
		useKernel4x16, useKernel4x32 = ks[0], ks[1]
		for _, tc := range cases {
			for _, acc := range []bool{true, false} {
				c := tc
				t.Run(fmt.Sprintf("avx2=%v_avx512=%v_acc=%v_%+v", ks[0], ks[1], acc, c), func(t *testing.T) {
					off := 3 + max(0, -c.jump)*c.k1
					a := jView{off: off, row: c.row, step: c.step, jump: c.jump, k2: c.k2, k1: c.k1}
					a.data = make([]float32, a.at(c.m-1, c.k1-1, c.k2-1)+5)
					for i := range a.data {
						a.data[i] = float32(r.NormFloat64())
					}
					const bOff, cOff = 2, 1
					ldb, ldc := c.n+3, c.n+1
					k := c.k1 * c.k2
					b := make([]float32, bOff+k*ldb)
					cm := make([]float32, cOff+c.m*ldc)
					for i := range b {
						b[i] = float32(r.NormFloat64())
					}
					for i := range cm {
						cm[i] = float32(r.NormFloat64())
					}
					want := make([]float64, len(cm))
					for i := range cm {
						want[i] = float64(cm[i])
						if !acc && i >= cOff && (i-cOff)%ldc < c.n && (i-cOff)/ldc < c.m {
							want[i] = 0 // overwritten
						}
					}
					for i := range c.m {
						for j := range c.n {
							for p1 := range c.k1 {
								for p2 := range c.k2 {
									want[cOff+i*ldc+j] += float64(a.data[a.at(i, p1, p2)]) * float64(b[bOff+(p1*c.k2+p2)*ldb+j])
								}
							}
						}
					}
					gemmJ(c.m, c.n, &a, b, bOff, ldb, cm, cOff, ldc, acc)
					tol := 1e-5 * math.Sqrt(float64(k)) * 4
					for i := range cm {
						if d := math.Abs(float64(cm[i]) - want[i]); !(d <= tol) {
							t.Fatalf("C[%d] = %v, want %v (|diff| %.3g > %.3g)", i, cm[i], want[i], d, tol)
						}
					}
				})
			}
		}
	}
}

// TestDirectConvMatchesStockOp compares the convolutions that read the input
// in place, and their gradients, with the pure-Go convolution, for every
// kernel selection, also where they are not chosen for speed: odd sizes
// (groups of four positions across output rows, images of fewer than four),
// strides 1 and 2 (the input gradient of stride 2 split by phases), same and
// valid padding, kernel dilation, 1x1 and 5x5 kernels, both layouts and 1D.
func TestDirectConvMatchesStockOp(t *testing.T) {
	stock, err := NewDecorated("stockconv")
	if err != nil {
		t.Fatal(err)
	}
	fast := newTestBackend(t)
	defer func(v16, v32 bool) { useKernel4x16, useKernel4x32 = v16, v32 }(useKernel4x16, useKernel4x32)
	directAlways = true
	defer func() { directAlways = false }()
	cases := []convCase{
		{n: 2, h: 8, w: 8, cin: 4, cout: 16, k: 3, stride: 1, same: true},
		{n: 3, h: 7, w: 9, cin: 8, cout: 33, k: 3, stride: 1, same: true},
		{n: 2, h: 9, w: 7, cin: 4, cout: 20, k: 3, stride: 2, same: true},
		{n: 2, h: 6, w: 10, cin: 12, cout: 32, k: 3, stride: 1, same: false},
		{n: 2, h: 2, w: 2, cin: 8, cout: 16, k: 3, stride: 1, same: true},
		{n: 2, h: 5, w: 3, cin: 5, cout: 7, k: 3, stride: 1, same: true},
		{n: 2, h: 9, w: 9, cin: 4, cout: 48, k: 1, stride: 2, same: false},
		{n: 2, h: 8, w: 8, cin: 8, cout: 16, k: 1, stride: 1, same: true},
		{n: 1, h: 11, w: 12, cin: 4, cout: 16, k: 5, stride: 1, same: true},
		{n: 2, h: 12, w: 12, cin: 4, cout: 16, k: 3, stride: 1, same: true, dilation: 2},
		{n: 2, h: 8, w: 8, cin: 4, cout: 16, k: 3, stride: 1, same: true, channelsFirst: true},
		{n: 2, h: 9, w: 8, cin: 8, cout: 12, k: 3, stride: 2, same: true, channelsFirst: true},
		{n: 3, h: 7, w: 9, cin: 8, cout: 8, k: 3, stride: 1, same: true},
		{n: 2, h: 9, w: 11, cin: 8, cout: 8, k: 3, stride: 2, same: true},
		{n: 2, h: 10, w: 10, cin: 8, cout: 16, k: 3, stride: 2, same: true},
		{n: 2, h: 9, w: 9, cin: 8, cout: 16, k: 1, stride: 2, same: false},
		{n: 2, h: 6, w: 13, cin: 16, cout: 24, k: 3, stride: 1, same: false},
	}
	const tol = 2e-5
	for seed, c := range cases {
		xDims, kDims := []int{c.n, c.h, c.w, c.cin}, []int{c.k, c.k, c.cin, c.cout}
		if c.channelsFirst {
			xDims, kDims = []int{c.n, c.cin, c.h, c.w}, []int{c.cout, c.cin, c.k, c.k}
		}
		x := randTensor(uint64(50+2*seed), xDims...)
		k := randTensor(uint64(51+2*seed), kDims...)
		want := convOutputs(t, stock, c, fresh(x), fresh(k))
		for _, ks := range kernelSets() {
			t.Run(fmt.Sprintf("%s_avx2=%v_avx512=%v", c, ks[0], ks[1]), func(t *testing.T) {
				useKernel4x16, useKernel4x32 = ks[0], ks[1]
				before, beforePoly := directExecs.Load(), polyExecs.Load()
				got := convOutputs(t, fast, c, fresh(x), fresh(k))
				if directExecs.Load() == before {
					t.Errorf("the in-place convolution ops did not run")
				}
				if ran := polyExecs.Load() > beforePoly; ran != (c.stride > 1) {
					t.Errorf("phase split of the input gradient ran: %v, want %v", ran, c.stride > 1)
				}
				for i, name := range []string{"output", "input gradient", "kernel gradient"} {
					e := maxRelErr(tensors.MustCopyFlatData[float32](got[i]), tensors.MustCopyFlatData[float32](want[i]))
					if e > tol {
						t.Errorf("%s: relative error %.3g > %.g", name, e, tol)
					}
				}
			})
		}
	}
}

// TestConvDeterministic checks that the convolutions give bit-identical
// results whatever the number of workers (GOMAXPROCS): the in-place ops, and
// the im2col op that kernel gradients on 3 channels take.
func TestConvDeterministic(t *testing.T) {
	be := newTestBackend(t)
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	for _, c := range []convCase{
		{n: 4, h: 10, w: 12, cin: 8, cout: 32, k: 3, stride: 1, same: true},
		{n: 8, h: 16, w: 16, cin: 3, cout: 16, k: 3, stride: 1, same: true},
		{n: 4, h: 14, w: 14, cin: 8, cout: 8, k: 3, stride: 1, same: true},
		{n: 4, h: 14, w: 14, cin: 8, cout: 24, k: 3, stride: 2, same: true},
	} {
		t.Run(c.String(), func(t *testing.T) {
			x := randTensor(7, c.n, c.h, c.w, c.cin)
			k := randTensor(8, c.k, c.k, c.cin, c.cout)
			var first []*tensors.Tensor
			for _, procs := range []int{1, 3} {
				runtime.GOMAXPROCS(procs)
				got := convOutputs(t, be, c, fresh(x), fresh(k))
				if first == nil {
					first = got
					continue
				}
				for i := range got {
					a, b := tensors.MustCopyFlatData[float32](got[i]), tensors.MustCopyFlatData[float32](first[i])
					for j := range a {
						if a[j] != b[j] {
							t.Fatalf("output %d element %d: %v with GOMAXPROCS %d, %v with 1", i, j, a[j], procs, b[j])
						}
					}
				}
			}
		})
	}
}
