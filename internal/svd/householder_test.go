package svd

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/lapack/gonum"
)

// TestLarfg compares larfg with gonum's Dlarfg, whose results it must match
// to rounding, on vectors whose norm is ordinary, zero, tiny or huge.
func TestLarfg(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	for _, sc := range []float64{1, 0, 1e-170, 1e-310, 1e160, 1e300} {
		for _, n := range []int{0, 1, 3, 8, 101} {
			for _, alpha := range []float64{0, 1.5, -2e-3 * sc, 1e200, -1e-200} {
				t.Run(fmt.Sprintf("scale%g/n%d/alpha%g", sc, n, alpha), func(t *testing.T) {
					x := gaussian(rng, 1, n).Data
					for i := range x {
						x[i] *= sc
					}
					want := slices.Clone(x)
					wb, wt := gonum.Implementation{}.Dlarfg(n+1, alpha, want, 1)
					b, tau := larfg(alpha, x)
					tol := 8 * 0x1p-52
					if !(math.Abs(b-wb) <= tol*math.Abs(wb)) || !(math.Abs(tau-wt) <= tol*math.Abs(wt)) {
						t.Errorf("beta, tau = %g, %g, want %g, %g", b, tau, wb, wt)
					}
					for i := range x {
						if !(math.Abs(x[i]-want[i]) <= tol*math.Abs(want[i])) {
							t.Errorf("v[%d] = %g, want %g", i+1, x[i], want[i])
						}
					}
				})
			}
		}
	}
}

// TestLarft checks that I - Yᵀ T Y from larft is the product H₁⋯H_k of the
// reflectors H_i = I - tau_i y_iᵀ y_i, applied to random rows, including
// reflectors that end in zeros (which gonum's Dlarft mishandles).
func TestLarft(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 16))
	const nc = 40
	for _, k := range []int{1, 2, 3, 5, 12} {
		for _, zeros := range []int{0, 10, 30} {
			t.Run(fmt.Sprintf("k%d/zeros%d", k, zeros), func(t *testing.T) {
				y := gaussian(rng, k, nc).Data
				tau := make([]float64, k)
				for i := 0; i < k; i++ {
					yi := y[i*nc : i*nc+nc]
					clear(yi[:i])
					yi[i] = 1
					if i%2 == 1 { // the second, fourth, ... end in zeros
						clear(yi[max(i+1, nc-zeros):])
					}
					tau[i] = 2 / dot(yi, yi)
				}
				if k > 4 {
					tau[3] = 0 // H₄ = I
				}
				tt := make([]float64, k*k)
				larft(k, nc, y, nc, tau, tt, k)
				for trial := 0; trial < 3; trial++ {
					x := gaussian(rng, 1, nc).Data
					// want = x H₁⋯H_k.
					want := slices.Clone(x)
					for i := 0; i < k; i++ {
						d := tau[i] * dot(want, y[i*nc:i*nc+nc])
						for j := range want {
							want[j] -= d * y[i*nc+j]
						}
					}
					// got = x - ((x Yᵀ) T) Y.
					u := make([]float64, k)
					for i := range u {
						u[i] = dot(x, y[i*nc:i*nc+nc])
					}
					got := slices.Clone(x)
					for j := 0; j < k; j++ {
						var w float64
						for i := 0; i <= j; i++ {
							w += u[i] * tt[i*k+j]
						}
						for c := range got {
							got[c] -= w * y[j*nc+c]
						}
					}
					for c := range got {
						if d := math.Abs(got[c] - want[c]); !(d <= 1e-12) {
							t.Fatalf("column %d: %g, want %g", c, got[c], want[c])
						}
					}
				}
			})
		}
	}
}

