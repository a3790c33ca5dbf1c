package dqds_test

import (
	"fmt"
	"math"

	"github.com/repgeo/repgeo/internal/dqds"
)

// The n×n upper bidiagonal matrix with ones on its diagonal and
// off-diagonal has the singular values 2·cos(kπ/(2n+1)), k = 1, ..., n.
func ExampleValues() {
	const n = 3
	d := []float64{1, 1, 1} // diagonal
	e := []float64{1, 1}    // off-diagonal
	work := make([]float64, 4*n)
	if info := dqds.Values(d, e, work); info != 0 {
		fmt.Println("dqds failed, info", info)
		return
	}
	for k, s := range d {
		fmt.Printf("σ%d = %.12f (exact %.12f)\n", k+1, s, 2*math.Cos(float64(k+1)*math.Pi/(2*n+1)))
	}
	// Output:
	// σ1 = 1.801937735805 (exact 1.801937735805)
	// σ2 = 1.246979603717 (exact 1.246979603717)
	// σ3 = 0.445041867913 (exact 0.445041867913)
}
