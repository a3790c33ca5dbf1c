package dqds

import "math"

// Values computes the singular values of the n×n upper bidiagonal matrix with
// diagonal d and off-diagonal e[:n-1], n = len(d), and stores them in d in
// decreasing order, overwriting e and work; len(e) must be at least n-1 and
// len(work) at least 4n, otherwise Values panics.
//
// The returned info follows LAPACK's Dlasq1: 0 on success; -2 (d) or -3 (e)
// if that argument has a NaN or infinite entry, in which case nothing is
// modified; 2 if dqds did not converge within 100·n iterations per block, in
// which case d and e[:n] hold a bidiagonal with the same singular values (e
// must then have length n); 1 or 3 on an internal failure of the algorithm.
func Values(d, e, work []float64) (info int) {
	n := len(d)
	switch {
	case len(e) < n-1:
		panic(shortE)
	case len(work) < 4*n:
		panic(shortWork)
	}
	for _, v := range d {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return -2
		}
	}
	for _, v := range e[:max(n-1, 0)] {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return -3
		}
	}
	return dlasq1(n, d, e, work)
}
