package repgeo

import (
	"math"
	"strconv"
	"sync"
	"sync/atomic"

	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
)

func init() {
	Register("angular-cka", func(o Options) (Metric, error) {
		return NewAngularCKA(CKAConfig{Kernel: o.Kernel, LengthScale: o.LengthScale, Unbiased: o.Unbiased})
	}, OptionKernel, OptionLengthScale, OptionUnbiased)
}

// CKAConfig is the configuration of angular CKA. The zero value is the
// default: biased CKA with the linear kernel.
type CKAConfig struct {
	// Kernel is the kernel applied to the rows of a representation.
	Kernel Kernel
	// LengthScale is the length scale of the RBF and Laplace kernels; 0
	// selects the median of the Euclidean distances between rows. It must be
	// 0 with the linear kernel, which has none.
	LengthScale float64
	// Unbiased selects repsim's unbiased CKA: the diagonal of the centred
	// kernel matrix is set to zero.
	Unbiased bool
}

// AngularCKA is the angular CKA metric, registered as "angular-cka": a
// representation X maps to its centred kernel matrix Kc = H K H scaled to unit
// Frobenius norm, and d(P, Q) = arccos <P, Q>, the arc cosine of CKA. Its space
// is the unit sphere of symmetric m×m matrices: geodesics are great circles and
// tangent vectors at P are symmetric m×m matrices W with <P, W> = 0.
//
// The zero value is the default angular CKA (biased, linear kernel);
// NewAngularCKA makes the others. With the linear kernel and the biased
// variant, a representation narrower than its number of inputs is kept as
// its centred m×d matrix and distances use <Kc_x, Kc_y> = |Xcᵀ Yc|², so the
// m×m matrix is only formed when a geometric operation needs it or when it
// makes all-pairs distances cheaper.
type AngularCKA struct {
	cfg CKAConfig
}

// NewAngularCKA returns the angular CKA metric configured by cfg. It returns
// an error for an unknown kernel, a length scale that is negative or not
// finite, and (an *OptionError) a length scale with the linear kernel.
func NewAngularCKA(cfg CKAConfig) (*AngularCKA, error) {
	if err := validEnum(kernelNames, int(cfg.Kernel), "angular-cka", "kernel"); err != nil {
		return nil, err
	}
	if math.IsNaN(cfg.LengthScale) || math.IsInf(cfg.LengthScale, 0) || cfg.LengthScale < 0 {
		return nil, errorf("angular-cka: length scale %v is not a finite number >= 0", cfg.LengthScale)
	}
	c := &AngularCKA{cfg: cfg}
	if detail, unused := c.UnusedOption(OptionLengthScale); unused && cfg.LengthScale != 0 {
		return nil, &OptionError{Metric: "angular-cka", Option: OptionLengthScale, Detail: detail}
	}
	return c, nil
}

// UnusedOption reports that the length scale is unused with the linear
// kernel (see OptionUser).
func (c *AngularCKA) UnusedOption(name string) (detail string, unused bool) {
	if name == OptionLengthScale && c.cfg.Kernel == LinearKernel {
		return "with kernel linear", true
	}
	return "", false
}

// Config returns the metric's configuration.
func (c *AngularCKA) Config() CKAConfig { return c.cfg }

// Name returns "angular-cka".
func (c *AngularCKA) Name() string { return "angular-cka" }

// String returns the metric's name and full configuration, such as
// "angular-cka(kernel=linear,unbiased=false)" or
// "angular-cka(kernel=rbf,length-scale=median,unbiased=false)".
func (c *AngularCKA) String() string {
	s := "angular-cka(kernel=" + c.cfg.Kernel.String()
	if c.cfg.Kernel != LinearKernel {
		if c.cfg.LengthScale == 0 {
			s += ",length-scale=median"
		} else {
			s += ",length-scale=" + strconv.FormatFloat(c.cfg.LengthScale, 'g', -1, 64)
		}
	}
	return s + ",unbiased=" + strconv.FormatBool(c.cfg.Unbiased) + ")"
}

// SectionalCurvature returns 1: the space of angular CKA is the unit sphere.
func (c *AngularCKA) SectionalCurvature() float64 { return 1 }

