package repgeo

import (
	"fmt"
	"math"
	"strconv"
	"sync"

	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/lapack/lapack64"
	"gonum.org/v1/gonum/mat"

	"github.com/repgeo/repgeo/internal/fastblas"
	"github.com/repgeo/repgeo/internal/svd"
)

func init() {
	Register("angular-shape", func(o Options) (Metric, error) { return newShapeFromOptions(false, o) },
		OptionAlpha, OptionWhitening, OptionP)
	Register("euclidean-shape", func(o Options) (Metric, error) { return newShapeFromOptions(true, o) },
		OptionAlpha, OptionWhitening, OptionP)
}

// Whitening eigenvalue floors of the two conventions: netrep clips the
// eigenvalues of Xc^T Xc at 1e-7, repsim those of Xc^T Xc / m at 1e-9.
const (
	netrepEigFloor = 1e-7
	repsimEigFloor = 1e-9
)

// ShapeMetric is the generalized shape metric of Williams et al. (2021),
// angular ("angular-shape") or Euclidean ("euclidean-shape"): the Procrustes
// distance between centred, optionally PCA-reduced and partially whitened
// representations, with the orthogonal group (reflections included)
// quotiented out.
//
// A point is stored in rank space: an m×r matrix A (r ≤ min(m, d)) with
// A A^T = Xw Xw^T, where Xw is the preprocessed representation, scaled to unit
// Frobenius norm for the angular metric. A stands for its whole orbit
// {A R : R orthogonal}; zero padding to a common width is implicit.
//
// Tangent vectors at a point are m×k matrices in the coordinates of its
// representative A, zero-padded to k ≥ r columns (missing columns count as
// zero). Log and Transport return horizontal vectors (A^T W symmetric) of
// width max(r_p, r_q); Exp uses only the horizontal part of its argument;
// Inner is the Frobenius inner product.
//
// The zero value is the default angular shape metric (no whitening, every
// dimension); NewAngularShape and NewEuclideanShape make the others.
type ShapeMetric struct {
	euclidean bool
	cfg       ShapeConfig
}

// ShapeConfig is the configuration of the shape metrics. The zero value is
// the default: no whitening, every dimension kept.
type ShapeConfig struct {
	// Whiten is the degree of partial whitening in [0, 1]: 0 none, 1 full
	// whitening. It is 1 - alpha in the notation of netrep and repsim (and
	// of the command line's --alpha).
	Whiten float64
	// Whitening is the whitening convention. It must be NetrepWhitening
	// (the zero value) when Whiten is 0, which does not use it.
	Whitening Whitening
	// P is the PCA width: representations wider than P keep their top P
	// principal components. 0 keeps every dimension.
	P int
}

// NewAngularShape returns the angular shape metric ("angular-shape")
// configured by cfg, or an error for an invalid configuration.
func NewAngularShape(cfg ShapeConfig) (*ShapeMetric, error) { return newShapeMetric(false, cfg) }

// NewEuclideanShape returns the Euclidean shape metric ("euclidean-shape")
// configured by cfg, or an error for an invalid configuration.
func NewEuclideanShape(cfg ShapeConfig) (*ShapeMetric, error) { return newShapeMetric(true, cfg) }

func newShapeFromOptions(euclidean bool, o Options) (*ShapeMetric, error) {
	return newShapeMetric(euclidean, ShapeConfig{Whiten: o.Whiten, Whitening: o.Whitening, P: o.P})
}

func newShapeMetric(euclidean bool, cfg ShapeConfig) (*ShapeMetric, error) {
	name := shapeName(euclidean)
	if math.IsNaN(cfg.Whiten) || cfg.Whiten < 0 || cfg.Whiten > 1 {
		return nil, errorf("%s: Whiten = %v, must be in [0, 1]", name, cfg.Whiten)
	}
	if err := validEnum(whiteningNames, int(cfg.Whitening), name, "whitening"); err != nil {
		return nil, err
	}
	if detail, unused := (&ShapeMetric{euclidean: euclidean, cfg: cfg}).UnusedOption(OptionWhitening); unused && cfg.Whitening != NetrepWhitening {
		return nil, &OptionError{Metric: name, Option: OptionWhitening, Detail: detail}
	}
	if cfg.P < 0 {
		return nil, errorf("%s: P = %d, must be ≥ 0 (0 keeps every dimension)", name, cfg.P)
	}
	return &ShapeMetric{euclidean: euclidean, cfg: cfg}, nil
}

func shapeName(euclidean bool) string {
	if euclidean {
		return "euclidean-shape"
	}
	return "angular-shape"
}

// UnusedOption reports that the whitening convention is unused without
// whitening (see OptionUser).
func (s *ShapeMetric) UnusedOption(name string) (detail string, unused bool) {
	if name == OptionWhitening && s.cfg.Whiten == 0 {
		return "without whitening (alpha 1)", true
	}
	return "", false
}

// Name returns "angular-shape" or "euclidean-shape".
func (s *ShapeMetric) Name() string { return shapeName(s.euclidean) }

