package repgeo

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// projectScanMin returns the smallest distance from c to the geodesic
// through a and b over a dense scan of T: n+1 points over [lo, hi].
func projectScanMin(t *testing.T, g Geodesic, a, b, c Point, lo, hi float64, n int) (tMin, dMin float64) {
	t.Helper()
	dMin = math.Inf(1)
	for i := 0; i <= n; i++ {
		tt := lo + (hi-lo)*float64(i)/float64(n)
		p, err := g.Geodesic(a, b, tt)
		if err != nil {
			// AIR's extrapolated geodesic leaves float64's range far out.
			continue
		}
		d, err := g.Distance(c, p)
		if err != nil {
			t.Fatal(err)
		}
		if d < dMin {
			tMin, dMin = tt, d
		}
	}
	return tMin, dMin
}

// projectAdversarial returns three representations whose Euclidean shape
// projection has two local minima: with x, y, z orthogonal centred columns,
// a = [x, y, z] and b = [x, 0, 1.2 z] are aligned as they are, so the
// geodesic is g(t) = [x, (1-t) y, (1+0.2t) z], whose shape depends on |1-t|
// and 1+0.2t; c = [x, y, 1.4 z] is g(2) exactly, while g(0) = a is a local
// minimum at distance 0.4|z|. The descent from the segment's midpoint ends
// at t = 0.
func projectAdversarial(seed uint64, m int, s float64) [3]mat.Matrix {
	rng := rand.New(rand.NewPCG(seed, 9))
	x := centreColumns(geoRand(rng, m, 3))
	var qr mat.QR
	qr.Factorize(x)
	var q mat.Dense
	qr.QTo(&q)
	col := func(j int, f float64) []float64 {
		v := make([]float64, m)
		for i := range v {
			v[i] = f * q.At(i, j)
		}
		return v
	}
	mk := func(fy, fz float64) *mat.Dense {
		out := mat.NewDense(m, 3, nil)
		out.SetCol(0, col(0, 3))
		out.SetCol(1, col(1, 2*fy))
		out.SetCol(2, col(2, 1.5*fz))
		return out
	}
	return [3]mat.Matrix{mk(1, 1), mk(0, 1+0.2*s), mk(1, 1+0.2*2*s)}
}

// TestProjectGlobal checks that Project returns the closest point of the
// whole geodesic for every registered Riemannian metric: its distance is at
// most the smallest of a dense scan of T (2000 points over the scan range:
// one period of the angular geodesics, T in [-4, 5] otherwise), on random
// triples and on triples built to have several local minima. The scan's
// minimum is an upper bound of the true one, so the test is one-sided; the
// reported distance must also be the distance from c to the reported point.
// The local descent of the shape metrics' earlier Project stops at the
// first of two minima on the adversarial triples (distance 0.6 instead of 0).
func TestProjectGlobal(t *testing.T) {
	const m = 14
	type triple struct {
		name string
		reps [3]mat.Matrix
	}
	var triples []triple
	rng := rand.New(rand.NewPCG(81, 82))
	for i, w := range [][3]int{{3, 5, 4}, {6, 2, 3}, {4, 4, 4}, {2, 3, 8}, {5, 5, 20}} {
		triples = append(triples, triple{fmt.Sprintf("random %d %v", i, w),
			[3]mat.Matrix{geoRand(rng, m, w[0]), geoRand(rng, m, w[1]), geoRand(rng, m, w[2])}})
	}
	for i, s := range []float64{1, 0.7, 1.5} {
		triples = append(triples, triple{fmt.Sprintf("two minima %d", i), projectAdversarial(uint64(90+i), m, s)})
	}
	// The adversarial triple with a and b swapped: the far minimum is before a.
	adv := projectAdversarial(95, m, 1)
	triples = append(triples, triple{"two minima swapped", [3]mat.Matrix{adv[1], adv[0], adv[2]}})

	for _, name := range MetricNames() {
		metric, err := NewMetric(name, DefaultOptions())
		if err != nil {
			t.Fatal(err)
		}
		g, ok := metric.(Riemannian)
		if !ok {
			continue
		}
		for _, tr := range triples {
			what := name + " " + tr.name
			var pts [3]Point
			for i, x := range tr.reps {
				if pts[i], err = g.ToPoint(x); err != nil {
					t.Fatalf("%s: %v", what, err)
				}
			}
			pr, err := Project(g, pts[0], pts[1], pts[2])
			if err != nil {
				t.Errorf("%s: %v", what, err)
				continue
			}
			dab, err := g.Distance(pts[0], pts[1])
			if err != nil {
				t.Fatal(err)
			}
			lo, hi := -4.0, 5.0
			switch name {
			case "air":
				lo, hi = -1.5, 2.5
			case "angular-cka":
				lo, hi = 0.5-math.Pi/dab, 0.5+math.Pi/dab
			case "angular-shape":
				lo, hi = 0.5-math.Pi/(2*dab), 0.5+math.Pi/(2*dab)
			}
			tMin, dMin := projectScanMin(t, g, pts[0], pts[1], pts[2], lo, hi, 2000)
			scale := math.Max(1, dMin)
			if pr.Distance > dMin+1e-9*scale {
				t.Errorf("%s: Project gives T = %.6g at distance %.12g; the scan finds T = %.6g at %.12g", what, pr.T, pr.Distance, tMin, dMin)
			}
			d, err := g.Distance(pts[2], pr.Point)
			if err != nil {
				t.Fatal(err)
			}
			geoNear(t, what+": Distance(c, Point)", d, pr.Distance, 1e-9*scale)
			p, err := g.Geodesic(pts[0], pts[1], pr.T)
			if err != nil {
				t.Fatal(err)
			}
			if d, err = g.Distance(pts[2], p); err != nil {
				t.Fatal(err)
			}
			geoNear(t, what+": Distance(c, Geodesic(T))", d, pr.Distance, 1e-7*scale)
		}
	}
	search, refine := projectCount.search.Load(), projectCount.refine.Load()
	t.Logf("shape projections: %d nuclear norms in the global searches, %d polar steps in the refinements", search, refine)
}

// TestProjectGeneric checks the projection of a Riemannian metric of no
// known structure (the generic path: a scan of the geodesic, then the
// iteration from its best point) against a dense scan, on the Euclidean
// shape metric's adversarial triples seen through geoHidden.
func TestProjectGeneric(t *testing.T) {
	euc, err := NewEuclideanShape(ShapeConfig{})
	if err != nil {
		t.Fatal(err)
	}
	g := geoHidden{euc}
	for i, s := range []float64{1, 0.7} {
		reps := projectAdversarial(uint64(100+i), 12, s)
		var pts [3]Point
		for k, x := range reps {
			if pts[k], err = g.ToPoint(x); err != nil {
				t.Fatal(err)
			}
		}
		pr, err := Project(g, pts[0], pts[1], pts[2])
		if err != nil {
			t.Fatal(err)
		}
		tMin, dMin := projectScanMin(t, g, pts[0], pts[1], pts[2], -4, 5, 4000)
		if pr.Distance > dMin+1e-9*math.Max(1, dMin) {
			t.Errorf("case %d: generic Project gives T = %.6g at %.12g; the scan finds T = %.6g at %.12g", i, pr.T, pr.Distance, tMin, dMin)
		}
	}
}
