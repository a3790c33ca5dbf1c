package repgeo

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/mat"
)

// exactZerosMatrix returns an n×s matrix (n ≥ 100, s ≥ 3) whose Householder
// vectors end in different numbers of exact zeros: the first reflector
// reaches row 99, the second (orthogonal to the first) row 48, the rest the
// last row. gonum v0.17.0's blocked QR routines get it wrong (see houseQR).
func exactZerosMatrix(seed uint64, n, s int) *mat.Dense {
	rng := rand.New(rand.NewPCG(seed, seed))
	a := mat.NewDense(n, s, nil)
	for i := 0; i < n; i++ {
		for j := 2; j < s; j++ {
			a.Set(i, j, rng.NormFloat64())
		}
	}
	for i := 1; i < 100; i++ {
		a.Set(i, 0, 1)
	}
	for i := 1; i < 49; i++ {
		a.Set(i, 1, float64(2*(i%2)-1))
	}
	return a
}

// TestHouseQR checks Q R = t and the path taken (blocked or not), on dense
// matrices and on ones with exact zeros at the ends of the reflectors.
func TestHouseQR(t *testing.T) {
	rng := rand.New(rand.NewPCG(91, 92))
	for _, c := range []struct {
		name    string
		t       *mat.Dense
		blocked bool
	}{
		{"dense 300×200", shRand(rng, 300, 200), true},
		{"dense 50×50", shRand(rng, 50, 50), true},
		{"exact zeros 300×200", exactZerosMatrix(93, 300, 200), false},
		{"exact zeros 150×150", exactZerosMatrix(94, 150, 150), false},
	} {
		n, s := c.t.Dims()
		qr := newHouseQR(c.t)
		if qr.blocked != c.blocked {
			t.Errorf("%s: blocked %v, want %v", c.name, qr.blocked, c.blocked)
		}
		qrm := mat.NewDense(n, s, nil)
		qrm.Slice(0, s, 0, s).(*mat.Dense).Copy(qr.r())
		qr.applyQ(qrm.RawMatrix())
		var diff mat.Dense
		diff.Sub(qrm, c.t)
		if e := mat.Norm(&diff, 2) / mat.Norm(c.t, 2); e > 1e-13 {
			t.Errorf("%s: |QR - t| / |t| = %g", c.name, e)
		}
	}
	// applyQ with no columns is a no-op.
	newHouseQR(shRand(rng, 5, 3)).applyQ(blas64.General{Rows: 5, Cols: 0, Stride: 1})
}

// TestPolarExactZeros checks the polar factors of tall matrices with exact
// zeros at the ends of their reflectors, full rank (Newton's iteration on R)
// and rank deficient (the SVD of R): U^T U = I and tr(U^T t) = ||t||_* (a
// polar factor is an orthonormal U that maximizes the trace).
func TestPolarExactZeros(t *testing.T) {
	deficient := exactZerosMatrix(96, 400, 200)
	for i := 0; i < 400; i++ {
		deficient.Set(i, 199, deficient.At(i, 198))
	}
	for _, c := range []struct {
		name string
		t    *mat.Dense
		tall bool // polarTall too (full rank only)
	}{
		{"full rank 300×200", exactZerosMatrix(95, 300, 200), true},
		{"rank deficient 400×200", deficient, false},
	} {
		nuc, err := nuclearNorm(c.t)
		if err != nil {
			t.Fatal(err)
		}
		us := map[string]*mat.Dense{}
		if us["polarThin"], err = polarThin(c.t); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if c.tall {
			u, _, ok := polarTall(c.t)
			if !ok {
				t.Fatalf("%s: polarTall: rank deficient", c.name)
			}
			us["polarTall"] = u
		}
		_, s := c.t.Dims()
		for name, u := range us {
			var h, utu mat.Dense
			h.Mul(u.T(), c.t)
			utu.Mul(u.T(), u)
			for i := 0; i < s; i++ {
				utu.Set(i, i, utu.At(i, i)-1)
			}
			if e := mat.Norm(&utu, 2); e > 1e-12 {
				t.Errorf("%s, %s: |U^T U - I| = %g", c.name, name, e)
			}
			if d := math.Abs(mat.Trace(&h) - nuc); d > 1e-12*nuc {
				t.Errorf("%s, %s: tr(U^T t) = %.15g, ||t||_* = %.15g", c.name, name, mat.Trace(&h), nuc)
			}
		}
	}
}
