package repgeo

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"sync/atomic"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// f32Matrix is a float32 representation, as activations often arrive.
type f32Matrix struct {
	r, c int
	data []float32
}

func (f *f32Matrix) Dims() (int, int)    { return f.r, f.c }
func (f *f32Matrix) At(i, j int) float64 { return float64(f.data[i*f.c+j]) }
func (f *f32Matrix) T() mat.Matrix       { return mat.Transpose{Matrix: f} }
func toF32(x *mat.Dense) (*f32Matrix, *mat.Dense) {
	r, c := x.Dims()
	f := &f32Matrix{r: r, c: c, data: make([]float32, r*c)}
	back := mat.NewDense(r, c, nil)
	for i := 0; i < r; i++ {
		for j := 0; j < c; j++ {
			f.data[i*c+j] = float32(x.At(i, j))
			back.Set(i, j, float64(f.data[i*c+j]))
		}
	}
	return f, back
}

// pairwiseMetrics are the metrics the engine tests run on.
var pairwiseMetrics = []struct {
	name string
	opts Options
}{
	{"angular-cka", Options{Kernel: LinearKernel}},
	{"angular-cka", Options{Kernel: LinearKernel, Unbiased: true}},
	{"angular-cka", Options{Kernel: RBFKernel}},
	{"stress", DefaultOptions()},
	{"angular-shape", DefaultOptions()},
	{"euclidean-shape", Options{Whiten: 0.5}},
}

// TestPairwiseEqualsLoop checks that Pairwise and PairwisePoints return the
// matrix of Distance calls for every number of workers, with a zero diagonal.
func TestPairwiseEqualsLoop(t *testing.T) {
	// Widths below and above m = 60, so that CKA mixes factored and packed points.
	dense := relatedReps(31, 60, []int{5, 80, 12, 59, 60, 3, 200})
	reps := make([]mat.Matrix, len(dense))
	for i, x := range dense {
		reps[i] = x
	}
	for _, pm := range pairwiseMetrics {
		m, err := NewMetric(pm.name, pm.opts)
		if err != nil {
			t.Fatal(err)
		}
		var pts []Point
		for _, x := range reps {
			pts = append(pts, mustPoint(t, m, x))
		}
		n := len(pts)
		for _, workers := range []int{0, 1, 2, 3, 50} {
			opts := &PairwiseOptions{Workers: workers}
			got, err := Pairwise(m, reps, opts)
			if err != nil {
				t.Fatal(err)
			}
			fresh, err := Points(m, reps, opts)
			if err != nil {
				t.Fatal(err)
			}
			got2, err := PairwisePoints(m, fresh, opts)
			if err != nil {
				t.Fatal(err)
			}
			for i := 0; i < n; i++ {
				if got.At(i, i) != 0 || got2.At(i, i) != 0 {
					t.Errorf("%s workers=%d: diagonal %d is %g, %g", pm.name, workers, i, got.At(i, i), got2.At(i, i))
				}
				for j := i + 1; j < n; j++ {
					want := mustDist(t, m, pts[i], pts[j])
					if math.Abs(got.At(i, j)-want) > 1e-12 || math.Abs(got2.At(i, j)-want) > 1e-12 {
						t.Errorf("%s %+v workers=%d: D[%d][%d] = %.15g / %.15g, Distance %.15g", pm.name, pm.opts, workers, i, j, got.At(i, j), got2.At(i, j), want)
					}
				}
			}
		}
	}
}

