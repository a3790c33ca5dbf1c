package repgeo

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"
)

func TestStressMetricProperties(t *testing.T) {
	m, err := NewMetric("stress", DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	metricProperties(t, m, false)
}

func TestStressRiemannian(t *testing.T) {
	m, err := NewMetric("stress", DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	riemannianProperties(t, m.(Riemannian), 0)
}

// TestStressPoint checks the point against distances computed row by row,
// and the flat geometry against its closed forms.
func TestStressPoint(t *testing.T) {
	rng := rand.New(rand.NewPCG(6, 6))
	x := randRep(rng, 9, 4)
	x.Apply(func(i, j int, v float64) float64 { return v + 5 }, x) // far from the origin
	s := &Stress{}
	p, err := s.ToPoint(x)
	if err != nil {
		t.Fatal(err)
	}
	sp := p.(*stressPoint)
	for i := 0; i < 9; i++ {
		for j := i + 1; j < 9; j++ {
			var diff mat.VecDense
			diff.SubVec(x.RowView(i), x.RowView(j))
			want := mat.Norm(&diff, 2)
			if got := sp.d[stressRowOff(9, i)+j-i-1]; math.Abs(got-want) > 1e-12 {
				t.Errorf("D[%d][%d] = %.15g, want %.15g", i, j, got, want)
			}
		}
	}
	// Two points whose distance matrices differ by a constant c on every
	// pair are at distance |c|; the geodesic is the straight line.
	y := mat.DenseCopyOf(x)
	y.Scale(2, y)
	q, _ := s.ToPoint(y)
	d := mustDist(t, s, p, q)
	var ss float64
	for _, v := range sp.d {
		ss += v * v
	}
	if want := math.Sqrt(ss / 36); math.Abs(d-want) > 1e-12 {
		t.Errorf("d(X, 2X) = %.15g, want rms(D) = %.15g", d, want)
	}
	g, err := s.Geodesic(p, q, 2.5)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range g.(*stressPoint).d {
		if want := 3.5 * sp.d[k]; math.Abs(v-want) > 1e-12 {
			t.Fatalf("g(2.5)[%d] = %g, want %g", k, v, want)
		}
	}
	// Only entries above the diagonal are read by Exp and Inner.
	v, _ := s.Log(p, q)
	w := mat.DenseCopyOf(v)
	for i := 0; i < 9; i++ {
		w.Set(i, i, 7)
		for j := 0; j < i; j++ {
			w.Set(i, j, -1)
		}
	}
	if a, b := s.Inner(p, v, v), s.Inner(p, w, w); a != b {
		t.Errorf("Inner reads below the diagonal: %g vs %g", a, b)
	}
	e, _ := s.Exp(p, w)
	if dd := mustDist(t, s, e, q); dd > 1e-12 {
		t.Errorf("Exp reads below the diagonal: d = %g", dd)
	}
	if _, err := s.Exp(p, mat.NewDense(3, 3, nil)); err == nil {
		t.Error("Exp with a 3×3 vector at a 9-input point: no error")
	}
}

func TestStressErrors(t *testing.T) {
	s := &Stress{}
	nan := mat.NewDense(5, 2, nil)
	nan.Set(2, 1, math.Inf(1))
	if _, err := s.ToPoint(nan); err == nil {
		t.Error("Inf entry: no error")
	}
	if _, err := s.ToPoint(mat.NewDense(2, 2, nil)); err == nil {
		t.Error("two rows: no error")
	}
	// A constant representation is a valid point (all distances zero).
	c, err := s.ToPoint(mat.NewDense(5, 2, nil))
	if err != nil {
		t.Fatalf("constant representation: %v", err)
	}
	p, _ := s.ToPoint(randRep(rand.New(rand.NewPCG(1, 2)), 6, 2))
	if _, err := s.Distance(c, p); !errors.Is(err, ErrInputMismatch) {
		t.Errorf("5 vs 6 inputs: error %v, want ErrInputMismatch", err)
	}
	cka, _ := NewMetric("angular-cka", DefaultOptions())
	if _, err := s.Distance(c, mustPoint(t, cka, randRep(rand.New(rand.NewPCG(1, 3)), 5, 2))); !errors.Is(err, ErrForeignPoint) {
		t.Errorf("angular-cka point in stress: error %v, want ErrForeignPoint", err)
	}
}

// TestStressOverflow checks values at the limits of float64: a
// representation whose squares overflow is an error wrapping ErrOverflow
// (not a point with NaN distances), a distance whose squared differences
// overflow is still computed, and Geodesic and Exp report the points they
// cannot represent; large values below the limit give the scaled distance.
func TestStressOverflow(t *testing.T) {
	s := &Stress{}
	r := rand.New(rand.NewPCG(64, 1))
	x, y := randRep(r, 6, 3), randRep(r, 6, 4)
	p, q := shMust(s.ToPoint(x)), shMust(s.ToPoint(y))
	dxy := shMust(s.Distance(p, q))
	scaledRep := func(a *mat.Dense, f float64) *mat.Dense {
		var b mat.Dense
		b.Scale(f, a)
		return &b
	}
	// upper has the value v above the diagonal of a 6×6 matrix.
	upper := func(v float64) *mat.Dense {
		u := mat.NewDense(6, 6, nil)
		for i := 0; i < 6; i++ {
			for j := i + 1; j < 6; j++ {
				u.Set(i, j, v)
			}
		}
		return u
	}
	cases := []struct {
		name string
		run  func() (float64, error)
		want float64 // when err is nil
		err  error
	}{
		{"entries 1e160", func() (float64, error) {
			a, err := s.ToPoint(scaledRep(x, 1e160))
			if err != nil {
				return 0, err
			}
			return s.Distance(a, q)
		}, 0, ErrOverflow},
		{"entries 1e200 against 1e200", func() (float64, error) {
			a, err := s.ToPoint(scaledRep(x, 1e200))
			if err != nil {
				return 0, err
			}
			b, err := s.ToPoint(scaledRep(y, 1e200))
			if err != nil {
				return 0, err
			}
			return s.Distance(a, b)
		}, 0, ErrOverflow},
		{"entries 1e150 scale the distance", func() (float64, error) {
			a := shMust(s.ToPoint(scaledRep(x, 1e150)))
			b := shMust(s.ToPoint(scaledRep(y, 1e150)))
			d, err := s.Distance(a, b)
			return d / 1e150, err
		}, dxy, nil},
		{"squared differences overflow", func() (float64, error) {
			far, err := s.Exp(p, upper(1e200))
			if err != nil {
				return 0, err
			}
			return s.Distance(p, far)
		}, 1e200, nil},
		{"geodesic extrapolated beyond float64", func() (float64, error) {
			g, err := s.Geodesic(p, q, 1e308)
			if err != nil {
				return 0, err
			}
			return s.Distance(p, g)
		}, 0, ErrOverflow},
		{"exp beyond float64", func() (float64, error) {
			far, err := s.Exp(p, upper(1e308))
			if err != nil {
				return 0, err
			}
			farther, err := s.Exp(far, upper(1e308))
			if err != nil {
				return 0, err
			}
			return s.Distance(p, farther)
		}, 0, ErrOverflow},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d, err := tc.run()
			if tc.err != nil {
				if !errors.Is(err, tc.err) {
					t.Errorf("distance %v, error %v; want an error wrapping %v", d, err, tc.err)
				}
				return
			}
			if err != nil || math.Abs(d-tc.want) > 1e-12*tc.want {
				t.Errorf("distance %v, error %v; want %v", d, err, tc.want)
			}
		})
	}
}
