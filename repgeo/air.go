package repgeo

import (
	"fmt"
	"math"
	"strconv"
	"sync"

	"gonum.org/v1/gonum/mat"
)

func init() {
	Register("air", func(o Options) (Metric, error) {
		return NewAIR(AIRConfig{Mode: o.Mode, Eps: o.Eps, P: o.P})
	}, OptionMode, OptionEps, OptionP)
}

// airSingularTol is the smallest ratio of the smallest to the largest
// eigenvalue of an AIR matrix accepted as positive definite.
const airSingularTol = 1e-13

// AIR is the affine-invariant Riemannian metric ("air") on symmetric positive
// definite matrices: d(P, Q) = sqrt(Σ log² λ_i), λ the eigenvalues of
// P^-1/2 Q P^-1/2. In mode "gram" a point is the m×m matrix Xc Xc^T + Eps I
// (linear kernel of the centred representation); in mode "cov" it is the P×P
// matrix Xc^T Xc/(m-1) + Eps I after PCA of Xc to its top P principal
// directions (zero-padded when d < P; used as is when d = P).
//
// Tangent vectors at a point are symmetric matrices of its size, with the
// inner product tr(P^-1 V P^-1 W).
//
// The zero value is the default AIR metric (mode gram, Eps = DefaultAIREps);
// NewAIR makes the others.
type AIR struct {
	cfg AIRConfig
}

// The ridge values of AIRConfig.Eps and Options.Eps.
const (
	// DefaultAIREps is the default ridge, selected by Eps = 0.
	DefaultAIREps = 0.1
	// NoRidge (or any negative Eps) adds no ridge: the exactly
	// affine-invariant metric, which only mode cov allows.
	NoRidge = -1.0
)

// AIRConfig is the configuration of the AIR metric. The zero value is the
// default: mode gram with the ridge DefaultAIREps.
type AIRConfig struct {
	// Mode selects the m×m gram matrices or the P×P covariance matrices.
	Mode AIRMode
	// Eps is the ridge added to the matrices' diagonals: 0 selects
	// DefaultAIREps, a negative value (NoRidge) adds none. Mode gram needs a
	// ridge, since centring makes its matrices singular.
	Eps float64
	// P is the number of principal components in cov mode (> 0). It must
	// be 0 in gram mode, which does not use it.
	P int
}

// eps returns the ridge that cfg adds.
func (cfg AIRConfig) eps() float64 {
	switch {
	case cfg.Eps == 0:
		return DefaultAIREps
	case cfg.Eps < 0:
		return 0
	}
	return cfg.Eps
}

// NewAIR returns the AIR metric configured by cfg, or an error for an
// invalid configuration (an *OptionError for P in gram mode). Its Config
// holds the ridge it adds: Eps = 0 becomes DefaultAIREps, a negative Eps
// becomes NoRidge.
func NewAIR(cfg AIRConfig) (*AIR, error) {
	if err := validEnum(airModeNames, int(cfg.Mode), "air", "mode"); err != nil {
		return nil, err
	}
	if math.IsNaN(cfg.Eps) || math.IsInf(cfg.Eps, 0) {
		return nil, errorf("air: Eps = %v, must be finite", cfg.Eps)
	}
	switch {
	case cfg.Eps == 0:
		cfg.Eps = DefaultAIREps
	case cfg.Eps < 0:
		cfg.Eps = NoRidge
	}
	switch cfg.Mode {
	case GramMode:
		if detail, unused := (&AIR{cfg: cfg}).UnusedOption(OptionP); unused && cfg.P != 0 {
			return nil, &OptionError{Metric: "air", Option: OptionP, Detail: detail}
		}
		if cfg.Eps == NoRidge {
			return nil, errorOf(ErrSingular, "air: no ridge (Eps = NoRidge) in mode gram: every matrix would be singular (centring removes one dimension); use Eps > 0")
		}
	case CovMode:
		if cfg.P <= 0 {
			return nil, errorf("air: mode cov needs the number of principal components P > 0, got %d", cfg.P)
		}
	}
	return &AIR{cfg: cfg}, nil
}