// ckaPoint is a point of angular CKA: the unit-norm centred kernel matrix P,
// held as an m×r factor Z with P = Z Zᵀ, as its packed upper triangle, or both.
type ckaPoint struct {
	m   int
	cfg CKAConfig
	low *mat.Dense // Z (m×r, r < m) or nil; immutable

	pk       atomic.Pointer[[]float64] // packed P, set at construction or once by packed()
	pkOnce   sync.Once
	full     *mat.Dense // P as an m×m matrix, set once by fullMatrix()
	fullOnce sync.Once
}

// Inputs returns the number of inputs m.
func (p *ckaPoint) Inputs() int { return p.m }

// rank returns the width of the factor, or 0 if the point has none.
func (p *ckaPoint) rank() int {
	if p.low == nil {
		return 0
	}
	_, r := p.low.Dims()
	return r
}

// packed returns P packed, forming it from the factor once if needed. It is
// safe for concurrent use.
func (p *ckaPoint) packed() []float64 {
	p.pkOnce.Do(func() {
		if p.pk.Load() == nil {
			v := pkdGram(p.low.RawMatrix())
			p.pk.Store(&v)
		}
	})
	return *p.pk.Load()
}

// hasPacked reports whether P is already available packed.
func (p *ckaPoint) hasPacked() bool { return p.pk.Load() != nil }

// fullMatrix returns P as an m×m matrix, formed once. The caller must not modify it.
func (p *ckaPoint) fullMatrix() *mat.Dense {
	p.fullOnce.Do(func() { p.full = pkdUnpack(p.m, p.packed()) })
	return p.full
}

// ToPoint maps an m×d representation to its normalized centred kernel
// matrix. A constant representation (all rows equal, so Kc = 0) is an error
// wrapping ErrConstant, and values whose squares overflow float64 one
// wrapping ErrOverflow.
func (c *AngularCKA) ToPoint(x mat.Matrix) (Point, error) {
	return c.toPoint(x, false)
}

// lowRankPossible reports whether a representation of m inputs and width d
// can be kept as its centred m×d matrix.
func (c *AngularCKA) lowRankPossible(m, d int) bool {
	return c.cfg.Kernel == LinearKernel && !c.cfg.Unbiased && d < m
}

// toPoint builds a point; dense forces the packed m×m form even where the
// factored form is possible.
func (c *AngularCKA) toPoint(x mat.Matrix, dense bool) (*ckaPoint, error) {
	if err := CheckRepresentation(x); err != nil {
		return nil, err
	}
	m, d := x.Dims()
	p := &ckaPoint{m: m, cfg: c.cfg}
	xc, ssX, ssXc := pkdCentred(x)
	if math.IsInf(ssX, 0) {
		return nil, errorOf(ErrOverflow, "angular-cka: the representation's values are too large (their squares overflow float64)")
	}
	// Every row equal, up to the rounding of the column means.
	if ssXc == 0 || ssXc <= 1e-24*ssX {
		return nil, errCKAConstant
	}
	if c.cfg.Kernel == LinearKernel {
		// The point does not depend on the scale of X: unit norm keeps every
		// product below overflow.
		xc.Scale(1/math.Sqrt(ssXc), xc)
	}
	if !dense && c.lowRankPossible(m, d) {
		// |Kc|_F = |Xcᵀ Xc|_F, a d×d product.
		g := mat.NewDense(d, d, nil)
		g.Mul(xc.T(), xc)
		nrm := mat.Norm(g, 2)
		if nrm == 0 {
			return nil, errCKAConstant
		}
		xc.Scale(1/math.Sqrt(nrm), xc)
		p.low = xc
		return p, nil
	}
	var k []float64
	if c.cfg.Kernel == LinearKernel {
		k = pkdGram(xc.RawMatrix())
	} else {
		var err error
		if k, err = c.distanceKernel(xc); err != nil {
			return nil, err
		}
		ssK := pkdDot(m, k, k)
		pkdCentre(m, k)
		if ss := pkdDot(m, k, k); ss <= 1e-20*ssK {
			return nil, errCKAConstant
		}
	}
	if c.cfg.Unbiased {
		for i := 0; i < m; i++ {
			k[pkdRowOff(m, i)] = 0
		}
	}
	ss := pkdDot(m, k, k)
	if math.IsNaN(ss) || math.IsInf(ss, 0) {
		return nil, errorOf(ErrOverflow, "angular-cka: the kernel matrix overflows float64")
	}
	if ss == 0 {
		return nil, errCKAConstant
	}
	floats.Scale(1/math.Sqrt(ss), k)
	p.pk.Store(&k)
	return p, nil
}

