package models

import (
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"strings"

	"gonum.org/v1/gonum/mat"

	"github.com/repgeo/repgeo/npy"
)

// Activations is the representation of every tap of a model for the same m
// probe inputs, in path order, ready for the repgeo package.
type Activations struct {
	// Taps names each representation in path order, such as "00_input".
	Taps []string
	// Layers holds one m×d matrix per tap, in the order of Taps; convolutional
	// maps are flattened per input.
	Layers []*mat.Dense
	// Target is the m×classes one-hot matrix of the probe labels, or nil when
	// the inputs came without labels.
	Target *mat.Dense
	// Labels holds the class of each probe input, or nil without labels.
	Labels []int
}

// TargetName names the one-hot target: the last point of a model's path and
// the last entry of an activations file. No tap may have this name.
const TargetName = "target"

// ErrActivations is wrapped by the errors of ReadActivations and
// WriteActivations for a file or value that breaks the activations format.
var ErrActivations = errors.New("bad activations")

// ActivationsError is the error of ReadActivations, WriteActivations and
// Activations.Check for a file or value that breaks the activations format.
// It wraps ErrActivations and, when there is one, the error that caused it.
type ActivationsError struct {
	// Path names the file, or is "" when the error is not about one file.
	Path string
	// Problem says what is wrong.
	Problem string
	// Err is the error that caused this one (such as the npy package's error
	// for a corrupt or missing file), or nil.
	Err error
}

// Error returns the error's message with the package prefix "models: ".
func (e *ActivationsError) Error() string { return "models: " + e.Message() }

// Message returns the error's message without the package prefix, for a
// caller that names the operation in its own way: "path: bad activations:
// problem".
func (e *ActivationsError) Message() string {
	m := ErrActivations.Error() + ": " + e.Problem
	if e.Path != "" {
		m = e.Path + ": " + m
	}
	return m
}

// Unwrap returns ErrActivations and the cause, if any.
func (e *ActivationsError) Unwrap() []error {
	if e.Err == nil {
		return []error{ErrActivations}
	}
	return []error{ErrActivations, e.Err}
}

// Path returns the names and matrices of the points of the model's path: the
// taps in path order, then TargetName and Target when a has a target.
func (a *Activations) Path() (names []string, reps []mat.Matrix) {
	names = make([]string, 0, len(a.Taps)+1)
	reps = make([]mat.Matrix, 0, len(a.Layers)+1)
	for i, l := range a.Layers {
		names = append(names, a.Taps[i])
		reps = append(reps, l)
	}
	if a.Target != nil {
		names = append(names, TargetName)
		reps = append(reps, a.Target)
	}
	return names, reps
}

// Check reports whether a can be written as an activations file: at least
// one tap, as many names as layers, distinct non-empty names without a slash
// other than TargetName, m×d layers with the same m ≥ 1 and finite values, a
// target (if any) with m one-hot rows, and labels (if any) that match it.
func (a *Activations) Check() error {
	if err := a.problem(); err != nil {
		return &ActivationsError{Problem: err.Error()}
	}
	return nil
}