// UnusedOption reports that P is unused in mode gram (see OptionUser).
func (a *AIR) UnusedOption(name string) (detail string, unused bool) {
	if name == OptionP && a.cfg.Mode == GramMode {
		return "in mode gram", true
	}
	return "", false
}

// Name returns "air".
func (a *AIR) Name() string { return "air" }

// Config returns the metric's configuration, with Eps = DefaultAIREps for
// the zero value.
func (a *AIR) Config() AIRConfig {
	cfg := a.cfg
	if cfg.Eps == 0 {
		cfg.Eps = DefaultAIREps
	}
	return cfg
}

// String returns the metric's name and full configuration, such as
// "air(mode=gram,eps=0.1)" or "air(mode=cov,p=10,eps=0.1)".
func (a *AIR) String() string {
	eps := strconv.FormatFloat(a.cfg.eps(), 'g', -1, 64)
	if a.cfg.Mode == CovMode {
		return fmt.Sprintf("air(mode=cov,p=%d,eps=%s)", a.cfg.P, eps)
	}
	return fmt.Sprintf("air(mode=gram,eps=%s)", eps)
}

// airPoint is a symmetric positive definite matrix with its
// eigendecomposition (values descending), m, the number of inputs, and cfg,
// the configuration (as Config returns it) of the metric that made it.
type airPoint struct {
	m    int
	cfg  AIRConfig
	s    *mat.SymDense
	vals []float64
	vecs *mat.Dense
	// half and invHalf are P^1/2 and P^-1/2, built once on first use.
	rootOnce      sync.Once
	half, invHalf *mat.SymDense
}

// roots returns P^1/2 and P^-1/2.
func (p *airPoint) roots() (half, invHalf *mat.SymDense) {
	p.rootOnce.Do(func() {
		p.half = p.pow(0.5)
		p.invHalf = p.pow(-0.5)
	})
	return p.half, p.invHalf
}

func (p *airPoint) Inputs() int { return p.m }

// newAIRPoint eigendecomposes s, a matrix of the metric configured by cfg,
// and returns an error naming the problem if it is not positive definite.
func newAIRPoint(m int, cfg AIRConfig, s *mat.SymDense) (*airPoint, error) {
	vals, vecs, err := eigSym(s, true)
	if err != nil {
		return nil, errorf("air: %w", err)
	}
	n := len(vals)
	if n == 0 || !(vals[n-1] > airSingularTol*vals[0]) {
		rank := 0
		for _, l := range vals {
			if l > airSingularTol*vals[0] {
				rank++
			}
		}
		return nil, errorOf(ErrSingular, "air: the %d×%d matrix is singular (numerical rank %d, eigenvalues from %.3g to %.3g): the distance would be infinite; a positive ridge eps, larger than about %.3g, avoids it", n, n, rank, vals[n-1], vals[0], airSingularTol*math.Max(vals[0], 0))
	}
	return &airPoint{m: m, cfg: cfg, s: s, vals: vals, vecs: vecs}, nil
}

// pow returns P^t.
func (p *airPoint) pow(t float64) *mat.SymDense {
	return symFunc(p.vals, p.vecs, func(l float64) float64 { return math.Pow(l, t) })
}

// ToPoint returns the SPD matrix of x (see AIR). A singular matrix (no
// ridge and a rank-deficient representation) is an error wrapping
// ErrSingular, and values whose squares overflow float64 one wrapping
// ErrOverflow.
func (a *AIR) ToPoint(x mat.Matrix) (Point, error) {
	if _, err := NewAIR(a.cfg); err != nil {
		return nil, errorf("air: the metric is not configured (make it with NewAIR): %w", err)
	}
	if err := CheckRepresentation(x); err != nil {
		return nil, err
	}
	xc, ssX, _ := centreColumnsSums(x)
	if math.IsInf(ssX, 0) {
		return nil, errorOf(ErrOverflow, "air: the representation's values are too large (their squares overflow float64)")
	}
	m, d := xc.Dims()
	eps := a.cfg.eps()
	var s *mat.SymDense
	if a.cfg.Mode == GramMode {
		s = outerGram(xc)
		for i := 0; i < m; i++ {
			s.SetSym(i, i, s.At(i, i)+eps)
		}
	} else {
		y := xc
		if d > a.cfg.P {
			cols, _, err := principalCoords(xc)
			if err != nil {
				return nil, errorf("air: %w", err)
			}
			y = cols.Slice(0, m, 0, a.cfg.P).(*mat.Dense)
		}
		g := gram(y)
		s = mat.NewSymDense(a.cfg.P, nil)
		_, w := y.Dims()
		for i := 0; i < a.cfg.P; i++ {
			for j := i; j < a.cfg.P; j++ {
				v := 0.0
				if i < w && j < w {
					v = g.At(i, j) / float64(m-1)
				}
				if i == j {
					v += eps
				}
				s.SetSym(i, j, v)
			}
		}
	}
	if !isFiniteMatrix(s) {
		return nil, errorOf(ErrOverflow, "air: the representation's values are too large (its %d×%d matrix overflows float64)", s.SymmetricDim(), s.SymmetricDim())
	}
	return newAIRPoint(m, a.Config(), s)
}

