package provenance

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// outside matches a path that leaves the repository for a sibling folder,
// as the benchmark scripts once did.
var outside = regexp.MustCompile(`\.\./shared\b|/work/shared\b`)

// TestNothingOutside fails on a script, Makefile, Go file or doc that refers
// to files outside the repository, and checks that the baselines and the
// fixtures' generator the benchmarks and docs name are in it.
func TestNothingOutside(t *testing.T) {
	root := moduleRoot(t)
	self, _ := filepath.Abs("outside_test.go")
	var checked int
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		if d.IsDir() {
			if path != root && (strings.HasPrefix(d.Name(), ".") || rel == "runs" || rel == "bin" || rel == filepath.Join("docs", "notebooks")) {
				return filepath.SkipDir
			}
			return nil
		}
		if !sourceExt[filepath.Ext(path)] && d.Name() != "Makefile" || path == self {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for i, line := range strings.Split(string(data), "\n") {
			if outside.MatchString(line) {
				t.Errorf("%s:%d refers to files outside the repository: %s", rel, i+1, strings.TrimSpace(line))
			}
		}
		checked++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 50 {
		t.Errorf("checked only %d files", checked)
	}
	for _, f := range []string{
		"bench/pairwise_numpy.py",
		"bench/torch_train.py",
		"repgeo/testdata/geometry/generate_reference.py",
	} {
		if _, err := os.Stat(filepath.Join(root, f)); err != nil {
			t.Errorf("baseline %s: %v", f, err)
		}
	}
}
