//go:build openblas

package repgeo

// #cgo LDFLAGS: -lopenblas
import "C"

import (
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/netlib/blas/netlib"
)

// With the build tag openblas, every matrix product of gonum (and so of this
// package) runs in the system's OpenBLAS through cgo: on Debian,
// `apt-get install libopenblas-dev`, then build with `-tags openblas`.
func init() {
	blas64.Use(netlib.Implementation{})
	gramBlockRows = 256
}

// BLASImplementation names the BLAS that gonum's matrix products use in this build.
const BLASImplementation = "OpenBLAS (cgo)"