// problem returns what breaks the rules of Check, or nil.
func (a *Activations) problem() error {
	fail := fmt.Errorf
	if a == nil {
		return fail("nil activations")
	}
	if len(a.Taps) != len(a.Layers) {
		return fail("%d tap names for %d layers", len(a.Taps), len(a.Layers))
	}
	if len(a.Layers) == 0 {
		return fail("no taps")
	}
	seen := make(map[string]bool, len(a.Taps))
	m := -1
	for i, name := range a.Taps {
		switch {
		case name == "":
			return fail("tap %d has an empty name", i)
		case name == TargetName:
			return fail("tap %d is named %q, the name reserved for the target", i, name)
		case strings.ContainsAny(name, `/\`):
			return fail("tap name %q contains a slash", name)
		case seen[name]:
			return fail("tap name %q used twice", name)
		case a.Layers[i] == nil:
			return fail("tap %q has no matrix", name)
		}
		seen[name] = true
		r, _ := a.Layers[i].Dims()
		if m >= 0 && r != m {
			return fail("tap %q has %d rows, tap %q has %d: every tap must describe the same inputs", name, r, a.Taps[0], m)
		}
		m = r
		if err := finite(a.Layers[i]); err != nil {
			return fail("tap %q: %v", name, err)
		}
	}
	if a.Target == nil {
		if a.Labels != nil {
			return fail("labels without a target")
		}
		return nil
	}
	if r, _ := a.Target.Dims(); r != m {
		return fail("the target has %d rows, the taps %d", r, m)
	}
	labels, err := oneHot(a.Target)
	if err != nil {
		return err
	}
	if a.Labels != nil {
		if len(a.Labels) != m {
			return fail("%d labels for %d inputs", len(a.Labels), m)
		}
		for i, l := range a.Labels {
			if l != labels[i] {
				return fail("label %d is %d, the target's row says %d", i, l, labels[i])
			}
		}
	}
	return nil
}

// finite returns an error naming the first NaN or infinite entry of x.
func finite(x *mat.Dense) error {
	r, c := x.Dims()
	for i := range r {
		for j, v := range x.RawRowView(i)[:c] {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return fmt.Errorf("entry (%d, %d) is %v", i, j, v)
			}
		}
	}
	return nil
}

// oneHot returns the class of every row of the one-hot matrix t, or an error
// naming the first row that is not one-hot.
func oneHot(t *mat.Dense) ([]int, error) {
	r, c := t.Dims()
	labels := make([]int, r)
	for i := range r {
		label := -1
		for j, v := range t.RawRowView(i)[:c] {
			switch {
			case v == 1 && label == -1:
				label = j
			case v != 0:
				label = -2
			}
		}
		if label < 0 {
			return nil, fmt.Errorf("target row %d is not one-hot", i)
		}
		labels[i] = label
	}
	return labels, nil
}

// WriteActivations writes a to path as an activations file, after checking
// it (see Activations.Check): an uncompressed .npz archive with one float64
// (<f8) m×d entry per tap, named by the tap, in path order, then the m×classes
// one-hot target named TargetName when a has one. The write is atomic.
func WriteActivations(path string, a *Activations) error {
	if err := a.problem(); err != nil {
		return &ActivationsError{Path: path, Problem: err.Error()}
	}
	names, reps := a.Path()
	if err := npy.WriteNPZ(path, names, reps); err != nil {
		return fmt.Errorf("models: %w", err)
	}
	return nil
}

// ReadActivations reads an activations file written by WriteActivations (or
// by numpy.savez with the same layout: any numeric dtype numpy writes, arrays
// of more than two axes flattened per input). The archive's entries are the
// taps in path order, except a last entry named TargetName, which becomes
// Target and, read from its one-hot rows, Labels. It returns an
// *ActivationsError (wrapping ErrActivations) for a file that is not an .npz
// archive, is missing or corrupt, or breaks the rules of Activations.Check (a
// TargetName entry that is not last included).
func ReadActivations(path string) (*Activations, error) {
	if strings.EqualFold(filepath.Ext(path), ".npy") {
		return nil, &ActivationsError{Path: path, Problem: "a .npy file holds one array, not an .npz archive of activations"}
	}
	arrays, err := npy.ReadFile(path)
	if err != nil {
		return nil, &ActivationsError{Problem: err.Error(), Err: err}
	}
	a := &Activations{}
	for i, x := range arrays {
		if x.Name == TargetName {
			if i != len(arrays)-1 {
				return nil, &ActivationsError{Path: path, Problem: fmt.Sprintf("the %q entry is number %d of %d; it must be the last", TargetName, i+1, len(arrays))}
			}
			a.Target = x.Data
			continue
		}
		a.Taps = append(a.Taps, x.Name)
		a.Layers = append(a.Layers, x.Data)
	}
	if err := a.problem(); err != nil {
		return nil, &ActivationsError{Path: path, Problem: err.Error()}
	}
	if a.Target != nil {
		a.Labels, _ = oneHot(a.Target) // problem checked the rows
	}
	return a, nil
}
