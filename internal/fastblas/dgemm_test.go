package fastblas

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
)

// gemmCase is one Dgemm call: shapes, transposes, scalars and padding of the
// leading dimensions beyond the minimum (submatrix views).
type gemmCase struct {
	tA, tB           blas.Transpose
	m, n, k          int
	alpha, beta      float64
	padA, padB, padC int
}

func (tc gemmCase) String() string {
	t := func(x blas.Transpose) string {
		if x == blas.NoTrans {
			return "N"
		}
		return "T"
	}
	return fmt.Sprintf("%s%s/%dx%dx%d/a=%g/b=%g/pad=%d,%d,%d", t(tc.tA), t(tc.tB), tc.m, tc.n, tc.k, tc.alpha, tc.beta, tc.padA, tc.padB, tc.padC)
}

// randSlice returns n values uniform in [-1, 1).
func randSlice(rng *rand.Rand, n int) []float64 {
	s := make([]float64, n)
	for i := range s {
		s[i] = 2*rng.Float64() - 1
	}
	return s
}

// checkGemm runs tc with Implementation and with gonum's Dgemm on the same
// random data and compares every element of C (the padding included, which
// must stay untouched) within tol relative to the scale of the product.
func checkGemm(t *testing.T, rng *rand.Rand, tc gemmCase, tol float64) {
	t.Helper()
	ra, ca := tc.m, tc.k
	if tc.tA != blas.NoTrans {
		ra, ca = tc.k, tc.m
	}
	rb, cb := tc.k, tc.n
	if tc.tB != blas.NoTrans {
		rb, cb = tc.n, tc.k
	}
	lda, ldb, ldc := max(1, ca)+tc.padA, max(1, cb)+tc.padB, max(1, tc.n)+tc.padC
	a := randSlice(rng, max(0, (ra-1)*lda+ca))
	b := randSlice(rng, max(0, (rb-1)*ldb+cb))
	c0 := randSlice(rng, max(0, (tc.m-1)*ldc+tc.n))
	want := append([]float64(nil), c0...)
	got := append([]float64(nil), c0...)
	gonum.Implementation{}.Dgemm(tc.tA, tc.tB, tc.m, tc.n, tc.k, tc.alpha, a, lda, b, ldb, tc.beta, want, ldc)
	Implementation{}.Dgemm(tc.tA, tc.tB, tc.m, tc.n, tc.k, tc.alpha, a, lda, b, ldb, tc.beta, got, ldc)
	// Each element is a sum of k products of values in [-1, 1] plus beta·C.
	scale := math.Abs(tc.alpha)*float64(tc.k) + math.Abs(tc.beta) + 1
	for i := range got {
		if d := math.Abs(got[i] - want[i]); d > tol*scale || math.IsNaN(got[i]) != math.IsNaN(want[i]) {
			t.Fatalf("%v: element %d (row %d, col %d) = %v, gonum %v (diff %g)", tc, i, i/ldc, i%ldc, got[i], want[i], d)
		}
	}
}

// withSettings runs f with the micro-kernel kn and minFlops set to zero, so
// that every shape goes through the blocked code.
func withSettings(t *testing.T, kn kernel, f func(t *testing.T)) {
	saveKern, saveMin := kern, minFlops
	defer func() { kern, minFlops = saveKern, saveMin }()
	kern, minFlops = kn, 0
	f(t)
}

// kernels lists the micro-kernels this CPU runs, and a pure-Go kernel of
// each of their tile shapes, so that every packed layout is checked in
// every build.
func kernels() []kernel {
	ks := availableKernels()
	for _, kn := range asmKernels() {
		if kn.mr == goKernel.mr && kn.nr == goKernel.nr {
			continue
		}
		ks = append(ks, kernel{name: fmt.Sprintf("go%dx%d", kn.mr, kn.nr), mr: kn.mr, nr: kn.nr, run: kernelGo})
	}
	return ks
}

