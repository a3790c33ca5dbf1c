package repgeo

import (
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"
)

// mdsCheckDistances returns the size of d, or an error if d is empty, has a
// NaN or infinite entry, a negative entry, a non-zero diagonal, is not
// symmetric, or has an entry above max.
func mdsCheckDistances(op string, d mat.Symmetric, max float64) (int, error) {
	if d == nil {
		return 0, errorf("%s: nil distance matrix", op)
	}
	n := d.SymmetricDim()
	if n < 1 {
		return 0, errorf("%s: empty distance matrix", op)
	}
	var scale float64
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			v := d.At(i, j)
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return 0, errorf("%s: distance (%d, %d) is %v", op, i, j, v)
			}
			scale = math.Max(scale, math.Abs(v))
		}
	}
	tol := 1e-12 * math.Max(1, scale)
	for i := 0; i < n; i++ {
		if v := d.At(i, i); math.Abs(v) > tol {
			return 0, errorf("%s: diagonal entry (%d, %d) is %v, a distance matrix has zeros there", op, i, i, v)
		}
		for j := 0; j < n; j++ {
			v := d.At(i, j)
			if v < 0 {
				return 0, errorf("%s: distance (%d, %d) is negative (%v)", op, i, j, v)
			}
			if v > max+tol {
				return 0, errorf("%s: distance (%d, %d) is %v, above %v", op, i, j, v, max)
			}
			if math.Abs(v-d.At(j, i)) > tol {
				return 0, errorf("%s: the distance matrix is not symmetric at (%d, %d): %v and %v", op, i, j, v, d.At(j, i))
			}
		}
	}
	return n, nil
}

// ClassicalMDS returns n×dim coordinates of points whose Euclidean distances
// approximate the n×n distance matrix d (Torgerson's classical scaling): the
// top dim eigenvectors of the double-centred matrix B = -J D² J / 2, scaled by
// the square roots of their eigenvalues. The configuration is centred at the
// origin and each axis is signed so that its largest entry is positive.
//
// Distances that are not Euclidean give B negative eigenvalues; they are
// clipped to zero, so an axis whose eigenvalue is not positive is all zeros.
// ClassicalMDS returns an error if d has NaN, infinite or negative entries,
// a non-zero diagonal or is not symmetric, or if dim is not in [1, n].
func ClassicalMDS(d mat.Symmetric, dim int) (*mat.Dense, error) {
	n, err := mdsCheckDistances("ClassicalMDS", d, math.Inf(1))
	if err != nil {
		return nil, err
	}
	if dim < 1 || dim > n {
		return nil, errorf("ClassicalMDS: dimension %d not in [1, %d]", dim, n)
	}
	sq := mat.NewSymDense(n, nil)
	for i := 0; i < n; i++ {
		for j := i; j < n; j++ {
			v := d.At(i, j)
			sq.SetSym(i, j, v*v)
		}
	}
	b := mdsDoubleCentre(sq)
	return mdsTopEigen("ClassicalMDS", b, dim)
}

// mdsDoubleCentre returns -J S J / 2 for J = I - 11ᵀ/n.
func mdsDoubleCentre(s *mat.SymDense) *mat.SymDense {
	n := s.SymmetricDim()
	row := make([]float64, n)
	var all float64
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			row[i] += s.At(i, j)
		}
		all += row[i]
		row[i] /= float64(n)
	}
	all /= float64(n * n)
	b := mat.NewSymDense(n, nil)
	for i := 0; i < n; i++ {
		for j := i; j < n; j++ {
			b.SetSym(i, j, -(s.At(i, j)-row[i]-row[j]+all)/2)
		}
	}
	return b
}

// mdsTopEigen returns the top k eigenvectors of b, each scaled by the
// square root of its eigenvalue clipped at zero, and signed so that its
// largest entry in absolute value is positive.
func mdsTopEigen(op string, b *mat.SymDense, k int) (*mat.Dense, error) {
	n := b.SymmetricDim()
	var eig mat.EigenSym
	if !eig.Factorize(b, true) {
		return nil, errorOf(ErrNoConvergence, "%s: the eigendecomposition did not converge", op)
	}
	vals := eig.Values(nil)
	var vecs mat.Dense
	eig.VectorsTo(&vecs)
	out := mat.NewDense(n, k, nil)
	for c := 0; c < k; c++ {
		src := n - 1 - c // eigenvalues are in ascending order
		s := math.Sqrt(math.Max(0, vals[src]))
		var big float64
		for i := 0; i < n; i++ {
			if v := vecs.At(i, src); math.Abs(v) > math.Abs(big) {
				big = v
			}
		}
		if big < 0 {
			s = -s
		}
		for i := 0; i < n; i++ {
			out.Set(i, c, s*vecs.At(i, src))
		}
	}
	return out, nil
}

// Spherical MDS iteration limits.
const (
	sphericalMaxIter = 20000
	sphericalTol     = 1e-13
)

