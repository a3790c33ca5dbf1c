package svd

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// TestMicroKernels checks each assembly micro-kernel against the sum it
// computes, for several term counts and strides of A (packed rows, packed
// columns, general) and of B and C.
func TestMicroKernels(t *testing.T) {
	if len(asmKernels) == 0 {
		t.Log("no assembly micro-kernel in this build or on this CPU")
	}
	rng := rand.New(rand.NewPCG(7, 8))
	for _, kn := range asmKernels {
		for _, k := range []int{1, 2, 3, 7, 64, 257} {
			for _, st := range [][4]int{
				{1, kn.mr, kn.nr, kn.nr},             // packed A, packed B
				{k, 1, kn.nr + 3, kn.nr + 5},         // rows of A, strided B and C
				{k + 2, 1, kn.nr, 3*kn.nr + 1},       // padded rows of A
				{2, 2*kn.mr + 1, 2*kn.nr + 1, kn.nr}, // general strides
			} {
				ars, aps, bps, ldc := st[0], st[1], st[2], st[3]
				t.Run(fmt.Sprintf("%s/k%d/ars%d/aps%d/bps%d/ldc%d", kn.name, k, ars, aps, bps, ldc), func(t *testing.T) {
					a := gaussian(rng, 1, (kn.mr-1)*ars+(k-1)*aps+1).Data
					b := gaussian(rng, 1, (k-1)*bps+kn.nr).Data
					c := gaussian(rng, 1, (kn.mr-1)*ldc+kn.nr).Data
					want := make([]float64, len(c))
					copy(want, c)
					scale := make([]float64, len(c))
					for r := 0; r < kn.mr; r++ {
						for j := 0; j < kn.nr; j++ {
							for p := 0; p < k; p++ {
								v := a[r*ars+p*aps] * b[p*bps+j]
								want[r*ldc+j] += v
								scale[r*ldc+j] += math.Abs(v)
							}
						}
					}
					kn.fn(k, &a[0], ars, aps, &b[0], bps, &c[0], ldc)
					for i := range c {
						inTile := i%ldc < kn.nr && i/ldc < kn.mr
						tol := 0.0 // entries outside the tile must not change
						if inTile {
							tol = float64(k+1) * 0x1p-52 * (scale[i] + math.Abs(want[i]))
						}
						if d := math.Abs(c[i] - want[i]); !(d <= tol) {
							t.Errorf("c[%d] (row %d, col %d) = %g, want %g (|diff| %.3g > %.3g)", i, i/ldc, i%ldc, c[i], want[i], d, tol)
						}
					}
				})
			}
		}
	}
}

// TestSkinnyProducts checks mulVtC, mulCYt and mulAdd with each
// micro-kernel (and the path through fastblas) against plain sums, for shapes
// with partial tiles and several blocks of kc terms.
func TestSkinnyProducts(t *testing.T) {
	defer func(old *microKernel) { kernel = old }(kernel)
	rng := rand.New(rand.NewPCG(9, 10))
	for _, kn := range testKernels() {
		kernel = kn
		// kb (or k) small, nc and mq (or mr) large; the stride of C exceeds
		// its width.
		for _, sh := range [][3]int{{1, 1, 1}, {5, 7, 9}, {8, 16, 8}, {17, 33, 300}, {24, 200, 513}, {32, 301, 257}, {64, 40, 600}, {48, 1100, 40}, {128, 530, 20}} {
			kb, nc, mq := sh[0], sh[1], sh[2]
			ldc := nc + 3
			r := newReducer(max(mq, nc), max(mq, nc), kb)
			t.Run(fmt.Sprintf("%s/VtC/%dx%dx%d", kernelName(kn), kb, nc, mq), func(t *testing.T) {
				v := gaussian(rng, mq, kb)
				c := gaussian(rng, mq, ldc).Data
				w := make([]float64, kb*nc)
				for i := range w {
					w[i] = math.NaN() // must be overwritten
				}
				r.mulVtC(kb, nc, mq, v.Data, kb, c, ldc, w, nc)
				for i := 0; i < kb; i++ {
					for j := 0; j < nc; j++ {
						var want, scale float64
						for p := 0; p < mq; p++ {
							x := v.Data[p*kb+i] * c[p*ldc+j]
							want += x
							scale += math.Abs(x)
						}
						if d := math.Abs(w[i*nc+j] - want); !(d <= float64(mq)*0x1p-52*scale) {
							t.Fatalf("W[%d,%d] = %g, want %g", i, j, w[i*nc+j], want)
						}
					}
				}
			})
			// Z = C Yᵀ with C mq×nc and Y kb×nc.
			t.Run(fmt.Sprintf("%s/CYt/%dx%dx%d", kernelName(kn), mq, kb, nc), func(t *testing.T) {
				y := gaussian(rng, kb, nc+1)
				c := gaussian(rng, mq, ldc).Data
				z := make([]float64, mq*kb)
				for i := range z {
					z[i] = math.NaN()
				}
				r.mulCYt(mq, kb, nc, c, ldc, y.Data, nc+1, z, kb)
				for i := 0; i < mq; i++ {
					for j := 0; j < kb; j++ {
						var want, scale float64
						for p := 0; p < nc; p++ {
							x := c[i*ldc+p] * y.Data[j*(nc+1)+p]
							want += x
							scale += math.Abs(x)
						}
						if d := math.Abs(z[i*kb+j] - want); !(d <= float64(nc)*0x1p-52*scale) {
							t.Fatalf("Z[%d,%d] = %g, want %g", i, j, z[i*kb+j], want)
						}
					}
				}
			})
			// C += A B with C mq×nc, A mq×kb and B kb×nc, all strided.
			t.Run(fmt.Sprintf("%s/AddAB/%dx%dx%d", kernelName(kn), mq, nc, kb), func(t *testing.T) {
				a := gaussian(rng, mq, kb+2)
				b := gaussian(rng, kb, nc+1)
				c := gaussian(rng, mq, ldc).Data
				c0 := append([]float64(nil), c...)
				r.mulAdd(mq, nc, kb, a.Data, kb+2, b.Data, nc+1, c, ldc)
				for i := 0; i < mq; i++ {
					for j := 0; j < ldc; j++ {
						want, scale := c0[i*ldc+j], math.Abs(c0[i*ldc+j])
						if j < nc {
							for p := 0; p < kb; p++ {
								x := a.Data[i*(kb+2)+p] * b.Data[p*(nc+1)+j]
								want += x
								scale += math.Abs(x)
							}
						}
						// Columns past nc must not change.
						if d := math.Abs(c[i*ldc+j] - want); !(d <= float64(kb+1)*0x1p-52*scale) {
							t.Fatalf("C[%d,%d] = %g, want %g", i, j, c[i*ldc+j], want)
						}
					}
				}
			})
		}
	}
}

