package dqds

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"gonum.org/v1/gonum/lapack/gonum"
	"gonum.org/v1/gonum/mat"
)

// bidiag returns the diagonal and off-diagonal of an n×n bidiagonal test
// matrix of the given kind, generated from seed.
func bidiag(kind string, n int, seed uint64) (d, e []float64) {
	rnd := rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
	d = make([]float64, n)
	e = make([]float64, max(n-1, 0))
	for i := range d {
		d[i] = rnd.NormFloat64()
	}
	for i := range e {
		e[i] = rnd.NormFloat64()
	}
	// grade returns 10^(-14·t) for t = i/(n-1) in [0, 1].
	grade := func(i int) float64 {
		if n == 1 {
			return 1
		}
		return math.Pow(10, -14*float64(i)/float64(n-1))
	}
	switch kind {
	case "random":
	case "positive":
		for i := range d {
			d[i] = math.Abs(d[i])
		}
		for i := range e {
			e[i] = math.Abs(e[i])
		}
	case "graded": // entries decreasing from 1 to 1e-14
		for i := range d {
			d[i] *= grade(i)
		}
		for i := range e {
			e[i] *= grade(i)
		}
	case "graded-up": // entries increasing from 1e-14 to 1
		for i := range d {
			d[i] *= grade(n - 1 - i)
		}
		for i := range e {
			e[i] *= grade(n - 2 - i)
		}
	case "graded-random": // magnitudes uniform in log scale on [1e-14, 1]
		for i := range d {
			d[i] *= math.Pow(10, -14*rnd.Float64())
		}
		for i := range e {
			e[i] *= math.Pow(10, -14*rnd.Float64())
		}
	case "zero-d": // every third diagonal entry is zero
		for i := 0; i < n; i += 3 {
			d[i] = 0
		}
	case "zero-d-last":
		d[n-1] = 0
	case "zero-e": // every fourth off-diagonal entry is zero (the matrix splits)
		for i := 0; i < len(e); i += 4 {
			e[i] = 0
		}
	case "diagonal":
		clear(e)
	case "zero":
		clear(d)
		clear(e)
	case "negzero":
		for i := range d {
			d[i] = math.Copysign(0, -1)
		}
		for i := range e {
			e[i] = math.Copysign(0, -1)
		}
	case "ones": // all entries 1: clustered singular values
		for i := range d {
			d[i] = 1
		}
		for i := range e {
			e[i] = 1
		}
	case "tiny-e": // off-diagonal negligible against the diagonal
		for i := range e {
			e[i] *= 1e-20
		}
	case "huge":
		for i := range d {
			d[i] *= 1e300
		}
		for i := range e {
			e[i] *= 1e300
		}
	case "tiny":
		for i := range d {
			d[i] *= 1e-300
		}
		for i := range e {
			e[i] *= 1e-300
		}
	case "subnormal":
		for i := range d {
			d[i] *= 1e-310
		}
		for i := range e {
			e[i] *= 1e-310
		}
	case "mixed-scale": // entries from 1e-300 to 1e300
		for i := range d {
			d[i] *= math.Pow(10, 600*rnd.Float64()-300)
		}
		for i := range e {
			e[i] *= math.Pow(10, 600*rnd.Float64()-300)
		}
	default:
		panic("unknown kind " + kind)
	}
	return d, e
}

// sameBits reports the first index at which a and b differ bitwise, or -1.
func sameBits(a, b []float64) int {
	for i := range a {
		if math.Float64bits(a[i]) != math.Float64bits(b[i]) {
			return i
		}
	}
	return -1
}

// sameBitsOrNaN is like sameBits but treats any two NaNs as equal: where
// math.Min and math.Max return a NaN they return the canonical math.NaN(),
// while the builtins return a NaN operand, whose sign and payload may differ.
func sameBitsOrNaN(a, b []float64) int {
	for i := range a {
		if math.Float64bits(a[i]) != math.Float64bits(b[i]) && !(math.IsNaN(a[i]) && math.IsNaN(b[i])) {
			return i
		}
	}
	return -1
}

