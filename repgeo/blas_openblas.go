//go:build openblas

package repgeo

/*
#cgo LDFLAGS: -lopenblas
void openblas_set_num_threads(int);
int openblas_get_num_threads(void);
*/
import "C"

import (
	"sync"

	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/netlib/blas/netlib"

	"github.com/repgeo/repgeo/internal/fastblas"
)

// With the build tag openblas, UseFastBLAS makes every matrix product of
// gonum (and so of this package) run in the system's OpenBLAS through cgo:
// on Debian, `apt-get install libopenblas-dev`, then build with
// `-tags openblas`.
func useFastBLAS() {
	blas64.Use(netlib.Implementation{})
}

// OpenBLAS's products are fastest on larger blocks of rows.
func init() {
	gramBlockRows = 256
}

// BLASImplementation names the BLAS that UseFastBLAS installs in this build.
const BLASImplementation = "OpenBLAS (cgo)"

var (
	blasThreadsMu    sync.Mutex
	blasThreadsUsers int
	blasThreadsSaved C.int
)

// singleThreadedBLAS limits OpenBLAS to one thread (and fastblas, which
// computes the shape metrics' cross products, to its calling goroutine) while
// this package runs its own goroutines over the cores, and returns the
// function that restores the previous number once the last such caller is
// done.
func singleThreadedBLAS() (restore func()) {
	serial := fastblas.Serial()
	blasThreadsMu.Lock()
	if blasThreadsUsers == 0 {
		blasThreadsSaved = C.openblas_get_num_threads()
		C.openblas_set_num_threads(1)
	}
	blasThreadsUsers++
	blasThreadsMu.Unlock()
	return func() {
		serial()
		blasThreadsMu.Lock()
		blasThreadsUsers--
		if blasThreadsUsers == 0 {
			C.openblas_set_num_threads(blasThreadsSaved)
		}
		blasThreadsMu.Unlock()
	}
}

// serialPointBLAS reports whether the products that build points run on one
// thread when points are built in parallel: in this build they do, since
// OpenBLAS threads started from several goroutines oversubscribe the cores.
const serialPointBLAS = true