// TestReflectors checks the assembly reflector routines against the
// reflector applied by plain sums, from both sides, for lengths around
// multiples of 8 and a stride wider than the block.
func TestReflectors(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for _, kn := range asmKernels {
		if kn.reflRight == nil {
			continue
		}
		for _, sh := range [][2]int{{1, 1}, {1, 9}, {2, 7}, {3, 8}, {5, 16}, {8, 17}, {17, 23}, {24, 48}, {32, 63}, {33, 64}, {47, 70}} {
			for _, left := range []bool{false, true} {
				// The block is r×c; the reflector has length c from the right
				// and r from the left.
				r, c := sh[0], sh[1]
				if left {
					r, c = sh[1], sh[0]
				}
				side := map[bool]string{false: "right", true: "left"}[left]
				t.Run(fmt.Sprintf("%s/%s/%dx%d", kn.name, side, r, c), func(t *testing.T) {
					ldx := c + 5
					x := gaussian(rng, r, ldx).Data
					n := c
					if left {
						n = r
					}
					v := gaussian(rng, 1, n).Data
					tau := 2 / (1 + rng.Float64())
					want := append([]float64(nil), x...)
					scale := make([]float64, len(x))
					for i := range scale {
						scale[i] = math.Abs(x[i])
					}
					if left {
						for j := 0; j < c; j++ {
							var w, ws float64
							for i := 0; i < r; i++ {
								w += v[i] * x[i*ldx+j]
								ws += math.Abs(v[i] * x[i*ldx+j])
							}
							for i := 0; i < r; i++ {
								want[i*ldx+j] -= tau * v[i] * w
								scale[i*ldx+j] += tau * math.Abs(v[i]) * ws
							}
						}
						kn.reflLeft(r, c, &x[0], ldx, &v[0], tau)
					} else {
						for i := 0; i < r; i++ {
							var w, ws float64
							for j := 0; j < c; j++ {
								w += x[i*ldx+j] * v[j]
								ws += math.Abs(x[i*ldx+j] * v[j])
							}
							for j := 0; j < c; j++ {
								want[i*ldx+j] -= tau * w * v[j]
								scale[i*ldx+j] += tau * ws * math.Abs(v[j])
							}
						}
						kn.reflRight(r, c, &x[0], ldx, &v[0], tau)
					}
					for i := range x {
						// Entries right of the block must not change.
						if d := math.Abs(x[i] - want[i]); !(d <= float64(n+2)*0x1p-52*scale[i]) {
							t.Fatalf("x[%d,%d] = %g, want %g (|diff| %.3g)", i/ldx, i%ldx, x[i], want[i], d)
						}
					}
				})
			}
		}
	}
}