// TestKernels checks that the package uses the first available kernel and
// that the assembly kernels run on this CPU agree with the pure-Go one on a
// single tile.
func TestKernels(t *testing.T) {
	if kern.name != availableKernels()[0].name {
		t.Fatalf("kernel %s in use, want %s", kern.name, availableKernels()[0].name)
	}
	rng := rand.New(rand.NewPCG(11, 12))
	for _, kn := range asmKernels() {
		for _, k := range []int{1, 2, 3, 256} {
			ap, bp := randSlice(rng, k*kn.mr), randSlice(rng, k*kn.nr)
			ldc := kn.nr + 3
			got := randSlice(rng, kn.mr*ldc)
			want := append([]float64(nil), got...)
			kn.run(k, ap, bp, got, ldc)
			kernelGo(k, ap, bp, want, ldc)
			for i := range got {
				if math.Abs(got[i]-want[i]) > 1e-13*float64(k) {
					t.Fatalf("%s, k = %d: C[%d] = %v, pure Go %v", kn.name, k, i, got[i], want[i])
				}
			}
		}
	}
}

func TestDgemmTable(t *testing.T) {
	shapes := [][3]int{
		{1, 1, 1}, {1, 1, 1000}, {1, 1000, 1}, {1000, 1, 1}, {1, 1000, 7}, {1000, 1, 9},
		{2, 3, 4}, {5, 7, 3}, {6, 8, 1}, {6, 8, 256}, {6, 8, 257}, {7, 9, 11}, {13, 17, 19},
		{31, 33, 65}, {64, 64, 64}, {121, 130, 255}, {120, 2049, 3}, {250, 40, 600},
		{513, 257, 129},
	}
	ts := []blas.Transpose{blas.NoTrans, blas.Trans}
	scalars := [][2]float64{{1, 0}, {1, 1}, {-0.5, 2.5}, {0, 0.5}, {0, 1}, {2, 0}}
	for _, kn := range kernels() {
		t.Run(kn.name, func(t *testing.T) {
			withSettings(t, kn, func(t *testing.T) {
				rng := rand.New(rand.NewPCG(1, 2))
				for si, s := range shapes {
					for _, ta := range ts {
						for _, tb := range ts {
							for xi, x := range scalars {
								// Vary padding with the case, so views with lda > cols occur in all layouts.
								pad := (si + xi) % 3
								tc := gemmCase{tA: ta, tB: tb, m: s[0], n: s[1], k: s[2], alpha: x[0], beta: x[1],
									padA: pad, padB: 2 * pad, padC: 3 * (pad % 2)}
								checkGemm(t, rng, tc, 1e-12)
							}
						}
					}
				}
			})
		})
	}
}

func TestDgemmConjTrans(t *testing.T) {
	withSettings(t, kern, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(3, 4))
		checkGemm(t, rng, gemmCase{tA: blas.ConjTrans, tB: blas.ConjTrans, m: 37, n: 45, k: 53, alpha: 1.5, beta: -1}, 1e-12)
	})
}

// TestDgemmRandom compares random shapes, transposes, scalars and paddings
// with gonum's Dgemm (seeded).
func TestDgemmRandom(t *testing.T) {
	for _, kn := range kernels() {
		t.Run(kn.name, func(t *testing.T) {
			withSettings(t, kn, func(t *testing.T) {
				rng := rand.New(rand.NewPCG(20261127, 7))
				ts := []blas.Transpose{blas.NoTrans, blas.Trans}
				scalars := []float64{0, 1, -1, 0.3, 2}
				for range 300 {
					tc := gemmCase{
						tA: ts[rng.IntN(2)], tB: ts[rng.IntN(2)],
						m: 1 + rng.IntN(150), n: 1 + rng.IntN(150), k: 1 + rng.IntN(300),
						alpha: scalars[rng.IntN(5)], beta: scalars[rng.IntN(5)],
						padA: rng.IntN(4), padB: rng.IntN(4), padC: rng.IntN(4),
					}
					checkGemm(t, rng, tc, 1e-12)
				}
			})
		})
	}
}

// TestDgemmLarge covers several blocks in every dimension (and so the
// parallel code) with the default threshold.
func TestDgemmLarge(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, tc := range []gemmCase{
		{tA: blas.NoTrans, tB: blas.NoTrans, m: 300, n: 2100, k: 530, alpha: 1, beta: 0.5, padA: 3, padC: 1},
		{tA: blas.Trans, tB: blas.Trans, m: 250, n: 261, k: 700, alpha: -2, beta: 0, padB: 5},
		{tA: blas.NoTrans, tB: blas.Trans, m: 7, n: 2500, k: 300, alpha: 1, beta: 1},
		{tA: blas.Trans, tB: blas.NoTrans, m: 1500, n: 9, k: 300, alpha: 1, beta: 1},
	} {
		checkGemm(t, rng, tc, 1e-12)
	}
}

