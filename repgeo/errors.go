package repgeo

import (
	"errors"
	"fmt"
	"strings"
)

// Sentinel errors of the package. Errors that the functions return wrap
// them where they apply, so that callers can tell the cases apart with
// errors.Is; the messages add the details (sizes, positions, values).
var (
	// ErrTooFewRows: a representation has fewer than MinInputs rows.
	ErrTooFewRows = errors.New("repgeo: too few rows (inputs)")
	// ErrNoColumns: a representation has no columns.
	ErrNoColumns = errors.New("repgeo: no columns")
	// ErrNonFinite: a representation or tangent vector has a NaN or infinite entry.
	ErrNonFinite = errors.New("repgeo: non-finite value")
	// ErrInputMismatch: two points or representations describe different
	// numbers of inputs.
	ErrInputMismatch = errors.New("repgeo: representations have different numbers of inputs")
	// ErrConstant: a representation is constant (every row the same), so a
	// metric that normalizes it has no point for it.
	ErrConstant = errors.New("repgeo: constant representation")
	// ErrSingular: a matrix that must be positive definite is singular.
	ErrSingular = errors.New("repgeo: singular matrix")
	// ErrCoincide: an operation is undefined because two points coincide
	// (the angle at a point equal to an end, the geodesic through one point).
	ErrCoincide = errors.New("points coincide")
	// ErrForeignPoint: a point was made by another metric, or by the same
	// metric with another configuration.
	ErrForeignPoint = errors.New("repgeo: point of another metric")
	// ErrShapeMismatch: a tangent vector has the wrong size for the point it
	// is at (Exp, Transport), or two tangent vectors have different sizes
	// (Inner, which panics with an error wrapping it).
	ErrShapeMismatch = errors.New("repgeo: tangent vector of the wrong size")
	// ErrNoConvergence: an iteration did not converge.
	ErrNoConvergence = errors.New("repgeo: iteration did not converge")
)

// IndexError is the error of one representation among several, as Points,
// Pairwise and NewPath return it: Index is the representation's position in
// the slice given, Err its error.
type IndexError struct {
	Index int
	Err   error
}

// Error returns "repgeo: representation INDEX: " and Detail.
func (e *IndexError) Error() string {
	return fmt.Sprintf("repgeo: representation %d: %s", e.Index, e.Detail())
}

// Detail returns the message of Err without this package's "repgeo: "
// prefix, for callers that name the representation in their own way (the
// command line names its file).
func (e *IndexError) Detail() string {
	return strings.TrimPrefix(e.Err.Error(), "repgeo: ")
}

// Unwrap returns Err.
func (e *IndexError) Unwrap() error { return e.Err }

// kindError is an error with its own message that errors.Is matches to the
// sentinel kind.
type kindError struct {
	kind error
	msg  string
}

func (e *kindError) Error() string { return e.msg }
func (e *kindError) Unwrap() error { return e.kind }

// errorOf returns an error of the sentinel kind with the formatted message.
func errorOf(kind error, format string, args ...any) error {
	return &kindError{kind: kind, msg: fmt.Sprintf(format, args...)}
}

// errorf is fmt.Errorf for messages that start with this package's prefix
// and wrap another error of it: the wrapped error's own "repgeo: " prefix
// is left out of the message, so that it is not repeated.
func errorf(format string, args ...any) error {
	for i, a := range args {
		if e, ok := a.(error); ok {
			args[i] = unprefixed{e}
		}
	}
	return fmt.Errorf(format, args...)
}

// unprefixed is an error whose message leaves out the "repgeo: " prefix of
// the error it wraps.
type unprefixed struct{ err error }

func (u unprefixed) Error() string { return strings.TrimPrefix(u.err.Error(), "repgeo: ") }
func (u unprefixed) Unwrap() error { return u.err }