// point returns p as a point of this metric: a point of another metric, or
// of AIR with another mode, P or ridge, is an error wrapping ErrForeignPoint.
func (a *AIR) point(p Point) (*airPoint, error) {
	ap, ok := p.(*airPoint)
	if !ok || ap == nil {
		return nil, errorf("air: %w: point of type %T was not made by the air metric", ErrForeignPoint, p)
	}
	if ap.cfg != a.Config() {
		return nil, errorf("air: %w: point made by %v, metric is %v", ErrForeignPoint, &AIR{cfg: ap.cfg}, a)
	}
	return ap, nil
}

func (a *AIR) points(p, q Point) (*airPoint, *airPoint, error) {
	x, y, err := pointPair(a.point, p, q)
	if err != nil {
		return nil, nil, err
	}
	if x.s.SymmetricDim() != y.s.SymmetricDim() {
		return nil, nil, errorf("air: matrices of sizes %d and %d", x.s.SymmetricDim(), y.s.SymmetricDim())
	}
	return x, y, nil
}

// whitened returns P^-1/2 Q P^-1/2 and P^1/2, P^-1/2.
func whitened(p, q *airPoint) (w, half, invHalf *mat.SymDense) {
	half, invHalf = p.roots()
	var t, u mat.Dense
	t.Mul(invHalf, q.s)
	u.Mul(&t, invHalf)
	return symmetrize(&u), half, invHalf
}

// congruence returns h S h for symmetric h and S.
func congruence(h, s mat.Symmetric) *mat.SymDense {
	var t, u mat.Dense
	t.Mul(h, s)
	u.Mul(&t, h)
	return symmetrize(&u)
}

// Distance returns sqrt(Σ log² λ_i), λ the generalized eigenvalues of (Q, P).
func (a *AIR) Distance(p, q Point) (float64, error) {
	x, y, err := a.points(p, q)
	if err != nil {
		return 0, err
	}
	w, _, _ := whitened(x, y)
	l, _, err := eigSym(w, false)
	if err != nil {
		return 0, errorf("air: %w", err)
	}
	var sum float64
	for _, v := range l {
		if !(v > 0) {
			return 0, errorf("air: generalized eigenvalue %g ≤ 0: the matrices are numerically singular", v)
		}
		lg := math.Log(v)
		sum += lg * lg
	}
	return finiteDistance("air", math.Sqrt(sum))
}

// symPowOf returns S^t for a symmetric positive definite S.
func symPowOf(s *mat.SymDense, f func(float64) float64) (*mat.SymDense, error) {
	vals, vecs, err := eigSym(s, true)
	if err != nil {
		return nil, err
	}
	for _, v := range vals {
		if !(v > 0) {
			return nil, errorf("air: eigenvalue %g ≤ 0: the matrices are numerically singular", v)
		}
	}
	return symFunc(vals, vecs, f), nil
}

// Geodesic returns P^1/2 (P^-1/2 Q P^-1/2)^t P^1/2, for any real t.
func (a *AIR) Geodesic(p, q Point, t float64) (Point, error) {
	x, y, err := a.points(p, q)
	if err != nil {
		return nil, err
	}
	w, half, _ := whitened(x, y)
	wt, err := symPowOf(w, func(l float64) float64 { return math.Pow(l, t) })
	if err != nil {
		return nil, err
	}
	return newAIRPoint(x.m, x.cfg, congruence(half, wt))
}

