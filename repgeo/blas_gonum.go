//go:build !openblas

package repgeo

// BLASImplementation names the BLAS that gonum's matrix products use in this
// build: gonum's pure-Go one by default, OpenBLAS with the build tag openblas.
const BLASImplementation = "gonum (pure Go)"
