package repgeo

import (
	"math"

	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
)

func init() {
	Register("stress", func(Options) (Metric, error) { return &Stress{}, nil })
}

// Stress is the stress metric, registered as "stress" (repsim's Stress): a
// representation maps to the m×m matrix D of Euclidean distances between its
// rows, and d(D1, D2) = sqrt(mean over i<j of (D1_ij - D2_ij)²). Its space is
// flat: geodesics are straight lines and tangent vectors are m×m matrices of
// which only the entries above the diagonal are read. It takes no options.
type Stress struct{}

// stressPoint holds the entries above the diagonal of a distance matrix,
// packed by rows: (0,1), (0,2), ..., (1,2), ...
type stressPoint struct {
	m int
	d []float64
}

// Inputs returns the number of inputs m.
func (p *stressPoint) Inputs() int { return p.m }

// stressRowOff returns the offset of element (i, i+1) in the packed strict upper triangle.
func stressRowOff(m, i int) int { return i*m - i*(i+1)/2 }

// Name returns "stress".
func (*Stress) Name() string { return "stress" }

// String returns "stress()": the metric has no configuration.
func (*Stress) String() string { return "stress()" }

// ToPoint returns the matrix of Euclidean distances between the rows of x,
// sqrt(max(|xi|² + |xj|² - 2 xi·xj, 0)) with the columns centred first (which
// leaves the distances unchanged and avoids cancellation). Values whose
// squares overflow float64 are an error wrapping ErrOverflow.
func (*Stress) ToPoint(x mat.Matrix) (Point, error) {
	if err := CheckRepresentation(x); err != nil {
		return nil, err
	}
	m, _ := x.Dims()
	xc, ssX, _ := pkdCentred(x)
	if math.IsInf(ssX, 0) {
		return nil, errStressOverflow
	}
	raw := xc.RawMatrix()
	sq := make([]float64, m)
	for i := range sq {
		row := raw.Data[i*raw.Stride : i*raw.Stride+raw.Cols]
		sq[i] = floats.Dot(row, row)
	}
	p := &stressPoint{m: m, d: make([]float64, m*(m-1)/2)}
	gramBlocks(raw, func(i0, i1 int, blk blas64.General) {
		for i := i0; i < i1; i++ {
			r := i - i0
			o := stressRowOff(m, i)
			row := blk.Data[r*blk.Stride : r*blk.Stride+blk.Cols]
			for j := i + 1; j < m; j++ {
				p.d[o+j-i-1] = math.Sqrt(max(sq[i]+sq[j]-2*row[j-i0], 0))
			}
		}
	})
	// Near the largest float64 the sums above can still overflow (and
	// Inf - Inf is NaN, which max(·, 0) keeps).
	for _, v := range p.d {
		if !(v < math.Inf(1)) {
			return nil, errStressOverflow
		}
	}
	return p, nil
}

var errStressOverflow = errorOf(ErrOverflow, "stress: the representation's values are too large (their squares overflow float64)")

// stressFinite returns p, or an error wrapping ErrOverflow naming op if an
// entry of p overflowed.
func stressFinite(op string, p *stressPoint) (*stressPoint, error) {
	for _, v := range p.d {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, errorOf(ErrOverflow, "stress: %s: the point has a non-finite entry (overflow)", op)
		}
	}
	return p, nil
}

func (*Stress) point(p Point) (*stressPoint, error) {
	a, ok := p.(*stressPoint)
	if !ok || a == nil {
		return nil, errorf("stress: %w: %T is not a point of stress", ErrForeignPoint, p)
	}
	return a, nil
}

func (s *Stress) points(p, q Point) (*stressPoint, *stressPoint, error) {
	return pointPair(s.point, p, q)
}

// Distance returns the root mean square difference of the two distance
// matrices over the pairs of inputs i<j.
func (s *Stress) Distance(p, q Point) (float64, error) {
	a, b, err := s.points(p, q)
	if err != nil {
		return 0, err
	}
	var ss float64
	for k, v := range a.d {
		e := v - b.d[k]
		ss += e * e
	}
	n := float64(len(a.d))
	if !math.IsInf(ss, 0) {
		return finiteDistance("stress", math.Sqrt(ss/n))
	}
	// The squares overflow: scale the differences by the largest one.
	var big float64
	for k, v := range a.d {
		big = math.Max(big, math.Abs(v-b.d[k]))
	}
	ss = 0
	for k, v := range a.d {
		e := (v - b.d[k]) / big
		ss += e * e
	}
	return finiteDistance("stress", big*math.Sqrt(ss/n))
}

