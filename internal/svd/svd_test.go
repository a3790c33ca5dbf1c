package svd

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/lapack"
	"gonum.org/v1/gonum/lapack/gonum"

	"github.com/repgeo/repgeo/internal/fastblas"
)

func init() {
	// Run the level-3 work through the same BLAS as the rest of the module.
	blas64.Use(fastblas.Implementation{})
}

// tolC is the constant c of the accuracy bound: every singular value is
// within c·max(r,c)·ε·σ_max of LAPACK's (gonum's Dgesvd).
const tolC = 1.0

// gaussian returns an r×c matrix of standard normal entries.
func gaussian(rng *rand.Rand, r, c int) blas64.General {
	g := blas64.General{Rows: r, Cols: c, Stride: c, Data: make([]float64, r*c)}
	for i := range g.Data {
		g.Data[i] = rng.NormFloat64()
	}
	return g
}

// orthonormal returns an r×c matrix (r ≥ c) with orthonormal columns.
func orthonormal(rng *rand.Rand, r, c int) blas64.General {
	q := gaussian(rng, r, c)
	var impl gonum.Implementation
	tau := make([]float64, c)
	work := make([]float64, 64*r)
	impl.Dgeqrf(r, c, q.Data, q.Stride, tau, work, len(work))
	impl.Dorgqr(r, c, c, q.Data, q.Stride, tau, work, len(work))
	return q
}

// withValues returns U diag(s) Vᵀ for random U (r×k) and V (c×k), k = len(s).
func withValues(rng *rand.Rand, r, c int, s []float64) blas64.General {
	k := len(s)
	u, v := orthonormal(rng, r, k), orthonormal(rng, c, k)
	for i := 0; i < r; i++ {
		for j := 0; j < k; j++ {
			u.Data[i*u.Stride+j] *= s[j]
		}
	}
	a := blas64.General{Rows: r, Cols: c, Stride: c, Data: make([]float64, r*c)}
	blas64.Gemm(blas.NoTrans, blas.Trans, 1, u, v, 0, a)
	return a
}

// graded returns k values spaced logarithmically from 1 down to lo.
func graded(k int, lo float64) []float64 {
	s := make([]float64, k)
	for i := range s {
		s[i] = math.Pow(lo, float64(i)/float64(max(1, k-1)))
	}
	return s
}

// reference returns the singular values of a by gonum's Dgesvd.
func reference(t testing.TB, a blas64.General) []float64 {
	t.Helper()
	g := blas64.General{Rows: a.Rows, Cols: a.Cols, Stride: a.Cols, Data: make([]float64, a.Rows*a.Cols)}
	for i := 0; i < a.Rows; i++ {
		copy(g.Data[i*g.Stride:i*g.Stride+a.Cols], a.Data[i*a.Stride:])
	}
	var impl gonum.Implementation
	s := make([]float64, min(a.Rows, a.Cols))
	work := make([]float64, 1)
	impl.Dgesvd(lapack.SVDNone, lapack.SVDNone, g.Rows, g.Cols, g.Data, g.Stride, s, nil, 1, nil, 1, work, -1)
	work = make([]float64, int(work[0]))
	if !impl.Dgesvd(lapack.SVDNone, lapack.SVDNone, g.Rows, g.Cols, g.Data, g.Stride, s, nil, 1, nil, 1, work, len(work)) {
		t.Fatal("reference Dgesvd did not converge")
	}
	return s
}

func clone(a blas64.General) blas64.General {
	a.Data = slices.Clone(a.Data)
	return a
}

// bidiagonal returns the n×n upper bidiagonal matrix with diagonal d and
// superdiagonal e.
func bidiagonal(d, e []float64) blas64.General {
	n := len(d)
	a := blas64.General{Rows: n, Cols: n, Stride: n, Data: make([]float64, n*n)}
	for i := 0; i < n; i++ {
		a.Data[i*n+i] = d[i]
		if i+1 < n {
			a.Data[i*n+i+1] = e[i]
		}
	}
	return a
}

