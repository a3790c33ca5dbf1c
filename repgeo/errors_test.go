package repgeo

import (
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// TestTangentShapeMismatch checks that a tangent vector of the wrong size
// given to Exp or Transport is an error wrapping ErrShapeMismatch, that
// Inner panics with one, and that a non-finite tangent vector wraps
// ErrNonFinite, for every Riemannian metric.
func TestTangentShapeMismatch(t *testing.T) {
	r := rand.New(rand.NewPCG(52, 1))
	const m = 12
	x, y := randRep(r, m, 5), randRep(r, m, 7)
	for _, tc := range []struct {
		name   string
		metric Riemannian
		wrong  *mat.Dense // a tangent vector of the wrong size at these points
	}{
		{"angular-cka", &AngularCKA{}, mat.NewDense(m, m+1, nil)},
		{"angular-shape", &ShapeMetric{}, mat.NewDense(m-1, 3, nil)},
		{"euclidean-shape", shMust(NewEuclideanShape(ShapeConfig{})), mat.NewDense(m+2, 3, nil)},
		{"air", &AIR{}, mat.NewDense(m, m-1, nil)},
		{"stress", &Stress{}, mat.NewDense(m-1, m-1, nil)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := shMust(tc.metric.ToPoint(x))
			q := shMust(tc.metric.ToPoint(y))
			v := shMust(tc.metric.Log(p, q))
			if _, err := tc.metric.Exp(p, tc.wrong); !errors.Is(err, ErrShapeMismatch) {
				t.Errorf("Exp: error %v, want ErrShapeMismatch", err)
			}
			if _, err := tc.metric.Transport(p, q, tc.wrong); !errors.Is(err, ErrShapeMismatch) {
				t.Errorf("Transport: error %v, want ErrShapeMismatch", err)
			}
			func() {
				defer func() {
					err, _ := recover().(error)
					if !errors.Is(err, ErrShapeMismatch) {
						t.Errorf("Inner: panic %v, want an error wrapping ErrShapeMismatch", err)
					}
				}()
				tc.metric.Inner(p, v, tc.wrong)
			}()
			bad := mat.DenseCopyOf(v)
			bad.Set(1, 0, math.NaN())
			bad.Set(0, 1, math.NaN())
			if _, err := tc.metric.Exp(p, bad); !errors.Is(err, ErrNonFinite) {
				t.Errorf("Exp of a NaN vector: error %v, want ErrNonFinite", err)
			}
			// The right size is accepted.
			if _, err := tc.metric.Exp(p, v); err != nil {
				t.Errorf("Exp of Log: %v", err)
			}
		})
	}
}

// TestErrorPrefix checks that the errors of the package, nested or not,
// carry its prefix "repgeo: " once, at the start, that Message leaves it
// out, and that the sentinels stay reachable with errors.Is.
func TestErrorPrefix(t *testing.T) {
	r := rand.New(rand.NewPCG(53, 1))
	x, y := randRep(r, 10, 4), randRep(r, 10, 6)
	constant := mat.NewDense(10, 3, nil)
	cka := &AngularCKA{}
	px, py := shMust(cka.ToPoint(x)), shMust(cka.ToPoint(y))
	p11 := shMust(cka.ToPoint(randRep(r, 11, 3)))
	_, angleErr := Angle(cka, px, px, py)
	_, pairErr := Pairwise(cka, []mat.Matrix{x, y, constant}, nil)
	_, pointsErr := PairwisePoints(cka, []Point{px, py, p11}, nil)
	_, meanErr := FrechetMean(cka, []Point{px, p11}, nil)
	_, pathErr := MeasurePath(cka, []Point{px, py, px})
	_, optErr := NewMetric("stress", Options{Kernel: RBFKernel})
	for _, tc := range []struct {
		name string
		err  error
		is   error
		msg  string // Message(err)
	}{
		{"sentinel", ErrCoincide, ErrCoincide, "points coincide"},
		{"angle", angleErr, ErrCoincide, "Angle: a and b: points coincide (zero-length log at b), the angle is undefined"},
		{"index error", pairErr, ErrConstant, "representation 2: angular-cka: the centred kernel matrix is zero (a constant representation: every row is the same)"},
		{"points", pointsErr, ErrInputMismatch, "point 2: representations have different numbers of inputs: it has 11, point 0 has 10"},
		{"mean", meanErr, ErrInputMismatch, ""},
		{"path", pathErr, ErrCoincide, "MeasurePath: the first and last point: points coincide, tortuosity and progress are undefined"},
		{"option", optErr, nil, "option kernel is not used by stress"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.err == nil {
				t.Fatal("no error")
			}
			s := tc.err.Error()
			if !strings.HasPrefix(s, "repgeo: ") || strings.Count(s, "repgeo: ") != 1 {
				t.Errorf("error %q does not carry the prefix once, at the start", s)
			}
			if m := Message(tc.err); "repgeo: "+m != s || (tc.msg != "" && m != tc.msg) {
				t.Errorf("Message = %q, want %q (Error %q)", m, tc.msg, s)
			}
			if tc.is != nil && !errors.Is(tc.err, tc.is) {
				t.Errorf("error %v is not %v", tc.err, tc.is)
			}
		})
	}
	// Errors of other packages are left as they are.
	other := errors.New("npy: bad magic")
	if Message(other) != other.Error() || Message(nil) != "" {
		t.Errorf("Message(%v) = %q, Message(nil) = %q", other, Message(other), Message(nil))
	}
}
