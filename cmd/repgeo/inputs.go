package main

import (
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"

	"gonum.org/v1/gonum/mat"

	"github.com/repgeo/repgeo/models"
	"github.com/repgeo/repgeo/npy"
	"github.com/repgeo/repgeo/repgeo"
)

// representations are the arrays read from the files of a command line, in
// order: every array of every file.
type representations struct {
	// labels name the arrays: an .npy file's base name, an .npz entry's key.
	labels []string
	// sources name where each array came from, for error messages:
	// "a.npy" or "b.npz: entry conv1".
	sources []string
	mats    []mat.Matrix
}

// readRepresentations reads every array of every file and checks that
// there are between min and max of them (max < 0: no limit), that each is a
// usable representation (at least repgeo.MinInputs rows, finite values), and
// that all have the same number of rows. usage names the expected
// arguments in the error for a wrong count. All errors are bad input.
func readRepresentations(files []string, min, max int, usage string) (*representations, error) {
	for _, f := range files {
		if strings.HasPrefix(f, "-") && len(f) > 1 {
			return nil, badInput("%q after the files looks like a flag; flags go before the files", f)
		}
	}
	r := &representations{}
	for _, f := range files {
		names, mats, npz, err := readArrays(f)
		if err != nil {
			return nil, err
		}
		for i, name := range names {
			src := f
			if npz {
				src = fmt.Sprintf("%s: entry %s", f, name)
			}
			r.labels = append(r.labels, name)
			r.sources = append(r.sources, src)
			r.mats = append(r.mats, mats[i])
		}
	}
	r.uniqueLabels()
	n := len(r.mats)
	if n < min || (max >= 0 && n > max) {
		want := strconv.Itoa(min)
		switch {
		case max < 0:
			want = "at least " + want
		case max != min:
			want = fmt.Sprintf("%d to %d", min, max)
		}
		return nil, badInput("need %s representations (%s), got %d from %s", want, usage, n, plural(len(files), "file"))
	}
	for i, x := range r.mats {
		if err := repgeo.CheckRepresentation(x); err != nil {
			return nil, r.explain(&repgeo.IndexError{Index: i, Err: err})
		}
		mi, _ := x.Dims()
		if m0, _ := r.mats[0].Dims(); mi != m0 {
			return nil, badInput("%s: %d rows (inputs), but %s has %d: all representations must describe the same inputs",
				r.sources[i], mi, r.sources[0], m0)
		}
	}
	return r, nil
}

// readArrays reads the arrays of a file: a .npy file's one array, named by
// the file, or the points of an activations file (models.ReadActivations:
// the taps in path order, then "target" if present). npz reports whether the
// arrays are entries of an archive. Errors are bad input.
func readArrays(f string) (names []string, mats []mat.Matrix, npz bool, err error) {
	if strings.EqualFold(filepath.Ext(f), ".npy") {
		arrays, err := npy.ReadFile(f)
		if err != nil {
			return nil, nil, false, badInput("%v", err)
		}
		for _, a := range arrays {
			names = append(names, a.Name)
			mats = append(mats, a.Data)
		}
		return names, mats, len(arrays) > 1, nil
	}
	acts, err := models.ReadActivations(f)
	if err != nil {
		return nil, nil, false, badInput("%v", err)
	}
	names, mats = acts.Path()
	return names, mats, len(names) > 1 || strings.EqualFold(filepath.Ext(f), ".npz"), nil
}

// uniqueLabels makes the labels distinct when several files hold arrays of
// the same name (such as two runs' net.npz): every label then names its
// file, "run1/net.npz:layer_0" for an .npz entry and the path for an .npy
// file. Labels stay repeated only when the same file is given twice.
func (r *representations) uniqueLabels() {
	seen := map[string]bool{}
	dup := false
	for _, l := range r.labels {
		dup = dup || seen[l]
		seen[l] = true
	}
	if !dup {
		return
	}
	for i, src := range r.sources {
		if file, _, ok := strings.Cut(src, ": entry "); ok {
			r.labels[i] = file + ":" + r.labels[i]
		} else {
			r.labels[i] = src
		}
	}
}

// explain turns an error of one representation (a *repgeo.IndexError)
// into bad input naming its source; other errors are returned unchanged.
func (r *representations) explain(err error) error {
	var ie *repgeo.IndexError
	if errors.As(err, &ie) && ie.Index >= 0 && ie.Index < len(r.sources) {
		return badInput("%s: %s", r.sources[ie.Index], ie.Detail())
	}
	return err
}

// coincide turns an error of a geometric operation about coinciding points
// (repgeo.ErrCoincide), which the input causes, into bad input naming the
// arguments (given roles such as "A", "B", "C") or, without roles, saying
// how points are numbered. Other errors are returned unchanged.
func (r *representations) coincide(err error, roles ...string) error {
	if !errors.Is(err, repgeo.ErrCoincide) {
		return err
	}
	if len(roles) == 0 {
		return badInput("%w (points are numbered from 0 in the order of the arrays)", err)
	}
	parts := make([]string, 0, len(roles))
	for i, role := range roles {
		if i < len(r.sources) {
			parts = append(parts, role+" = "+r.sources[i])
		}
	}
	return badInput("%w (%s)", err, strings.Join(parts, ", "))
}

// points maps every representation to a point of m, in parallel.
func (r *representations) points(m repgeo.Metric) ([]repgeo.Point, error) {
	pts, err := repgeo.Points(m, r.mats, nil)
	return pts, r.explain(err)
}

// metricPoints builds the metric of the flags, reads between min and max
// representations from files (see readRepresentations) and maps them to
// points of the metric.
func metricPoints(mf *metricFlags, files []string, min, max int, usage string) (repgeo.Metric, *representations, []repgeo.Point, error) {
	m, err := mf.metric()
	if err != nil {
		return nil, nil, nil, err
	}
	reps, err := readRepresentations(files, min, max, usage)
	if err != nil {
		return nil, nil, nil, err
	}
	pts, err := reps.points(m)
	if err != nil {
		return nil, nil, nil, err
	}
	return m, reps, pts, nil
}