// Log returns P^1/2 log(P^-1/2 Q P^-1/2) P^1/2.
func (a *AIR) Log(p, q Point) (*mat.Dense, error) {
	x, y, err := a.points(p, q)
	if err != nil {
		return nil, err
	}
	w, half, _ := whitened(x, y)
	lw, err := symPowOf(w, math.Log)
	if err != nil {
		return nil, err
	}
	return mat.DenseCopyOf(congruence(half, lw)), nil
}

// tangent checks v's size and entries and returns its symmetric part.
func (a *AIR) tangent(x *airPoint, v *mat.Dense) (*mat.SymDense, error) {
	if v == nil {
		return nil, errorf("air: nil tangent vector")
	}
	n := x.s.SymmetricDim()
	if r, c := v.Dims(); r != n || c != n {
		return nil, errorOf(ErrShapeMismatch, "air: tangent vector is %d×%d, the point is %d×%d", r, c, n, n)
	}
	if !isFiniteMatrix(v) {
		return nil, errorOf(ErrNonFinite, "air: tangent vector has non-finite entries")
	}
	return symmetrize(v), nil
}

// Exp returns P^1/2 exp(P^-1/2 V P^-1/2) P^1/2 (V symmetrized).
func (a *AIR) Exp(p Point, v *mat.Dense) (Point, error) {
	x, err := a.point(p)
	if err != nil {
		return nil, err
	}
	vs, err := a.tangent(x, v)
	if err != nil {
		return nil, err
	}
	half, invHalf := x.roots()
	inner := congruence(invHalf, vs)
	vals, vecs, err := eigSym(inner, true)
	if err != nil {
		return nil, errorf("air: %w", err)
	}
	e := symFunc(vals, vecs, math.Exp)
	return newAIRPoint(x.m, x.cfg, congruence(half, e))
}

// Inner returns tr(P^-1 V P^-1 W). It panics with an error wrapping
// ErrShapeMismatch unless v and w have the size of the point's matrix.
func (a *AIR) Inner(p Point, v, w *mat.Dense) float64 {
	x, err := a.point(p)
	if err != nil {
		panic(err)
	}
	n := x.s.SymmetricDim()
	rv, cv := v.Dims()
	rw, cw := w.Dims()
	if rv != n || cv != n || rw != n || cw != n {
		panic(errorOf(ErrShapeMismatch, "air: Inner of tangent vectors %d×%d and %d×%d at a %d×%d point", rv, cv, rw, cw, n, n))
	}
	_, invHalf := x.roots()
	var inv mat.Dense
	inv.Mul(invHalf, invHalf)
	var pv, pw mat.Dense
	pv.Mul(&inv, v)
	pw.Mul(&inv, w)
	// tr(A B) = Σ_ij A_ij B_ji.
	var sum float64
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			sum += pv.At(i, j) * pw.At(j, i)
		}
	}
	return sum
}

// Transport returns E V E^T with E = (Q P^-1)^1/2 = P^1/2 (P^-1/2 Q P^-1/2)^1/2 P^-1/2,
// the parallel transport of the affine-invariant metric along the geodesic.
func (a *AIR) Transport(p, q Point, v *mat.Dense) (*mat.Dense, error) {
	x, y, err := a.points(p, q)
	if err != nil {
		return nil, err
	}
	vs, err := a.tangent(x, v)
	if err != nil {
		return nil, err
	}
	w, half, invHalf := whitened(x, y)
	wh, err := symPowOf(w, math.Sqrt)
	if err != nil {
		return nil, err
	}
	var e, t mat.Dense
	t.Mul(half, wh)
	e.Mul(&t, invHalf)
	var ev, out mat.Dense
	ev.Mul(&e, vs)
	out.Mul(&ev, e.T())
	return mat.DenseCopyOf(symmetrize(&out)), nil
}

// geodesicConvex marks the space as free of positive curvature for Project.
func (*AIR) geodesicConvex() {}