// Config returns the metric's configuration.
func (s *ShapeMetric) Config() ShapeConfig { return s.cfg }

// alpha returns netrep's alpha, 1 - Whiten.
func (s *ShapeMetric) alpha() float64 { return 1 - s.cfg.Whiten }

// String returns the metric's name and full configuration, such as
// "angular-shape(alpha=1,whitening=netrep,p=0)".
func (s *ShapeMetric) String() string {
	return fmt.Sprintf("%s(alpha=%s,whitening=%s,p=%d)", s.Name(),
		strconv.FormatFloat(s.alpha(), 'g', 15, 64), s.cfg.Whitening, s.cfg.P)
}

// shapePoint is a point of a shape metric: the representative c (m×r) of
// the orbit {c R}, with sq = |c|^2 (1 for the angular metric).
type shapePoint struct {
	m      int
	metric ShapeMetric // the metric that made the point
	c      *mat.Dense
	sq     float64
	// tri reports that c = H [0; L] with L lower triangular (see
	// rankFactor); cross products with such points skip L's zero blocks.
	tri bool
	// hc is H c (m×r, lower triangular when tri) in the strips the cross
	// products read. Built once, on first use.
	hcOnce sync.Once
	hc     *fastblas.Strips
	// eigL, eigV: eigendecomposition of c^T c, for horizontal projections.
	eigOnce sync.Once
	eigL    []float64
	eigV    *mat.Dense
	eigErr  error
}

// horizontalPart returns the horizontal part of w at ap = c R (c padded to
// ap's width, R orthogonal, nil for the identity), w itself when it is
// horizontal already. The eigendecomposition of c^T c is computed once per
// point: that of ap^T ap is R^T of it.
func (p *shapePoint) horizontalPart(ap, w, r *mat.Dense) (*mat.Dense, error) {
	if isHorizontal(ap, w) {
		return w, nil
	}
	p.eigOnce.Do(func() {
		p.eigL, p.eigV, p.eigErr = eigSym(gram(p.c), true)
	})
	if p.eigErr != nil {
		return nil, p.eigErr
	}
	_, k := ap.Dims()
	_, rc := p.c.Dims()
	l := make([]float64, k)
	copy(l, p.eigL)
	v := mat.NewDense(k, k, nil)
	v.Slice(0, rc, 0, rc).(*mat.Dense).Copy(p.eigV)
	for i := rc; i < k; i++ {
		v.Set(i, i, 1)
	}
	if r != nil {
		var rv mat.Dense
		rv.Mul(r.T(), v)
		v = &rv
	}
	return horizontalEig(ap, w, l, v), nil
}

// strips returns H c, the coordinates of c in the centred basis (a first row
// of zeros for centred c, then lower triangular when tri), in strips.
func (p *shapePoint) strips() *fastblas.Strips {
	p.hcOnce.Do(func() {
		hc := mat.DenseCopyOf(p.c)
		applyReflector(centreReflector(p.m), hc)
		p.hc = fastblas.NewStrips(hc.RawMatrix())
	})
	return p.hc
}

func (p *shapePoint) Inputs() int { return p.m }

// ToPoint centres x, reduces it by PCA to P components when it is wider,
// partially whitens it with Alpha, scales it to unit norm (angular metric
// only) and stores it in rank space. It returns an error for bad input, for
// values whose squares overflow float64 (wrapping ErrOverflow) and, for the
// angular metric, for a constant representation (wrapping ErrConstant: zero
// after centring up to rounding, |Xc|² ≤ 1e-24 |X|², as in angular CKA).
func (s *ShapeMetric) ToPoint(x mat.Matrix) (Point, error) {
	if err := CheckRepresentation(x); err != nil {
		return nil, err
	}
	xc, ssX, ssXc := centreColumnsSums(x)
	m, d := xc.Dims()
	if math.IsInf(ssX, 0) {
		return nil, errorOf(ErrOverflow, "%s: the representation's values are too large (their squares overflow float64)", s.Name())
	}
	// Every row equal, up to the rounding of the column means: the test of
	// angular CKA. The Euclidean metric keeps such a representation, a point
	// at (or within rounding of) the origin.
	if !s.euclidean && ssXc <= 1e-24*ssX {
		return nil, errShapeConstant(s.Name())
	}
	var (
		c   *mat.Dense
		tri bool
	)
	if s.cfg.Whiten == 0 && (s.cfg.P == 0 || d <= s.cfg.P) {
		var err error
		c, tri, err = rankFactor(xc)
		if err != nil {
			return nil, errorf("%s: %w", s.Name(), err)
		}
	} else {
		cols, e, err := principalCoords(xc)
		if err != nil {
			return nil, errorf("%s: %w", s.Name(), err)
		}
		if s.cfg.P > 0 && len(e) > s.cfg.P {
			cols = cols.Slice(0, m, 0, s.cfg.P).(*mat.Dense)
			e = e[:s.cfg.P]
		}
		if s.cfg.Whiten != 0 {
			raw := cols.RawMatrix()
			f := make([]float64, len(e))
			for j, l := range e {
				f[j] = s.whitenFactor(l, m)
			}
			for i := 0; i < m; i++ {
				row := raw.Data[i*raw.Stride : i*raw.Stride+raw.Cols]
				for j := range row {
					row[j] *= f[j]
				}
			}
		}
		c = cols
	}
	p, err := s.newPoint(m, c)
	if err != nil {
		return nil, err
	}
	p.tri = tri
	return p, nil
}

