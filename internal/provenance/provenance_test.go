package provenance

import (
	"bufio"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// moduleRoot returns the directory of the module's go.mod.
func moduleRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("go.mod not found above the test's directory")
		}
		dir = parent
	}
}

// sourceExt are the extensions of the files written by hand: code, scripts
// and docs. Generated files (the notebooks' HTML exports, figures, caches
// under runs/) are not checked.
var sourceExt = map[string]bool{
	".go": true, ".s": true, ".py": true, ".sh": true, ".md": true, ".ipynb": true,
}

// notice matches a copyright line or the licence reference that copied
// files keep at their top.
var notice = regexp.MustCompile(`(?i)copyright|©|license that can be found|licensed under|SPDX-License-Identifier`)

// TestNoCopiedCode walks the module and fails on a licence file of another
// project (LICENSE-*, COPYING*, NOTICE*) or a source line with a copyright
// notice or licence reference.
func TestNoCopiedCode(t *testing.T) {
	root := moduleRoot(t)
	self, err := filepath.Abs("provenance_test.go")
	if err != nil {
		t.Fatal(err)
	}
	var checked int
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		name := d.Name()
		if d.IsDir() {
			if path != root && (strings.HasPrefix(name, ".") || rel == "runs" || rel == "bin") {
				return filepath.SkipDir
			}
			return nil
		}
		upper := strings.ToUpper(name)
		if strings.HasPrefix(upper, "LICENSE") && rel != "LICENSE" || strings.HasPrefix(upper, "COPYING") || strings.HasPrefix(upper, "NOTICE") {
			t.Errorf("%s: licence file of another project", rel)
		}
		if !sourceExt[filepath.Ext(name)] || path == self {
			return nil
		}
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 1<<20), 1<<26)
		for line := 1; sc.Scan(); line++ {
			if notice.MatchString(sc.Text()) {
				t.Errorf("%s:%d: %s", rel, line, strings.TrimSpace(sc.Text()))
			}
		}
		checked++
		return sc.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 50 {
		t.Errorf("checked only %d source files under %s", checked, root)
	}
}
