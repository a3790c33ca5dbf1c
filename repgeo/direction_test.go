package repgeo

import (
	"errors"
	"math"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"
)

func TestDirectionAngleFlat(t *testing.T) {
	// In the plane directions are plain unit vectors and transport is the
	// identity, so the angles are those of the step vectors.
	a := []Point{geoVec(0, 0), geoVec(1, 0), geoVec(1, 2)} // east, then north
	b := []Point{geoVec(5, 5), geoVec(5, 7)}               // north
	c := []Point{geoVec(0, 0), geoVec(-1, -1)}             // south-west
	cases := []struct {
		name string
		p    []Point
		i    int
		q    []Point
		j    int
		want float64
	}{
		{"east against north", a, 0, b, 0, math.Pi / 2},
		{"north against north", a, 1, b, 0, 0},
		{"arrival at the end is the last step", a, 2, b, 1, 0},
		{"east against south-west", a, 0, c, 0, 3 * math.Pi / 4},
		{"north against south-west", a, 2, c, 1, 3 * math.Pi / 4},
		{"a path against itself", a, 1, a, 1, 0},
	}
	for _, tc := range cases {
		got, err := DirectionAngle(geoFlat{}, tc.p, tc.i, tc.q, tc.j)
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("%s: angle %v, want %v", tc.name, got, tc.want)
		}
	}
	d, err := Direction(geoFlat{}, a, 1)
	if err != nil {
		t.Fatal(err)
	}
	if !mat.EqualApprox(d, mat.NewDense(1, 2, []float64{0, 1}), 1e-15) {
		t.Errorf("Direction at point 1 = %v, want [0 1]", mat.Formatted(d))
	}
}

// TestDirectionAngleIdentities checks, on the registered Riemannian metrics
// and the unit sphere, identities that hold in any Riemannian space: a
// geodesic keeps its direction under parallel transport, a reversed path heads
// the opposite way, the angle at an interior point (Angle) is π minus the
// angle between the arriving and leaving directions, and the angle between
// two paths does not depend on their order. Tolerances allow for the metrics'
// iterative alignments.
func TestDirectionAngleIdentities(t *testing.T) {
	cases := []struct {
		name string
		m    Metric
		tol  float64
	}{
		{"sphere", geoSphere{}, 1e-10},
		{"angular-cka", mustMetric(t, "angular-cka"), 1e-8},
		{"angular-shape", mustMetric(t, "angular-shape"), 1e-6},
	}
	for _, tc := range cases {
		pts := geoPoints(t, tc.m, 3, 4, 12, 4)
		g := tc.m.(Geodesic)
		geo, err := Subdivide(g, pts[0], pts[1], 3)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		rev := []Point{geo[len(geo)-1], geo[0]}
		tri := []Point{pts[0], pts[2], pts[3]}
		interior, err := Angle(tc.m, pts[0], pts[2], pts[3])
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		checks := []struct {
			what string
			a    []Point
			i    int
			b    []Point
			j    int
			want float64
		}{
			{"geodesic start against its middle", geo, 0, geo, 2, 0},
			{"geodesic start against its end", geo, 0, geo, len(geo) - 1, 0},
			{"geodesic against its reverse", geo, 1, rev, 0, math.Pi},
			{"arriving against leaving", tri, 1, tri[:2], 1, math.Pi - interior},
		}
		for _, c := range checks {
			got, err := DirectionAngle(tc.m, c.a, c.i, c.b, c.j)
			if err != nil {
				t.Errorf("%s: %s: %v", tc.name, c.what, err)
				continue
			}
			if math.Abs(got-c.want) > tc.tol {
				t.Errorf("%s: %s: angle %.12f, want %.12f", tc.name, c.what, got, c.want)
			}
		}
		// Symmetry between two unrelated paths.
		p := []Point{pts[0], pts[1], pts[2]}
		q := []Point{pts[3], pts[2], pts[0]}
		ab, err1 := DirectionAngles(tc.m, p, q, [][2]int{{0, 1}, {1, 0}, {2, 2}})
		ba, err2 := DirectionAngles(tc.m, q, p, [][2]int{{1, 0}, {0, 1}, {2, 2}})
		if err1 != nil || err2 != nil {
			t.Fatalf("%s: %v, %v", tc.name, err1, err2)
		}
		for k := range ab {
			if math.Abs(ab[k]-ba[k]) > tc.tol || ab[k] < 0 || ab[k] > math.Pi {
				t.Errorf("%s: pair %d: angle %v one way, %v the other", tc.name, k, ab[k], ba[k])
			}
		}
	}
}