// errShapeConstant is the error of a constant representation under the
// angular shape metric.
func errShapeConstant(name string) error {
	return errorOf(ErrConstant, "%s: the representation is constant (every row is the same), so it has no shape", name)
}

// newPoint wraps the representative c, normalizing it for the angular metric.
func (s *ShapeMetric) newPoint(m int, c *mat.Dense) (*shapePoint, error) {
	if !isFiniteMatrix(c) {
		return nil, errorOf(ErrOverflow, "%s: non-finite values in the point (overflow)", s.Name())
	}
	sq := frobDot(c, c)
	if math.IsInf(sq, 0) {
		return nil, errorOf(ErrOverflow, "%s: the point's squared norm overflows float64 (values too large)", s.Name())
	}
	if !s.euclidean {
		if sq == 0 {
			return nil, errShapeConstant(s.Name())
		}
		scaleInPlace(1/math.Sqrt(sq), c)
		sq = 1
	}
	return &shapePoint{m: m, c: c, sq: sq, metric: *s}, nil
}

// whitenFactor returns the partial whitening factor alpha + (1-alpha) e^-1/2
// of an eigenvalue e of Xc^T Xc, in the metric's convention.
func (s *ShapeMetric) whitenFactor(e float64, m int) float64 {
	floor := netrepEigFloor
	if s.cfg.Whitening == RepsimWhitening {
		e /= float64(m)
		floor = repsimEigFloor
	}
	alpha := s.alpha()
	return alpha + (1-alpha)/math.Sqrt(math.Max(e, floor))
}

// rankFactor returns an m×r matrix c with c c^T = xc xc^T, r = min(m, d):
// xc itself when d ≤ m. When d > m the centred columns span at most the
// (m-1)-dimensional space orthogonal to the ones vector: with H the
// Householder reflection taking 1/sqrt(m) to e_1, H xc = [0; Z], and c = H
// [0; L] with L the Cholesky factor of Z Z^T (m-1 columns). If Z Z^T is not
// positive definite (rank < m-1), c = H R^T comes from the QR decomposition
// (H xc)^T = Q R instead. tri reports the Cholesky case. When d > m, xc is
// overwritten (with H xc).
func rankFactor(xc *mat.Dense) (c *mat.Dense, tri bool, err error) {
	m, d := xc.Dims()
	if d <= m {
		return xc, false, nil
	}
	v := centreReflector(m)
	hx := xc
	applyReflector(v, hx)
	z := hx.Slice(1, m, 0, d).(*mat.Dense)
	k := mat.NewSymDense(m-1, nil)
	k.SymOuterK(1, z)
	// Cholesky factor K = U^T U (upper triangle, in place), without the
	// condition estimate of mat.Cholesky.
	u, ok := lapack64.Potrf(k.RawSymmetric())
	if !ok {
		c, err = qrFactor(hx)
		if err != nil {
			return nil, false, err
		}
		applyReflector(v, c)
		return c, false, nil
	}
	c = mat.NewDense(m, m-1, nil)
	raw := c.RawMatrix()
	for i := 0; i < m-1; i++ {
		// Row i+1 of c is column i of U: L = U^T.
		row := raw.Data[(i+1)*raw.Stride : (i+1)*raw.Stride+i+1]
		for j := range row {
			row[j] = u.Data[j*u.Stride+i]
		}
	}
	applyReflector(v, c)
	return c, true, nil
}

// centreReflector returns the Householder vector v of H = I - 2 v v^T/(v^T v)
// that maps the unit vector 1/sqrt(m) to e_1 (so H is symmetric and
// orthogonal, and the first row of H xc is zero for centred xc).
func centreReflector(m int) []float64 {
	v := make([]float64, m)
	u := 1 / math.Sqrt(float64(m))
	for i := range v {
		v[i] = u
	}
	// v = u - e_1 would cancel for m = 1; m ≥ MinInputs keeps u < 1.
	v[0] -= 1
	return v
}

// applyReflector overwrites a with H a, H the reflection of v.
func applyReflector(v []float64, a *mat.Dense) {
	m, c := a.Dims()
	var vv float64
	for _, x := range v {
		vv += x * x
	}
	raw := a.RawMatrix()
	w := make([]float64, c) // w = v^T a
	for i := 0; i < m; i++ {
		row := raw.Data[i*raw.Stride : i*raw.Stride+c]
		for j, x := range row {
			w[j] += v[i] * x
		}
	}
	f := 2 / vv
	for i := 0; i < m; i++ {
		row := raw.Data[i*raw.Stride : i*raw.Stride+c]
		s := f * v[i]
		for j := range row {
			row[j] -= s * w[j]
		}
	}
}