// TestValuesMatchesGonum checks that Values is bit-identical to gonum's
// Dlasq1 on d, e and work, with the same info.
func TestValuesMatchesGonum(t *testing.T) {
	kinds := []string{
		"random", "positive", "graded", "graded-up", "graded-random",
		"zero-d", "zero-d-last", "zero-e", "diagonal", "zero", "negzero",
		"ones", "tiny-e", "huge", "tiny", "subnormal", "mixed-scale",
	}
	sizes := []int{1, 2, 3, 4, 5, 10, 100, 1000}
	seeds := []uint64{1, 2, 3}
	var cases int
	for _, kind := range kinds {
		for _, n := range sizes {
			for _, seed := range seeds {
				d, e := bidiag(kind, n, seed)
				d0, e0 := slices.Clone(d), slices.Clone(e)
				// e has length n so that info 2 (which writes e[n-1]) cannot
				// panic; the last entry is not part of the matrix.
				e = append(e, 0.5)
				e0 = append(e0, 0.5)
				work := make([]float64, 4*n)
				work0 := make([]float64, 4*n)
				for i := range work {
					work[i] = float64(i) // same garbage in both
					work0[i] = float64(i)
				}
				info0 := gonum.Implementation{}.Dlasq1(n, d0, e0, work0)
				info := Values(d, e, work)
				name := fmt.Sprintf("%s/n=%d/seed=%d", kind, n, seed)
				if info != info0 {
					t.Errorf("%s: info = %d, gonum's Dlasq1 gives %d", name, info, info0)
				}
				if i := sameBits(d, d0); i >= 0 {
					t.Errorf("%s: d[%d] = %v, gonum's Dlasq1 gives %v", name, i, d[i], d0[i])
				}
				if i := sameBits(e, e0); i >= 0 {
					t.Errorf("%s: e[%d] = %v, gonum's Dlasq1 gives %v", name, i, e[i], e0[i])
				}
				if i := sameBits(work, work0); i >= 0 {
					t.Errorf("%s: work[%d] = %v, gonum's Dlasq1 gives %v", name, i, work[i], work0[i])
				}
				cases++
			}
		}
	}
	t.Logf("%d cases bit-identical", cases)
}

// TestValuesNonFinite checks that Values reports a NaN or infinite entry
// through info, LAPACK style, and leaves d and e unmodified.
func TestValuesNonFinite(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	for _, tc := range []struct {
		name string
		d, e []float64
		info int
	}{
		{"nan-d", []float64{1, nan, 2, 3}, []float64{1, 1, 1}, -2},
		{"inf-d", []float64{1, 2, -inf, 3}, []float64{1, 1, 1}, -2},
		{"nan-d-n=1", []float64{nan}, nil, -2},
		{"inf-d-n=1", []float64{inf}, nil, -2},
		{"nan-e", []float64{1, 2, 2, 3}, []float64{1, nan, 1}, -3},
		{"inf-e", []float64{1, 2, 2, 3}, []float64{1, 1, inf}, -3},
		{"nan-e-n=2", []float64{1, 2}, []float64{nan}, -3},
		{"nan-d-inf-e", []float64{nan, 2, 2, 3}, []float64{inf, 1, 1}, -2},
		// e[n-1] is not part of the matrix.
		{"nan-beyond-e", []float64{1, 2}, []float64{1, nan}, 0},
	} {
		d, e := slices.Clone(tc.d), slices.Clone(tc.e)
		work := make([]float64, 4*len(d))
		info := Values(d, e, work)
		if info != tc.info {
			t.Errorf("%s: info = %d, want %d", tc.name, info, tc.info)
		}
		if info != 0 && (sameBits(d, tc.d) >= 0 || sameBits(e, tc.e) >= 0) {
			t.Errorf("%s: input modified: d = %v, e = %v", tc.name, d, e)
		}
	}
}

