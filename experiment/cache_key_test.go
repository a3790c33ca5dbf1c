package experiment

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// onlyFile returns the one file matching pattern, failing the test otherwise.
func onlyFile(t *testing.T, pattern string) string {
	t.Helper()
	files, err := filepath.Glob(pattern)
	if err != nil || len(files) != 1 {
		t.Fatalf("%s: files %v (%v), want 1", pattern, files, err)
	}
	return files[0]
}

// copyFile overwrites dst with the contents of src.
func copyFile(t *testing.T, src, dst string) {
	t.Helper()
	raw, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, raw, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestCacheHoldsItsKey checks that the path-set and sample-size caches keep
// their full key in the file: a cache file of other sources found under a
// key's name (a stale or colliding file of the same sizes) is a corrupt
// cache naming the file, not another run's numbers.
func TestCacheHoldsItsKey(t *testing.T) {
	met := testMetric(t, "angular-cka")
	one := Source{Name: "net", Acts: fakeActs(1, 20, 4, 3)}
	two := Source{Name: "net", Acts: fakeActs(2, 20, 4, 3)} // same name and sizes
	opts := SweepOptions{Sizes: []int{12, 20}, Subsets: 2, Seed: 1}
	vs := []Variant{{"cka", met}}
	for _, tc := range []struct {
		name, dir string
		run       func(runs string, src Source) error
	}{
		{"path set", "pathsets", func(runs string, src Source) error {
			_, err := CachedMeasurePaths(runs, "cka", met, []Source{src})
			return err
		}},
		{"sample sweep", "samplesize", func(runs string, src Source) error {
			_, err := CachedSampleSweep(runs, src, vs, opts)
			return err
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			runsOne, runsTwo := t.TempDir(), t.TempDir()
			if err := tc.run(runsOne, one); err != nil {
				t.Fatal(err)
			}
			if err := tc.run(runsTwo, two); err != nil {
				t.Fatal(err)
			}
			fileOne := onlyFile(t, filepath.Join(runsOne, tc.dir, "*.gob"))
			fileTwo := onlyFile(t, filepath.Join(runsTwo, tc.dir, "*.gob"))
			if filepath.Base(fileOne) == filepath.Base(fileTwo) {
				t.Fatalf("different activations share the cache file name %s", filepath.Base(fileOne))
			}
			// The cache reads back under its own key.
			if err := tc.run(runsTwo, two); err != nil {
				t.Fatalf("reading the cache back: %v", err)
			}
			copyFile(t, fileOne, fileTwo)
			err := tc.run(runsTwo, two)
			if !errors.Is(err, ErrCache) || !strings.Contains(err.Error(), fileTwo) {
				t.Errorf("another key's file under this key's name: error %v, want ErrCache naming %s", err, fileTwo)
			}
		})
	}
}

// TestCacheNamesStayInRuns checks that a cache key or source name that is
// not a plain file name is refused before anything is written.
func TestCacheNamesStayInRuns(t *testing.T) {
	met := testMetric(t, "angular-cka")
	acts := fakeActs(1, 20, 4, 3)
	opts := SweepOptions{Sizes: []int{12, 20}, Subsets: 2, Seed: 1}
	for _, bad := range []string{"../../escape", "a/b", `a\b`, "..", ".", ""} {
		for _, tc := range []struct {
			name string
			run  func(runs string) error
		}{
			{"CachedMeasurePaths key", func(runs string) error {
				_, err := CachedMeasurePaths(runs, bad, met, []Source{{Name: "net", Acts: acts}})
				return err
			}},
			{"CachedSampleSweep source name", func(runs string) error {
				_, err := CachedSampleSweep(runs, Source{Name: bad, Acts: acts}, []Variant{{"cka", met}}, opts)
				return err
			}},
		} {
			t.Run(tc.name+" "+bad, func(t *testing.T) {
				root := t.TempDir()
				runs := filepath.Join(root, "a", "runs")
				err := tc.run(runs)
				if err == nil || !strings.Contains(err.Error(), "plain file name") || !strings.Contains(err.Error(), strconv.Quote(bad)) {
					t.Errorf("error %v, want one naming %q as not a plain file name", err, bad)
				}
				var written []string
				filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
					if err == nil && !d.IsDir() {
						written = append(written, p)
					}
					return err
				})
				if len(written) > 0 {
					t.Errorf("files written: %v", written)
				}
			})
		}
	}
}