// TestPairOrder checks that the shape metric's pairs come costliest first
// (widest points first), that every pair comes exactly once, and that the
// widths it orders by are those of the points.
func TestPairOrder(t *testing.T) {
	widths := []int{5, 30, 12, 3, 20}
	dense := relatedReps(33, 40, widths)
	m, err := NewMetric("angular-shape", DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	pc := m.(pairCoster)
	for i, x := range dense {
		if w := pc.pointWidth(mustPoint(t, m, x)); w != widths[i] {
			t.Errorf("point %d has width %d, want %d", i, w, widths[i])
		}
	}
	pairs := pairOrder(pc, 40, widths)
	if want := [2]int32{1, 4}; pairs[0] != want {
		t.Errorf("first pair %v, want %v (widths 30 and 20)", pairs[0], want)
	}
	if last := pairs[len(pairs)-1]; last != [2]int32{0, 3} {
		t.Errorf("last pair %v, want [0 3] (widths 5 and 3)", last)
	}
	cost := func(p [2]int32) float64 { return pc.pairCost(40, widths[p[0]], widths[p[1]]) }
	seen := map[[2]int32]int{}
	for k, p := range pairs {
		seen[p]++
		if k > 0 && cost(p) > cost(pairs[k-1]) {
			t.Errorf("pair %d %v costs %g, more than the pair before (%g)", k, p, cost(p), cost(pairs[k-1]))
		}
	}
	if len(seen) != 10 || len(pairs) != 10 {
		t.Errorf("%d pairs, %d distinct, want 10", len(pairs), len(seen))
	}
}

// TestPairwiseOverlappedError checks that points that fail to build in the
// overlapped schedule (points widest first and pairs in one queue) are
// reported by the smallest index, for every number of workers, without
// waiting forever.
func TestPairwiseOverlappedError(t *testing.T) {
	dense := relatedReps(34, 30, []int{8, 50, 4, 20})
	reps := make([]mat.Matrix, len(dense))
	for i, x := range dense {
		reps[i] = x
	}
	reps[2] = mat.NewDense(30, 4, nil)  // constant: no shape
	reps[3] = mat.NewDense(30, 20, nil) // also constant, built first (wider)
	m, err := NewMetric("angular-shape", DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	for _, workers := range []int{1, 2, 5} {
		_, err := Pairwise(m, reps, &PairwiseOptions{Workers: workers})
		var ie *IndexError
		if !errors.As(err, &ie) || ie.Index != 2 || !errors.Is(err, ErrConstant) {
			t.Errorf("workers=%d: error %v, want the smallest failing one, representation 2", workers, err)
		}
	}
}

// TestPairwiseFloat32 checks that float32 representations give the numbers
// of their float64 copies.
func TestPairwiseFloat32(t *testing.T) {
	dense := relatedReps(32, 30, []int{4, 40, 7})
	var f32, f64 []mat.Matrix
	for _, x := range dense {
		a, b := toF32(x)
		f32, f64 = append(f32, a), append(f64, b)
	}
	for _, pm := range pairwiseMetrics {
		m, _ := NewMetric(pm.name, pm.opts)
		a, err := Pairwise(m, f32, nil)
		if err != nil {
			t.Fatal(err)
		}
		b, err := Pairwise(m, f64, nil)
		if err != nil {
			t.Fatal(err)
		}
		if !mat.EqualApprox(a, b, 1e-13) {
			t.Errorf("%s: float32 and float64 inputs differ", pm.name)
		}
	}
}

// TestPairwiseErrors checks that bad representations are reported with their index.
func TestPairwiseErrors(t *testing.T) {
	good := relatedReps(33, 20, []int{3, 5, 8, 4, 6})
	withNaN := mat.DenseCopyOf(good[3])
	withNaN.Set(7, 2, math.NaN())
	constant := mat.NewDense(20, 3, nil)
	cases := []struct {
		name    string
		metric  string
		replace map[int]mat.Matrix
		want    string
		is      error
	}{
		{"NaN", "stress", map[int]mat.Matrix{3: withNaN}, "repgeo: representation 3: representation has a non-finite value NaN", ErrNonFinite},
		{"rows", "angular-cka", map[int]mat.Matrix{2: mat.NewDense(19, 5, nil)}, "repgeo: representation 2: representations have different", ErrInputMismatch},
		{"too few rows", "stress", map[int]mat.Matrix{0: mat.NewDense(2, 5, nil)}, "repgeo: representation 0: representation has 2 rows", ErrTooFewRows},
		{"nil", "stress", map[int]mat.Matrix{1: nil}, "repgeo: representation 1: nil matrix", nil},
		{"constant", "angular-cka", map[int]mat.Matrix{4: constant}, "repgeo: representation 4: angular-cka: ", ErrConstant},
		{"two bad, first named", "angular-cka", map[int]mat.Matrix{4: constant, 1: constant}, "repgeo: representation 1: ", ErrConstant},
	}
	for _, c := range cases {
		m, _ := NewMetric(c.metric, DefaultOptions())
		reps := make([]mat.Matrix, len(good))
		for i, x := range good {
			reps[i] = x
		}
		for i, x := range c.replace {
			reps[i] = x
		}
		for _, workers := range []int{1, 2} {
			opts := &PairwiseOptions{Workers: workers}
			_, err1 := Pairwise(m, reps, opts)
			_, err2 := Points(m, reps, opts)
			for _, err := range []error{err1, err2} {
				if err == nil || !strings.HasPrefix(err.Error(), c.want) {
					t.Errorf("%s workers=%d: error %v, want prefix %q", c.name, workers, err, c.want)
				}
				if c.is != nil && !errors.Is(err, c.is) {
					t.Errorf("%s: error %v is not %v", c.name, err, c.is)
				}
				var ie *IndexError
				if !errors.As(err, &ie) || !strings.HasPrefix(c.want, fmt.Sprintf("repgeo: representation %d: ", ie.Index)) {
					t.Errorf("%s: error %v is not an *IndexError of the representation in %q", c.name, err, c.want)
				}
			}
		}
	}
	// PairwisePoints names the points.
	cka, _ := NewMetric("angular-cka", DefaultOptions())
	st, _ := NewMetric("stress", DefaultOptions())
	pts := []Point{mustPoint(t, cka, good[0]), mustPoint(t, cka, good[1]), mustPoint(t, st, good[2])}
	if _, err := PairwisePoints(cka, pts, nil); err == nil || !strings.HasPrefix(err.Error(), "repgeo: points 0 and 2: ") {
		t.Errorf("stress point among CKA points: error %v", err)
	}
	pts[2] = mustPoint(t, cka, randRep(rand.New(rand.NewPCG(1, 1)), 21, 3))
	if _, err := PairwisePoints(cka, pts, nil); !errors.Is(err, ErrInputMismatch) || !strings.HasPrefix(err.Error(), "repgeo: point 2: ") {
		t.Errorf("21-input point among 20-input points: error %v", err)
	}
	if _, err := PairwisePoints(cka, nil, nil); err == nil {
		t.Error("no points: no error")
	}
}

// TestPairwiseProgress checks that progress calls never overlap, count every
// point and pair once, and reach the total.
func TestPairwiseProgress(t *testing.T) {
	dense := relatedReps(34, 25, []int{3, 30, 5, 8, 40, 2, 9})
	reps := make([]mat.Matrix, len(dense))
	for i, x := range dense {
		reps[i] = x
	}
	n := len(reps)
	m, _ := NewMetric("angular-cka", DefaultOptions())
	pts, _ := Points(m, reps, nil)
	cases := []struct {
		name  string
		run   func(*PairwiseOptions) error
		total int
	}{
		{"Points", func(o *PairwiseOptions) error { _, err := Points(m, reps, o); return err }, n},
		{"PairwisePoints", func(o *PairwiseOptions) error { _, err := PairwisePoints(m, pts, o); return err }, n * (n - 1) / 2},
		{"Pairwise", func(o *PairwiseOptions) error { _, err := Pairwise(m, reps, o); return err }, n + n*(n-1)/2},
	}
	for _, c := range cases {
		for _, workers := range []int{1, 2, 4} {
			var inside atomic.Int32
			var calls, last int
			opts := &PairwiseOptions{Workers: workers, Progress: func(done, total int) {
				if inside.Add(1) != 1 {
					t.Errorf("%s: overlapping progress calls", c.name)
				}
				calls++
				if done != last+1 || total != c.total {
					t.Errorf("%s: progress(%d, %d) after %d, total %d", c.name, done, total, last, c.total)
				}
				last = done
				inside.Add(-1)
			}}
			if err := c.run(opts); err != nil {
				t.Fatal(err)
			}
			if calls != c.total || last != c.total {
				t.Errorf("%s workers=%d: %d calls ending at %d, want %d", c.name, workers, calls, last, c.total)
			}
		}
	}
}

// BenchmarkPairwise times Pairwise on 8 layers of 500 inputs and widths
// 32 to 1000 (narrow and wide, so angular CKA packs its points).
func BenchmarkPairwise(b *testing.B) {
	dense := relatedReps(35, 500, []int{32, 128, 512, 1000, 32, 128, 512, 1000})
	reps := make([]mat.Matrix, len(dense))
	for i, x := range dense {
		reps[i] = x
	}
	for _, pm := range pairwiseMetrics {
		m, _ := NewMetric(pm.name, pm.opts)
		label := pm.name
		if pm.name == "angular-cka" {
			label = m.(*AngularCKA).String()
		}
		b.Run(label, func(b *testing.B) {
			for b.Loop() {
				if _, err := Pairwise(m, reps, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
