package repgeo

import "sync"

var fastBLASOnce sync.Once

// UseFastBLAS makes gonum's matrix products run in the fastest BLAS of this
// build (see BLASImplementation) instead of gonum's default, for the whole
// program: blas64.Use changes the BLAS of every user of gonum in the
// process. Importing the package changes nothing; programs call it once
// at start (the repgeo command and the experiment package do). The results
// are the same to rounding, the all-pairs distances and geometric
// operations several times faster. It is safe for concurrent use and to
// call more than once.
func UseFastBLAS() {
	fastBLASOnce.Do(useFastBLAS)
}