// Geodesic returns (1-t) D1 + t D2 for any real t.
func (s *Stress) Geodesic(p, q Point, t float64) (Point, error) {
	a, b, err := s.points(p, q)
	if err != nil {
		return nil, err
	}
	if math.IsNaN(t) || math.IsInf(t, 0) {
		return nil, errorf("stress: geodesic fraction %v is not finite", t)
	}
	g := &stressPoint{m: a.m, d: make([]float64, len(a.d))}
	floats.AddScaledTo(g.d, floats.ScaleTo(g.d, 1-t, a.d), t, b.d)
	return stressFinite("Geodesic", g)
}

// Log returns D2 - D1 as a symmetric m×m matrix with a zero diagonal.
func (s *Stress) Log(p, q Point) (*mat.Dense, error) {
	a, b, err := s.points(p, q)
	if err != nil {
		return nil, err
	}
	v := mat.NewDense(a.m, a.m, nil)
	for i := 0; i < a.m; i++ {
		o := stressRowOff(a.m, i)
		for j := i + 1; j < a.m; j++ {
			e := b.d[o+j-i-1] - a.d[o+j-i-1]
			v.Set(i, j, e)
			v.Set(j, i, e)
		}
	}
	return v, nil
}

// Exp returns D + v, reading the entries of the m×m matrix v above the diagonal.
func (s *Stress) Exp(p Point, v *mat.Dense) (Point, error) {
	a, err := s.point(p)
	if err != nil {
		return nil, err
	}
	if r, c := v.Dims(); r != a.m || c != a.m {
		return nil, errorOf(ErrShapeMismatch, "stress: tangent vector is %d×%d, want %d×%d", r, c, a.m, a.m)
	}
	g := &stressPoint{m: a.m, d: make([]float64, len(a.d))}
	for i := 0; i < a.m; i++ {
		o := stressRowOff(a.m, i)
		for j := i + 1; j < a.m; j++ {
			e := v.At(i, j)
			if math.IsNaN(e) || math.IsInf(e, 0) {
				return nil, errorOf(ErrNonFinite, "stress: tangent vector has a non-finite value at (%d, %d)", i, j)
			}
			g.d[o+j-i-1] = a.d[o+j-i-1] + e
		}
	}
	return stressFinite("Exp", g)
}

// Inner returns the mean over i<j of v_ij w_ij, the inner product under
// which |Log(p, q)| = Distance(p, q). It panics with an error wrapping
// ErrShapeMismatch unless v and w are square of the same size.
func (s *Stress) Inner(p Point, v, w *mat.Dense) float64 {
	m, c := v.Dims()
	if r2, c2 := w.Dims(); m != c || r2 != m || c2 != c {
		panic(errorOf(ErrShapeMismatch, "stress: Inner of tangent vectors %d×%d and %d×%d", m, c, r2, c2))
	}
	if m < 2 {
		return 0
	}
	rv, rw := v.RawMatrix(), w.RawMatrix()
	var sum float64
	for i := 0; i < m; i++ {
		sum += floats.Dot(rv.Data[i*rv.Stride+i+1:i*rv.Stride+m], rw.Data[i*rw.Stride+i+1:i*rw.Stride+m])
	}
	return sum / float64(m*(m-1)/2)
}

// Transport returns a copy of v: parallel transport in a flat space is the
// identity. v must be m×m.
func (s *Stress) Transport(p, q Point, v *mat.Dense) (*mat.Dense, error) {
	a, _, err := s.points(p, q)
	if err != nil {
		return nil, err
	}
	if v == nil {
		return nil, errorf("stress: nil tangent vector")
	}
	if r, c := v.Dims(); r != a.m || c != a.m {
		return nil, errorOf(ErrShapeMismatch, "stress: tangent vector is %d×%d, want %d×%d", r, c, a.m, a.m)
	}
	return mat.DenseCopyOf(v), nil
}

// geodesicConvex marks the space as free of positive curvature for Project.
func (*Stress) geodesicConvex() {}