var errCKAConstant = errorOf(ErrConstant, "angular-cka: the centred kernel matrix is zero (a constant representation: every row is the same)")

// distanceKernel returns the packed RBF or Laplace kernel matrix of the rows
// of xc (centring does not change distances).
func (c *AngularCKA) distanceKernel(xc *mat.Dense) ([]float64, error) {
	m, _ := xc.Dims()
	raw := xc.RawMatrix()
	sq := make([]float64, m)
	for i := range sq {
		row := raw.Data[i*raw.Stride : i*raw.Stride+raw.Cols]
		sq[i] = floats.Dot(row, row)
	}
	// Squared distances |xi|² + |xj|² - 2 xi·xj, clipped at 0, exactly 0 on the diagonal.
	k := make([]float64, pkdLen(m))
	gramBlocks(raw, func(i0, i1 int, blk blas64.General) {
		for i := i0; i < i1; i++ {
			r := i - i0
			o := pkdRowOff(m, i)
			row := blk.Data[r*blk.Stride : r*blk.Stride+blk.Cols]
			k[o] = 0
			for j := i + 1; j < m; j++ {
				k[o+j-i] = max(sq[i]+sq[j]-2*row[j-i0], 0)
			}
		}
	})
	l := c.cfg.LengthScale
	if l == 0 {
		dist := make([]float64, 0, m*(m-1)/2)
		for i := 0; i < m; i++ {
			o := pkdRowOff(m, i)
			for _, v := range k[o+1 : o+m-i] {
				dist = append(dist, math.Sqrt(v))
			}
		}
		l = selectKth(dist, (len(dist)-1)/2)
		if l == 0 {
			return nil, errorf("angular-cka: the median distance between rows is zero (most rows coincide); set a positive LengthScale")
		}
	}
	if c.cfg.Kernel == RBFKernel {
		s := 1 / (l * l)
		for i, v := range k {
			k[i] = math.Exp(-v * s)
		}
	} else {
		s := 1 / l
		for i, v := range k {
			k[i] = math.Exp(-math.Sqrt(v) * s)
		}
	}
	return k, nil
}

// pkdCentre replaces the packed symmetric m×m matrix k by H k H.
func pkdCentre(m int, k []float64) {
	mean := make([]float64, m)
	for i := 0; i < m; i++ {
		o := pkdRowOff(m, i)
		mean[i] += k[o]
		for j := i + 1; j < m; j++ {
			v := k[o+j-i]
			mean[i] += v
			mean[j] += v
		}
	}
	floats.Scale(1/float64(m), mean)
	g := floats.Sum(mean) / float64(m)
	for i := 0; i < m; i++ {
		o := pkdRowOff(m, i)
		for j := i; j < m; j++ {
			k[o+j-i] += g - mean[i] - mean[j]
		}
	}
}

// selectKth returns the k-th smallest value of v (k from 0), reordering v.
func selectKth(v []float64, k int) float64 {
	lo, hi := 0, len(v)-1
	for lo < hi {
		// Median of three as pivot, then Hoare partition.
		mid := lo + (hi-lo)/2
		if v[mid] < v[lo] {
			v[mid], v[lo] = v[lo], v[mid]
		}
		if v[hi] < v[lo] {
			v[hi], v[lo] = v[lo], v[hi]
		}
		if v[hi] < v[mid] {
			v[hi], v[mid] = v[mid], v[hi]
		}
		pivot := v[mid]
		i, j := lo, hi
		for i <= j {
			for v[i] < pivot {
				i++
			}
			for v[j] > pivot {
				j--
			}
			if i <= j {
				v[i], v[j] = v[j], v[i]
				i++
				j--
			}
		}
		switch {
		case k <= j:
			hi = j
		case k >= i:
			lo = i
		default:
			return v[k]
		}
	}
	return v[k]
}