// qrFactor returns R^T (m×m) from the QR decomposition xc^T = Q R, computed
// by internal/svd (gonum's blocked Dgeqrf can return a wrong R on inputs with
// exact zeros, see svd.R).
func qrFactor(xc *mat.Dense) (*mat.Dense, error) {
	m, d := xc.Dims()
	// g = xc^T, d×m, row-major.
	g := blas64.General{Rows: d, Cols: m, Stride: m, Data: make([]float64, d*m)}
	raw := xc.RawMatrix()
	for i := 0; i < m; i++ {
		row := raw.Data[i*raw.Stride : i*raw.Stride+d]
		for j, v := range row {
			g.Data[j*m+i] = v
		}
	}
	if err := svd.R(g); err != nil {
		return nil, errorOf(ErrOverflow, "non-finite values after centring (overflow): %w", err)
	}
	c := mat.NewDense(m, m, nil)
	for i := 0; i < m; i++ {
		for j := i; j < m; j++ {
			c.Set(j, i, g.Data[i*m+j])
		}
	}
	return c, nil
}

// principalCoords returns the principal coordinates xc V (m×r, r = min(m, d))
// of xc, V the eigenvectors of xc^T xc, with the eigenvalues e in descending
// order. For d ≤ m they come from xc^T xc as in netrep; for d > m from
// xc xc^T = U diag(e) U^T, with xc V = U diag(s) and s_j = |xc^T u_j|, which
// stays accurate for the zero singular values.
func principalCoords(xc *mat.Dense) (*mat.Dense, []float64, error) {
	m, d := xc.Dims()
	if d <= m {
		e, v, err := eigSym(gram(xc), true)
		if err != nil {
			return nil, nil, err
		}
		cols := mat.NewDense(m, d, nil)
		cols.Mul(xc, v)
		return cols, e, nil
	}
	_, u, err := eigSym(outerGram(xc), true)
	if err != nil {
		return nil, nil, err
	}
	var y mat.Dense
	y.Mul(xc.T(), u) // d×m: column j is xc^T u_j = s_j v_j
	e := make([]float64, m)
	for j := 0; j < m; j++ {
		col := mat.Col(nil, j, &y)
		e[j] = blas64.Dot(blas64.Vector{N: d, Inc: 1, Data: col}, blas64.Vector{N: d, Inc: 1, Data: col})
	}
	cols := mat.NewDense(m, m, nil)
	cols.Copy(u)
	for j := 0; j < m; j++ {
		s := math.Sqrt(e[j])
		for i := 0; i < m; i++ {
			cols.Set(i, j, cols.At(i, j)*s)
		}
	}
	return cols, e, nil
}

// point returns p as a point of this metric.
func (s *ShapeMetric) point(p Point) (*shapePoint, error) {
	sp, ok := p.(*shapePoint)
	if !ok || sp == nil {
		return nil, errorf("%s: %w: point of type %T was not made by a shape metric", s.Name(), ErrForeignPoint, p)
	}
	if sp.metric != *s {
		return nil, errorf("%s: %w: point made by %v, metric is %v", s.Name(), ErrForeignPoint, &sp.metric, s)
	}
	return sp, nil
}

func (s *ShapeMetric) points(p, q Point) (*shapePoint, *shapePoint, error) {
	return pointPair(s.point, p, q)
}

// Distance returns arccos(clip(||A^T B||_*)) for the angular metric and
// sqrt(|A|^2 + |B|^2 - 2 ||A^T B||_*) for the Euclidean one. It costs one
// r_p×m by m×r_q product and the singular values of the r_p×r_q result.
func (s *ShapeMetric) Distance(p, q Point) (float64, error) {
	a, b, err := s.points(p, q)
	if err != nil {
		return 0, err
	}
	if a == b {
		return 0, nil
	}
	_, ra := a.c.Dims()
	_, rb := b.c.Dims()
	nuc, err := crossNuclearNorm(a, b)
	if err != nil {
		return 0, errorf("%s: %w", s.Name(), err)
	}
	// Near zero the formulas cancel (arccos near 1, a difference of nearly
	// equal squares: absolute errors about 1e-8 and 1e-8 |A|). For points of
	// width at most chordMaxWidth the distance is then recomputed from the
	// aligned difference |A - B*|, which is accurate to rounding.
	exact := max(ra, rb) <= chordMaxWidth
	if !s.euclidean {
		if nuc < 1-1e-6 || !exact {
			return finiteDistance(s.Name(), math.Acos(clampUnit(nuc)))
		}
		chord, err := s.alignedGap(a, b)
		if err != nil {
			return 0, err
		}
		return finiteDistance(s.Name(), 2*math.Asin(math.Min(1, chord/2)))
	}
	d2 := a.sq + b.sq - 2*nuc
	if d2 > 1e-6*(a.sq+b.sq) || !exact {
		// Rounding can leave d2 slightly negative for coincident wide points.
		return finiteDistance(s.Name(), math.Sqrt(math.Max(d2, 0)))
	}
	d, err := s.alignedGap(a, b)
	if err != nil {
		return 0, err
	}
	return finiteDistance(s.Name(), d)
}

