package repgeo

import (
	"cmp"
	"runtime"
	"slices"
	"sync"

	"gonum.org/v1/gonum/mat"
)

// PairwiseOptions controls the all-pairs engine. A nil *PairwiseOptions
// means the defaults.
type PairwiseOptions struct {
	// Workers is the number of goroutines; 0 means runtime.GOMAXPROCS(0).
	// At most Workers points are being built at any moment.
	Workers int
	// Progress, if not nil, is called after each point and each pair with the
	// number of steps done and the total. Calls come from any goroutine but
	// never overlap.
	Progress func(done, total int)
}

// pairPlanner is implemented by metrics whose all-pairs distances are
// cheaper when some points are held in another form (angular CKA packs its
// factored points into m×m matrices when that pays off).
type pairPlanner interface {
	// pointBuilder returns the function building point i of representations
	// of m inputs and the given widths in the form best for all pairs.
	pointBuilder(m int, widths []int) func(i int, x mat.Matrix) (Point, error)
	// pairPrepare returns the indices of the points to convert before the
	// pairs, and the conversion. It must be safe to run on several points at once.
	pairPrepare(pts []Point) ([]int, func(Point) error)
}

// pairCoster is implemented by metrics whose points and pairs differ much in
// cost. The engine starts the costliest first, so that the cores finish
// together instead of one of them ending on a long pair, and Pairwise starts
// each pair as soon as its two points are built.
type pairCoster interface {
	// pairCost estimates the relative cost of a distance between points of
	// representations of m inputs and widths da and db.
	pairCost(m, da, db int) float64
	// pointWidth returns the width of the representation a point was made
	// from, as far as its cost goes.
	pointWidth(p Point) int
}

// progress serializes the calls of a Progress callback.
type progress struct {
	mu    sync.Mutex
	fn    func(done, total int)
	done  int
	total int
}

func (p *progress) step() {
	if p == nil || p.fn == nil {
		return
	}
	p.mu.Lock()
	p.done++
	p.fn(p.done, p.total)
	p.mu.Unlock()
}

func (o *PairwiseOptions) workers() int {
	if o == nil || o.Workers <= 0 {
		return runtime.GOMAXPROCS(0)
	}
	return o.Workers
}

func (o *PairwiseOptions) progress(total int) *progress {
	if o == nil || o.Progress == nil {
		return nil
	}
	return &progress{fn: o.Progress, total: total}
}

