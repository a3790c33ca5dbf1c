package fastblas

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/blas/gonum"
)

// stripKernels lists the strip kernels this CPU runs, and a pure-Go kernel
// of each of their shapes.
func stripKernels() []stripKernel {
	ks := availableStripKernels()
	for _, kn := range asmStripKernels() {
		if kn.w != goStripKernel.w || kn.ra != goStripKernel.ra {
			ks = append(ks, newGoStripKernel(fmt.Sprintf("go%dx%d", kn.ra, kn.w), kn.w, kn.ra))
		}
	}
	return ks
}

// lowerRand returns a random r×c matrix, lower triangular (zero at (i, j)
// for j > i) if lower.
func lowerRand(rng *rand.Rand, r, c int, lower bool) blas64.General {
	g := blas64.General{Rows: r, Cols: c, Stride: c + 1, Data: randSlice(rng, r*(c+1))}
	if lower {
		for i := range r {
			for j := i + 1; j < c; j++ {
				g.Data[i*g.Stride+j] = 0
			}
		}
	}
	return g
}

// TestMulTN compares products of Strips, triangular or not, with gonum's
// Dgemm for every strip kernel, on shapes with partial strips and tiles and
// several row blocks.
func TestMulTN(t *testing.T) {
	shapes := [][3]int{ // rows, a's columns, b's columns
		{1, 1, 1}, {3, 5, 2}, {17, 9, 33}, {40, 40, 40}, {300, 37, 300}, {600, 300, 299}, {530, 530, 101},
	}
	for _, kn := range stripKernels() {
		t.Run(kn.name, func(t *testing.T) {
			defer func(save stripKernel) { skern = save }(skern)
			skern = kn
			rng := rand.New(rand.NewPCG(21, 22))
			for _, s := range shapes {
				for _, tri := range [][2]bool{{false, false}, {true, false}, {false, true}, {true, true}} {
					n, ra, rb := s[0], s[1], s[2]
					a, b := lowerRand(rng, n, ra, tri[0]), lowerRand(rng, n, rb, tri[1])
					c := blas64.General{Rows: ra, Cols: rb, Stride: rb + 2, Data: randSlice(rng, ra*(rb+2))}
					want := make([]float64, ra*rb)
					gonum.Implementation{}.Dgemm(blas.Trans, blas.NoTrans, ra, rb, n, 1, a.Data, a.Stride, b.Data, b.Stride, 0, want, rb)
					MulTN(NewStrips(a), NewStrips(b), tri[0], tri[1], c)
					for i := range ra {
						for j := range rb {
							got := c.Data[i*c.Stride+j]
							if d := math.Abs(got - want[i*rb+j]); d > 1e-12*float64(n) {
								t.Fatalf("%v lower %v: C(%d, %d) = %v, want %v", s, tri, i, j, got, want[i*rb+j])
							}
						}
					}
				}
			}
		})
	}
}

// TestMulTNGoroutines checks that MulTN gives the same bits on one goroutine
// (under Serial) as on several.
func TestMulTNGoroutines(t *testing.T) {
	rng := rand.New(rand.NewPCG(23, 24))
	a, b := lowerRand(rng, 700, 650, true), lowerRand(rng, 700, 600, false)
	sa, sb := NewStrips(a), NewStrips(b)
	run := func(procs int, ser bool) []float64 {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
		if ser {
			defer Serial()()
		}
		c := blas64.General{Rows: 650, Cols: 600, Stride: 600, Data: make([]float64, 650*600)}
		MulTN(sa, sb, true, false, c)
		return c.Data
	}
	c1, c2, c3 := run(1, false), run(3, false), run(3, true)
	for i := range c1 {
		if c1[i] != c2[i] || c1[i] != c3[i] {
			t.Fatalf("element %d: %v on one goroutine, %v on three, %v serial", i, c1[i], c2[i], c3[i])
		}
	}
}

// TestMulTNPanics checks the panics for operands that do not match.
func TestMulTNPanics(t *testing.T) {
	rng := rand.New(rand.NewPCG(25, 26))
	a, b := NewStrips(lowerRand(rng, 10, 4, false)), NewStrips(lowerRand(rng, 11, 3, false))
	c := blas64.General{Rows: 4, Cols: 3, Stride: 3, Data: make([]float64, 12)}
	if recoverPanic(func() { MulTN(a, b, false, false, c) }) == nil {
		t.Errorf("MulTN with 10 and 11 rows did not panic")
	}
	b = NewStrips(lowerRand(rng, 10, 3, false))
	c.Cols = 2
	if recoverPanic(func() { MulTN(a, b, false, false, c) }) == nil {
		t.Errorf("MulTN into a 4×2 matrix for a 4×3 product did not panic")
	}
}
