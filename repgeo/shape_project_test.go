package repgeo

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// TestShapeProject checks the shape metrics' own Project (a nuclear-norm
// iteration on C^T g(t)) on points of several widths. For c near the
// geodesic (before, between and beyond a and b), where the nearest point is
// well defined, it must agree with the generic iteration on log and exp maps
// to 1e-8 in T and distance (both stop at steps of 1e-12 in T). For random c
// the two local iterations may settle at different stationary points; there
// the result must be a local minimum of the distance along the geodesic.
// Always, the reported distance is the distance to the reported point.
func TestShapeProject(t *testing.T) {
	rng := rand.New(rand.NewPCG(71, 72))
	const m = 14
	cases := []struct {
		widths [3]int
		near   float64 // 0: c random; otherwise c near g(near)
	}{
		{[3]int{3, 5, 4}, 0},
		{[3]int{6, 2, 3}, 0},
		{[3]int{4, 4, 4}, 0},
		{[3]int{2, 3, 8}, 0},
		{[3]int{5, 5, 20}, 0},
		{[3]int{4, 6, 5}, 0.4},
		{[3]int{4, 6, 5}, 1.3},
		{[3]int{4, 6, 5}, -0.3},
		{[3]int{6, 4, 5}, 0.7},
		{[3]int{7, 8, 9}, 1.5},
	}
	for _, name := range []string{"angular-shape", "euclidean-shape"} {
		for _, alpha := range []float64{1, 0.5} {
			opts := DefaultOptions()
			opts.Whiten = 1 - alpha
			metric, err := NewMetric(name, opts)
			if err != nil {
				t.Fatal(err)
			}
			s := metric.(*ShapeMetric)
			for _, tc := range cases {
				if tc.near != 0 && alpha != 1 {
					// Whitening would move c off the geodesic.
					continue
				}
				what := fmt.Sprintf("%s alpha %v widths %v near %v", name, alpha, tc.widths, tc.near)
				var pts [3]Point
				for i, w := range tc.widths {
					if pts[i], err = s.ToPoint(geoRand(rng, m, w)); err != nil {
						t.Fatal(err)
					}
				}
				if tc.near != 0 {
					g, err := s.Geodesic(pts[0], pts[1], tc.near)
					if err != nil {
						t.Fatal(err)
					}
					gc := g.(*shapePoint).c
					r, k := gc.Dims()
					x := geoRand(rng, r, k)
					x.Scale(0.03*frobeniusNorm(gc)/frobeniusNorm(x), x)
					x.Add(x, gc)
					if pts[2], err = s.ToPoint(x); err != nil {
						t.Fatal(err)
					}
				}
				own, err := Project(s, pts[0], pts[1], pts[2])
				if err != nil {
					t.Fatalf("%s: %v", what, err)
				}
				d, err := s.Distance(pts[2], own.Point)
				if err != nil {
					t.Fatal(err)
				}
				geoNear(t, what+": Distance(c, Point)", d, own.Distance, 1e-11*math.Max(1, d))
				if tc.near == 0 {
					shapeCheckLocalMin(t, what, s, pts, own)
					continue
				}
				geoNear(t, what+": T near the geodesic", own.T, tc.near, 0.2)
				gen, err := Project(geoHidden{s}, pts[0], pts[1], pts[2])
				if err != nil {
					t.Fatalf("%s: generic: %v", what, err)
				}
				genT := gen.T
				if name == "angular-shape" {
					// The generic projection knows no period: g(T + π/θ) is the same shape.
					dab, err := s.Distance(pts[0], pts[1])
					if err != nil {
						t.Fatal(err)
					}
					period := math.Pi / dab
					genT += period * math.Round((own.T-genT)/period)
				}
				geoNear(t, what+": T", own.T, genT, 1e-8)
				geoNear(t, what+": Distance", own.Distance, gen.Distance, 1e-8)
				if d, err = s.Distance(own.Point, gen.Point); err != nil {
					t.Fatal(err)
				}
				geoNear(t, what+": distance between the two points", d, 0, 1e-7)
			}
		}
	}
}

