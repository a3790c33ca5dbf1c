package main

import (
	"path/filepath"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/repgeo/repgeo/models"
	"github.com/repgeo/repgeo/npy"
)

// TestActivationsFileInput checks that the commands read an .npz file by the
// activations format of package models: the file of "repgeo extract"
// (models.WriteActivations) gives its taps in path order then the target,
// and a file that breaks the format is bad input naming the problem.
func TestActivationsFileInput(t *testing.T) {
	dir := t.TempDir()
	f := func(name string) string { return filepath.Join(dir, name) }
	const m = 12
	target := mat.NewDense(m, 3, nil)
	for i := range m {
		target.Set(i, i%3, 1)
	}
	acts := &models.Activations{
		Taps:   []string{"02_b", "00_a", "01_c"}, // path order, not sorted
		Layers: []*mat.Dense{geoRep(m, 5, 41, 0.1), geoRep(m, 4, 42, 0.1), geoRep(m, 6, 43, 0.1)},
		Target: target,
	}
	if err := models.WriteActivations(f("acts.npz"), acts); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := geoRun("path", f("acts.npz"))
	if code != 0 {
		t.Fatalf("path: exit %d: %s", code, stderr)
	}
	var order []string
	for _, line := range strings.Split(stdout, "\n") {
		for _, name := range []string{"02_b", "00_a", "01_c", "target"} {
			if fields := strings.Fields(line); len(fields) > 1 && fields[1] == name {
				order = append(order, name)
			}
		}
	}
	if got := strings.Join(order, " "); got != "02_b 00_a 01_c target" {
		t.Errorf("path points %q, want the taps in path order then the target\n%s", got, stdout)
	}

	names, reps := acts.Path()
	names[0], names[3] = names[3], names[0]
	reps[0], reps[3] = reps[3], reps[0]
	if err := npy.WriteNPZ(f("target-first.npz"), names, reps); err != nil {
		t.Fatal(err)
	}
	twoHot := mat.DenseCopyOf(target)
	twoHot.Set(5, 0, 1)
	twoHot.Set(5, 2, 1)
	if err := npy.WriteNPZ(f("two-hot.npz"), []string{"x", "y", "target"}, []mat.Matrix{acts.Layers[0], acts.Layers[1], twoHot}); err != nil {
		t.Fatal(err)
	}
	// The whole line: the subcommand's prefix replaces the models package's.
	for _, tc := range []struct {
		file, want string
	}{
		{"target-first.npz", f("target-first.npz") + `: bad activations: the "target" entry is number 1 of 4; it must be the last`},
		{"two-hot.npz", f("two-hot.npz") + ": bad activations: target row 5 is not one-hot"},
	} {
		code, _, stderr := geoRun("pairwise", f(tc.file))
		if want := "repgeo pairwise: " + tc.want + "\n"; code != 2 || stderr != want {
			t.Errorf("%s: exit %d, stderr %q; want exit 2 and %q", tc.file, code, stderr, want)
		}
	}
	code, _, stderr = geoRun("pairwise", f("missing.npz"))
	if prefix := "repgeo pairwise: bad activations: "; code != 2 || !strings.HasPrefix(stderr, prefix) ||
		!strings.Contains(stderr, "missing.npz") || strings.Contains(stderr, "models: ") {
		t.Errorf("missing file: exit %d, stderr %q; want exit 2 and a line starting %q", code, stderr, prefix)
	}
}