// crossBuffers recycles the cross products of Distance: the all-pairs engine
// computes hundreds of them, each up to m×m, and fresh memory for each costs
// the time of the page faults.
var crossBuffers sync.Pool

// crossNuclearNorm returns ||A^T B||_*, computing the cross product with its
// longer side as rows so that the singular values can overwrite it.
func crossNuclearNorm(a, b *shapePoint) (float64, error) {
	_, ra := a.c.Dims()
	_, rb := b.c.Dims()
	sa, sb, triA, triB := a.strips(), b.strips(), a.tri, b.tri
	if ra < rb {
		// ||A^T B||_* = ||B^T A||_*.
		sa, sb, triA, triB = sb, sa, triB, triA
		ra, rb = rb, ra
	}
	var buf []float64
	if p, ok := crossBuffers.Get().(*[]float64); ok && cap(*p) >= ra*rb {
		buf = (*p)[:ra*rb]
	} else {
		buf = make([]float64, ra*rb)
	}
	defer crossBuffers.Put(&buf)
	g := blas64.General{Rows: ra, Cols: rb, Stride: rb, Data: buf}
	fastblas.MulTN(sa, sb, triA, triB, g)
	s, err := singularValuesInPlace(g)
	if err != nil {
		return 0, err
	}
	return sumAscending(s), nil
}

// pairCost implements pairCoster: the cross product and the singular values
// of a distance grow with the points' widths in rank space, at most m.
func (s *ShapeMetric) pairCost(m, da, db int) float64 {
	lo, hi := float64(min(da, db, m)), float64(min(max(da, db), m))
	return float64(m)*lo*hi + 4*hi*lo*lo
}

// pointWidth implements pairCoster: the width of the point in rank space.
func (s *ShapeMetric) pointWidth(p Point) int {
	sp, err := s.point(p)
	if err != nil {
		return 0
	}
	_, r := sp.c.Dims()
	return r
}

// alignedGap returns |A - B*|, B* the representative of b rotated onto a.
func (s *ShapeMetric) alignedGap(a, b *shapePoint) (float64, error) {
	ap, bs, _, err := procrustes(a.c, b.c, 0)
	if err != nil {
		return 0, errorf("%s: %w", s.Name(), err)
	}
	bs.Sub(ap, bs)
	return frobeniusNorm(bs), nil
}

// chordMaxWidth is the largest point width for which Distance recomputes
// near-zero distances from the Procrustes alignment (a full SVD).
const chordMaxWidth = 300

// clampUnit clips x to [-1, 1].
func clampUnit(x float64) float64 { return math.Max(-1, math.Min(1, x)) }

// procrustes pads the representatives of a and b (and the optional extra
// width k) to a common width and rotates b onto a: it returns A, B* = B R
// and R, with R = V U^T from A^T B = U S V^T.
func procrustes(a, b *mat.Dense, k int) (ap, bs, r *mat.Dense, err error) {
	_, ca := a.Dims()
	_, cb := b.Dims()
	k = max(k, ca, cb)
	ap, bp := padColumns(a, k), padColumns(b, k)
	r, ok := procrustesRotation(a, b, k)
	if !ok {
		// Rank-deficient cross product: the SVD handles it.
		var cross mat.Dense
		cross.Mul(ap.T(), bp)
		u, v, _, err := svdFull(&cross)
		if err != nil {
			return nil, nil, nil, err
		}
		r = new(mat.Dense)
		r.Mul(v, u.T())
	}
	// Only the first cb rows of R meet nonzero columns of the padded B.
	bs = new(mat.Dense)
	bs.Mul(b, r.Slice(0, cb, 0, k))
	return ap, bs, r, nil
}

// procrustesRotation returns the k×k orthogonal R maximizing tr(A^T B R)
// for a (m×ca) and b (m×cb) zero-padded to k columns, from the polar factor
// of the unpadded ca×cb cross product M = A^T B, completed to an orthogonal
// matrix. ok is false when M is numerically rank deficient.
//
// For ca ≥ cb, M = U_T H with U_T (ca×cb) orthonormal, and R has rows
// [U_T^T 0], [U_⊥^T 0], [0 I]; for ca < cb, M^T = U_T H and R has the
// columns [U_T U_⊥ 0] over [0 0 I]. Either way B R = [B U_T^T 0] or
// [B U_T, B U_⊥, 0].
func procrustesRotation(a, b *mat.Dense, k int) (*mat.Dense, bool) {
	_, ca := a.Dims()
	_, cb := b.Dims()
	var cross mat.Dense
	cross.Mul(a.T(), b)
	r := mat.NewDense(k, k, nil)
	if ca >= cb {
		u, perp, ok := polarTall(&cross)
		if !ok {
			return nil, false
		}
		r.Slice(0, cb, 0, ca).(*mat.Dense).Copy(u.T())
		if ca > cb {
			r.Slice(cb, ca, 0, ca).(*mat.Dense).Copy(perp.T())
		}
		for i := ca; i < k; i++ {
			r.Set(i, i, 1)
		}
	} else {
		u, perp, ok := polarTall(cross.T())
		if !ok {
			return nil, false
		}
		r.Slice(0, cb, 0, ca).(*mat.Dense).Copy(u)
		r.Slice(0, cb, ca, cb).(*mat.Dense).Copy(perp)
		for i := cb; i < k; i++ {
			r.Set(i, i, 1)
		}
	}
	return r, true
}

