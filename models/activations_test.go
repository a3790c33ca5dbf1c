package models

import (
	"archive/zip"
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/repgeo/repgeo/npy"
)

// testActivations returns activations of three taps (names not in sorted
// order, so that a reader that sorts them fails) on m = 4 inputs of 3
// classes.
func testActivations() *Activations {
	a := &Activations{
		Taps:   []string{"02_stem", "10_block", "01_pool", "logits"},
		Labels: []int{2, 0, 1, 2},
		Target: mat.NewDense(4, 3, []float64{0, 0, 1, 1, 0, 0, 0, 1, 0, 0, 0, 1}),
	}
	for k, d := range []int{5, 2, 7, 3} {
		x := mat.NewDense(4, d, nil)
		for i := range 4 {
			for j := range d {
				x.Set(i, j, float64(k)+0.1*float64(i)-1.0/float64(j+3))
			}
		}
		a.Layers = append(a.Layers, x)
	}
	return a
}

// sameActivations reports how a and b differ, or "".
func sameActivations(a, b *Activations) string {
	switch {
	case !slices.Equal(a.Taps, b.Taps):
		return "taps " + strings.Join(a.Taps, ",") + " vs " + strings.Join(b.Taps, ",")
	case len(a.Layers) != len(b.Layers):
		return "layer count"
	case !slices.Equal(a.Labels, b.Labels):
		return "labels"
	case (a.Target == nil) != (b.Target == nil):
		return "target presence"
	case a.Target != nil && !mat.Equal(a.Target, b.Target):
		return "target"
	}
	for i := range a.Layers {
		if !mat.Equal(a.Layers[i], b.Layers[i]) {
			return "layer " + a.Taps[i]
		}
	}
	return ""
}

func TestActivationsRoundTrip(t *testing.T) {
	noTarget := testActivations()
	noTarget.Target, noTarget.Labels = nil, nil
	for _, tc := range []struct {
		name string
		a    *Activations
	}{
		{"with-target", testActivations()},
		{"without-target", noTarget},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "acts.npz")
			if err := WriteActivations(path, tc.a); err != nil {
				t.Fatal(err)
			}
			got, err := ReadActivations(path)
			if err != nil {
				t.Fatal(err)
			}
			if d := sameActivations(got, tc.a); d != "" {
				t.Errorf("read back differs: %s", d)
			}
			// The archive holds the taps in path order, then the target.
			arrays, err := npy.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			var keys []string
			for _, x := range arrays {
				keys = append(keys, x.Name)
			}
			want, _ := tc.a.Path()
			if !slices.Equal(keys, want) {
				t.Errorf("entries %v, want %v", keys, want)
			}
		})
	}
}

// TestActivationsLegacy reads files laid out as the experiment cache and the
// extract command wrote them before the format had one home (npy.WriteNPZ of
// the taps, then "target" or nothing), and rejects what neither wrote.
func TestActivationsLegacy(t *testing.T) {
	a := testActivations()
	dir := t.TempDir()
	write := func(name string, names []string, xs []mat.Matrix) string {
		path := filepath.Join(dir, name)
		if err := npy.WriteNPZ(path, names, xs); err != nil {
			t.Fatal(err)
		}
		return path
	}
	names, reps := a.Path()
	n := len(names)
	legacy := write("legacy.npz", names, reps)
	got, err := ReadActivations(legacy)
	if err != nil {
		t.Fatal(err)
	}
	if d := sameActivations(got, a); d != "" {
		t.Errorf("legacy file: %s", d)
	}
	legacyNoTarget := write("legacy-no-target.npz", names[:n-1], reps[:n-1])
	if got, err := ReadActivations(legacyNoTarget); err != nil || got.Target != nil || got.Labels != nil || len(got.Taps) != n-1 {
		t.Errorf("legacy file without target: %v, %v", got, err)
	}

	swapped := slices.Clone(names)
	swapped[0], swapped[n-1] = swapped[n-1], swapped[0]
	swappedReps := slices.Clone(reps)
	swappedReps[0], swappedReps[n-1] = swappedReps[n-1], swappedReps[0]
	for _, tc := range []struct {
		name, path, want string
	}{
		{"target-first", write("target-first.npz", swapped, swappedReps), "must be the last"},
		{"target-only", write("target-only.npz", names[n-1:], reps[n-1:]), "no taps"},
		{"two-hot", write("two-hot.npz", names, append(slices.Clone(reps[:n-1]), mat.NewDense(4, 3, []float64{1, 1, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1}))), "row 0 is not one-hot"},
		{"zero-row", write("zero-row.npz", names, append(slices.Clone(reps[:n-1]), mat.NewDense(4, 3, []float64{0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 1}))), "row 1 is not one-hot"},
		{"target-rows", write("target-rows.npz", names, append(slices.Clone(reps[:n-1]), mat.NewDense(2, 1, []float64{1, 1}))), "target has 2 rows"},
		{"tap-rows", write("tap-rows.npz", []string{"a", "b"}, []mat.Matrix{mat.NewDense(3, 1, []float64{1, 2, 3}), mat.NewDense(2, 1, []float64{1, 2})}), `tap "b" has 2 rows`},
		{"nan", write("nan.npz", []string{"a"}, []mat.Matrix{mat.NewDense(2, 1, []float64{1, math.NaN()})}), "NaN"},
	} {
		_, err := ReadActivations(tc.path)
		if !errors.Is(err, ErrActivations) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want ErrActivations saying %q", tc.name, err, tc.want)
		}
	}
}