// TestQRBlocks checks the blocked QR factorization of tall matrices for
// several block sizes (the sizes qrBlock chooses and ones that leave partial
// blocks and tiles) with each micro-kernel and without one: R must be upper
// triangular with RᵀR = AᵀA, entry by entry within
// 4·m·ε·‖A[:,i]‖·‖A[:,j]‖.
func TestQRBlocks(t *testing.T) {
	defer func(old *microKernel) { kernel = old }(kernel)
	const eps = 0x1p-52
	rng := rand.New(rand.NewPCG(21, 22))
	for _, kn := range testKernels() {
		kernel = kn
		for _, sh := range [][2]int{{300, 120}, {700, 530}, {90, 17}} {
			m, n := sh[0], sh[1]
			a := gaussian(rng, m, n)
			norms := make([]float64, n)
			for j := range norms {
				for i := 0; i < m; i++ {
					norms[j] += a.Data[i*n+j] * a.Data[i*n+j]
				}
				norms[j] = math.Sqrt(norms[j])
			}
			for _, kb := range []int{1, 5, 16, 32, 48} {
				t.Run(fmt.Sprintf("%s/%dx%d/kb%d", kernelName(kn), m, n, kb), func(t *testing.T) {
					w := slices.Clone(a.Data)
					newReducer(m, n, kb).qr(w, n)
					for i := 0; i < n; i++ {
						for j := 0; j < i; j++ {
							if w[i*n+j] != 0 {
								t.Fatalf("R[%d,%d] = %g below the diagonal", i, j, w[i*n+j])
							}
						}
					}
					for i := 0; i < n; i++ {
						for j := i; j < n; j++ {
							var rr, aa float64
							for p := 0; p <= i; p++ {
								rr += w[p*n+i] * w[p*n+j]
							}
							for p := 0; p < m; p++ {
								aa += a.Data[p*n+i] * a.Data[p*n+j]
							}
							if d := math.Abs(rr - aa); !(d <= 4*float64(m)*eps*norms[i]*norms[j]) {
								t.Fatalf("(RᵀR)[%d,%d] = %g, (AᵀA) = %g", i, j, rr, aa)
							}
						}
					}
				})
			}
		}
	}
}

// TestR checks R against AᵀA = RᵀR (and zeros below the diagonal) on inputs
// whose Householder vectors end in different numbers of exact zeros: the
// first reflector longer than the second and shorter than the third, the case
// in which gonum v0.17.0's Dlarft (and so its blocked Dgeqrf) goes wrong.
func TestR(t *testing.T) {
	kernels := []*microKernel{nil} // nil: the path through fastblas
	if defaultKernel != nil {
		kernels = append(kernels, defaultKernel)
	}
	for _, kn := range kernels {
		save := kernel
		kernel = kn
		rng := rand.New(rand.NewPCG(41, 42))
		for _, s := range [][2]int{{300, 200}, {130, 130}, {5, 3}} {
			m, n := s[0], s[1]
			a := make([]float64, m*n)
			for i := range m {
				for j := 2; j < n; j++ {
					a[i*n+j] = rng.NormFloat64()
				}
			}
			for i := 1; i < min(m, 100); i++ {
				a[i*n] = 1
			}
			if n > 1 {
				for i := 1; i < min(m, 49); i++ {
					a[i*n+1] = float64(2*(i%2) - 1) // orthogonal to the first reflector
				}
			}
			g := blas64.General{Rows: m, Cols: n, Stride: n, Data: append([]float64(nil), a...)}
			if err := R(g); err != nil {
				t.Fatal(err)
			}
			for i := range n {
				for j := range n {
					var ata, rtr float64
					for p := range m {
						ata += a[p*n+i] * a[p*n+j]
					}
					for p := range min(i, j) + 1 {
						rtr += g.Data[p*n+i] * g.Data[p*n+j]
					}
					if d := math.Abs(ata - rtr); d > 1e-12*float64(m)*(1+math.Abs(ata)) {
						t.Fatalf("%d×%d: (AᵀA)[%d][%d] = %v, (RᵀR) = %v", m, n, i, j, ata, rtr)
					}
					if i > j && g.Data[i*n+j] != 0 {
						t.Fatalf("%d×%d: R[%d][%d] = %v below the diagonal", m, n, i, j, g.Data[i*n+j])
					}
				}
			}
		}
		kernel = save
	}
	bad := blas64.General{Rows: 3, Cols: 2, Stride: 2, Data: []float64{1, 2, 3, math.NaN(), 5, 6}}
	if err := R(bad); err != ErrNotFinite {
		t.Errorf("R of a matrix with a NaN: error %v, want ErrNotFinite", err)
	}
}