// polarTall returns the orthonormal polar factor U V^T of a tall n×s matrix
// t = U S V^T (n ≥ s) and an orthonormal basis of the complement of its
// columns (n×(n-s)), through the QR decomposition t = Q R and the scaled
// Newton iteration on R. ok is false when t is numerically rank deficient.
func polarTall(t mat.Matrix) (u, perp *mat.Dense, ok bool) {
	n, s := t.Dims()
	qr := newHouseQR(t)
	p, ok := newtonPolar(qr.r())
	if !ok {
		return nil, nil, false
	}
	// Q as a matrix: Q applied to the identity.
	q := mat.NewDense(n, n, nil)
	for i := 0; i < n; i++ {
		q.Set(i, i, 1)
	}
	qr.applyQ(q.RawMatrix())
	u = new(mat.Dense)
	u.Mul(q.Slice(0, n, 0, s), p)
	if n > s {
		perp = q.Slice(0, n, s, n).(*mat.Dense)
	}
	return u, perp, true
}

// newtonPolar returns the orthogonal polar factor of the square matrix x by
// Newton's iteration X <- (ζX + X^-T/ζ)/2 with the scaling ζ of Byers and
// Xu (SIAM J. Matrix Anal. Appl. 30, 2008): ζ_0 = 1/sqrt(αβ) from estimates
// α of the largest and β of the smallest singular value of x (a few power
// iterations on x and x^-1), ζ_1 = sqrt(2 sqrt(αβ)/(α+β)) and then
// ζ_k+1 = sqrt(2/(ζ_k + 1/ζ_k)), which tends to 1. ok is false when x is too
// close to singular for the iteration to be accurate.
func newtonPolar(x mat.Matrix) (*mat.Dense, bool) {
	n, _ := x.Dims()
	if n == 0 {
		return mat.NewDense(0, 0, nil), true
	}
	xk := mat.DenseCopyOf(x)
	next := mat.NewDense(n, n, nil)
	// Newton converges quadratically: once a step is below sqrt(n u)
	// (relative), the new iterate is orthogonal to about n u (Higham,
	// "Functions of Matrices", chapter 8).
	stop := math.Sqrt(float64(n) * 0x1p-53)
	var inv mat.Dense
	var mu float64
	for it := 0; it < 60; it++ {
		if !inverseLU(&inv, xk) {
			// Singular or nearly so: the inverse is not accurate.
			return nil, false
		}
		var zeta float64
		if it == 0 {
			hi, lo := norm2Estimate(xk), 1/norm2Estimate(&inv)
			zeta = 1 / math.Sqrt(hi*lo)
			mu = math.Sqrt(2 * math.Sqrt(hi*lo) / (hi + lo))
		} else {
			zeta = mu
			mu = math.Sqrt(2 / (mu + 1/mu))
		}
		change := polarStep(next, xk, &inv, zeta)
		xk, next = next, xk
		if change <= stop {
			return xk, true
		}
	}
	return nil, false
}

// norm2Estimate returns an estimate (from below) of the largest singular
// value of the square a, by eight steps of the power iteration on a^T a from
// a fixed start.
func norm2Estimate(a *mat.Dense) float64 {
	n, _ := a.Dims()
	v := mat.NewVecDense(n, nil)
	for i := 0; i < n; i++ {
		v.SetVec(i, 1+float64(i%7)/7)
	}
	v.ScaleVec(1/mat.Norm(v, 2), v)
	var w mat.VecDense
	var s float64
	for k := 0; k < 8; k++ {
		w.MulVec(a, v)
		v.MulVec(a.T(), &w)
		nv := mat.Norm(v, 2)
		if nv == 0 {
			return mat.Norm(a, 2) / math.Sqrt(float64(n))
		}
		s = math.Sqrt(nv)
		v.ScaleVec(1/nv, v)
	}
	return s
}

// polarStep sets next = (ζ x + inv^T/ζ)/2 (all n×n) and returns
// |next - x|/|next|.
func polarStep(next, x, inv *mat.Dense, zeta float64) float64 {
	n, _ := x.Dims()
	nr, xr, ir := next.RawMatrix(), x.RawMatrix(), inv.RawMatrix()
	a, b := zeta/2, 0.5/zeta
	var dd, nn float64
	const blk = 32
	for i0 := 0; i0 < n; i0 += blk {
		i1 := min(i0+blk, n)
		for j0 := 0; j0 < n; j0 += blk {
			j1 := min(j0+blk, n)
			for i := i0; i < i1; i++ {
				nrow := nr.Data[i*nr.Stride : i*nr.Stride+n]
				xrow := xr.Data[i*xr.Stride : i*xr.Stride+n]
				for j := j0; j < j1; j++ {
					v := a*xrow[j] + b*ir.Data[j*ir.Stride+i]
					d := v - xrow[j]
					nrow[j] = v
					dd += d * d
					nn += v * v
				}
			}
		}
	}
	return math.Sqrt(dd / nn)
}