// points returns p and q as CKA points made with this metric's options.
func (c *AngularCKA) points(p, q Point) (*ckaPoint, *ckaPoint, error) {
	return pointPair(c.point, p, q)
}

func (c *AngularCKA) point(p Point) (*ckaPoint, error) {
	a, ok := p.(*ckaPoint)
	if !ok || a == nil {
		return nil, errorf("angular-cka: %w: %T is not a point of angular-cka", ErrForeignPoint, p)
	}
	if a.cfg != c.cfg {
		return nil, errorf("angular-cka: %w: point made by %v, metric is %v", ErrForeignPoint, &AngularCKA{cfg: a.cfg}, c)
	}
	return a, nil
}

// inner returns <P, Q> by the cheapest route the two points allow.
func ckaInner(a, b *ckaPoint) float64 {
	m := float64(a.m)
	ra, rb := float64(a.rank()), float64(b.rank())
	// Multiply-add counts of the routes.
	const none = math.MaxFloat64
	dense, low, viaA, viaB := none, none, none, none
	if a.hasPacked() && b.hasPacked() {
		dense = m * m / 2
	}
	if ra > 0 && rb > 0 {
		low = m * ra * rb
	}
	if a.hasPacked() && rb > 0 {
		viaA = m * m * rb / 2
	}
	if b.hasPacked() && ra > 0 {
		viaB = m * m * ra / 2
	}
	switch min(dense, low, viaA, viaB) {
	case dense:
		return pkdDot(a.m, a.packed(), b.packed())
	case low:
		g := mat.NewDense(a.rank(), b.rank(), nil)
		g.Mul(a.low.T(), b.low)
		v := mat.Norm(g, 2)
		return v * v
	case viaA:
		return pkdDotGram(a.packed(), b.low.RawMatrix())
	default:
		return pkdDotGram(b.packed(), a.low.RawMatrix())
	}
}

// Distance returns arccos of the CKA of the two points, in [0, π].
func (c *AngularCKA) Distance(p, q Point) (float64, error) {
	a, b, err := c.points(p, q)
	if err != nil {
		return 0, err
	}
	if a == b {
		return 0, nil
	}
	return finiteDistance("angular-cka", math.Acos(clip1(ckaInner(a, b))))
}

// clip1 clips x to [-1, 1].
func clip1(x float64) float64 { return math.Max(-1, math.Min(1, x)) }

// sphereLog returns the packed direction u = Q - <P,Q> P, its norm and the
// angle w between P and Q, computed as atan2(|u|, <P,Q>).
func sphereLog(a, b *ckaPoint) (u []float64, nu, w float64) {
	c := ckaInner(a, b)
	pa, pb := a.packed(), b.packed()
	u = make([]float64, len(pa))
	floats.AddScaledTo(u, pb, -c, pa)
	nu = math.Sqrt(math.Max(pkdDot(a.m, u, u), 0))
	return u, nu, math.Atan2(nu, c)
}

// Geodesic returns the point a fraction t of the way along the great circle
// from p to q (slerp); t may be any real number. Antipodal points have no
// unique geodesic and give an error.
func (c *AngularCKA) Geodesic(p, q Point, t float64) (Point, error) {
	a, b, err := c.points(p, q)
	if err != nil {
		return nil, err
	}
	if math.IsNaN(t) || math.IsInf(t, 0) {
		return nil, errorf("angular-cka: geodesic fraction %v is not finite", t)
	}
	_, nu, w := sphereLog(a, b)
	var ca, cb float64
	switch {
	case nu < 1e-12 && w > math.Pi/2:
		return nil, errorf("angular-cka: the points are antipodal, the geodesic between them is not unique")
	case nu == 0:
		return a, nil
	default:
		s := math.Sin(w)
		ca, cb = math.Sin((1-t)*w)/s, math.Sin(t*w)/s
		if w < 1e-8 {
			ca, cb = 1-t, t
		}
	}
	g := make([]float64, pkdLen(a.m))
	floats.AddScaledTo(g, floats.ScaleTo(g, ca, a.packed()), cb, b.packed())
	return newCKAPacked(a, g), nil
}

// newCKAPacked returns a point like like with packed matrix g, scaled to unit norm.
func newCKAPacked(like *ckaPoint, g []float64) *ckaPoint {
	floats.Scale(1/math.Sqrt(pkdDot(like.m, g, g)), g)
	p := &ckaPoint{m: like.m, cfg: like.cfg}
	p.pk.Store(&g)
	return p
}