// parallelFor runs f(k) for k = 0..n-1 on at most workers goroutines, in
// increasing order of k handed out. After the first error no new k is
// started; it returns the error of the smallest failing k. With serialBLAS
// and more than one goroutine, the matrix products inside f run on their
// calling goroutine (see singleThreadedBLAS).
func parallelFor(n, workers int, serialBLAS bool, f func(k int) error) error {
	if workers > n {
		workers = n
	}
	if workers > 1 && serialBLAS {
		// The goroutines share the cores; a threaded BLAS would
		// oversubscribe them.
		defer singleThreadedBLAS()()
	}
	var (
		mu      sync.Mutex
		next    int
		errK    = -1
		errLast error
		wg      sync.WaitGroup
	)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				mu.Lock()
				if next >= n || errK >= 0 {
					mu.Unlock()
					return
				}
				k := next
				next++
				mu.Unlock()
				if err := f(k); err != nil {
					mu.Lock()
					if errK < 0 || k < errK {
						errK, errLast = k, err
					}
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	return errLast
}

// checkReps validates every representation and that all have the same
// number of inputs, returning that number and the widths.
func checkReps(reps []mat.Matrix) (m int, widths []int, err error) {
	widths = make([]int, len(reps))
	for i, x := range reps {
		if x == nil {
			return 0, nil, &IndexError{Index: i, Err: errorf("nil matrix")}
		}
		if err := CheckRepresentation(x); err != nil {
			return 0, nil, &IndexError{Index: i, Err: err}
		}
		mi, d := x.Dims()
		if i == 0 {
			m = mi
		} else if mi != m {
			return 0, nil, &IndexError{Index: i, Err: errorf("%w: it has %d, representation 0 has %d", ErrInputMismatch, mi, m)}
		}
		widths[i] = d
	}
	return m, widths, nil
}

// Points maps each representation to a point of m, each once, in parallel
// with at most opts.Workers points being built at a time. Every
// representation is checked with CheckRepresentation and all must have the
// same number of inputs; errors name the index, as in "representation 3: ...".
func Points(m Metric, reps []mat.Matrix, opts *PairwiseOptions) ([]Point, error) {
	return points(m, reps, opts, opts.progress(len(reps)), nil)
}

func points(m Metric, reps []mat.Matrix, opts *PairwiseOptions, pr *progress,
	build func(i int, x mat.Matrix) (Point, error)) ([]Point, error) {
	if m == nil {
		return nil, errorf("nil metric")
	}
	if _, _, err := checkReps(reps); err != nil {
		return nil, err
	}
	if build == nil {
		build = func(_ int, x mat.Matrix) (Point, error) { return m.ToPoint(x) }
	}
	pts := make([]Point, len(reps))
	// Points differ much in cost (a few wide layers take most of the time),
	// so where the BLAS shares the cores well their products may split.
	err := parallelFor(len(reps), opts.workers(), serialPointBLAS, func(i int) error {
		p, err := build(i, reps[i])
		if err != nil {
			return &IndexError{Index: i, Err: err}
		}
		pts[i] = p
		pr.step()
		return nil
	})
	if err != nil {
		return nil, err
	}
	return pts, nil
}

// PairwisePoints returns the L×L matrix of distances between the points,
// with an exactly zero diagonal, computing the L(L-1)/2 pairs in parallel.
// Errors name the pair, as in "points 2 and 5: ...".
func PairwisePoints(m Metric, pts []Point, opts *PairwiseOptions) (*mat.SymDense, error) {
	n := len(pts)
	return pairwisePoints(m, pts, opts, opts.progress(n*(n-1)/2))
}

func pairwisePoints(m Metric, pts []Point, opts *PairwiseOptions, pr *progress) (*mat.SymDense, error) {
	if m == nil {
		return nil, errorf("nil metric")
	}
	n := len(pts)
	if n == 0 {
		return nil, errorf("no points")
	}
	for i, p := range pts {
		if p == nil {
			return nil, errorf("point %d: nil point", i)
		}
		if p.Inputs() != pts[0].Inputs() {
			return nil, errorf("point %d: %w: it has %d, point 0 has %d", i, ErrInputMismatch, p.Inputs(), pts[0].Inputs())
		}
	}
	workers := opts.workers()
	if pl, ok := m.(pairPlanner); ok {
		idx, prep := pl.pairPrepare(pts)
		err := parallelFor(len(idx), workers, serialPointBLAS, func(k int) error {
			if err := prep(pts[idx[k]]); err != nil {
				return errorf("point %d: %w", idx[k], err)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	var pairs [][2]int32
	if pc, ok := m.(pairCoster); ok {
		widths := make([]int, n)
		for i, p := range pts {
			widths[i] = pc.pointWidth(p)
		}
		pairs = pairOrder(pc, pts[0].Inputs(), widths)
	} else {
		pairs = pairOrder(nil, 0, make([]int, n))
	}
	out := newDistanceMatrix(n, pr)
	err := parallelFor(len(pairs), workers, true, func(k int) error {
		return out.set(m, pts, int(pairs[k][0]), int(pairs[k][1]))
	})
	if err != nil {
		return nil, err
	}
	return out.d, nil
}

// distanceMatrix is the matrix the pairs of the engine fill in from several
// goroutines.
type distanceMatrix struct {
	mu sync.Mutex
	d  *mat.SymDense
	pr *progress
}

func newDistanceMatrix(n int, pr *progress) *distanceMatrix {
	return &distanceMatrix{d: mat.NewSymDense(n, nil), pr: pr}
}

// set computes the distance between points i and j and stores it.
func (dm *distanceMatrix) set(m Metric, pts []Point, i, j int) error {
	d, err := m.Distance(pts[i], pts[j])
	if err != nil {
		return errorf("points %d and %d: %w", i, j, err)
	}
	dm.mu.Lock()
	dm.d.SetSym(i, j, d)
	dm.mu.Unlock()
	dm.pr.step()
	return nil
}

// pairOrder returns the pairs (i, j), i < j, of points of m inputs and the
// given widths, in row order, or by decreasing cost for a non-nil pc (ties in
// row order).
func pairOrder(pc pairCoster, m int, widths []int) [][2]int32 {
	n := len(widths)
	pairs := make([][2]int32, 0, n*(n-1)/2)
	for i := 0; i < n; i++ {
		for j := i + 1; j < n; j++ {
			pairs = append(pairs, [2]int32{int32(i), int32(j)})
		}
	}
	if pc == nil {
		return pairs
	}
	cost := func(p [2]int32) float64 { return pc.pairCost(m, widths[p[0]], widths[p[1]]) }
	slices.SortStableFunc(pairs, func(a, b [2]int32) int { return cmp.Compare(cost(b), cost(a)) })
	return pairs
}

// pairwiseOverlapped is Pairwise for a pairCoster: one queue of tasks, the
// points widest first and then the pairs costliest first, where a pair waits
// for its two points. No core waits for the last points to be built while
// pairs of built ones could run. Products run on their calling goroutines.
func pairwiseOverlapped(m Metric, pc pairCoster, reps []mat.Matrix, mm int, widths []int, opts *PairwiseOptions, pr *progress) (*mat.SymDense, error) {
	n := len(reps)
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(widths[b], widths[a]) })
	pairs := pairOrder(pc, mm, widths)
	pts := make([]Point, n)
	built := make([]chan struct{}, n)
	for i := range built {
		built[i] = make(chan struct{})
	}
	out := newDistanceMatrix(n, pr)
	// Every point task is handed out before any pair task, so a pair only
	// waits for points that are being built. A point that fails does not
	// stop the queue (every point is tried, so that the error reported is
	// that of the smallest failing representation); the first pair that
	// needs it does.
	pointErr := make([]error, n)
	err := parallelFor(n+len(pairs), opts.workers(), true, func(k int) error {
		if k < n {
			i := order[k]
			defer close(built[i])
			p, err := m.ToPoint(reps[i])
			if err != nil {
				pointErr[i] = &IndexError{Index: i, Err: err}
				return nil
			}
			pts[i] = p
			pr.step()
			return nil
		}
		i, j := int(pairs[k-n][0]), int(pairs[k-n][1])
		<-built[i]
		<-built[j]
		if pts[i] == nil || pts[j] == nil {
			return errPointFailed
		}
		return out.set(m, pts, i, j)
	})
	for _, e := range pointErr {
		if e != nil {
			return nil, e
		}
	}
	if err != nil {
		return nil, err
	}
	return out.d, nil
}

// errPointFailed stops the queue at a pair whose point failed to build; the
// point's own error is the one reported.
var errPointFailed = errorf("a point of the pair failed to build")

// Pairwise maps each representation to a point (as Points does) and returns
// the L×L matrix of distances between them (as PairwisePoints does). The
// progress total is L + L(L-1)/2. Metrics that can trade memory for speed
// build their points directly in the form the pairs need: angular CKA with
// the linear kernel keeps narrow representations as centred m×d factors, or
// packs them as m×m matrices when the pairs then cost less.
//
// Memory: at most Workers points are built at once. Each point of angular
// CKA or stress takes at most m(m+1)/2 float64 values (its matrix packed by
// the upper triangle), or m×d for a factored CKA point; building one takes a
// float64 copy of the representation, 128×m values of workspace and, for a
// kernel with the median length scale, m(m-1)/2 more. For m = 10,000 inputs
// and L = 20 layers of width up to 4096, the points take at most 20 × 400 MB
// = 8 GB and the builders 2 × (330 + 10 + 400) MB, so the peak is about
// 9.5 GB plus the caller's own representations (at most 6.6 GB in float64).
func Pairwise(m Metric, reps []mat.Matrix, opts *PairwiseOptions) (*mat.SymDense, error) {
	if m == nil {
		return nil, errorf("nil metric")
	}
	mm, widths, err := checkReps(reps)
	if err != nil {
		return nil, err
	}
	n := len(reps)
	pr := opts.progress(n + n*(n-1)/2)
	if pc, ok := m.(pairCoster); ok {
		if _, planned := m.(pairPlanner); !planned {
			return pairwiseOverlapped(m, pc, reps, mm, widths, opts, pr)
		}
	}
	var build func(i int, x mat.Matrix) (Point, error)
	if pl, ok := m.(pairPlanner); ok {
		build = pl.pointBuilder(mm, widths)
	}
	pts, err := points(m, reps, opts, pr, build)
	if err != nil {
		return nil, err
	}
	return pairwisePoints(m, pts, opts, pr)
}
