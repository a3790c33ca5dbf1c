package repgeo

import (
	"os"
	"testing"
)

// TestMain runs the tests with the fast BLAS, as the command and the
// notebooks use it.
func TestMain(m *testing.M) {
	UseFastBLAS()
	os.Exit(m.Run())
}