// TestDgemmDeterministic checks that the result does not depend on the
// number of goroutines.
func TestDgemmDeterministic(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 9))
	m, n, k := 400, 390, 600
	a, b := randSlice(rng, m*k), randSlice(rng, k*n)
	run := func(procs int) []float64 {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
		c := make([]float64, m*n)
		Implementation{}.Dgemm(blas.NoTrans, blas.NoTrans, m, n, k, 1, a, k, b, n, 0, c, n)
		return c
	}
	c1, c2, c3 := run(1), run(2), run(3)
	for i := range c1 {
		if c1[i] != c2[i] || c1[i] != c3[i] {
			t.Fatalf("element %d differs with the number of goroutines: %v %v %v", i, c1[i], c2[i], c3[i])
		}
	}
}

// TestDgemmPanics checks that invalid arguments panic with gonum's messages.
func TestDgemmPanics(t *testing.T) {
	a, b, c := make([]float64, 100*100), make([]float64, 100*100), make([]float64, 100*100)
	for _, tc := range []struct {
		name string
		call func(impl blas.Float64)
	}{
		{"bad transpose", func(impl blas.Float64) { impl.Dgemm('x', blas.NoTrans, 100, 100, 100, 1, a, 100, b, 100, 0, c, 100) }},
		{"negative m", func(impl blas.Float64) {
			impl.Dgemm(blas.NoTrans, blas.NoTrans, -1, 100, 100, 1, a, 100, b, 100, 0, c, 100)
		}},
		{"bad lda", func(impl blas.Float64) {
			impl.Dgemm(blas.NoTrans, blas.NoTrans, 100, 100, 100, 1, a, 99, b, 100, 0, c, 100)
		}},
		{"bad ldb", func(impl blas.Float64) {
			impl.Dgemm(blas.NoTrans, blas.Trans, 100, 100, 100, 1, a, 100, b, 99, 0, c, 100)
		}},
		{"bad ldc", func(impl blas.Float64) {
			impl.Dgemm(blas.NoTrans, blas.NoTrans, 100, 100, 100, 1, a, 100, b, 100, 0, c, 99)
		}},
		{"short a", func(impl blas.Float64) {
			impl.Dgemm(blas.NoTrans, blas.NoTrans, 100, 100, 100, 1, a[1:], 100, b, 100, 0, c, 100)
		}},
		{"short b", func(impl blas.Float64) {
			impl.Dgemm(blas.Trans, blas.NoTrans, 100, 100, 100, 1, a, 100, b[1:], 100, 0, c, 100)
		}},
		{"short c", func(impl blas.Float64) {
			impl.Dgemm(blas.NoTrans, blas.NoTrans, 100, 100, 100, 1, a, 100, b, 100, 0, c[1:], 100)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want := recoverPanic(func() { tc.call(gonum.Implementation{}) })
			got := recoverPanic(func() { tc.call(Implementation{}) })
			if want == nil {
				t.Fatalf("gonum's Dgemm did not panic")
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Fatalf("panic %v, gonum's %v", got, want)
			}
		})
	}
}

func recoverPanic(f func()) (r any) {
	defer func() { r = recover() }()
	f()
	return nil
}

// TestSerial checks that products under Serial give the same result as
// split ones, and that overlapping calls restore splitting only when the
// last one is done.
func TestSerial(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	m, n, k := 300, 310, 700
	a, b := randSlice(rng, m*k), randSlice(rng, k*n)
	prod := func() []float64 {
		c := make([]float64, m*n)
		Implementation{}.Dgemm(blas.NoTrans, blas.Trans, m, n, k, 1, a, k, b, k, 0, c, n)
		return c
	}
	want := prod()
	r1 := Serial()
	r2 := Serial()
	got := prod()
	r1()
	r1() // a second call of the same restore has no effect
	if serial.Load() != 1 {
		t.Fatalf("after one of two restores, %d callers are serial, want 1", serial.Load())
	}
	r2()
	if serial.Load() != 0 {
		t.Fatalf("after both restores, %d callers are serial, want 0", serial.Load())
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("element %d = %v under Serial, %v split", i, got[i], want[i])
		}
	}
}
