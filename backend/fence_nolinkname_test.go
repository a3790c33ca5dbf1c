//go:build nolinkname

package backend

import (
	"strings"
	"testing"
)

// TestFenceFallback runs in builds with -tags nolinkname (see
// TestBuildWithoutLinkname): the fast path is off with a message naming the
// tag, the backend says so, and no custom op runs while training.
func TestFenceFallback(t *testing.T) {
	err := FastPathErr()
	if err == nil || !strings.Contains(err.Error(), "nolinkname") {
		t.Fatalf("FastPathErr() = %v, want an error naming the nolinkname tag", err)
	}
	be, err2 := NewDecorated("")
	if err2 != nil {
		t.Fatal(err2)
	}
	defer be.Finalize()
	if d := be.Description(); !strings.Contains(d, "nolinkname") {
		t.Errorf("Description() = %q, want the reason the fast path is off", d)
	}
	before := customExecs.Load()
	losses := trainLosses(t, be, 2)
	if n := customExecs.Load() - before; n != 0 {
		t.Errorf("%d custom ops ran in a nolinkname build", n)
	}
	if !(losses[1] < losses[0]) {
		t.Errorf("losses %v: not decreasing", losses)
	}
}