// TestActivationsCorrupt checks that damaged files give ErrActivations, not
// a panic or a partial result.
func TestActivationsCorrupt(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.npz")
	if err := WriteActivations(good, testActivations()); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	// A zip that holds something other than .npy entries.
	var other strings.Builder
	zw := zip.NewWriter(&other)
	w, _ := zw.Create("notes.txt")
	w.Write([]byte("not an array"))
	zw.Close()
	for _, tc := range []struct {
		name string
		data []byte
	}{
		{"truncated", raw[:len(raw)/2]},
		{"empty", nil},
		{"garbage", []byte("this is not an archive")},
		{"flipped-header", append(append([]byte{}, raw[:60]...), append([]byte{'X'}, raw[61:]...)...)},
		{"other-zip", []byte(other.String())},
	} {
		path := filepath.Join(dir, tc.name+".npz")
		if err := os.WriteFile(path, tc.data, 0o644); err != nil {
			t.Fatal(err)
		}
		if a, err := ReadActivations(path); !errors.Is(err, ErrActivations) {
			t.Errorf("%s: got %v, error %v; want ErrActivations", tc.name, a, err)
		}
	}
	if _, err := ReadActivations(filepath.Join(dir, "missing.npz")); !errors.Is(err, ErrActivations) || !strings.Contains(err.Error(), "missing.npz") {
		t.Errorf("missing file: error %v", err)
	}
	npyPath := filepath.Join(dir, "one.npy")
	if err := npy.WriteNPY(npyPath, mat.NewDense(2, 2, []float64{1, 2, 3, 4})); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadActivations(npyPath); !errors.Is(err, ErrActivations) || !strings.Contains(err.Error(), "not an .npz") {
		t.Errorf(".npy file: error %v", err)
	}
}

// TestWriteActivationsRejects checks the rules on writing, and that a
// rejected write leaves an existing file untouched.
func TestWriteActivationsRejects(t *testing.T) {
	path := filepath.Join(t.TempDir(), "acts.npz")
	if err := WriteActivations(path, testActivations()); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(path)
	for _, tc := range []struct {
		name   string
		modify func(a *Activations)
		want   string
	}{
		{"no-taps", func(a *Activations) { a.Taps, a.Layers = nil, nil }, "no taps"},
		{"count", func(a *Activations) { a.Taps = a.Taps[1:] }, "3 tap names for 4 layers"},
		{"reserved", func(a *Activations) { a.Taps[1] = TargetName }, "reserved for the target"},
		{"duplicate", func(a *Activations) { a.Taps[2] = a.Taps[0] }, "used twice"},
		{"slash", func(a *Activations) { a.Taps[0] = "layer1/conv" }, "slash"},
		{"empty-name", func(a *Activations) { a.Taps[0] = "" }, "empty name"},
		{"rows", func(a *Activations) { a.Layers[1] = mat.NewDense(3, 2, nil) }, "has 3 rows"},
		{"inf", func(a *Activations) { a.Layers[2].Set(1, 1, math.Inf(-1)) }, "-Inf"},
		{"labels", func(a *Activations) { a.Labels[3] = 0 }, "label 3 is 0"},
		{"labels-no-target", func(a *Activations) { a.Target = nil }, "labels without a target"},
		{"not-one-hot", func(a *Activations) { a.Target.Set(0, 0, 0.5) }, "not one-hot"},
	} {
		a := testActivations()
		tc.modify(a)
		err := WriteActivations(path, a)
		if !errors.Is(err, ErrActivations) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want ErrActivations saying %q", tc.name, err, tc.want)
		}
	}
	if after, _ := os.ReadFile(path); string(after) != string(before) {
		t.Error("a rejected write changed the existing file")
	}
}

// TestActivationsError checks the typed form of the activations errors: the
// path and problem as fields, Message without the package prefix, and the
// cause kept for errors.Is.
func TestActivationsError(t *testing.T) {
	dir := t.TempDir()
	npyPath := filepath.Join(dir, "one.npy")
	if err := npy.WriteNPY(npyPath, mat.NewDense(2, 2, []float64{1, 2, 3, 4})); err != nil {
		t.Fatal(err)
	}
	bad := testActivations()
	bad.Taps[0] = ""
	for _, tc := range []struct {
		name    string
		err     error
		path    string
		message string
		cause   error
	}{
		{"npy file", func() error { _, err := ReadActivations(npyPath); return err }(), npyPath,
			npyPath + ": bad activations: a .npy file holds one array, not an .npz archive of activations", nil},
		{"missing file", func() error { _, err := ReadActivations(filepath.Join(dir, "missing.npz")); return err }(), "", "", os.ErrNotExist},
		{"check", bad.Check(), "", "bad activations: tap 0 has an empty name", nil},
	} {
		var ae *ActivationsError
		if !errors.As(tc.err, &ae) || !errors.Is(tc.err, ErrActivations) {
			t.Errorf("%s: error %v (%T), want an *ActivationsError wrapping ErrActivations", tc.name, tc.err, tc.err)
			continue
		}
		if ae.Path != tc.path {
			t.Errorf("%s: Path %q, want %q", tc.name, ae.Path, tc.path)
		}
		if tc.message != "" && ae.Message() != tc.message {
			t.Errorf("%s: Message %q, want %q", tc.name, ae.Message(), tc.message)
		}
		if ae.Error() != "models: "+ae.Message() {
			t.Errorf("%s: Error %q is not \"models: \" + Message %q", tc.name, ae.Error(), ae.Message())
		}
		if tc.cause != nil && !errors.Is(tc.err, tc.cause) {
			t.Errorf("%s: error %v does not wrap %v", tc.name, tc.err, tc.cause)
		}
	}
}
