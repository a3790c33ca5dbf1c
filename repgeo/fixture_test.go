package repgeo

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"codeberg.org/sbinet/npyio"
	"gonum.org/v1/gonum/mat"
)

// fixture holds one set of reference numbers from testdata/geometry (copied
// from the reference computations with repsim 0.8.3 and netrep; see its README).
type fixture struct {
	Name   string
	Layers []*mat.Dense
	Ref    map[string]json.RawMessage
}

// fixtureSets are the names of the fixture folders under testdata/geometry.
var fixtureSets = []string{"m64", "m200"}

// loadFixture reads the six layers and reference.json of testdata/geometry/name.
func loadFixture(t testing.TB, name string) *fixture {
	t.Helper()
	dir := filepath.Join("testdata", "geometry", name)
	f := &fixture{Name: name}
	for l := 0; l < 6; l++ {
		fh, err := os.Open(filepath.Join(dir, fmt.Sprintf("layer_%d.npy", l)))
		if err != nil {
			t.Fatal(err)
		}
		var x mat.Dense
		if err := npyio.Read(fh, &x); err != nil {
			t.Fatalf("%s layer %d: %v", name, l, err)
		}
		fh.Close()
		f.Layers = append(f.Layers, &x)
	}
	raw, err := os.ReadFile(filepath.Join(dir, "reference.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &f.Ref); err != nil {
		t.Fatal(err)
	}
	return f
}

// section decodes one top-level entry of reference.json into v.
func (f *fixture) section(t testing.TB, key string, v any) {
	t.Helper()
	raw, ok := f.Ref[key]
	if !ok {
		t.Fatalf("%s: reference.json has no %q", f.Name, key)
	}
	if err := json.Unmarshal(raw, v); err != nil {
		t.Fatalf("%s: decoding %q: %v", f.Name, key, err)
	}
}

func TestFixturesLoad(t *testing.T) {
	wantDims := []int{8, 32, 100, 300, 64, 10}
	for _, name := range fixtureSets {
		f := loadFixture(t, name)
		for l, x := range f.Layers {
			if _, d := x.Dims(); d != wantDims[l] {
				t.Errorf("%s layer %d: width %d, want %d", name, l, d, wantDims[l])
			}
			if err := CheckRepresentation(x); err != nil {
				t.Errorf("%s layer %d: %v", name, l, err)
			}
		}
		var pw map[string][][]float64
		f.section(t, "pairwise", &pw)
		if len(pw) < 7 {
			t.Errorf("%s: %d pairwise metrics, want at least 7", name, len(pw))
		}
	}
}
