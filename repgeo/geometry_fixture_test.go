package repgeo

import (
	"fmt"
	"math"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// geoFixtureMetric builds the metric a fixture name stands for.
func geoFixtureMetric(t testing.TB, name string) Metric {
	t.Helper()
	opts := DefaultOptions()
	metric := name
	switch name {
	case "angular-cka-biased":
		metric, opts.Unbiased = "angular-cka", false
	case "angular-cka-unbiased":
		metric, opts.Unbiased = "angular-cka", true
	case "angular-shape", "euclidean-shape":
		opts.Whiten = 0
	default:
		t.Fatalf("no metric for fixture name %q", name)
	}
	m, err := NewMetric(metric, opts)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return m
}

// geoFixtureMetrics are the metrics with geometry entries in the fixtures.
var geoFixtureMetrics = []string{"angular-cka-biased", "angular-cka-unbiased", "angular-shape", "euclidean-shape"}

// geoFixtureTol returns the README's tolerance for metric name: 1e-8
// absolute, 1e-6 for euclidean-shape (values of order 10-100).
func geoFixtureTol(name string) float64 {
	if name == "euclidean-shape" {
		return 1e-6
	}
	return 1e-8
}

// geoFixturePoints maps the six layers of f to points of m.
func geoFixturePoints(t testing.TB, f *fixture, m Metric) []Point {
	t.Helper()
	reps := make([]mat.Matrix, len(f.Layers))
	for i, x := range f.Layers {
		reps[i] = x
	}
	pts, err := Points(m, reps, nil)
	if err != nil {
		t.Fatalf("%s %s: %v", f.Name, m.Name(), err)
	}
	return pts
}

func TestGeometryFixtures(t *testing.T) {
	for _, set := range fixtureSets {
		f := loadFixture(t, set)
		var (
			angles map[string][]struct {
				Triple [3]int
				Angle  float64
			}
			projections map[string][]struct {
				A, B, C int
				T, Dist float64
			}
		)
		f.section(t, "angles", &angles)
		f.section(t, "projections", &projections)
		// Midpoint entries hold a, b, c and the distances d_a_mid, d_mid_b,
		// d_a_b and d_c_mid.
		var rawMid map[string][]map[string]float64
		f.section(t, "midpoints", &rawMid)

		for _, name := range geoFixtureMetrics {
			t.Run(set+"/"+name, func(t *testing.T) {
				m := geoFixtureMetric(t, name)
				pts := geoFixturePoints(t, f, m)
				tol := geoFixtureTol(name)
				if len(angles[name]) == 0 || len(projections[name]) == 0 || len(rawMid[name]) == 0 {
					t.Fatalf("fixture %s has no geometry entries for %s", set, name)
				}
				for _, e := range angles[name] {
					i, j, k := e.Triple[0], e.Triple[1], e.Triple[2]
					got, err := Angle(m, pts[i], pts[j], pts[k])
					if err != nil {
						t.Fatalf("Angle%v: %v", e.Triple, err)
					}
					geoNear(t, fmt.Sprintf("Angle%v", e.Triple), got, e.Angle, tol)
				}
				for _, e := range projections[name] {
					pr, err := Project(m, pts[e.A], pts[e.B], pts[e.C])
					if err != nil {
						t.Fatalf("Project(%d, %d, %d): %v", e.A, e.B, e.C, err)
					}
					what := fmt.Sprintf("Project(%d, %d, %d)", e.A, e.B, e.C)
					geoNear(t, what+".T", pr.T, e.T, tol)
					geoNear(t, what+".Distance", pr.Distance, e.Dist, tol)
					d, err := m.Distance(pts[e.C], pr.Point)
					if err != nil {
						t.Fatal(err)
					}
					geoNear(t, what+": d(c, Point)", d, e.Dist, tol)
				}
				for _, e := range rawMid[name] {
					a, b, c := int(e["a"]), int(e["b"]), int(e["c"])
					mid, err := Midpoint(m, pts[a], pts[b])
					if err != nil {
						t.Fatalf("Midpoint(%d, %d): %v", a, b, err)
					}
					for _, q := range []struct {
						key  string
						p, r Point
					}{
						{"d_a_mid", pts[a], mid},
						{"d_mid_b", mid, pts[b]},
						{"d_a_b", pts[a], pts[b]},
						{"d_c_mid", pts[c], mid},
					} {
						want, ok := e[q.key]
						if !ok {
							t.Fatalf("midpoint entry has no %s", q.key)
						}
						got, err := m.Distance(q.p, q.r)
						if err != nil {
							t.Fatal(err)
						}
						geoNear(t, fmt.Sprintf("midpoint(%d, %d) %s", a, b, q.key), got, want, tol)
					}
				}
			})
		}
	}
}

func TestPathFixtures(t *testing.T) {
	type progress struct {
		L       int
		T, Dist float64
	}
	for _, set := range fixtureSets {
		f := loadFixture(t, set)
		var paths map[string]struct {
			StepLengths      []float64 `json:"step_lengths"`
			TotalLength      float64   `json:"total_length"`
			EndpointDistance float64   `json:"endpoint_distance"`
			Angles           []struct {
				L     int
				Angle float64
			}
			Progress []progress
		}
		f.section(t, "path", &paths)
		reps := make([]mat.Matrix, len(f.Layers))
		labels := make([]string, len(f.Layers))
		for i, x := range f.Layers {
			reps[i] = x
			labels[i] = fmt.Sprintf("layer_%d", i)
		}
		for _, name := range geoFixtureMetrics {
			t.Run(set+"/"+name, func(t *testing.T) {
				want, ok := paths[name]
				if !ok || len(want.StepLengths) != 5 || len(want.Angles) != 4 || len(want.Progress) != 6 {
					t.Fatalf("fixture %s: incomplete path entry for %s", set, name)
				}
				m := geoFixtureMetric(t, name)
				p, err := NewPath(m, labels, reps, nil)
				if err != nil {
					t.Fatal(err)
				}
				got, err := p.Measure()
				if err != nil {
					t.Fatal(err)
				}
				tol := geoFixtureTol(name)
				for i, s := range want.StepLengths {
					geoNear(t, fmt.Sprintf("step %d", i), got.StepLengths[i], s, tol)
				}
				geoNear(t, "total length", got.TotalLength, want.TotalLength, tol)
				geoNear(t, "endpoint distance", got.EndpointDistance, want.EndpointDistance, tol)
				geoNear(t, "tortuosity", got.Tortuosity, want.TotalLength/want.EndpointDistance, tol)
				geoNear(t, "end distance 0", got.EndDistances[0], want.EndpointDistance, tol)
				geoNear(t, "end distance 4", got.EndDistances[4], want.StepLengths[4], tol)
				for _, a := range want.Angles {
					geoNear(t, fmt.Sprintf("angle at %d", a.L), got.Angles[a.L-1], a.Angle, tol)
				}
				for _, pr := range want.Progress {
					// The reference's endpoint values are arccos-limited
					// (about 1e-7): the README's 1e-6 applies there.
					ptol := tol
					if pr.L == 0 || pr.L == 5 {
						ptol = math.Max(tol, 1e-6)
					}
					geoNear(t, fmt.Sprintf("progress t of layer %d", pr.L), got.Progress[pr.L], pr.T, ptol)
					geoNear(t, fmt.Sprintf("progress distance of layer %d", pr.L), got.ProgressDistances[pr.L], pr.Dist, ptol)
				}
			})
		}
	}
}