type testCase struct {
	name string
	a    blas64.General
	want []float64 // exact values when known, nil otherwise
}

func testCases() []testCase {
	rng := rand.New(rand.NewPCG(1, 2))
	var cases []testCase
	add := func(name string, a blas64.General, want []float64) {
		cases = append(cases, testCase{name, a, want})
	}
	for _, n := range []int{1, 2, 3, 4, 5, 31, 32, 33, 63, 64, 65, 100, 257} {
		add(fmt.Sprintf("gaussian/%dx%d", n, n), gaussian(rng, n, n), nil)
	}
	for _, sh := range [][2]int{{2, 1}, {1, 3}, {40, 7}, {7, 40}, {50, 40}, {40, 50}, {200, 33}, {33, 200}, {300, 120}, {120, 300}} {
		add(fmt.Sprintf("gaussian/%dx%d", sh[0], sh[1]), gaussian(rng, sh[0], sh[1]), nil)
	}
	add("gaussian/600x600", gaussian(rng, 600, 600), nil)
	add("gaussian/400x700", gaussian(rng, 400, 700), nil)
	for _, n := range []int{2, 10, 33, 150, 500} {
		s := graded(n, 1e-14)
		add(fmt.Sprintf("graded/%d", n), withValues(rng, n, n, s), s)
	}
	add("graded/90x60", withValues(rng, 90, 60, graded(60, 1e-14)), graded(60, 1e-14))
	add("graded/60x90", withValues(rng, 60, 90, graded(60, 1e-14)), graded(60, 1e-14))
	for _, sh := range [][3]int{{50, 50, 10}, {80, 120, 33}, {120, 70, 1}} {
		r, c, k := sh[0], sh[1], sh[2]
		u, v := gaussian(rng, r, k), gaussian(rng, k, c)
		a := blas64.General{Rows: r, Cols: c, Stride: c, Data: make([]float64, r*c)}
		blas64.Gemm(blas.NoTrans, blas.NoTrans, 1, u, v, 0, a)
		add(fmt.Sprintf("rank%d/%dx%d", k, r, c), a, nil)
	}
	for _, n := range []int{1, 2, 5, 70} {
		d, e := gaussian(rng, 1, n).Data, gaussian(rng, 1, n).Data[:n-1]
		add(fmt.Sprintf("bidiagonal/%d", n), bidiagonal(d, e), nil)
		diag := make([]float64, n)
		for i, j := range rng.Perm(n) {
			diag[i] = float64(j+1) * float64(1-2*(i%2))
		}
		want := make([]float64, n)
		for i := range want {
			want[i] = float64(n - i)
		}
		add(fmt.Sprintf("diagonal/%d", n), bidiagonal(diag, make([]float64, n-1)), want)
	}
	add("zero/4x3", blas64.General{Rows: 4, Cols: 3, Stride: 3, Data: make([]float64, 12)}, []float64{0, 0, 0})
	add("empty/0x3", blas64.General{Rows: 0, Cols: 3, Stride: 3}, []float64{})
	for _, sc := range []float64{1e300, 1e-300} {
		s := graded(40, 1e-10)
		a := withValues(rng, 40, 40, s)
		want := make([]float64, len(s))
		for i := range a.Data {
			a.Data[i] *= sc
		}
		for i := range s {
			want[i] = s[i] * sc
		}
		add(fmt.Sprintf("scaled%g/40", sc), a, want)
	}
	// A strided view: the 30×20 top-left block of a 35×25 array.
	big := gaussian(rng, 35, 25)
	add("strided/30x20", blas64.General{Rows: 30, Cols: 20, Stride: 25, Data: big.Data}, nil)
	add("strided/20x30", blas64.General{Rows: 20, Cols: 30, Stride: 35, Data: gaussian(rng, 20, 35).Data}, nil)
	return cases
}