// TestDlasq1InfMatchesGonum checks the unexported copy on infinite (but not
// NaN) input, which Values rejects: its output must still be the same as
// gonum's (all NaN). With both a NaN and an infinity in the input the copy
// differs from gonum, because math.Max(NaN, +Inf) = +Inf while the builtin
// max(NaN, +Inf) = NaN; Values rejects such input.
func TestDlasq1InfMatchesGonum(t *testing.T) {
	inf := math.Inf(1)
	for _, tc := range []struct {
		name string
		d, e []float64
	}{
		{"inf-d", []float64{1, inf, 2, 3}, []float64{1, 1, 1}},
		{"neg-inf-d", []float64{1, 2, -inf, 3}, []float64{1, 1, 1}},
		{"inf-e", []float64{1, 2, 2, 3}, []float64{1, inf, 1}},
		{"inf-d-e", []float64{inf, 2, 2, 3}, []float64{1, 1, -inf}},
		{"inf-n=2", []float64{inf, 2}, []float64{1}},
	} {
		n := len(tc.d)
		d, e := slices.Clone(tc.d), append(slices.Clone(tc.e), 0)
		d0, e0 := slices.Clone(tc.d), append(slices.Clone(tc.e), 0)
		work, work0 := make([]float64, 4*n), make([]float64, 4*n)
		info := dlasq1(n, d, e, work)
		info0 := gonum.Implementation{}.Dlasq1(n, d0, e0, work0)
		if info != info0 {
			t.Errorf("%s: info = %d, gonum's Dlasq1 gives %d", tc.name, info, info0)
		}
		for i := range d {
			if !(math.IsNaN(d[i]) && math.IsNaN(d0[i])) && math.Float64bits(d[i]) != math.Float64bits(d0[i]) {
				t.Errorf("%s: d[%d] = %v, gonum's Dlasq1 gives %v", tc.name, i, d[i], d0[i])
			}
		}
	}
}

// TestValuesAccuracy checks the singular values against those of the dense
// matrix computed by gonum's mat.SVD (a different algorithm, one-sided
// reduction and implicit-shift QR), and that they are sorted decreasingly.
// The tolerance is 1e-13 relative to the largest singular value.
func TestValuesAccuracy(t *testing.T) {
	for _, kind := range []string{"random", "graded", "zero-d", "zero-e", "ones"} {
		for _, n := range []int{1, 2, 3, 10, 60} {
			d, e := bidiag(kind, n, 7)
			a := mat.NewDense(n, n, nil)
			for i := range n {
				a.Set(i, i, d[i])
				if i+1 < n {
					a.Set(i, i+1, e[i])
				}
			}
			var svd mat.SVD
			if !svd.Factorize(a, mat.SVDNone) {
				t.Fatalf("%s/n=%d: mat.SVD failed", kind, n)
			}
			want := svd.Values(nil)
			if info := Values(d, e, make([]float64, 4*n)); info != 0 {
				t.Fatalf("%s/n=%d: info = %d", kind, n, info)
			}
			if !slices.IsSortedFunc(d, func(a, b float64) int { return -cmp.Compare(a, b) }) {
				t.Errorf("%s/n=%d: values not decreasing: %v", kind, n, d)
			}
			for i := range d {
				if math.Abs(d[i]-want[i]) > 1e-13*want[0] {
					t.Errorf("%s/n=%d: σ[%d] = %v, mat.SVD gives %v", kind, n, i, d[i], want[i])
				}
			}
		}
	}
}

// TestValuesPanics checks the panics for buffers that are too short.
func TestValuesPanics(t *testing.T) {
	for _, tc := range []struct {
		name    string
		d, e, w []float64
		want    string
	}{
		{"short-e", make([]float64, 4), make([]float64, 2), make([]float64, 16), shortE},
		{"short-work", make([]float64, 4), make([]float64, 3), make([]float64, 15), shortWork},
		{"nil-work", make([]float64, 1), nil, nil, shortWork},
	} {
		func() {
			defer func() {
				if r := recover(); r != tc.want {
					t.Errorf("%s: panic %v, want %q", tc.name, r, tc.want)
				}
			}()
			Values(tc.d, tc.e, tc.w)
		}()
	}
	// n = 0 is valid with empty buffers.
	if info := Values(nil, nil, nil); info != 0 {
		t.Errorf("n=0: info = %d, want 0", info)
	}
}

// qdArray returns a random qd array z of length 4n for the dqd routines:
// positive entries of the given kind.
func qdArray(kind string, n int, seed uint64) []float64 {
	rnd := rand.New(rand.NewPCG(seed, 3))
	z := make([]float64, 4*n)
	for i := range z {
		z[i] = rnd.ExpFloat64()
		switch kind {
		case "zeros": // exact zeros, which make dlasq6 restart its recurrence
			if rnd.IntN(5) == 0 {
				z[i] = 0
			}
		case "scaled": // magnitudes from the safe minimum to its reciprocal
			z[i] *= math.Pow(2, float64(rnd.IntN(2040)-1020))
		}
	}
	return z
}