// Log returns the tangent vector at p pointing to q along the great circle,
// an m×m symmetric matrix orthogonal to P with norm d(p, q).
func (c *AngularCKA) Log(p, q Point) (*mat.Dense, error) {
	a, b, err := c.points(p, q)
	if err != nil {
		return nil, err
	}
	u, nu, w := sphereLog(a, b)
	if nu < 1e-12 && w > math.Pi/2 {
		return nil, errorf("angular-cka: the points are antipodal, the log map is not defined")
	}
	if nu == 0 {
		return mat.NewDense(a.m, a.m, nil), nil
	}
	floats.Scale(w/nu, u)
	return pkdUnpack(a.m, u), nil
}

// symmetricUpper packs the symmetric part of the m×m matrix v, returning an
// error if v is not symmetric within rounding.
func symmetricUpper(m int, v *mat.Dense) ([]float64, error) {
	r, cols := v.Dims()
	if r != m || cols != m {
		return nil, errorOf(ErrShapeMismatch, "tangent vector is %d×%d, want %d×%d", r, cols, m, m)
	}
	out := make([]float64, pkdLen(m))
	var asym, scale float64
	for i := 0; i < m; i++ {
		o := pkdRowOff(m, i)
		for j := i; j < m; j++ {
			x, y := v.At(i, j), v.At(j, i)
			if math.IsNaN(x) || math.IsInf(x, 0) || math.IsNaN(y) || math.IsInf(y, 0) {
				return nil, errorOf(ErrNonFinite, "tangent vector has a non-finite value at (%d, %d)", i, j)
			}
			asym = math.Max(asym, math.Abs(x-y))
			scale = math.Max(scale, math.Max(math.Abs(x), math.Abs(y)))
			out[o+j-i] = (x + y) / 2
		}
	}
	if asym > 1e-9*scale {
		return nil, errorf("tangent vector is not symmetric (largest |v_ij - v_ji| = %g)", asym)
	}
	return out, nil
}

// Exp follows the great circle from p in the direction of the tangent vector
// v (a symmetric m×m matrix) for length |v|. Only the tangent part of v is
// used: its component <P, v> P along P is removed first (as the shape
// metrics' Exp does), so that a v that is not orthogonal to P moves the
// length of its tangent part; a tangent v is used as it is.
func (c *AngularCKA) Exp(p Point, v *mat.Dense) (Point, error) {
	a, err := c.point(p)
	if err != nil {
		return nil, err
	}
	u, err := symmetricUpper(a.m, v)
	if err != nil {
		return nil, errorf("angular-cka: %w", err)
	}
	pa := a.packed()
	floats.AddScaled(u, -pkdDot(a.m, pa, u), pa)
	n := math.Sqrt(pkdDot(a.m, u, u))
	if math.IsInf(n, 0) || math.IsNaN(n) {
		return nil, errorOf(ErrOverflow, "angular-cka: the norm of the tangent vector overflows float64")
	}
	if n == 0 {
		return a, nil
	}
	g := make([]float64, len(u))
	floats.AddScaledTo(g, floats.ScaleTo(g, math.Cos(n), pa), math.Sin(n)/n, u)
	return newCKAPacked(a, g), nil
}

// Inner returns the Frobenius inner product of the m×m tangent vectors v and
// w (the sphere's metric is the ambient one). It panics with an error
// wrapping ErrShapeMismatch if their shapes differ.
func (c *AngularCKA) Inner(p Point, v, w *mat.Dense) float64 {
	return frobenius(v, w)
}

// frobenius returns sum_ij v_ij w_ij, panicking with an error wrapping
// ErrShapeMismatch if the shapes differ.
func frobenius(v, w *mat.Dense) float64 {
	r, cols := v.Dims()
	if r2, c2 := w.Dims(); r2 != r || c2 != cols {
		panic(errorOf(ErrShapeMismatch, "inner product of tangent vectors %d×%d and %d×%d", r, cols, r2, c2))
	}
	rv, rw := v.RawMatrix(), w.RawMatrix()
	var s float64
	for i := 0; i < r; i++ {
		s += floats.Dot(rv.Data[i*rv.Stride:i*rv.Stride+cols], rw.Data[i*rw.Stride:i*rw.Stride+cols])
	}
	return s
}

