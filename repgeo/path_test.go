package repgeo

import (
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// geoVec returns a point of geoFlat at (x, y) in the plane (a 1×2 matrix).
func geoVec(x, y float64) Point { return geoPoint{mat.NewDense(1, 2, []float64{x, y})} }

func TestMeasurePathFlat(t *testing.T) {
	tests := []struct {
		name string
		pts  []Point
		want PathMeasures
	}{
		{
			name: "straight line",
			pts:  []Point{geoVec(0, 0), geoVec(1, 0), geoVec(3, 0), geoVec(4, 0)},
			want: PathMeasures{
				StepLengths:       []float64{1, 2, 1},
				TotalLength:       4,
				EndpointDistance:  4,
				Tortuosity:        1,
				Angles:            []float64{math.Pi, math.Pi},
				EndDistances:      []float64{4, 3, 1, 0},
				Progress:          []float64{0, 0.25, 0.75, 1},
				ProgressDistances: []float64{0, 0, 0, 0},
			},
		},
		{
			name: "detour behind the start",
			pts:  []Point{geoVec(0, 0), geoVec(-1, 1), geoVec(2, 1), geoVec(2, 0)},
			want: PathMeasures{
				StepLengths:       []float64{math.Sqrt2, 3, 1},
				TotalLength:       4 + math.Sqrt2,
				EndpointDistance:  2,
				Tortuosity:        (4 + math.Sqrt2) / 2,
				Angles:            []float64{math.Pi / 4, math.Pi / 2},
				EndDistances:      []float64{2, math.Sqrt(10), 1, 0},
				Progress:          []float64{0, -0.5, 1, 1},
				ProgressDistances: []float64{0, 1, 1, 0},
			},
		},
	}
	const tol = 1e-12
	for _, tc := range tests {
		for _, m := range []Metric{geoFlat{}, geoHidden{geoFlat{}}} {
			got, err := MeasurePath(m, tc.pts)
			if err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			w := tc.want
			geoNear(t, tc.name+" total", got.TotalLength, w.TotalLength, tol)
			geoNear(t, tc.name+" endpoint", got.EndpointDistance, w.EndpointDistance, tol)
			geoNear(t, tc.name+" tortuosity", got.Tortuosity, w.Tortuosity, tol)
			for _, s := range []struct {
				name      string
				got, want []float64
			}{
				{"steps", got.StepLengths, w.StepLengths},
				{"angles", got.Angles, w.Angles},
				{"end distances", got.EndDistances, w.EndDistances},
				{"progress", got.Progress, w.Progress},
				{"progress distances", got.ProgressDistances, w.ProgressDistances},
			} {
				if len(s.got) != len(s.want) {
					t.Errorf("%s %s: %d values, want %d", tc.name, s.name, len(s.got), len(s.want))
					continue
				}
				for i := range s.got {
					geoNear(t, tc.name+" "+s.name, s.got[i], s.want[i], tol)
				}
			}
		}
	}
}

func TestMeasurePathSphereTortuosity(t *testing.T) {
	s := geoSphere{}
	pts := geoPoints(t, s, 41, 6, 5, 3)
	pm, err := MeasurePath(s, pts)
	if err != nil {
		t.Fatal(err)
	}
	if pm.Tortuosity < 1 {
		t.Errorf("tortuosity %v below 1", pm.Tortuosity)
	}
	for i, a := range pm.Angles {
		want, err := Angle(s, pts[i], pts[i+1], pts[i+2])
		if err != nil {
			t.Fatal(err)
		}
		geoNear(t, "path angle", a, want, 1e-15)
	}
	for i := 1; i < len(pts)-1; i++ {
		pr, err := Project(s, pts[0], pts[len(pts)-1], pts[i])
		if err != nil {
			t.Fatal(err)
		}
		geoNear(t, "progress", pm.Progress[i], pr.T, 1e-15)
		geoNear(t, "progress distance", pm.ProgressDistances[i], pr.Distance, 1e-15)
	}
}

func TestMeasurePathDegenerate(t *testing.T) {
	// A repeated point has no angle; the rest is measured.
	pm, err := MeasurePath(geoFlat{}, []Point{geoVec(0, 0), geoVec(1, 0), geoVec(1, 0), geoVec(2, 0)})
	if err != nil {
		t.Fatal(err)
	}
	if !math.IsNaN(pm.Angles[0]) || !math.IsNaN(pm.Angles[1]) {
		t.Errorf("angles at a repeated point: %v, want NaN", pm.Angles)
	}
	geoNear(t, "total", pm.TotalLength, 2, 1e-15)

	tests := []struct {
		name string
		m    Metric
		pts  []Point
		is   error
	}{
		{"two points", geoFlat{}, []Point{geoVec(0, 0), geoVec(1, 0)}, nil},
		{"closed path", geoFlat{}, []Point{geoVec(0, 0), geoVec(1, 0), geoVec(0, 0)}, ErrCoincide},
		{"nil metric", nil, []Point{geoVec(0, 0), geoVec(1, 0), geoVec(2, 0)}, nil},
		{"input mismatch", geoFlat{}, []Point{geoVec(0, 0), geoPoint{mat.NewDense(2, 2, nil)}, geoVec(2, 0)}, ErrInputMismatch},
	}
	for _, tc := range tests {
		_, err := MeasurePath(tc.m, tc.pts)
		if err == nil {
			t.Errorf("%s: no error", tc.name)
			continue
		}
		if tc.is != nil && !errors.Is(err, tc.is) {
			t.Errorf("%s: error %q does not wrap %q", tc.name, err, tc.is)
		}
	}
}

func TestNewPath(t *testing.T) {
	rng := rand.New(rand.NewPCG(43, 44))
	reps := []mat.Matrix{geoRand(rng, 10, 4), geoRand(rng, 10, 4), geoRand(rng, 10, 4)}
	p, err := NewPath(geoSphere{}, nil, reps, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Points) != 3 || len(p.Labels) != 3 || p.Labels[2] != "2" {
		t.Fatalf("NewPath: %d points, labels %q", len(p.Points), p.Labels)
	}
	for i, x := range reps {
		want, _ := geoSphere{}.ToPoint(x)
		if !mat.EqualApprox(geoMat(p.Points[i]), geoMat(want), 1e-15) {
			t.Errorf("point %d differs from ToPoint", i)
		}
	}
	if _, err := p.Measure(); err != nil {
		t.Fatal(err)
	}
	labels := []string{"in", "hidden", "out"}
	p, err = NewPath(geoSphere{}, labels, reps, &PairwiseOptions{Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	labels[0] = "changed"
	if p.Labels[0] != "in" {
		t.Error("NewPath keeps the caller's label slice")
	}

	bad := []struct {
		name   string
		m      Metric
		labels []string
		reps   []mat.Matrix
	}{
		{"nil metric", nil, nil, reps},
		{"one representation", geoSphere{}, nil, reps[:1]},
		{"label count", geoSphere{}, []string{"a"}, reps},
		{"input mismatch", geoSphere{}, nil, []mat.Matrix{reps[0], geoRand(rng, 9, 4)}},
		{"NaN", geoSphere{}, nil, []mat.Matrix{reps[0], mat.NewDense(10, 1, []float64{math.NaN(), 1, 2, 3, 4, 5, 6, 7, 8, 9})}},
	}
	for _, tc := range bad {
		if _, err := NewPath(tc.m, tc.labels, tc.reps, nil); err == nil {
			t.Errorf("%s: no error", tc.name)
		}
	}
	if _, err := (&Path{Metric: geoSphere{}, Labels: []string{"a"}, Points: p.Points}).Measure(); err == nil {
		t.Error("Measure with mismatched labels: no error")
	}
}

func TestMeasurePathDistances(t *testing.T) {
	// With the metric's own distances it measures what MeasurePath does,
	// on a sphere (angles and projections of a curved space) and on angular CKA.
	rng := rand.New(rand.NewPCG(47, 48))
	cka, err := NewMetric("angular-cka", DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	ckaReps := []mat.Matrix{geoRand(rng, 12, 5), geoRand(rng, 12, 7), geoRand(rng, 12, 3), geoRand(rng, 12, 4)}
	ckaPts, err := Points(cka, ckaReps, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		m    Metric
		pts  []Point
	}{
		{"sphere", geoSphere{}, geoPoints(t, geoSphere{}, 41, 6, 5, 3)},
		{"angular CKA", cka, ckaPts},
	} {
		d, err := PairwisePoints(tc.m, tc.pts, nil)
		if err != nil {
			t.Fatal(err)
		}
		want, err := MeasurePath(tc.m, tc.pts)
		if err != nil {
			t.Fatal(err)
		}
		got, err := MeasurePathDistances(tc.m, tc.pts, d)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		const tol = 1e-12
		geoNear(t, tc.name+" total", got.TotalLength, want.TotalLength, tol)
		geoNear(t, tc.name+" tortuosity", got.Tortuosity, want.Tortuosity, tol)
		for _, s := range [][2][]float64{
			{got.StepLengths, want.StepLengths}, {got.EndDistances, want.EndDistances},
			{got.Angles, want.Angles}, {got.Progress, want.Progress}, {got.ProgressDistances, want.ProgressDistances},
		} {
			for i := range s[1] {
				geoNear(t, tc.name, s[0][i], s[1][i], tol)
			}
		}
	}
}

func TestMeasurePathDistancesUsesD(t *testing.T) {
	// The steps and end distances come from d, not from the metric: a step
	// lengthened in d (with the endpoints' distance kept) lengthens the path.
	pts := []Point{geoVec(0, 0), geoVec(1, 0), geoVec(3, 0), geoVec(4, 0)}
	d, err := PairwisePoints(geoFlat{}, pts, nil)
	if err != nil {
		t.Fatal(err)
	}
	d.SetSym(1, 2, 2.5)
	d.SetSym(1, 3, 3.25)
	pm, err := MeasurePathDistances(geoFlat{}, pts, d)
	if err != nil {
		t.Fatal(err)
	}
	geoNear(t, "step 1", pm.StepLengths[1], 2.5, 0)
	geoNear(t, "end distance 1", pm.EndDistances[1], 3.25, 0)
	geoNear(t, "total", pm.TotalLength, 1+2.5+1, 1e-15)
	geoNear(t, "tortuosity", pm.Tortuosity, 4.5/4, 1e-15)
}

func TestMeasurePathDistancesErrors(t *testing.T) {
	pts := []Point{geoVec(0, 0), geoVec(1, 0), geoVec(3, 0), geoVec(4, 0)}
	good, err := PairwisePoints(geoFlat{}, pts, nil)
	if err != nil {
		t.Fatal(err)
	}
	// with returns a copy of good with entry (i, j) set to v.
	with := func(i, j int, v float64) *mat.SymDense {
		d := mat.NewSymDense(4, nil)
		d.CopySym(good)
		d.SetSym(i, j, v)
		return d
	}
	scaled := mat.NewSymDense(4, nil)
	scaled.ScaleSym(2, good)
	tests := []struct {
		name string
		d    mat.Symmetric
		is   error
		msg  string
	}{
		{"nil matrix", nil, nil, "nil distance matrix"},
		{"nil SymDense", (*mat.SymDense)(nil), nil, "nil distance matrix"},
		{"NaN on the diagonal", with(1, 1, math.NaN()), ErrNonFinite, "has NaN on its diagonal at 1"},
		{"wrong size", mat.NewSymDense(3, nil), nil, "3×3 distance matrix for 4 points"},
		{"NaN", with(1, 2, math.NaN()), ErrNonFinite, "entry (1, 2) is NaN"},
		{"negative", with(0, 3, -1), nil, "entry (0, 3) is -1"},
		{"infinite", with(0, 1, math.Inf(1)), ErrNonFinite, "entry (0, 1) is +Inf"},
		{"diagonal", with(2, 2, 0.5), nil, "has 0.5 on its diagonal at 2"},
		{"another metric's distances", scaled, nil, "not this metric's distances"},
	}
	for _, tc := range tests {
		_, err := MeasurePathDistances(geoFlat{}, pts, tc.d)
		if err == nil {
			t.Errorf("%s: no error", tc.name)
			continue
		}
		if tc.is != nil && !errors.Is(err, tc.is) {
			t.Errorf("%s: error %q does not wrap %q", tc.name, err, tc.is)
		}
		if !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("%s: error %q does not say %q", tc.name, err, tc.msg)
		}
	}
}
