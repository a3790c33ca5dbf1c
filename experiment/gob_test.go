package experiment

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// TestGobCache checks the read and write of the gob caches: a missing file
// is no cache, a written one reads back equal, a corrupt one is ErrCache.
func TestGobCache(t *testing.T) {
	type entry struct {
		Key       string
		Distances []float64
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "sub", "c.gob")
	var got entry
	if found, err := readGob(path, &got); found || err != nil {
		t.Errorf("missing file: found %v, error %v; want no cache", found, err)
	}
	want := entry{Key: "k", Distances: []float64{0, 1.5, 1.5, 0}}
	if err := writeGob(path, "test", want); err != nil {
		t.Fatal(err)
	}
	if found, err := readGob(path, &got); !found || err != nil || got.Key != want.Key || !slices.Equal(got.Distances, want.Distances) {
		t.Errorf("read back %+v (found %v, error %v), want %+v", got, found, err, want)
	}
	if err := os.WriteFile(path, []byte{1, 2, 3}, 0o644); err != nil {
		t.Fatal(err)
	}
	if found, err := readGob(path, &got); !found || !errors.Is(err, ErrCache) {
		t.Errorf("corrupt file: found %v, error %v; want ErrCache", found, err)
	}
	if err := writeGob(path, "test", func() {}); err == nil {
		t.Error("writeGob encoded a func")
	}
}