// Transport moves the tangent vector v at p in parallel along the great
// circle from p to q: its component along the geodesic's direction u turns
// with the geodesic, v + <u,v>((cos w - 1) u - sin w P), and the rest is unchanged.
func (c *AngularCKA) Transport(p, q Point, v *mat.Dense) (*mat.Dense, error) {
	a, b, err := c.points(p, q)
	if err != nil {
		return nil, err
	}
	if r, cols := v.Dims(); r != a.m || cols != a.m {
		return nil, errorOf(ErrShapeMismatch, "angular-cka: tangent vector is %d×%d, want %d×%d", r, cols, a.m, a.m)
	}
	u, nu, w := sphereLog(a, b)
	out := mat.DenseCopyOf(v)
	if nu < 1e-12 && w > math.Pi/2 {
		return nil, errorf("angular-cka: the points are antipodal, parallel transport is not defined")
	}
	if nu == 0 {
		return out, nil
	}
	floats.Scale(1/nu, u)
	e := pkdUnpack(a.m, u)
	k := frobenius(e, v)
	// out += k (cos w - 1) e - k sin w P, built packed then added in full.
	d := make([]float64, len(u))
	floats.AddScaledTo(d, floats.ScaleTo(d, k*(math.Cos(w)-1), u), -k*math.Sin(w), a.packed())
	out.Add(out, pkdUnpack(a.m, d))
	return out, nil
}

// ckaPlanDense decides which points to hold as packed m×m matrices for
// all-pairs distances among n points of m inputs: rank[i] is the width of
// point i's factor (0 if it has none) and dense[i] whether it already is or
// must be packed. It compares the multiply-adds of packing every factored
// point with those of keeping every factor, and returns the indices to pack.
func ckaPlanDense(m int, rank []int, dense []bool) []int {
	fm := float64(m)
	n := len(rank)
	var nd, sumR, sumR2 float64
	var low []int
	for i := range rank {
		switch {
		case dense[i]:
			nd++
		case rank[i] > 0:
			low = append(low, i)
			r := float64(rank[i])
			sumR += r
			sumR2 += r * r
		}
	}
	if len(low) == 0 {
		return nil
	}
	pairs := float64(n*(n-1)) / 2
	costPack := fm*fm*sumR/2 + pairs*fm*fm/2
	costKeep := fm*(sumR*sumR-sumR2)/2 + nd*fm*fm*sumR/2 + nd*(nd-1)/2*fm*fm/2
	if costPack < costKeep {
		return low
	}
	return nil
}

// pairPrepare implements pairPlanner: it packs the points the all-pairs plan chooses.
func (c *AngularCKA) pairPrepare(pts []Point) ([]int, func(Point) error) {
	rank := make([]int, len(pts))
	dense := make([]bool, len(pts))
	m := 0
	for i, p := range pts {
		a, ok := p.(*ckaPoint)
		if !ok {
			return nil, nil // Distance reports the error.
		}
		m = a.m
		rank[i] = a.rank()
		dense[i] = a.hasPacked()
	}
	idx := ckaPlanDense(m, rank, dense)
	return idx, func(p Point) error {
		p.(*ckaPoint).packed()
		return nil
	}
}

// pointBuilder implements pairPlanner: for all-pairs distances of
// representations of m inputs and the given widths, it builds each point
// directly in the form the plan chooses, so that factors are not kept beside
// packed matrices.
func (c *AngularCKA) pointBuilder(m int, widths []int) func(i int, x mat.Matrix) (Point, error) {
	rank := make([]int, len(widths))
	dense := make([]bool, len(widths))
	for i, d := range widths {
		if c.lowRankPossible(m, d) {
			rank[i] = d
		} else {
			dense[i] = true
		}
	}
	pack := make([]bool, len(widths))
	for _, i := range ckaPlanDense(m, rank, dense) {
		pack[i] = true
	}
	return func(i int, x mat.Matrix) (Point, error) {
		p, err := c.toPoint(x, pack[i])
		if err != nil {
			return nil, err
		}
		return p, nil
	}
}