func TestValues(t *testing.T) {
	const eps = 0x1p-52
	worst := 0.0 // largest |σ - σ_ref| / (max(r,c)·ε·σ_max) seen
	defer func() { t.Logf("largest error: %.3g·max(r,c)·ε·σ_max (bound %g)", worst, tolC) }()
	for _, tc := range testCases() {
		for _, nb := range []int{0, 2, 3, 8, 17, 32, 48} {
			t.Run(fmt.Sprintf("%s/nb%d", tc.name, nb), func(t *testing.T) {
				ref := tc.want
				if ref == nil {
					ref = reference(t, tc.a)
				}
				got, err := values(clone(tc.a), nb)
				if err != nil {
					t.Fatal(err)
				}
				if len(got) != len(ref) {
					t.Fatalf("got %d values, want %d", len(got), len(ref))
				}
				if len(got) == 0 {
					return
				}
				tol := tolC * float64(max(tc.a.Rows, tc.a.Cols)) * eps * ref[0]
				var sumGot, sumRef float64
				for i := range got {
					if i > 0 && got[i] > got[i-1] {
						t.Errorf("values not descending at %d: %g > %g", i, got[i], got[i-1])
					}
					d := math.Abs(got[i] - ref[i])
					if tol > 0 {
						worst = math.Max(worst, d/tol*tolC)
					}
					if !(d <= tol) {
						t.Errorf("σ[%d] = %.17g, want %.17g (|diff| %.3g > tol %.3g)", i, got[i], ref[i], d, tol)
					}
					sumGot += got[i]
					sumRef += ref[i]
				}
				if d := math.Abs(sumGot-sumRef) / sumRef; sumRef > 0 && !(d <= tolC*float64(max(tc.a.Rows, tc.a.Cols))*eps) {
					t.Errorf("nuclear norm %.17g, want %.17g (relative error %.3g)", sumGot, sumRef, d)
				}
			})
		}
	}
}

func TestValuesNotFinite(t *testing.T) {
	for _, bad := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
		for _, sh := range [][2]int{{5, 3}, {3, 5}} {
			a := gaussian(rand.New(rand.NewPCG(3, 4)), sh[0], sh[1])
			a.Data[7] = bad
			if _, err := Values(a); !errors.Is(err, ErrNotFinite) {
				t.Errorf("%dx%d with %g: error %v, want ErrNotFinite", sh[0], sh[1], bad, err)
			}
		}
	}
}

// testKernels returns the micro-kernels that this CPU can run, and nil for
// the path through fastblas and gonum.
func testKernels() []*microKernel {
	ks := []*microKernel{nil}
	for i := range asmKernels {
		ks = append(ks, &asmKernels[i])
	}
	return ks
}

// kernelName names the micro-kernel k in test names.
func kernelName(k *microKernel) string {
	if k == nil {
		return "fastblas"
	}
	return k.name
}

// TestValuesKernels checks Values with each micro-kernel this CPU can run
// (products, and with AVX-512 reflectors and bandwidth) and without one (the
// path taken on other CPUs and with the noasm build tag) on the same cases as
// TestValues, with the default bandwidth and with narrow and odd ones that
// leave partial tiles.
func TestValuesKernels(t *testing.T) {
	defer func(old *microKernel) { kernel = old }(kernel)
	const eps = 0x1p-52
	for _, kn := range testKernels() {
		kernel = kn
		for _, tc := range testCases() {
			for _, nb := range []int{0, 3, 17} {
				t.Run(fmt.Sprintf("%s/%s/nb%d", kernelName(kn), tc.name, nb), func(t *testing.T) {
					ref := tc.want
					if ref == nil {
						ref = reference(t, tc.a)
					}
					got, err := values(clone(tc.a), nb)
					if err != nil {
						t.Fatal(err)
					}
					if len(got) != len(ref) {
						t.Fatalf("got %d values, want %d", len(got), len(ref))
					}
					for i := range got {
						tol := tolC * float64(max(tc.a.Rows, tc.a.Cols)) * eps * ref[0]
						if d := math.Abs(got[i] - ref[i]); !(d <= tol) {
							t.Errorf("σ[%d] = %.17g, want %.17g (|diff| %.3g > tol %.3g)", i, got[i], ref[i], d, tol)
						}
					}
				})
			}
		}
	}
}