// horizontal returns the horizontal part W - A S of the tangent vector w at
// the pre-shape a (both m×k), S the skew solution of the Sylvester equation
// (A^T A) S + S (A^T A) = A^T W - W^T A. (Writing W = H + A S with A^T H
// symmetric and S skew gives this right-hand side; the opposite sign found
// in some references adds the vertical part instead of removing it.)
func horizontal(a, w *mat.Dense) (*mat.Dense, error) {
	l, v, err := eigSym(gram(a), true)
	if err != nil {
		return nil, err
	}
	return horizontalEig(a, w, l, v), nil
}

// horizontalEig is horizontal with the eigendecomposition A^T A = V diag(l) V^T
// given (l descending).
func horizontalEig(a, w *mat.Dense, l []float64, v *mat.Dense) *mat.Dense {
	_, k := a.Dims()
	var wa mat.Dense
	wa.Mul(a.T(), w)
	c := mat.NewDense(k, k, nil)
	for i := 0; i < k; i++ {
		for j := 0; j < k; j++ {
			c.Set(i, j, wa.At(i, j)-wa.At(j, i))
		}
	}
	var cp, tmp mat.Dense
	tmp.Mul(c, v)
	cp.Mul(v.T(), &tmp)
	tol := 1e-13 * math.Max(l[0], 0)
	for i := 0; i < k; i++ {
		for j := 0; j < k; j++ {
			den := l[i] + l[j]
			if den > tol {
				cp.Set(i, j, cp.At(i, j)/den)
			} else {
				cp.Set(i, j, 0)
			}
		}
	}
	var sk mat.Dense
	tmp.Mul(v, &cp)
	sk.Mul(&tmp, v.T())
	h := mat.DenseCopyOf(w)
	var vert mat.Dense
	vert.Mul(a, &sk)
	h.Sub(h, &vert)
	return h
}

// isHorizontal reports whether A^T W is symmetric to rounding, so that the
// horizontal projection would not change w.
func isHorizontal(a, w *mat.Dense) bool {
	var aw mat.Dense
	aw.Mul(a.T(), w)
	k, _ := aw.Dims()
	var asym float64
	for i := 0; i < k; i++ {
		for j := i + 1; j < k; j++ {
			d := aw.At(i, j) - aw.At(j, i)
			asym += d * d
		}
	}
	return math.Sqrt(2*asym) <= 1e-13*frobeniusNorm(a)*frobeniusNorm(w)
}

// sphereFrame returns the unit tangent e at a toward b (both unit norm) and
// the angle between them; e is nil when b = a numerically.
func sphereFrame(a, b *mat.Dense) (e *mat.Dense, theta, cos float64) {
	cos = frobDot(a, b)
	u := mat.DenseCopyOf(b)
	u.Sub(u, scaled(cos, a))
	nu := frobeniusNorm(u)
	theta = math.Atan2(nu, cos)
	if nu <= 1e-300 {
		return nil, 0, cos
	}
	u.Scale(1/nu, u)
	return u, theta, cos
}

// scaled returns f·a as a new matrix.
func scaled(f float64, a mat.Matrix) *mat.Dense {
	var s mat.Dense
	s.Scale(f, a)
	return &s
}

// Geodesic aligns q to p (Procrustes) and follows the great circle
// (angular) or the straight line (Euclidean) through them; t may be any
// real number. The result is a point of this metric.
func (s *ShapeMetric) Geodesic(p, q Point, t float64) (Point, error) {
	a, b, err := s.points(p, q)
	if err != nil {
		return nil, err
	}
	ap, bs, _, err := procrustes(a.c, b.c, 0)
	if err != nil {
		return nil, errorf("%s: %w", s.Name(), err)
	}
	var g mat.Dense
	if !s.euclidean {
		e, theta, _ := sphereFrame(ap, bs)
		if e == nil {
			g.Scale(1, ap)
		} else {
			// g(t) = cos(tθ) A + sin(tθ) e, the slerp from A to B*.
			g.Scale(math.Cos(t*theta), ap)
			g.Add(&g, scaled(math.Sin(t*theta), e))
		}
	} else {
		g.Scale(1-t, ap)
		g.Add(&g, scaled(t, bs))
	}
	return s.newPoint(a.m, &g)
}

