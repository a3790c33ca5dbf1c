package repgeo

import (
	"fmt"
)

// Sentinel errors of the package. Errors that the functions return wrap
// them where they apply, so that callers can tell the cases apart with
// errors.Is; the messages add the details (sizes, positions, values).
var (
	// ErrTooFewRows: a representation has fewer than MinInputs rows.
	ErrTooFewRows = newSentinel("too few rows (inputs)")
	// ErrNoColumns: a representation has no columns.
	ErrNoColumns = newSentinel("no columns")
	// ErrNonFinite: a representation or tangent vector has a NaN or infinite entry.
	ErrNonFinite = newSentinel("non-finite value")
	// ErrInputMismatch: two points or representations describe different
	// numbers of inputs.
	ErrInputMismatch = newSentinel("representations have different numbers of inputs")
	// ErrConstant: a representation is constant (every row the same), so a
	// metric that normalizes it has no point for it.
	ErrConstant = newSentinel("constant representation")
	// ErrSingular: a matrix that must be positive definite is singular.
	ErrSingular = newSentinel("singular matrix")
	// ErrCoincide: an operation is undefined because two points coincide
	// (the angle at a point equal to an end, the geodesic through one point).
	ErrCoincide = newSentinel("points coincide")
	// ErrForeignPoint: a point was made by another metric, or by the same
	// metric with another configuration.
	ErrForeignPoint = newSentinel("point of another metric")
	// ErrShapeMismatch: a tangent vector has the wrong size for the point it
	// is at (Exp, Transport), or two tangent vectors have different sizes
	// (Inner, which panics with an error wrapping it).
	ErrShapeMismatch = newSentinel("tangent vector of the wrong size")
	// ErrNoConvergence: an iteration did not converge.
	ErrNoConvergence = newSentinel("iteration did not converge")
	// ErrOverflow: finite input whose values are too large for a metric's
	// computations in float64 (their squares or products overflow).
	ErrOverflow = newSentinel("values too large (float64 overflow)")
)

// Message returns the text of err without the package prefix "repgeo: "
// if err is an error of this package (a sentinel, an *IndexError, an
// *OptionError or an error that a function of the package returns), and
// err.Error() otherwise. Only err itself is looked at, not the errors it
// wraps: a caller that names the operation in its own way (the command line
// names the subcommand) prints Message(err), and formats the errors of this
// package that it wraps with Message too. Message(nil) is "".
func Message(err error) string {
	switch e := err.(type) {
	case nil:
		return ""
	case messager:
		return e.message()
	}
	return err.Error()
}

// messager is implemented by the errors of this package: message is the
// text of Error without the package prefix.
type messager interface {
	error
	message() string
}

const prefix = "repgeo: "

// sentinel is the type of the sentinel errors.
type sentinel struct{ msg string }

func newSentinel(msg string) error { return &sentinel{msg} }

func (e *sentinel) Error() string   { return prefix + e.msg }
func (e *sentinel) message() string { return e.msg }

// IndexError is the error of one representation among several, as Points,
// Pairwise and NewPath return it: Index is the representation's position in
// the slice given, Err its error.
type IndexError struct {
	Index int
	Err   error
}

// Error returns "repgeo: representation INDEX: " and Detail.
func (e *IndexError) Error() string { return prefix + e.message() }

func (e *IndexError) message() string {
	return fmt.Sprintf("representation %d: %s", e.Index, e.Detail())
}

// Detail returns Message(Err), the representation's error without this
// package's prefix, for callers that name the representation in their own
// way (the command line names its file).
func (e *IndexError) Detail() string { return Message(e.Err) }

// Unwrap returns Err.
func (e *IndexError) Unwrap() error { return e.Err }

// pkgError is the type of the other errors that the package returns: msg
// is the message without the package prefix, errs the errors it wraps.
type pkgError struct {
	msg  string
	errs []error
}

func (e *pkgError) Error() string   { return prefix + e.msg }
func (e *pkgError) message() string { return e.msg }
func (e *pkgError) Unwrap() []error { return e.errs }

// errorf returns an error of this package: format (without the package
// prefix, which Error adds) and args as for fmt.Errorf. Errors among args
// are formatted by their Message, so that prefixes are not repeated inside
// the message, and those of %w verbs are wrapped.
func errorf(format string, args ...any) error {
	for i, a := range args {
		if e, ok := a.(error); ok {
			args[i] = plain{e}
		}
	}
	w := fmt.Errorf(format, args...)
	e := &pkgError{msg: w.Error()}
	switch u := w.(type) {
	case interface{ Unwrap() []error }:
		e.errs = u.Unwrap()
	case interface{ Unwrap() error }:
		e.errs = []error{u.Unwrap()}
	}
	return e
}

// errorOf returns an error of this package as errorf does that also wraps
// the sentinel kind.
func errorOf(kind error, format string, args ...any) error {
	e := errorf(format, args...).(*pkgError)
	e.errs = append(e.errs, kind)
	return e
}

// plain is an error formatted by its Message.
type plain struct{ err error }

func (p plain) Error() string { return Message(p.err) }
func (p plain) Unwrap() error { return p.err }
