package repgeo

import (
	"math"

	"gonum.org/v1/gonum/mat"
)

// MinInputs is the smallest number of inputs (rows) a representation may have.
const MinInputs = 3

// CheckRepresentation returns an error naming the problem if x is not a
// usable representation: fewer than MinInputs rows, no columns, or a NaN or
// infinite entry. The errors wrap ErrTooFewRows, ErrNoColumns and
// ErrNonFinite.
func CheckRepresentation(x mat.Matrix) error {
	m, d := x.Dims()
	if m < MinInputs {
		return errorOf(ErrTooFewRows, "representation has %d rows (inputs), need at least %d", m, MinInputs)
	}
	if d < 1 {
		return errorOf(ErrNoColumns, "representation has no columns")
	}
	for i := 0; i < m; i++ {
		for j := 0; j < d; j++ {
			v := x.At(i, j)
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return errorOf(ErrNonFinite, "representation has a non-finite value %v at row %d, column %d", v, i, j)
			}
		}
	}
	return nil
}

// checkSameInputs returns ErrInputMismatch, with the two sizes, when p and q
// describe different numbers of inputs.
func checkSameInputs(p, q Point) error {
	if p.Inputs() != q.Inputs() {
		return errorf("%w: %d and %d", ErrInputMismatch, p.Inputs(), q.Inputs())
	}
	return nil
}

// pointPair converts p and q with a metric's point function and checks that
// they describe the same inputs.
func pointPair[T Point](point func(Point) (T, error), p, q Point) (a, b T, err error) {
	if a, err = point(p); err != nil {
		return a, b, err
	}
	if b, err = point(q); err != nil {
		return a, b, err
	}
	if err = checkSameInputs(a, b); err != nil {
		return a, b, err
	}
	return a, b, nil
}

// finiteDistance returns d, or an error wrapping ErrOverflow if d is NaN or
// infinite (an intermediate result of the metric named overflowed): a
// distance between points is never returned as NaN or Inf.
func finiteDistance(metric string, d float64) (float64, error) {
	if math.IsNaN(d) || math.IsInf(d, 0) {
		return 0, errorOf(ErrOverflow, "%s: the distance is %v (an intermediate result overflows float64)", metric, d)
	}
	return d, nil
}