// shapeCheckLocalMin checks that no point of the geodesic near pr is closer
// to c = pts[2].
func shapeCheckLocalMin(t *testing.T, what string, s *ShapeMetric, pts [3]Point, pr Projection) {
	t.Helper()
	for _, h := range []float64{-1e-2, -1e-4, 1e-4, 1e-2} {
		p, err := s.Geodesic(pts[0], pts[1], pr.T+h)
		if err != nil {
			t.Fatal(err)
		}
		d, err := s.Distance(pts[2], p)
		if err != nil {
			t.Fatal(err)
		}
		if d < pr.Distance-1e-12 {
			t.Errorf("%s: d(c, g(T%+g)) = %.15g < d(c, g(T)) = %.15g", what, h, d, pr.Distance)
		}
	}
}

// TestPolarDots checks <U, P> and <U, Q> against the polar factor from the
// SVD, for tall, wide and square matrices, and for rank-deficient tall and
// square ones (the SVD fallback).
func TestPolarDots(t *testing.T) {
	rng := rand.New(rand.NewPCG(74, 75))
	lowRank := func(r, k int) *mat.Dense {
		var x mat.Dense
		x.Mul(geoRand(rng, r, 2), geoRand(rng, 2, k))
		return &x
	}
	cases := []struct {
		name      string
		m         *mat.Dense
		deficient bool
	}{
		{"tall", geoRand(rng, 7, 4), false},
		{"wide", geoRand(rng, 3, 8), false},
		{"square", geoRand(rng, 5, 5), false},
		{"tall rank 2", lowRank(6, 4), true},
		{"square rank 2", lowRank(5, 5), true},
	}
	for _, tc := range cases {
		r, k := tc.m.Dims()
		p, q := geoRand(rng, r, k), geoRand(rng, r, k)
		var svd mat.SVD
		if !svd.Factorize(tc.m, mat.SVDThin) {
			t.Fatal("SVD failed")
		}
		var u, v, w mat.Dense
		svd.UTo(&u)
		svd.VTo(&v)
		w.Mul(&u, v.T())
		gu, gv, err := polarDots(tc.m, p, q)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		// The polar factor of a rank-deficient matrix is not unique; only
		// its product with the matrix is.
		if tc.deficient {
			gm, _, err := polarDots(tc.m, tc.m, q)
			if err != nil {
				t.Fatal(err)
			}
			geoNear(t, tc.name+": <U, M>", gm, frobDot(&w, tc.m), 1e-12)
			continue
		}
		geoNear(t, tc.name+": <U, P>", gu, frobDot(&w, p), 1e-12)
		geoNear(t, tc.name+": <U, Q>", gv, frobDot(&w, q), 1e-12)
	}
}

// TestShapeProjectErrors checks the shape projection's errors: coincident a
// and b, points of another metric and different inputs.
func TestShapeProjectErrors(t *testing.T) {
	for _, name := range []string{"angular-shape", "euclidean-shape"} {
		metric, err := NewMetric(name, DefaultOptions())
		if err != nil {
			t.Fatal(err)
		}
		pts := geoPoints(t, metric, 78, 3, 10, 4)
		other := geoPoints(t, metric, 79, 1, 12, 4)[0]
		foreign := geoPoints(t, geoSphere{}, 80, 1, 10, 4)[0]
		a, b, c := pts[0], pts[1], pts[2]
		tests := []struct {
			what string
			run  func() error
			is   error
		}{
			{"a = b", func() error { _, err := Project(metric, a, a, c); return err }, ErrCoincide},
			{"inputs", func() error { _, err := Project(metric, a, b, other); return err }, ErrInputMismatch},
			{"foreign point", func() error { _, err := Project(metric, a, b, foreign); return err }, nil},
		}
		for _, tc := range tests {
			err := tc.run()
			if err == nil {
				t.Errorf("%s: %s: no error", name, tc.what)
				continue
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("%s: %s: error %v, want %v", name, tc.what, err, tc.is)
			}
		}
	}
}