// Log returns the horizontal tangent vector at p toward q, of length
// d(p, q), as an m×max(r_p, r_q) matrix in p's coordinates.
func (s *ShapeMetric) Log(p, q Point) (*mat.Dense, error) {
	a, b, err := s.points(p, q)
	if err != nil {
		return nil, err
	}
	ap, bs, _, err := procrustes(a.c, b.c, 0)
	if err != nil {
		return nil, errorf("%s: %w", s.Name(), err)
	}
	var w *mat.Dense
	if !s.euclidean {
		e, theta, _ := sphereFrame(ap, bs)
		if e == nil {
			r, c := ap.Dims()
			return mat.NewDense(r, c, nil), nil
		}
		w = scaled(theta, e)
	} else {
		w = mat.DenseCopyOf(bs)
		w.Sub(w, ap)
	}
	// The aligned log is horizontal (A^T B* is symmetric); project only what
	// rounding left.
	h, err := a.horizontalPart(ap, w, nil)
	if err != nil {
		return nil, errorf("%s: %w", s.Name(), err)
	}
	return h, nil
}

// tangentAt checks that v has m rows and finite entries and returns the
// representative of a and v padded to a common width, v with its column
// means removed (and, for the angular metric, its radial part).
func (s *ShapeMetric) tangentAt(a *shapePoint, v *mat.Dense) (ap, vp *mat.Dense, err error) {
	if v == nil {
		return nil, nil, errorf("%s: nil tangent vector", s.Name())
	}
	r, cv := v.Dims()
	if r != a.m {
		return nil, nil, errorOf(ErrShapeMismatch, "%s: tangent vector has %d rows, the point has %d inputs", s.Name(), r, a.m)
	}
	if !isFiniteMatrix(v) {
		return nil, nil, errorOf(ErrNonFinite, "%s: tangent vector has non-finite entries", s.Name())
	}
	_, ca := a.c.Dims()
	k := max(ca, cv)
	ap = padColumns(a.c, k)
	vp = padColumns(mat.DenseCopyOf(v), k)
	vc := centreColumns(vp)
	if !s.euclidean {
		vc.Sub(vc, scaled(frobDot(ap, vc), ap))
	}
	return ap, vc, nil
}

// Exp follows the geodesic from p along the horizontal part of v (the
// vertical part only rotates the representative) for length |v|.
func (s *ShapeMetric) Exp(p Point, v *mat.Dense) (Point, error) {
	a, err := s.point(p)
	if err != nil {
		return nil, err
	}
	ap, vp, err := s.tangentAt(a, v)
	if err != nil {
		return nil, err
	}
	h, err := a.horizontalPart(ap, vp, nil)
	if err != nil {
		return nil, errorf("%s: %w", s.Name(), err)
	}
	var g mat.Dense
	if !s.euclidean {
		n := frobeniusNorm(h)
		g.Scale(math.Cos(n), ap)
		if n > 0 {
			g.Add(&g, scaled(math.Sin(n)/n, h))
		}
	} else {
		g.Add(ap, h)
	}
	return s.newPoint(a.m, &g)
}

// Inner returns the Frobenius inner product of v and w, the narrower one
// zero-padded. It panics with an error wrapping ErrShapeMismatch if their
// numbers of rows differ.
func (s *ShapeMetric) Inner(p Point, v, w *mat.Dense) float64 {
	rv, _ := v.Dims()
	rw, _ := w.Dims()
	if rv != rw {
		panic(errorOf(ErrShapeMismatch, "%s: Inner of tangent vectors with %d and %d rows", s.Name(), rv, rw))
	}
	return frobDot(v, w)
}

// Transport moves v from p to q: q is aligned to p, v is transported along
// the pre-shape geodesic (the sphere's closed form for the angular metric,
// unchanged for the Euclidean one), projected on the horizontal space at the
// aligned q and expressed in q's coordinates. This is the pre-shape
// transport followed by the horizontal projection, an approximation of the
// parallel transport of the quotient that is exact along directions where
// the quotient is flat; it keeps the component along the geodesic exact.
func (s *ShapeMetric) Transport(p, q Point, v *mat.Dense) (*mat.Dense, error) {
	a, b, err := s.points(p, q)
	if err != nil {
		return nil, err
	}
	_, vp, err := s.tangentAt(a, v)
	if err != nil {
		return nil, err
	}
	_, kv := vp.Dims()
	ap, bs, r, err := procrustes(a.c, b.c, kv)
	if err != nil {
		return nil, errorf("%s: %w", s.Name(), err)
	}
	vp = padColumns(vp, ap.RawMatrix().Cols)
	w := mat.DenseCopyOf(vp)
	if !s.euclidean {
		if e, theta, _ := sphereFrame(ap, bs); e != nil {
			c := frobDot(e, vp)
			w.Add(w, scaled(c*(math.Cos(theta)-1), e))
			w.Sub(w, scaled(c*math.Sin(theta), ap))
		}
	}
	h, err := b.horizontalPart(bs, w, r)
	if err != nil {
		return nil, errorf("%s: %w", s.Name(), err)
	}
	// B* = B R, so a vector W at B* is W R^T at B.
	var out mat.Dense
	out.Mul(h, r.T())
	return &out, nil
}
