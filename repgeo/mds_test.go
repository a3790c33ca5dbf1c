package repgeo

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// mdsAligned returns y rotated or reflected (after centring both, if centre)
// onto x by orthogonal Procrustes, and x centred likewise.
func mdsAligned(t *testing.T, x, y *mat.Dense, centre bool) (xa, ya *mat.Dense) {
	t.Helper()
	xa, ya = mat.DenseCopyOf(x), mat.DenseCopyOf(y)
	if centre {
		for _, z := range []*mat.Dense{xa, ya} {
			r, c := z.Dims()
			for j := 0; j < c; j++ {
				var s float64
				for i := 0; i < r; i++ {
					s += z.At(i, j)
				}
				for i := 0; i < r; i++ {
					z.Set(i, j, z.At(i, j)-s/float64(r))
				}
			}
		}
	}
	var m mat.Dense
	m.Mul(ya.T(), xa)
	var svd mat.SVD
	if !svd.Factorize(&m, mat.SVDFull) {
		t.Fatal("SVD failed")
	}
	var u, v, rot mat.Dense
	svd.UTo(&u)
	svd.VTo(&v)
	rot.Mul(&u, v.T())
	var out mat.Dense
	out.Mul(ya, &rot)
	return xa, &out
}

// mdsDistances returns the Euclidean (or, if sphere, angular) distances
// between the rows of x.
func mdsDistances(x *mat.Dense, sphere bool) *mat.SymDense {
	n, _ := x.Dims()
	d := mat.NewSymDense(n, nil)
	for i := 0; i < n; i++ {
		for j := i + 1; j < n; j++ {
			if sphere {
				d.SetSym(i, j, mdsSphereAngle(x.RawRowView(i), x.RawRowView(j)))
				continue
			}
			var s float64
			for k, v := range x.RawRowView(i) {
				e := v - x.At(j, k)
				s += e * e
			}
			d.SetSym(i, j, math.Sqrt(s))
		}
	}
	return d
}

func TestClassicalMDSRecoversPlanarConfiguration(t *testing.T) {
	rng := rand.New(rand.NewPCG(31, 32))
	x := geoRand(rng, 9, 2)
	d := mdsDistances(x, false)
	for _, dim := range []int{2, 3} {
		y, err := ClassicalMDS(d, dim)
		if err != nil {
			t.Fatal(err)
		}
		if r, c := y.Dims(); r != 9 || c != dim {
			t.Fatalf("ClassicalMDS returned %d×%d, want 9×%d", r, c, dim)
		}
		// The third axis of a planar configuration is empty.
		for i := 0; i < 9 && dim == 3; i++ {
			geoNear(t, "third coordinate", y.At(i, 2), 0, 1e-7)
		}
		xa, ya := mdsAligned(t, x, y.Slice(0, 9, 0, 2).(*mat.Dense), true)
		if !mat.EqualApprox(xa, ya, 1e-10) {
			t.Errorf("dim %d: aligned MDS configuration\n%v\ndiffers from\n%v", dim, mat.Formatted(ya), mat.Formatted(xa))
		}
	}
}

func TestClassicalMDSNonEuclidean(t *testing.T) {
	// Path-graph distances of a 4-cycle are not Euclidean: B has a negative
	// eigenvalue, which is clipped, so no coordinate is NaN.
	d := mat.NewSymDense(4, []float64{
		0, 1, 2, 1,
		1, 0, 1, 2,
		2, 1, 0, 1,
		1, 2, 1, 0,
	})
	d.SetSym(0, 2, 3) // break the square
	y, err := ClassicalMDS(d, 4)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range y.RawMatrix().Data {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			t.Fatalf("non-finite coordinate in\n%v", mat.Formatted(y))
		}
	}
	var zeroCols int
	for j := 0; j < 4; j++ {
		if mat.Norm(y.ColView(j), 2) == 0 {
			zeroCols++
		}
	}
	if zeroCols == 0 {
		t.Errorf("no clipped axis in\n%v", mat.Formatted(y))
	}
}

// mdsAsym is a mat.Symmetric whose entries are not symmetric.
type mdsAsym struct{ *mat.Dense }

func (m mdsAsym) SymmetricDim() int { r, _ := m.Dims(); return r }

