package repgeo

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"
)

func TestFrechetMeanFlatIsWeightedAverage(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	xs := []*mat.Dense{geoRand(rng, 4, 3), geoRand(rng, 4, 3), geoRand(rng, 4, 3), geoRand(rng, 4, 3)}
	pts := make([]Point, len(xs))
	for i, x := range xs {
		pts[i] = geoPoint{x}
	}
	tests := []struct {
		name    string
		weights []float64
	}{
		{"equal", nil},
		{"weighted", []float64{1, 2, 3, 4}},
		{"one zero weight", []float64{0, 1, 1, 1}},
	}
	for _, tc := range tests {
		w := tc.weights
		if w == nil {
			w = []float64{1, 1, 1, 1}
		}
		want := mat.NewDense(4, 3, nil)
		var total float64
		for i, x := range xs {
			var s mat.Dense
			s.Scale(w[i], x)
			want.Add(want, &s)
			total += w[i]
		}
		want.Scale(1/total, want)
		got, err := FrechetMean(geoFlat{}, pts, &MeanOptions{Weights: tc.weights})
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if !mat.EqualApprox(geoMat(got), want, 1e-12) {
			t.Errorf("%s: mean %v, want %v", tc.name, mat.Formatted(geoMat(got)), mat.Formatted(want))
		}
	}
}

func TestFrechetMeanSphere(t *testing.T) {
	s := geoSphere{}
	// A symmetric cluster around the pole e0 of S^2 (1×3 matrices): its
	// mean is the pole.
	var pts []Point
	for k := 0; k < 5; k++ {
		phi := 2 * math.Pi * float64(k) / 5
		th := 0.6
		pts = append(pts, geoPoint{mat.NewDense(1, 3, []float64{math.Cos(th), math.Sin(th) * math.Cos(phi), math.Sin(th) * math.Sin(phi)})})
	}
	got, err := FrechetMean(s, pts, nil)
	if err != nil {
		t.Fatal(err)
	}
	d, _ := s.Distance(got, geoPoint{mat.NewDense(1, 3, []float64{1, 0, 0})})
	geoNear(t, "distance of the mean to the pole", d, 0, 1e-9)

	// A random cluster: at the mean, the logs to the points sum to zero.
	cluster := geoPoints(t, s, 23, 8, 3, 2)
	centre := cluster[0]
	for i := range cluster {
		// Pull the points towards the first, so the cluster is small.
		cluster[i], _ = s.Geodesic(centre, cluster[i], 0.3)
	}
	mean, err := FrechetMean(s, cluster, &MeanOptions{Tol: 1e-12})
	if err != nil {
		t.Fatal(err)
	}
	sum := mat.NewDense(3, 2, nil)
	var spread float64
	for _, p := range cluster {
		l, _ := s.Log(mean, p)
		sum.Add(sum, l)
		spread += mat.Norm(l, 2)
	}
	if n := mat.Norm(sum, 2); n > 1e-10*spread {
		t.Errorf("|sum of logs at the mean| = %v, want about 0 (spread %v)", n, spread)
	}
}

func TestFrechetMeanErrors(t *testing.T) {
	s := geoSphere{}
	pts := geoPoints(t, s, 24, 4, 3, 2)
	other := geoPoints(t, s, 25, 1, 5, 2)[0]
	tests := []struct {
		name string
		m    Metric
		pts  []Point
		opts *MeanOptions
		is   error // a sentinel the error must wrap, if any
	}{
		{"nil metric", nil, pts, nil, nil},
		{"not Riemannian", geoGeodesicOnly{s}, pts, nil, nil},
		{"no points", s, nil, nil, nil},
		{"input mismatch", s, append([]Point{other}, pts...), nil, ErrInputMismatch},
		{"weights count", s, pts, &MeanOptions{Weights: []float64{1, 2}}, nil},
		{"negative weight", s, pts, &MeanOptions{Weights: []float64{1, -1, 1, 1}}, nil},
		{"NaN weight", s, pts, &MeanOptions{Weights: []float64{1, math.NaN(), 1, 1}}, nil},
		{"zero weights", s, pts, &MeanOptions{Weights: []float64{0, 0, 0, 0}}, nil},
		{"bad step", s, pts, &MeanOptions{Step: 2}, nil},
		{"negative tolerance", s, pts, &MeanOptions{Tol: -1}, nil},
		{"not converged", s, pts, &MeanOptions{MaxIter: 1, Tol: 1e-14}, ErrNoConvergence},
	}
	for _, tc := range tests {
		_, err := FrechetMean(tc.m, tc.pts, tc.opts)
		if err == nil {
			t.Errorf("%s: no error", tc.name)
		}
		if tc.is != nil && !errors.Is(err, tc.is) {
			t.Errorf("%s: error %v does not wrap %v", tc.name, err, tc.is)
		}
	}
	// A single point and coincident points are their own mean.
	got, err := FrechetMean(s, []Point{pts[1], pts[1]}, nil)
	if err != nil || got != pts[1] {
		t.Errorf("mean of a repeated point: %v, %v", got, err)
	}
}