// TestDqdStepsMatchGonum checks the dqd transforms dlasq5 (shifted) and
// dlasq6 (unshifted, guarded against underflow) bit for bit against gonum's
// Dlasq5 and Dlasq6 on random qd arrays, both ping-pong parities and shifts
// that do and do not make d negative. dlasq6 is taken only after an
// underflow risk, which the tests of Values do not reach. The arrays with
// zeros or a wide range of magnitudes make dlasq5 (which has no guard)
// produce NaNs, where only the NaN bits may differ (see sameBitsOrNaN).
func TestDqdStepsMatchGonum(t *testing.T) {
	impl0 := gonum.Implementation{}
	for _, kind := range []string{"plain", "zeros", "scaled"} {
		for _, n := range []int{3, 4, 5, 10, 100} {
			for _, seed := range []uint64{1, 2, 3} {
				for pp := 0; pp <= 1; pp++ {
					for _, i0 := range []int{0, 1} {
						n0 := n - 1
						name := fmt.Sprintf("%s/n=%d/seed=%d/pp=%d/i0=%d", kind, n, seed, pp, i0)

						z := qdArray(kind, n, seed)
						z0 := slices.Clone(z)
						dm, dm1, dm2, dn, dn1, dn2 := dlasq6(i0, n0, z, pp)
						em, em1, em2, en, en1, en2 := impl0.Dlasq6(i0, n0, z0, pp)
						got := []float64{dm, dm1, dm2, dn, dn1, dn2}
						want := []float64{em, em1, em2, en, en1, en2}
						if i := sameBitsOrNaN(got, want); i >= 0 {
							t.Errorf("dlasq6 %s: output %d = %v, gonum's Dlasq6 gives %v", name, i, got[i], want[i])
						}
						if i := sameBitsOrNaN(z, z0); i >= 0 {
							t.Errorf("dlasq6 %s: z[%d] = %v, gonum's Dlasq6 gives %v", name, i, z[i], z0[i])
						}

						for _, tauFrac := range []float64{0, 0.5, 2} {
							z := qdArray(kind, n, seed)
							z0 := slices.Clone(z)
							tau := tauFrac * z[4*i0+pp]
							sigma := 0.25
							_, _, _, tau1, _, dm, dm1, dm2, dn, dn1, dn2 := dlasq5(i0, n0, z, pp, tau, sigma)
							_, _, _, tau2, _, em, em1, em2, en, en1, en2 := impl0.Dlasq5(i0, n0, z0, pp, tau, sigma)
							got := []float64{tau1, dm, dm1, dm2, dn, dn1, dn2}
							want := []float64{tau2, em, em1, em2, en, en1, en2}
							if i := sameBitsOrNaN(got, want); i >= 0 {
								t.Errorf("dlasq5 %s/tau=%v: output %d = %v, gonum's Dlasq5 gives %v", name, tau, i, got[i], want[i])
							}
							if i := sameBitsOrNaN(z, z0); i >= 0 {
								t.Errorf("dlasq5 %s/tau=%v: z[%d] = %v, gonum's Dlasq5 gives %v", name, tau, i, z[i], z0[i])
							}
						}
					}
				}
			}
		}
	}
}

// TestBuiltinMinMax checks the premise of the package on special values:
// the builtin min and max return the same bits as math.Min and math.Max,
// except that with a NaN argument they return a NaN (possibly with other
// bits) even against an infinity.
func TestBuiltinMinMax(t *testing.T) {
	vals := []float64{
		math.Inf(-1), -math.MaxFloat64, -1, -math.SmallestNonzeroFloat64,
		math.Copysign(0, -1), 0, math.SmallestNonzeroFloat64, 0x1p-1022, 1,
		math.MaxFloat64, math.Inf(1), math.NaN(), math.Copysign(math.NaN(), -1),
	}
	for _, x := range vals {
		for _, y := range vals {
			for _, tc := range []struct {
				op        string
				got, want float64
			}{
				{"min", min(x, y), math.Min(x, y)},
				{"max", max(x, y), math.Max(x, y)},
			} {
				if math.IsNaN(x) || math.IsNaN(y) {
					if !math.IsNaN(tc.got) {
						t.Errorf("%s(%v, %v) = %v, want NaN", tc.op, x, y, tc.got)
					}
					continue
				}
				if math.Float64bits(tc.got) != math.Float64bits(tc.want) {
					t.Errorf("%s(%v, %v) = %v, math gives %v", tc.op, x, y, tc.got, tc.want)
				}
			}
		}
	}
}