func TestMDSErrors(t *testing.T) {
	good := mat.NewSymDense(3, []float64{0, 1, 1, 1, 0, 1, 1, 1, 0})
	nan := mat.NewSymDense(3, []float64{0, math.NaN(), 1, math.NaN(), 0, 1, 1, 1, 0})
	inf := mat.NewSymDense(3, []float64{0, math.Inf(1), 1, math.Inf(1), 0, 1, 1, 1, 0})
	neg := mat.NewSymDense(3, []float64{0, -1, 1, -1, 0, 1, 1, 1, 0})
	diag := mat.NewSymDense(3, []float64{0.5, 1, 1, 1, 0, 1, 1, 1, 0})
	asym := mdsAsym{mat.NewDense(3, 3, []float64{0, 1, 1, 2, 0, 1, 1, 1, 0})}
	big := mat.NewSymDense(3, []float64{0, 4, 1, 4, 0, 1, 1, 1, 0})
	tests := []struct {
		name      string
		d         mat.Symmetric
		dim       int
		classical bool // also an error for ClassicalMDS
	}{
		{"nil", nil, 2, true},
		{"NaN", nan, 2, true},
		{"Inf", inf, 2, true},
		{"negative", neg, 2, true},
		{"diagonal", diag, 2, true},
		{"asymmetric", asym, 2, true},
		{"dim 0", good, 0, true},
		{"dim > n", good, 4, true},
		{"angle above pi", big, 2, false},
	}
	for _, tc := range tests {
		if _, err := ClassicalMDS(tc.d, tc.dim); (err != nil) != tc.classical {
			t.Errorf("ClassicalMDS %s: error %v, want error %v", tc.name, err, tc.classical)
		}
		if tc.name == "dim > n" {
			// Not an error for spherical MDS: 3 points fit in S^4 too.
			y, err := SphericalMDS(tc.d, tc.dim, 1)
			if err != nil {
				t.Fatalf("SphericalMDS of 3 points in S^%d: %v", tc.dim, err)
			}
			if r, c := y.Dims(); r != 3 || c != tc.dim+1 || !mat.EqualApprox(mdsDistances(y, true), tc.d, 1e-8) {
				t.Errorf("SphericalMDS of 3 points in S^%d: %d×%d, angles %v", tc.dim, r, c, mat.Formatted(mdsDistances(y, true)))
			}
			continue
		}
		if _, err := SphericalMDS(tc.d, tc.dim, 1); err == nil {
			t.Errorf("SphericalMDS %s: no error", tc.name)
		}
	}
}

func TestSphericalMDSRecoversSphere(t *testing.T) {
	rng := rand.New(rand.NewPCG(33, 34))
	tests := []struct {
		name string
		dim  int
		x    *mat.Dense
	}{
		{"S^2", 2, geoRand(rng, 10, 3)},
		{"S^3", 3, geoRand(rng, 12, 4)},
	}
	// Points on an arc of the circle S^1 shorter than π.
	arc := mat.NewDense(7, 2, nil)
	for i := 0; i < 7; i++ {
		th := 0.4 * float64(i) * float64(i) / 6
		arc.Set(i, 0, math.Cos(th))
		arc.Set(i, 1, math.Sin(th))
	}
	tests = append(tests, struct {
		name string
		dim  int
		x    *mat.Dense
	}{"S^1 arc", 1, arc})
	for _, tc := range tests {
		n, _ := tc.x.Dims()
		for i := 0; i < n; i++ {
			row := tc.x.RawRowView(i)
			nr := math.Sqrt(mdsDot(row, row))
			for k := range row {
				row[k] /= nr
			}
		}
		d := mdsDistances(tc.x, true)
		y, err := SphericalMDS(d, tc.dim, 5)
		if err != nil {
			t.Fatal(err)
		}
		if r, c := y.Dims(); r != n || c != tc.dim+1 {
			t.Fatalf("%s: SphericalMDS returned %d×%d, want %d×%d", tc.name, r, c, n, tc.dim+1)
		}
		for i := 0; i < n; i++ {
			geoNear(t, tc.name+" row norm", mat.Norm(y.RowView(i), 2), 1, 1e-12)
		}
		if got := mdsDistances(y, true); !mat.EqualApprox(got, d, 1e-8) {
			t.Errorf("%s: angles of the embedding differ from the input", tc.name)
		}
		xa, ya := mdsAligned(t, tc.x, y, false)
		if !mat.EqualApprox(xa, ya, 1e-8) {
			t.Errorf("%s: aligned embedding\n%v\ndiffers from\n%v", tc.name, mat.Formatted(ya), mat.Formatted(xa))
		}
	}
}

func TestSphericalMDSRefinementLowersStress(t *testing.T) {
	rng := rand.New(rand.NewPCG(35, 36))
	x := geoRand(rng, 12, 4)
	for i := 0; i < 12; i++ {
		row := x.RawRowView(i)
		nr := math.Sqrt(mdsDot(row, row))
		for k := range row {
			row[k] /= nr
		}
	}
	// Angles of points on S^3 embedded in S^2 cannot be matched exactly.
	d := mdsDistances(x, true)
	start, err := mdsSphericalStart(d, 2, 1)
	if err != nil {
		t.Fatal(err)
	}
	y, err := SphericalMDS(d, 2, 1)
	if err != nil {
		t.Fatal(err)
	}
	s0, s1 := mdsSphericalStress(start, d), mdsSphericalStress(y, d)
	if !(s1 < 0.9*s0) {
		t.Errorf("stress %v after refinement, %v at the start: want a clear decrease", s1, s0)
	}
	again, err := SphericalMDS(d, 2, 1)
	if err != nil {
		t.Fatal(err)
	}
	if !mat.Equal(y, again) {
		t.Error("SphericalMDS is not deterministic")
	}
}
