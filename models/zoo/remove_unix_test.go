//go:build unix

package zoo

import (
	"strings"
	"testing"

	"github.com/repgeo/repgeo/data"
)

// TestRemoveLocked: Remove waits for no training; it fails while another
// holder has the zoo's lock.
func TestRemoveLocked(t *testing.T) {
	z := &Zoo{Dir: t.TempDir(), Dataset: data.SyntheticGray}
	unlock, err := z.lock()
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	if r, err := z.Remove(tinyMember().Name); r != nil || err == nil || !strings.Contains(err.Error(), "being trained") {
		t.Errorf("Remove of a locked zoo: %+v, %v; want a refusal", r, err)
	}
}
