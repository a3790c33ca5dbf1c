package repgeo

import (
	"errors"
	"math"
	"math/rand/v2"
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
