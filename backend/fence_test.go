package backend

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestFastPathLinked checks that the default build links the custom ops into
// the pure-Go backend (GoMLX v0.26.0, as go.mod pins).
func TestFastPathLinked(t *testing.T) {
	if err := FastPathErr(); err != nil {
		t.Fatalf("FastPathErr() = %v in the default build, want nil", err)
	}
}

// TestBuildWithoutLinkname builds and runs this package's tests with
// -tags nolinkname, the fallback for a GoMLX without the symbols hook_linkname.go
// links to: the backend must say why its fast path is off and still train to
// the same losses as the pure-Go backend's own ops.
func TestBuildWithoutLinkname(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the package again with -tags nolinkname; skipped with -short")
	}
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command on PATH")
	}
	cmd := exec.Command(gobin, "test", "-tags", "nolinkname", "-count=1", "-v",
		"-run", "^(TestFenceFallback|TestTrainingMatchesStockOp)$", ".")
	cmd.Env = append(os.Environ(), "GOFLAGS=-buildvcs=false")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go test -tags nolinkname: %v\n%s", err, out)
	}
	for _, name := range []string{"TestFenceFallback", "TestTrainingMatchesStockOp"} {
		if !strings.Contains(string(out), "--- PASS: "+name) {
			t.Errorf("go test -tags nolinkname did not pass %s:\n%s", name, out)
		}
	}
}