// SphericalMDS returns n×(dim+1) unit vectors, points on the sphere S^dim,
// whose angles approximate the n×n distance matrix d, whose entries must be
// angles in [0, π] (the distances of the angular metrics are).
//
// It starts from the top dim+1 eigenvectors of cos(d), the Gram matrix the
// unit vectors would have, with rows normalized (a row of zeros is replaced
// by a random unit vector drawn with seed), then minimizes the stress
// Σ_{i<j} (angle(x_i, x_j) - d_ij)² by Riemannian gradient descent with an
// adaptive step, for at most 20000 steps or until the stress decreases by
// less than a relative 1e-13. The result is deterministic for a given seed.
// SphericalMDS returns an error for the same bad input as ClassicalMDS, for
// entries above π, or if dim < 1.
func SphericalMDS(d mat.Symmetric, dim int, seed uint64) (*mat.Dense, error) {
	n, err := mdsCheckDistances("SphericalMDS", d, math.Pi)
	if err != nil {
		return nil, err
	}
	if dim < 1 {
		return nil, errorf("SphericalMDS: dimension %d, need at least 1", dim)
	}
	x, err := mdsSphericalStart(d, dim, seed)
	if err != nil {
		return nil, err
	}
	target := mat.NewSymDense(n, nil)
	for i := 0; i < n; i++ {
		for j := i + 1; j < n; j++ {
			target.SetSym(i, j, math.Min(math.Pi, d.At(i, j)))
		}
	}
	if err := mdsSphericalRefine(x, target); err != nil {
		return nil, err
	}
	return x, nil
}

// mdsSphericalStart returns the classical start of SphericalMDS.
func mdsSphericalStart(d mat.Symmetric, dim int, seed uint64) (*mat.Dense, error) {
	n := d.SymmetricDim()
	g := mat.NewSymDense(n, nil)
	for i := 0; i < n; i++ {
		for j := i; j < n; j++ {
			g.SetSym(i, j, math.Cos(d.At(i, j)))
		}
	}
	k := dim + 1
	var x *mat.Dense
	if k <= n {
		var err error
		if x, err = mdsTopEigen("SphericalMDS", g, k); err != nil {
			return nil, err
		}
	} else {
		// More dimensions than points: embed the n-point solution.
		sub, err := mdsTopEigen("SphericalMDS", g, n)
		if err != nil {
			return nil, err
		}
		x = mat.NewDense(n, k, nil)
		x.Slice(0, n, 0, n).(*mat.Dense).Copy(sub)
	}
	rng := rand.New(rand.NewPCG(seed, 0x5eed5))
	for i := 0; i < n; i++ {
		row := x.RawRowView(i)
		nr := math.Sqrt(mdsDot(row, row))
		for nr < 1e-12 {
			for j := range row {
				row[j] = rng.NormFloat64()
			}
			nr = math.Sqrt(mdsDot(row, row))
		}
		for j := range row {
			row[j] /= nr
		}
	}
	return x, nil
}

// mdsSphereAngle returns the angle between unit vectors x and y, computed as
// 2 atan2(|x-y|, |x+y|) for full precision near 0 and π.
func mdsSphereAngle(x, y []float64) float64 {
	var dm, dp float64
	for k := range x {
		a, b := x[k]-y[k], x[k]+y[k]
		dm += a * a
		dp += b * b
	}
	return 2 * math.Atan2(math.Sqrt(dm), math.Sqrt(dp))
}

// mdsDot returns the dot product of x and y.
func mdsDot(x, y []float64) float64 {
	var s float64
	for k := range x {
		s += x[k] * y[k]
	}
	return s
}

// mdsSphericalStress returns Σ_{i<j} (angle(x_i, x_j) - t_ij)².
func mdsSphericalStress(x *mat.Dense, t *mat.SymDense) float64 {
	n, _ := x.Dims()
	var s float64
	for i := 0; i < n; i++ {
		for j := i + 1; j < n; j++ {
			e := mdsSphereAngle(x.RawRowView(i), x.RawRowView(j)) - t.At(i, j)
			s += e * e
		}
	}
	return s
}

// mdsSphericalRefine minimizes the spherical stress of x in place.
func mdsSphericalRefine(x *mat.Dense, t *mat.SymDense) error {
	n, k := x.Dims()
	if n < 2 {
		return nil
	}
	grad := mat.NewDense(n, k, nil)
	trial := mat.NewDense(n, k, nil)
	stress := mdsSphericalStress(x, t)
	step := 0.1 / float64(n)
	for iter := 0; iter < sphericalMaxIter && stress > 0; iter++ {
		// Riemannian gradient: the derivative of angle(x_i, x_j) in x_i is
		// -(x_j - <x_i,x_j> x_i)/sin(angle), a unit tangent vector at x_i.
		grad.Zero()
		for i := 0; i < n; i++ {
			xi, gi := x.RawRowView(i), grad.RawRowView(i)
			for j := 0; j < n; j++ {
				if j == i {
					continue
				}
				xj := x.RawRowView(j)
				c := mdsDot(xi, xj)
				var tn float64
				for l := range xi {
					v := xj[l] - c*xi[l]
					tn += v * v
				}
				tn = math.Sqrt(tn)
				if tn < 1e-15 {
					continue // coincident or antipodal: no direction
				}
				e := mdsSphereAngle(xi, xj) - t.At(i, j)
				for l := range xi {
					gi[l] -= 2 * e * (xj[l] - c*xi[l]) / tn
				}
			}
		}
		gn := mat.Norm(grad, 2)
		if gn == 0 || math.IsNaN(gn) {
			break
		}
		var next float64
		for {
			for i := 0; i < n; i++ {
				xi, gi, ti := x.RawRowView(i), grad.RawRowView(i), trial.RawRowView(i)
				for l := range xi {
					ti[l] = xi[l] - step*gi[l]
				}
				nr := math.Sqrt(mdsDot(ti, ti))
				for l := range ti {
					ti[l] /= nr
				}
			}
			next = mdsSphericalStress(trial, t)
			if next < stress || step < 1e-20 {
				break
			}
			step /= 2
		}
		if !(next < stress) {
			break // no descent possible at this resolution
		}
		x.Copy(trial)
		rel := (stress - next) / stress
		stress = next
		step *= 1.5
		if rel < sphericalTol {
			break
		}
	}
	if math.IsNaN(stress) {
		return errorf("SphericalMDS: the stress became NaN")
	}
	return nil
}
