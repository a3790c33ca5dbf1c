package zoo

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/repgeo/repgeo/data"
)

// TestHolds builds a zoo by hand holding each kind of leftover and checks
// that Holds says what Remove then removes: a lone pending entry (an
// installation cut short before the partial directory was moved) is the
// member's state in training; a directory is the member's if the manifest
// lists it, its pending entry names it or the list declares the name.
func TestHolds(t *testing.T) {
	z := &Zoo{Dir: t.TempDir(), Dataset: data.FashionMNIST}
	declared := Members()
	finished, lonePending, dirOnly, pendingAndDir := declared[0].Name, declared[1].Name, declared[2].Name, "tiny-installing"
	if err := z.writeManifest(&Manifest{Dataset: z.Dataset, Members: map[string]*Entry{finished: {Spec: declared[0]}}}); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{z.MemberDir(finished), z.MemberDir(dirOnly), z.MemberDir(pendingAndDir), z.MemberDir("cifar10"),
		filepath.Join(z.Dir, PartialDir)} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, name := range []string{lonePending, pendingAndDir} {
		if err := os.WriteFile(z.partialDir(name)+pendingExt, []byte("{}"), 0o644); err != nil {
			t.Fatal(err)
		}
	}

	for _, tc := range []struct {
		name               string
		entry, partial, in bool // in: the member's directory
	}{
		{finished, true, false, true},
		{lonePending, false, true, false},
		{dirOnly, false, false, true},
		{pendingAndDir, false, true, true},
		{"cifar10", false, false, false}, // no member's directory
		{declared[3].Name, false, false, false},
	} {
		h, err := z.Holds(tc.name)
		if err != nil {
			t.Fatalf("Holds(%q): %v", tc.name, err)
		}
		if (h.Entry != nil) != tc.entry || h.Partial != tc.partial || h.Dir != tc.in || h.Any() != (tc.entry || tc.partial || tc.in) {
			t.Errorf("Holds(%q) = %+v (any %v), want entry %v, partial %v, dir %v", tc.name, h, h.Any(), tc.entry, tc.partial, tc.in)
		}
		r, err := z.Remove(tc.name)
		switch {
		case !h.Any() && !errors.Is(err, ErrNotTrained):
			t.Errorf("Remove(%q) of nothing: %+v, %v; want ErrNotTrained", tc.name, r, err)
		case h.Any() && (err != nil || (r.Entry != nil) != (h.Entry != nil) || r.Partial != h.Partial || r.Dir != h.Dir):
			t.Errorf("Remove(%q) = %+v, %v; Holds said %+v", tc.name, r, err, h)
		}
		if after, err := z.Holds(tc.name); err != nil || after.Any() {
			t.Errorf("Holds(%q) after Remove: %+v, %v; want nothing", tc.name, after, err)
		}
	}
	if _, err := os.Stat(z.MemberDir("cifar10")); err != nil {
		t.Errorf("the directory of no member was removed: %v", err)
	}

	nowhere := &Zoo{Dir: filepath.Join(z.Dir, "nowhere"), Dataset: z.Dataset}
	if h, err := nowhere.Holds(finished); err != nil || h.Any() {
		t.Errorf("Holds in a zoo directory that does not exist: %+v, %v; want nothing", h, err)
	}
	for _, bad := range []string{"", "../x", PartialDir, "a b"} {
		if h, err := z.Holds(bad); err == nil {
			t.Errorf("Holds(%q) = %+v, want an error", bad, h)
		}
	}
}
