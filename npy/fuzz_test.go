package npy

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// FuzzRead feeds arbitrary bytes to Read as a .npy file and as an .npz
// archive. Read must return arrays or an error, never panic, and the arrays
// it returns must be consistent with their shapes. The committed corpus in
// testdata/fuzz/FuzzRead holds the numpy fixtures and corrupt variants.
func FuzzRead(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.np[yz]"))
	if err != nil {
		f.Fatal(err)
	}
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data, filepath.Ext(file) == ".npz")
	}
	f.Fuzz(func(t *testing.T, data []byte, npz bool) {
		name := "fuzz.npy"
		if npz {
			name = "fuzz.npz"
		}
		arrays, err := Read(name, data)
		if err != nil {
			if arrays != nil {
				t.Fatalf("arrays returned with error %v", err)
			}
			if len(err.Error()) < len(name)+2 || err.Error()[:len(name)+2] != name+": " {
				t.Fatalf("error %q does not start with the file name", err)
			}
			// Bytes in memory are corrupt or unsupported, never both.
			if errors.Is(err, ErrCorrupt) == errors.Is(err, ErrUnsupported) {
				t.Fatalf("error %q: corrupt %v, unsupported %v", err, errors.Is(err, ErrCorrupt), errors.Is(err, ErrUnsupported))
			}
			return
		}
		if len(arrays) == 0 {
			t.Fatal("no arrays and no error")
		}
		for _, a := range arrays {
			if len(a.Shape) < 2 {
				t.Fatalf("shape %v has fewer than 2 axes", a.Shape)
			}
			n := 1
			for _, d := range a.Shape {
				if d <= 0 {
					t.Fatalf("shape %v has an empty axis", a.Shape)
				}
				n *= d
			}
			r, c := a.Data.Dims()
			if r != a.Shape[0] || r*c != n {
				t.Fatalf("%d×%d matrix for shape %v", r, c, a.Shape)
			}
			// Every element takes at least one byte of the (possibly deflated)
			// input, and deflate expands at most 1032 times.
			if n > 1100*len(data)+1024 {
				t.Fatalf("%d elements from %d bytes of input", n, len(data))
			}
		}
	})
}