func mustMetric(t *testing.T, name string) Metric {
	t.Helper()
	m, err := NewMetric(name, DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestDirectionErrors(t *testing.T) {
	flat := geoFlat{}
	a := []Point{geoVec(0, 0), geoVec(1, 0), geoVec(1, 0)}
	other := geoPoint{mat.NewDense(2, 2, []float64{0, 0, 1, 1})}
	cases := []struct {
		name string
		run  func() error
		want string
		is   error
	}{
		{"no log map", func() error { _, err := Direction(geoMetricOnly{flat}, a, 0); return err }, "no log map", ErrNoTangent},
		{"no log map, angles", func() error {
			_, err := DirectionAngle(geoGeodesicOnly{flat}, a, 0, a, 1)
			return err
		}, "test-flat", ErrNoTangent},
		{"nil metric", func() error { _, err := Direction(nil, a, 0); return err }, "nil metric", nil},
		{"one point", func() error { _, err := Direction(flat, a[:1], 0); return err }, "need at least 2", nil},
		{"index", func() error { _, err := Direction(flat, a, 3); return err }, "out of range", nil},
		{"zero step", func() error { _, err := Direction(flat, a, 1); return err }, "coincide", ErrCoincide},
		{"zero step at the end", func() error { _, err := Direction(flat, a, 2); return err }, "coincide", ErrCoincide},
		{"pair index", func() error { _, err := DirectionAngle(flat, a, 0, a, 5); return err }, "out of range", nil},
		{"different inputs", func() error {
			_, err := DirectionAngle(flat, a, 0, []Point{other, other}, 0)
			return err
		}, "inputs", nil},
	}
	for _, tc := range cases {
		err := tc.run()
		if err == nil {
			t.Errorf("%s: no error", tc.name)
			continue
		}
		if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %q does not mention %q", tc.name, err, tc.want)
		}
		if tc.is != nil && !errors.Is(err, tc.is) {
			t.Errorf("%s: error %q does not wrap %v", tc.name, err, tc.is)
		}
	}
}

func TestCumulativeLengths(t *testing.T) {
	cases := []struct {
		steps, want []float64
	}{
		{nil, []float64{0}},
		{[]float64{2}, []float64{0, 2}},
		{[]float64{1, 0.5, 0, 2.5}, []float64{0, 1, 1.5, 1.5, 4}},
	}
	for _, tc := range cases {
		got := CumulativeLengths(tc.steps)
		if len(got) != len(tc.want) {
			t.Errorf("CumulativeLengths(%v) = %v, want %v", tc.steps, got, tc.want)
			continue
		}
		for i := range got {
			if got[i] != tc.want[i] {
				t.Errorf("CumulativeLengths(%v) = %v, want %v", tc.steps, got, tc.want)
				break
			}
		}
	}
	pm := &PathMeasures{StepLengths: []float64{1, 2}, TotalLength: 3}
	if c := pm.CumulativeLengths(); c[len(c)-1] != pm.TotalLength {
		t.Errorf("last cumulative length %v, want the total %v", c[len(c)-1], pm.TotalLength)
	}
}

func TestMatchDepth(t *testing.T) {
	cases := []struct {
		na, nb int
		want   []int
	}{
		{2, 2, []int{0, 1}},
		{3, 3, []int{0, 1, 2}},
		{3, 5, []int{0, 2, 4}},
		{5, 3, []int{0, 0, 1, 1, 2}}, // depths 0.25 and 0.75 tie, go to the shallower
		{4, 2, []int{0, 0, 1, 1}},
		{2, 7, []int{0, 6}},
		{4, 10, []int{0, 3, 6, 9}},
	}
	for _, tc := range cases {
		got, err := MatchDepth(tc.na, tc.nb)
		if err != nil {
			t.Errorf("MatchDepth(%d, %d): %v", tc.na, tc.nb, err)
			continue
		}
		if len(got) != len(tc.want) {
			t.Errorf("MatchDepth(%d, %d) = %v, want %v", tc.na, tc.nb, got, tc.want)
			continue
		}
		for i := range got {
			if got[i] != tc.want[i] {
				t.Errorf("MatchDepth(%d, %d) = %v, want %v", tc.na, tc.nb, got, tc.want)
				break
			}
		}
	}
	if _, err := MatchDepth(1, 4); err == nil {
		t.Error("MatchDepth(1, 4): no error")
	}
	if d := RelativeDepths(5); len(d) != 5 || d[0] != 0 || d[2] != 0.5 || d[4] != 1 {
		t.Errorf("RelativeDepths(5) = %v", d)
	}
	if d := RelativeDepths(1); d != nil {
		t.Errorf("RelativeDepths(1) = %v, want nil", d)
	}
}
