package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image/png"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/repgeo/repgeo/npy"
	"github.com/repgeo/repgeo/repgeo"
)

// geoRun runs the command line in-process and returns its exit status,
// standard output and standard error.
func geoRun(args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := run(args, &out, &errb)
	return code, out.String(), errb.String()
}

// geoRep returns a seeded m×d representation: a random linear map of a
// shared m×4 latent plus noise of the given size, so that representations of
// the same seed family are related but distinct.
func geoRep(m, d int, seed uint64, noise float64) *mat.Dense {
	latent := rand.New(rand.NewPCG(7, 7))
	z := mat.NewDense(m, 4, nil)
	for i := range m {
		for j := range 4 {
			z.Set(i, j, latent.NormFloat64())
		}
	}
	rng := rand.New(rand.NewPCG(seed, 1))
	w := mat.NewDense(4, d, nil)
	for i := range 4 {
		for j := range d {
			w.Set(i, j, rng.NormFloat64())
		}
	}
	var x mat.Dense
	x.Mul(z, w)
	for i := range m {
		for j := range d {
			x.Set(i, j, x.At(i, j)+noise*rng.NormFloat64())
		}
	}
	return &x
}

// geoFiles writes the test inputs into a temporary directory and returns
// it with the representations by label. a, b, c, d, e are .npy files of
// 12 inputs; path.npz holds p0..p3, pair.npz b and c as first and second; bad files cover every kind of bad input.
func geoFiles(t *testing.T) (string, map[string]mat.Matrix) {
	t.Helper()
	dir := t.TempDir()
	reps := map[string]mat.Matrix{}
	for i, name := range []string{"a", "b", "c", "d", "e"} {
		x := geoRep(12, 3+2*i, uint64(10+i), 0.3)
		reps[name] = x
		if err := npy.WriteNPY(filepath.Join(dir, name+".npy"), x); err != nil {
			t.Fatal(err)
		}
	}
	var names []string
	var xs []mat.Matrix
	for i := range 4 {
		name := fmt.Sprintf("p%d", i)
		x := geoRep(12, 5, uint64(20+i), 0.2+0.3*float64(i))
		names, xs = append(names, name), append(xs, x)
		reps[name] = x
	}
	if err := npy.WriteNPZ(filepath.Join(dir, "path.npz"), names, xs); err != nil {
		t.Fatal(err)
	}
	if err := npy.WriteNPZ(filepath.Join(dir, "pair.npz"), []string{"first", "second"}, []mat.Matrix{reps["b"], reps["c"]}); err != nil {
		t.Fatal(err)
	}
	// Bad inputs.
	nan := geoRep(12, 3, 30, 0.1)
	nan.Set(4, 1, math.NaN())
	inf := geoRep(12, 3, 31, 0.1)
	inf.Set(0, 0, math.Inf(-1))
	for name, x := range map[string]mat.Matrix{
		"nan":    nan,
		"inf":    inf,
		"tworow": geoRep(2, 3, 32, 0.1),
		"m10":    geoRep(10, 3, 33, 0.1),
		"const":  mat.NewDense(12, 3, nil),
	} {
		if err := npy.WriteNPY(filepath.Join(dir, name+".npy"), x); err != nil {
			t.Fatal(err)
		}
	}
	good, err := os.ReadFile(filepath.Join(dir, "a.npy"))
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{
		"truncated.npy": good[:len(good)-8],
		"corrupt.npz":   []byte("PK\x03\x04 this is not an archive"),
		"text.npy":      []byte("layer,value\n1,2\n"),
	} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir, reps
}

// geoPoints maps the named representations to points of m.
func geoPoints(t *testing.T, m repgeo.Metric, reps map[string]mat.Matrix, names ...string) []repgeo.Point {
	t.Helper()
	pts := make([]repgeo.Point, len(names))
	for i, n := range names {
		p, err := m.ToPoint(reps[n])
		if err != nil {
			t.Fatal(err)
		}
		pts[i] = p
	}
	return pts
}

func geoMetric(t *testing.T, name string) repgeo.Metric {
	t.Helper()
	m, err := repgeo.NewMetric(name, repgeo.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// geoCompare asserts that got (decoded JSON) equals want: the same keys,
// strings and string lists equal, numbers within tol; nil in want stands
// for a JSON null.
func geoCompare(t *testing.T, path string, got, want any, tol float64) {
	t.Helper()
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			t.Fatalf("%s: got %T, want an object", path, got)
		}
		gk, wk := keys(g), keys(w)
		if !slices.Equal(gk, wk) {
			t.Fatalf("%s: keys %v, want %v", path, gk, wk)
		}
		for k := range w {
			geoCompare(t, path+"."+k, g[k], w[k], tol)
		}
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			t.Fatalf("%s: got %v, want %d items", path, got, len(w))
		}
		for i := range w {
			geoCompare(t, fmt.Sprintf("%s[%d]", path, i), g[i], w[i], tol)
		}
	case float64:
		g, ok := got.(float64)
		if !ok || math.Abs(g-w) > tol {
			t.Fatalf("%s: got %v, want %v (tolerance %g)", path, got, w, tol)
		}
	case string:
		if got != w {
			t.Fatalf("%s: got %v, want %q", path, got, w)
		}
	case nil:
		if got != nil {
			t.Fatalf("%s: got %v, want null", path, got)
		}
	default:
		t.Fatalf("%s: unexpected want type %T", path, want)
	}
}

func keys(m map[string]any) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

func anyFloats(xs []float64) []any {
	out := make([]any, len(xs))
	for i, x := range xs {
		if math.IsNaN(x) {
			out[i] = nil
		} else {
			out[i] = x
		}
	}
	return out
}

func anyRows(a mat.Matrix) []any {
	r, _ := a.Dims()
	out := make([]any, r)
	for i := range r {
		out[i] = anyFloats(mat.Row(nil, i, a))
	}
	return out
}

func anyStrings(xs ...string) []any {
	out := make([]any, len(xs))
	for i, x := range xs {
		out[i] = x
	}
	return out
}

func TestGeometryJSON(t *testing.T) {
	dir, reps := geoFiles(t)
	f := func(name string) string { return filepath.Join(dir, name) }
	pathLabels := []string{"a", "p0", "p1", "p2", "p3", "e"}
	// The tolerance covers only floating-point reassociation between the
	// command's parallel engine and the direct calls.
	const tol = 1e-12
	for _, tc := range []struct {
		name string
		args []string
		want func(t *testing.T) map[string]any
	}{
		{"distance", []string{"distance", "--json", f("a.npy"), f("b.npy")}, func(t *testing.T) map[string]any {
			m := geoMetric(t, "angular-cka")
			p := geoPoints(t, m, reps, "a", "b")
			d, err := m.Distance(p[0], p[1])
			if err != nil {
				t.Fatal(err)
			}
			return map[string]any{"distance": d, "metric": "angular-cka(kernel=linear,unbiased=false)"}
		}},
		{"distance unbiased", []string{"distance", "--json", "--unbiased", f("a.npy"), f("b.npy")}, func(t *testing.T) map[string]any {
			o := repgeo.DefaultOptions()
			o.Unbiased = true
			m, err := repgeo.NewMetric("angular-cka", o)
			if err != nil {
				t.Fatal(err)
			}
			p := geoPoints(t, m, reps, "a", "b")
			d, err := m.Distance(p[0], p[1])
			if err != nil {
				t.Fatal(err)
			}
			return map[string]any{"distance": d, "metric": "angular-cka(kernel=linear,unbiased=true)"}
		}},
		{"distance npz", []string{"distance", "--json", "--metric=euclidean-shape", f("pair.npz")}, func(t *testing.T) map[string]any {
			m := geoMetric(t, "euclidean-shape")
			p := geoPoints(t, m, reps, "b", "c")
			d, err := m.Distance(p[0], p[1])
			if err != nil {
				t.Fatal(err)
			}
			return map[string]any{"distance": d, "metric": "euclidean-shape(alpha=1,whitening=netrep,p=0)"}
		}},
		{"angle", []string{"angle", "--json", "--metric=angular-shape", f("a.npy"), f("b.npy"), f("c.npy")}, func(t *testing.T) map[string]any {
			m := geoMetric(t, "angular-shape")
			p := geoPoints(t, m, reps, "a", "b", "c")
			a, err := repgeo.Angle(m, p[0], p[1], p[2])
			if err != nil {
				t.Fatal(err)
			}
			return map[string]any{"angle": a, "metric": m.String()}
		}},
		{"project", []string{"project", "--json", f("a.npy"), f("e.npy"), f("c.npy")}, func(t *testing.T) map[string]any {
			m := geoMetric(t, "angular-cka")
			p := geoPoints(t, m, reps, "a", "e", "c")
			pr, err := repgeo.Project(m, p[0], p[1], p[2])
			if err != nil {
				t.Fatal(err)
			}
			return map[string]any{"t": pr.T, "distance": pr.Distance, "metric": m.String()}
		}},
		{"path", []string{"path", "--json", "--metric=stress", f("a.npy"), f("path.npz"), f("e.npy")}, func(t *testing.T) map[string]any {
			m := geoMetric(t, "stress")
			pm, err := repgeo.MeasurePath(m, geoPoints(t, m, reps, pathLabels...))
			if err != nil {
				t.Fatal(err)
			}
			return map[string]any{
				"step_lengths":       anyFloats(pm.StepLengths),
				"total_length":       pm.TotalLength,
				"endpoint_distance":  pm.EndpointDistance,
				"tortuosity":         pm.Tortuosity,
				"angles":             anyFloats(pm.Angles),
				"progress":           anyFloats(pm.Progress),
				"cumulative_lengths": anyFloats(pm.CumulativeLengths()),
				"metric":             "stress()",
			}
		}},
		{"pairwise", []string{"pairwise", "--json", "--metric=air", f("a.npy"), f("path.npz"), f("e.npy")}, func(t *testing.T) map[string]any {
			m := geoMetric(t, "air")
			var xs []mat.Matrix
			for _, l := range pathLabels {
				xs = append(xs, reps[l])
			}
			d, err := repgeo.Pairwise(m, xs, nil)
			if err != nil {
				t.Fatal(err)
			}
			return map[string]any{"labels": anyStrings(pathLabels...), "distances": anyRows(d), "metric": m.String()}
		}},
		{"pairwise alpha", []string{"pairwise", "--json", "--metric=angular-shape", "--alpha=0.3", f("a.npy"), f("b.npy"), f("c.npy")}, func(t *testing.T) map[string]any {
			o := repgeo.DefaultOptions()
			o.Whiten = 0.7
			m, err := repgeo.NewMetric("angular-shape", o)
			if err != nil {
				t.Fatal(err)
			}
			d, err := repgeo.Pairwise(m, []mat.Matrix{reps["a"], reps["b"], reps["c"]}, nil)
			if err != nil {
				t.Fatal(err)
			}
			return map[string]any{"labels": anyStrings("a", "b", "c"), "distances": anyRows(d), "metric": "angular-shape(alpha=0.3,whitening=netrep,p=0)"}
		}},
		{"embed", []string{"embed", "--json", f("a.npy"), f("path.npz"), f("e.npy")}, func(t *testing.T) map[string]any {
			return geoEmbedWant(t, reps, pathLabels, false, 2)
		}},
		{"embed 3", []string{"embed", "--json", "--dim=3", f("a.npy"), f("path.npz"), f("e.npy")}, func(t *testing.T) map[string]any {
			return geoEmbedWant(t, reps, pathLabels, false, 3)
		}},
		{"embed spherical", []string{"embed", "--json", "--spherical", f("a.npy"), f("path.npz"), f("e.npy")}, func(t *testing.T) map[string]any {
			return geoEmbedWant(t, reps, pathLabels, true, 2)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := geoRun(tc.args...)
			if code != 0 || stderr != "" {
				t.Fatalf("exit %d, stderr %q", code, stderr)
			}
			var got map[string]any
			if err := json.Unmarshal([]byte(stdout), &got); err != nil {
				t.Fatalf("output %q is not JSON: %v", stdout, err)
			}
			if strings.Count(stdout, "\n") != 1 {
				t.Errorf("output is not one line: %q", stdout)
			}
			geoCompare(t, "", got, tc.want(t), tol)
		})
	}
}

func geoEmbedWant(t *testing.T, reps map[string]mat.Matrix, labels []string, spherical bool, dim int) map[string]any {
	t.Helper()
	m := geoMetric(t, "angular-cka")
	var xs []mat.Matrix
	for _, l := range labels {
		xs = append(xs, reps[l])
	}
	d, err := repgeo.Pairwise(m, xs, nil)
	if err != nil {
		t.Fatal(err)
	}
	var x *mat.Dense
	if spherical {
		x, err = repgeo.SphericalMDS(d, dim, 1)
	} else {
		x, err = repgeo.ClassicalMDS(d, dim)
	}
	if err != nil {
		t.Fatal(err)
	}
	return map[string]any{"labels": anyStrings(labels...), "coordinates": anyRows(x), "metric": m.String()}
}

func TestMetricFlags(t *testing.T) {
	dir, reps := geoFiles(t)
	a, b := filepath.Join(dir, "a.npy"), filepath.Join(dir, "b.npy")
	opts := func(edit func(o *repgeo.Options)) repgeo.Options {
		o := repgeo.DefaultOptions()
		edit(&o)
		return o
	}
	type tcase struct {
		flags  []string
		metric string
		opts   repgeo.Options
	}
	cases := []tcase{
		{[]string{"--unbiased"}, "angular-cka", opts(func(o *repgeo.Options) { o.Unbiased = true })},
		{[]string{"--kernel=rbf"}, "angular-cka", opts(func(o *repgeo.Options) { o.Kernel = repgeo.RBFKernel })},
		{[]string{"--kernel=laplace", "--length-scale=2.5"}, "angular-cka", opts(func(o *repgeo.Options) { o.Kernel = repgeo.LaplaceKernel; o.LengthScale = 2.5 })},
		{[]string{"--metric=angular-shape", "--alpha=0.5"}, "angular-shape", opts(func(o *repgeo.Options) { o.Whiten = 0.5 })},
		{[]string{"--metric=angular-shape", "--p=2"}, "angular-shape", opts(func(o *repgeo.Options) { o.P = 2 })},
		{[]string{"--metric=euclidean-shape", "--alpha=0", "--whitening=repsim"}, "euclidean-shape", opts(func(o *repgeo.Options) { o.Whiten = 1; o.Whitening = repgeo.RepsimWhitening })},
		{[]string{"--metric=air", "--eps=0.5"}, "air", opts(func(o *repgeo.Options) { o.Eps = 0.5 })},
		{[]string{"--metric=air", "--mode=cov", "--p=3"}, "air", opts(func(o *repgeo.Options) { o.Mode = repgeo.CovMode; o.P = 3 })},
		{[]string{"--metric=angular-shape", "--alpha=0.5", "--whitening=netrep"}, "angular-shape", opts(func(o *repgeo.Options) { o.Whiten = 0.5 })},
		{[]string{"--kernel=rbf", "--length-scale=median", "--unbiased=false"}, "angular-cka", opts(func(o *repgeo.Options) { o.Kernel = repgeo.RBFKernel })},
		{[]string{"--metric=air", "--mode=gram", "--eps=0.1"}, "air", repgeo.DefaultOptions()},
		{[]string{"--metric=angular-shape", "--alpha=1", "--p=0"}, "angular-shape", repgeo.DefaultOptions()},
		{[]string{"--metric=air", "--mode=cov", "--p=2", "--eps=0"}, "air", opts(func(o *repgeo.Options) { o.Mode = repgeo.CovMode; o.P = 2; o.Eps = repgeo.NoRidge })},
	}
	// Every registered metric is accepted by name, with default options.
	for _, name := range repgeo.MetricNames() {
		cases = append(cases, tcase{[]string{"--metric=" + name}, name, repgeo.DefaultOptions()})
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.flags, " "), func(t *testing.T) {
			m, err := repgeo.NewMetric(tc.metric, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			p := geoPoints(t, m, reps, "a", "b")
			want, err := m.Distance(p[0], p[1])
			if err != nil {
				t.Fatal(err)
			}
			args := append(append([]string{"distance", "--json"}, tc.flags...), a, b)
			code, stdout, stderr := geoRun(args...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			var got struct{ Distance float64 }
			if err := json.Unmarshal([]byte(stdout), &got); err != nil {
				t.Fatal(err)
			}
			if math.Abs(got.Distance-want) > 1e-12 {
				t.Fatalf("distance %v, want %v", got.Distance, want)
			}
		})
	}
	// The options matter: the flags above give distances different from the defaults.
	_, def, _ := geoRun("distance", "--json", a, b)
	_, rbf, _ := geoRun("distance", "--json", "--kernel=rbf", a, b)
	if def == rbf {
		t.Errorf("--kernel=rbf gives the same output as the default: %s", def)
	}
}

func TestBadInput(t *testing.T) {
	dir, _ := geoFiles(t)
	f := func(name string) string { return filepath.Join(dir, name) }
	for _, tc := range []struct {
		name string
		args []string
		want string // a substring of the one-line error
	}{
		{"nan", []string{"distance", f("nan.npy"), f("a.npy")}, f("nan.npy") + ": representation has a non-finite value NaN at row 4, column 1"},
		{"inf", []string{"pairwise", f("a.npy"), f("inf.npy")}, f("inf.npy") + ": representation has a non-finite value -Inf"},
		{"two rows", []string{"angle", f("a.npy"), f("tworow.npy"), f("b.npy")}, f("tworow.npy") + ": representation has 2 rows (inputs), need at least 3"},
		{"different m", []string{"path", f("a.npy"), f("b.npy"), f("m10.npy")}, f("m10.npy") + ": 10 rows (inputs), but " + f("a.npy") + " has 12"},
		{"different m npz", []string{"embed", f("m10.npy"), f("path.npz")}, f("path.npz") + ": entry p0: 12 rows (inputs), but " + f("m10.npy") + " has 10"},
		{"truncated", []string{"project", f("a.npy"), f("truncated.npy"), f("b.npy")}, f("truncated.npy") + ": truncated: header says 12x3 float64 (288 bytes), found 280"},
		{"corrupt npz", []string{"pairwise", f("corrupt.npz"), f("a.npy")}, f("corrupt.npz") + ": not a valid .npz (zip) archive"},
		{"not npy", []string{"distance", f("text.npy"), f("a.npy")}, f("text.npy") + ": bad magic"},
		{"missing file", []string{"distance", f("nope.npy"), f("a.npy")}, f("nope.npy") + ": no such file or directory"},
		{"unknown metric", []string{"distance", "--metric=cosine", f("a.npy"), f("b.npy")}, `unknown metric "cosine" (known: ` + strings.Join(repgeo.MetricNames(), ", ") + ")"},
		{"unknown flag", []string{"pairwise", "--bogus", f("a.npy"), f("b.npy")}, "flag provided but not defined: -bogus"},
		{"bad flag value", []string{"embed", "--dim=two", f("path.npz")}, `invalid value "two" for flag -dim`},
		{"bad dim", []string{"embed", "--dim=4", f("path.npz")}, "--dim=4: want 2 or 3"},
		{"bad kernel", []string{"distance", "--kernel=cubic", f("a.npy"), f("b.npy")}, `unknown kernel "cubic"`},
		{"kernel unused by shape", []string{"distance", "--metric=angular-shape", "--kernel=rbf", f("a.npy"), f("b.npy")}, "--kernel is not used by angular-shape"},
		{"default kernel unused by shape", []string{"pairwise", "--metric=euclidean-shape", "--kernel=linear", f("a.npy"), f("b.npy")}, "--kernel is not used by euclidean-shape"},
		{"alpha unused by cka", []string{"distance", "--metric=angular-cka", "--alpha=0.3", f("a.npy"), f("b.npy")}, "--alpha is not used by angular-cka"},
		{"unbiased unused by stress", []string{"angle", "--metric=stress", "--unbiased", f("a.npy"), f("b.npy"), f("c.npy")}, "--unbiased is not used by stress"},
		{"eps unused by shape", []string{"project", "--metric=angular-shape", "--eps=1", f("a.npy"), f("b.npy"), f("c.npy")}, "--eps is not used by angular-shape"},
		{"mode unused by cka", []string{"path", "--mode=cov", f("a.npy"), f("b.npy"), f("c.npy")}, "--mode is not used by angular-cka"},
		{"p unused by cka", []string{"embed", "--p=3", f("path.npz")}, "--p is not used by angular-cka"},
		{"length scale with linear kernel", []string{"distance", "--length-scale=2", f("a.npy"), f("b.npy")}, "--length-scale is not used by angular-cka with kernel linear"},
		{"whitening without whitening", []string{"distance", "--metric=angular-shape", "--whitening=repsim", f("a.npy"), f("b.npy")}, "--whitening is not used by angular-shape without whitening (alpha 1)"},
		{"p in air gram mode", []string{"distance", "--metric=air", "--p=3", f("a.npy"), f("b.npy")}, "--p is not used by air in mode gram"},
		{"constant representation", []string{"pairwise", f("a.npy"), f("const.npy")}, f("const.npy") + ": angular-cka: the centred kernel matrix is zero"},
		{"netrep whitening at alpha 1", []string{"distance", "--metric=angular-shape", "--whitening=netrep", f("a.npy"), f("b.npy")}, "--whitening is not used by angular-shape without whitening (alpha 1)"},
		{"explicit alpha 1 and whitening", []string{"pairwise", "--metric=euclidean-shape", "--alpha=1", "--whitening=netrep", f("a.npy"), f("b.npy")}, "--whitening is not used by euclidean-shape without whitening (alpha 1)"},
		{"median length scale with linear kernel", []string{"angle", "--length-scale=median", f("a.npy"), f("b.npy"), f("c.npy")}, "--length-scale is not used by angular-cka with kernel linear"},
		{"explicit linear kernel and median", []string{"project", "--kernel=linear", "--length-scale=median", f("a.npy"), f("b.npy"), f("c.npy")}, "--length-scale is not used by angular-cka with kernel linear"},
		{"p 0 in air gram mode", []string{"path", "--metric=air", "--p=0", f("a.npy"), f("b.npy"), f("c.npy")}, "--p is not used by air in mode gram"},
		{"p with explicit gram mode", []string{"embed", "--metric=air", "--mode=gram", "--p=0", f("path.npz")}, "--p is not used by air in mode gram"},
		{"alpha above 1", []string{"distance", "--metric=angular-shape", "--alpha=1.5", f("a.npy"), f("b.npy")}, "invalid --alpha 1.5: want a number in [0, 1]"},
		{"negative eps", []string{"distance", "--metric=air", "--eps=-1", f("a.npy"), f("b.npy")}, "invalid --eps -1: want a finite number ≥ 0"},
		{"no ridge in gram mode", []string{"distance", "--metric=air", "--eps=0", f("a.npy"), f("b.npy")}, "--eps=0 (no ridge) needs --mode=cov"},
		{"bad length scale", []string{"distance", "--length-scale=-1", f("a.npy"), f("b.npy")}, `invalid --length-scale "-1"`},
		{"flag after files", []string{"distance", f("a.npy"), "--json", f("b.npy")}, "flags go before the files"},
		{"distance one file", []string{"distance", f("a.npy")}, "need 2 representations (A B), got 1 from 1 file"},
		{"distance three", []string{"distance", f("a.npy"), f("b.npy"), f("c.npy")}, "need 2 representations (A B), got 3 from 3 files"},
		{"distance npz of four", []string{"distance", f("path.npz")}, "need 2 representations (A B), got 4 from 1 file"},
		{"angle two", []string{"angle", f("a.npy"), f("b.npy")}, "need 3 representations (A B C), got 2"},
		{"project none", []string{"project"}, "need 3 representations (A B C), got 0 from 0 files"},
		{"path two", []string{"path", f("a.npy"), f("b.npy")}, "need at least 3 representations (FILE...), got 2"},
		{"pairwise one", []string{"pairwise", f("a.npy")}, "need at least 2 representations"},
		{"embed two", []string{"embed", f("a.npy"), f("b.npy")}, "need at least 3 representations"},
		{"angle coincide", []string{"angle", f("a.npy"), f("a.npy"), f("b.npy")}, "coincide"},
		{"spherical euclidean", []string{"embed", "--spherical", "--metric=euclidean-shape", f("path.npz")}, "--spherical needs an angular metric (angular-cka or angular-shape), whose distances are angles; euclidean-shape is not one"},
		{"seed without spherical", []string{"embed", "--seed=2", f("path.npz")}, "--seed is not used without --spherical"},
		{"default seed without spherical", []string{"embed", "--seed=1", f("path.npz")}, "--seed is not used without --spherical"},
		{"out not npy", []string{"pairwise", "--out", f("d.txt"), f("a.npy"), f("b.npy")}, "want a .npy file"},
		{"out no dir", []string{"pairwise", "--out", f("no/d.npy"), f("a.npy"), f("b.npy")}, "does not exist"},
		{"png 3d", []string{"embed", "--dim=3", "--png", f("e.png"), f("path.npz")}, "--png draws 2-D embeddings only"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := geoRun(tc.args...)
			if code != 2 {
				t.Errorf("exit status %d, want 2", code)
			}
			if stdout != "" {
				t.Errorf("stdout %q, want nothing", stdout)
			}
			prefix := "repgeo " + tc.args[0] + ": "
			if !strings.HasPrefix(stderr, prefix) || !strings.HasSuffix(stderr, "\n") || strings.Count(stderr, "\n") != 1 {
				t.Fatalf("stderr %q is not one line starting with %q", stderr, prefix)
			}
			if !strings.Contains(stderr, tc.want) {
				t.Fatalf("stderr %q\nwant it to contain %q", stderr, tc.want)
			}
			if strings.Contains(stderr[len(prefix):], "repgeo: ") {
				t.Errorf("stderr %q repeats the package prefix after the subcommand's", stderr)
			}
		})
	}
}

func TestNoOutputFileOnFailure(t *testing.T) {
	dir, _ := geoFiles(t)
	f := func(name string) string { return filepath.Join(dir, name) }
	out := t.TempDir()
	for _, args := range [][]string{
		{"pairwise", "--out", filepath.Join(out, "d.npy"), f("a.npy"), f("nan.npy")},
		{"pairwise", "--out", filepath.Join(out, "d.npy"), f("a.npy"), f("m10.npy")},
		{"pairwise", "--out", filepath.Join(out, "d.npy"), "--metric=nope", f("a.npy"), f("b.npy")},
		{"embed", "--png", filepath.Join(out, "e.png"), f("a.npy"), f("b.npy"), f("truncated.npy")},
		{"embed", "--png", filepath.Join(out, "e.png"), "--spherical", "--metric=euclidean-shape", f("path.npz")},
	} {
		if code, _, stderr := geoRun(args...); code != 2 {
			t.Errorf("%v: exit %d (%s), want 2", args, code, stderr)
		}
	}
	entries, err := os.ReadDir(out)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		t.Errorf("file %s left after failures", e.Name())
	}
}

func TestPairwiseOutAndTable(t *testing.T) {
	dir, _ := geoFiles(t)
	f := func(name string) string { return filepath.Join(dir, name) }
	outPath := filepath.Join(t.TempDir(), "d.npy")
	code, stdout, stderr := geoRun("pairwise", "--json", "--out", outPath, f("a.npy"), f("path.npz"))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var got struct {
		Labels    []string
		Distances [][]float64
	}
	if err := json.Unmarshal([]byte(stdout), &got); err != nil {
		t.Fatal(err)
	}
	if want := []string{"a", "p0", "p1", "p2", "p3"}; !slices.Equal(got.Labels, want) {
		t.Fatalf("labels %v, want %v", got.Labels, want)
	}
	arrays, err := npy.ReadFile(outPath)
	if err != nil {
		t.Fatal(err)
	}
	d := arrays[0].Data
	if r, c := d.Dims(); r != 5 || c != 5 {
		t.Fatalf("--out holds a %d×%d matrix, want 5×5", r, c)
	}
	for i := range 5 {
		if d.At(i, i) != 0 {
			t.Errorf("diagonal entry %d is %v", i, d.At(i, i))
		}
		for j := range 5 {
			// JSON carries the shortest exact form, so the values agree exactly.
			if d.At(i, j) != got.Distances[i][j] || d.At(i, j) != d.At(j, i) {
				t.Errorf("entry (%d, %d): file %v, JSON %v, transposed %v", i, j, d.At(i, j), got.Distances[i][j], d.At(j, i))
			}
			if i != j && !(d.At(i, j) > 0) {
				t.Errorf("entry (%d, %d) = %v, want positive", i, j, d.At(i, j))
			}
		}
	}

	// The table: a header of labels, then one row per label with the same
	// numbers to six decimals, then a blank line and the metric.
	code, stdout, stderr = geoRun("pairwise", f("a.npy"), f("path.npz"))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	lines := strings.Split(strings.TrimSuffix(stdout, "\n"), "\n")
	if len(lines) != 8 {
		t.Fatalf("table has %d lines, want 8:\n%s", len(lines), stdout)
	}
	if strings.TrimSpace(lines[6]) != "" || !slices.Equal(strings.Fields(lines[7]), []string{"metric", "angular-cka(kernel=linear,unbiased=false)"}) {
		t.Errorf("last lines %q, want a blank line and the metric", lines[6:])
	}
	lines = lines[:6]
	if fields := strings.Fields(lines[0]); !slices.Equal(fields, got.Labels) {
		t.Errorf("header %v, want %v", fields, got.Labels)
	}
	for i, line := range lines[1:] {
		fields := strings.Fields(line)
		if len(fields) != 6 || fields[0] != got.Labels[i] {
			t.Fatalf("row %d %q", i, line)
		}
		for j, cell := range fields[1:] {
			if want := fmt.Sprintf("%.6f", got.Distances[i][j]); cell != want {
				t.Errorf("row %d column %d: %s, want %s", i, j, cell, want)
			}
		}
	}
	// Columns are aligned: every row has its numbers at the same offsets.
	width := len(lines[1])
	for _, line := range lines[2:] {
		if len(line) != width {
			t.Errorf("row %q is %d wide, want %d", line, len(line), width)
		}
	}
}

func TestTables(t *testing.T) {
	dir, reps := geoFiles(t)
	f := func(name string) string { return filepath.Join(dir, name) }
	m := geoMetric(t, "angular-cka")
	p := geoPoints(t, m, reps, "a", "b", "c")
	dab, _ := m.Distance(p[0], p[1])
	angle, err := repgeo.Angle(m, p[0], p[1], p[2])
	if err != nil {
		t.Fatal(err)
	}
	proj, err := repgeo.Project(m, p[0], p[1], p[2])
	if err != nil {
		t.Fatal(err)
	}
	pm, err := repgeo.MeasurePath(m, p)
	if err != nil {
		t.Fatal(err)
	}
	// The metric column names the metric with its full configuration.
	const cka = "angular-cka(kernel=linear,unbiased=false)"
	o := repgeo.DefaultOptions()
	o.Unbiased = true
	mu, err := repgeo.NewMetric("angular-cka", o)
	if err != nil {
		t.Fatal(err)
	}
	pu := geoPoints(t, mu, reps, "a", "b")
	dabUnbiased, err := mu.Distance(pu[0], pu[1])
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		want [][]string // the fields of each line
	}{
		{[]string{"distance", f("a.npy"), f("b.npy")}, [][]string{
			{"metric", "A", "B", "distance"},
			{cka, "a", "b", fmtNum(dab)},
		}},
		{[]string{"distance", "--unbiased", f("a.npy"), f("b.npy")}, [][]string{
			{"metric", "A", "B", "distance"},
			{"angular-cka(kernel=linear,unbiased=true)", "a", "b", fmtNum(dabUnbiased)},
		}},
		{[]string{"angle", f("a.npy"), f("b.npy"), f("c.npy")}, [][]string{
			{"metric", "A", "B", "C", "angle", "(rad)", "angle", "(deg)"},
			{cka, "a", "b", "c", fmtNum(angle), fmtNum(angle * 180 / math.Pi)},
		}},
		{[]string{"project", f("a.npy"), f("b.npy"), f("c.npy")}, [][]string{
			{"metric", "A", "B", "C", "t", "distance"},
			{cka, "a", "b", "c", fmtNum(proj.T), fmtNum(proj.Distance)},
		}},
		{[]string{"path", f("a.npy"), f("b.npy"), f("c.npy")}, [][]string{
			{"#", "label", "step", "angle", "progress", "to", "end"},
			{"0", "a", "-", "-", fmtNum(pm.Progress[0]), fmtNum(pm.EndDistances[0])},
			{"1", "b", fmtNum(pm.StepLengths[0]), fmtNum(pm.Angles[0]), fmtNum(pm.Progress[1]), fmtNum(pm.EndDistances[1])},
			{"2", "c", fmtNum(pm.StepLengths[1]), "-", fmtNum(pm.Progress[2]), fmtNum(pm.EndDistances[2])},
			{},
			{"metric", cka},
			{"total", "length", fmtNum(pm.TotalLength)},
			{"endpoint", "distance", fmtNum(pm.EndpointDistance)},
			{"tortuosity", fmtNum(pm.Tortuosity)},
		}},
	} {
		t.Run(strings.Join(tc.args[:len(tc.args)-2], " "), func(t *testing.T) {
			code, stdout, stderr := geoRun(tc.args...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			lines := strings.Split(strings.TrimSuffix(stdout, "\n"), "\n")
			if len(lines) != len(tc.want) {
				t.Fatalf("%d lines, want %d:\n%s", len(lines), len(tc.want), stdout)
			}
			for i, line := range lines {
				if got := strings.Fields(line); !slices.Equal(got, tc.want[i]) && !(len(got) == 0 && len(tc.want[i]) == 0) {
					t.Errorf("line %d: %q, want fields %q", i, line, tc.want[i])
				}
			}
		})
	}
}

func TestEmbedPNG(t *testing.T) {
	dir, _ := geoFiles(t)
	for _, extra := range [][]string{nil, {"--spherical"}} {
		out := filepath.Join(t.TempDir(), "embed.png")
		args := append(append([]string{"embed", "--png", out}, extra...), filepath.Join(dir, "path.npz"), filepath.Join(dir, "a.npy"))
		code, stdout, stderr := geoRun(args...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, stderr)
		}
		if !strings.HasPrefix(stdout, "label") || !strings.HasSuffix(stdout, "\n\nmetric  angular-cka(kernel=linear,unbiased=false)\n") {
			t.Errorf("stdout %q, want the coordinates table and the metric", stdout)
		}
		fh, err := os.Open(out)
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(fh)
		fh.Close()
		if err != nil {
			t.Fatalf("%s: %v", out, err)
		}
		if b := img.Bounds(); b.Dx() < 100 || b.Dy() < 100 {
			t.Errorf("image is %v", b)
		}
		entries, _ := os.ReadDir(filepath.Dir(out))
		if len(entries) != 1 {
			t.Errorf("%d files in the output directory, want only the PNG", len(entries))
		}
	}
}

func TestCommandHelp(t *testing.T) {
	for _, name := range []string{"distance", "pairwise", "angle", "project", "path", "embed"} {
		code, stdout, stderr := geoRun(name, "-h")
		if code != 0 || stderr != "" {
			t.Errorf("%s -h: exit %d, stderr %q", name, code, stderr)
		}
		if !strings.HasPrefix(stdout, "Usage: repgeo "+name+" ") || !strings.Contains(stdout, "-metric") {
			t.Errorf("%s -h printed %q", name, stdout)
		}
	}
	_, stdout, _ := geoRun("help")
	for _, name := range []string{"distance", "pairwise", "angle", "project", "path", "embed"} {
		if !strings.Contains(stdout, "  "+name+" ") {
			t.Errorf("help does not list %s:\n%s", name, stdout)
		}
	}
}

func TestReferenceNumbers(t *testing.T) {
	// Layers 0, 2 and 5 of the m = 64 reference set; expected values from
	// repgeo/testdata/geometry/m64/reference.json (repsim 0.8.3 and netrep):
	// pairwise[metric][i][j], angles[metric] for the triple (0, 2, 5) and
	// projections[metric] for a = 0, b = 5, c = 2. Tolerances as stated there.
	l0, l2, l5 := filepath.Join("testdata", "m64", "layer_0.npy"), filepath.Join("testdata", "m64", "layer_2.npy"), filepath.Join("testdata", "m64", "layer_5.npy")
	for _, tc := range []struct {
		args []string
		key  string
		want float64
		tol  float64
	}{
		{[]string{"distance", l0, l2}, "distance", 0.5544660057282453, 1e-8},
		{[]string{"distance", "--unbiased", l0, l5}, "distance", 0.8565491947446082, 1e-8},
		{[]string{"distance", "--metric=angular-shape", l2, l5}, "distance", 0.6210029274286126, 1e-8},
		{[]string{"distance", "--metric=euclidean-shape", l0, l2}, "distance", 33.72915266028589, 1e-6},
		{[]string{"distance", "--metric=stress", l0, l5}, "distance", 1.7493648353842717, 1e-8},
		{[]string{"distance", "--metric=air", l2, l5}, "distance", 28.011844613578443, 1e-8},
		{[]string{"angle", l0, l2, l5}, "angle", 1.5497369039930602, 1e-8},
		{[]string{"angle", "--metric=angular-shape", l0, l2, l5}, "angle", 1.4098054858425273, 1e-8},
		{[]string{"project", l0, l5, l2}, "t", 0.37852778860139236, 1e-8},
		{[]string{"project", l0, l5, l2}, "distance", 0.46189348341350867, 1e-8},
		{[]string{"project", "--metric=angular-shape", l0, l5, l2}, "t", 0.32615021053546966, 1e-8},
		{[]string{"project", "--metric=angular-shape", l0, l5, l2}, "distance", 0.44241552710210763, 1e-8},
	} {
		t.Run(strings.Join(tc.args, " ")+" "+tc.key, func(t *testing.T) {
			args := append([]string{tc.args[0], "--json"}, tc.args[1:]...)
			code, stdout, stderr := geoRun(args...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			var got map[string]any
			if err := json.Unmarshal([]byte(stdout), &got); err != nil {
				t.Fatal(err)
			}
			if v, ok := got[tc.key].(float64); !ok || math.Abs(v-tc.want) > tc.tol {
				t.Fatalf("%s = %v, want %v ± %g", tc.key, got[tc.key], tc.want, tc.tol)
			}
		})
	}
}

func TestDuplicateLabels(t *testing.T) {
	// Two runs' archives with the same keys: labels name their files.
	dir, reps := geoFiles(t)
	for _, run := range []string{"run1", "run2"} {
		if err := os.Mkdir(filepath.Join(dir, run), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := npy.WriteNPZ(filepath.Join(dir, run, "net.npz"), []string{"x", "y"}, []mat.Matrix{reps["a"], reps["b"]}); err != nil {
			t.Fatal(err)
		}
	}
	r1, r2 := filepath.Join(dir, "run1", "net.npz"), filepath.Join(dir, "run2", "net.npz")
	code, stdout, stderr := geoRun("pairwise", "--json", r1, r2, filepath.Join(dir, "c.npy"))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var got struct{ Labels []string }
	if err := json.Unmarshal([]byte(stdout), &got); err != nil {
		t.Fatal(err)
	}
	want := []string{r1 + ":x", r1 + ":y", r2 + ":x", r2 + ":y", filepath.Join(dir, "c.npy")}
	if !slices.Equal(got.Labels, want) {
		t.Fatalf("labels %q, want %q", got.Labels, want)
	}
}

func TestProgressBar(t *testing.T) {
	// The bar a terminal would show for 5 representations: 5 points and
	// 10 pairs.
	_, reps := geoFiles(t)
	var xs []mat.Matrix
	for _, l := range []string{"a", "b", "c", "d", "e"} {
		xs = append(xs, reps[l])
	}
	var buf bytes.Buffer
	progress, finish := progressBar(&buf, "pairwise")
	var calls int
	opts := &repgeo.PairwiseOptions{Progress: func(done, total int) {
		calls++
		progress(done, total)
	}}
	if _, err := repgeo.Pairwise(geoMetric(t, "angular-cka"), xs, opts); err != nil {
		t.Fatal(err)
	}
	finish()
	if calls != 15 {
		t.Errorf("%d progress calls, want 15", calls)
	}
	// The bar counts up to the total and is cleared when done.
	out := buf.String()
	if !strings.Contains(out, "pairwise") || !strings.Contains(out, "(1/15)") || !strings.Contains(out, "(14/15)") {
		t.Errorf("progress output %q, want the description and the counts", out)
	}
	last := out[strings.LastIndex(strings.TrimSuffix(out, "\r"), "\r")+1:]
	if strings.TrimSpace(last) != "" {
		t.Errorf("the bar is not cleared at the end: %q", last)
	}
}

// TestErrorMessages checks the whole line that each geometry subcommand
// prints for failures reported by the repgeo package: one prefix naming the
// subcommand, then the library's message without its package prefix.
func TestErrorMessages(t *testing.T) {
	dir, _ := geoFiles(t)
	f := func(name string) string { return filepath.Join(dir, name) }
	for _, tc := range []struct {
		args []string
		want string // the whole of stderr without the newline; DIR stands for the directory, * for any text
	}{
		{[]string{"distance", f("a.npy"), f("const.npy")}, "repgeo distance: DIR/const.npy: angular-cka: the centred kernel matrix is zero (a constant representation: every row is the same)"},
		{[]string{"pairwise", "--metric=angular-shape", f("const.npy"), f("a.npy")}, "repgeo pairwise: DIR/const.npy: angular-shape: the representation is constant (every row is the same), so it has no shape"},
		{[]string{"angle", f("a.npy"), f("a.npy"), f("b.npy")}, "repgeo angle: Angle: a and b: points coincide (zero-length log at b), the angle is undefined (A = DIR/a.npy, B = DIR/a.npy, C = DIR/b.npy)"},
		{[]string{"project", f("a.npy"), f("a.npy"), f("b.npy")}, "repgeo project: Project: a and b: points coincide, no geodesic through them (|log_a b| = *) (A = DIR/a.npy, B = DIR/a.npy, C = DIR/b.npy)"},
		{[]string{"path", f("a.npy"), f("b.npy"), f("a.npy")}, "repgeo path: MeasurePath: the first and last point: points coincide, tortuosity and progress are undefined (points are numbered from 0 in the order of the arrays)"},
		{[]string{"embed", f("a.npy"), f("b.npy"), f("const.npy")}, "repgeo embed: DIR/const.npy: angular-cka: the centred kernel matrix is zero (a constant representation: every row is the same)"},
		{[]string{"distance", "--metric=air", "--eps=0", f("a.npy"), f("b.npy")}, "repgeo distance: --eps=0 (no ridge) needs --mode=cov: in mode gram every matrix would be singular"},
	} {
		t.Run(strings.Join(tc.args[:1], " "), func(t *testing.T) {
			code, _, stderr := geoRun(tc.args...)
			want := strings.ReplaceAll(tc.want, "DIR", dir) + "\n"
			head, tail, wild := strings.Cut(want, "*")
			if !wild {
				tail = ""
			}
			if code != 2 || !strings.HasPrefix(stderr, head) || !strings.HasSuffix(stderr[len(head):], tail) || (!wild && stderr != want) {
				t.Errorf("exit %d, stderr\n%q\nwant exit 2 and\n%q", code, stderr, want)
			}
		})
	}
}

// TestEmbedSphericalMetrics checks that --spherical accepts the angular
// metrics only, whatever the size of the other metrics' distances: on
// representations scaled down to small distances, a metric whose distances
// are not angles must still be refused up front, naming the metric and the
// metrics allowed.
func TestEmbedSphericalMetrics(t *testing.T) {
	dir, reps := geoFiles(t)
	small := filepath.Join(dir, "small.npz")
	var names []string
	var xs []mat.Matrix
	for i := range 4 {
		name := fmt.Sprintf("p%d", i)
		var x mat.Dense
		x.Scale(1e-3, reps[name])
		names, xs = append(names, name), append(xs, &x)
	}
	if err := npy.WriteNPZ(small, names, xs); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		metric string
		ok     bool
	}{
		{"angular-cka", true},
		{"angular-shape", true},
		{"stress", false},
		{"euclidean-shape", false},
		{"air", false},
	} {
		t.Run(tc.metric, func(t *testing.T) {
			for _, file := range []string{small, filepath.Join(dir, "path.npz")} {
				code, stdout, stderr := geoRun("embed", "--spherical", "--json", "--metric="+tc.metric, file)
				if tc.ok {
					if code != 0 || !strings.Contains(stdout, `"coordinates"`) {
						t.Errorf("%s: exit %d, stdout %q, stderr %q", file, code, stdout, stderr)
					}
					continue
				}
				want := "--spherical needs an angular metric (angular-cka or angular-shape), whose distances are angles; " + tc.metric + " is not one"
				if code != 2 || stdout != "" || !strings.Contains(stderr, want) {
					t.Errorf("%s: exit %d, stdout %q, stderr %q; want 2 and %q", file, code, stdout, stderr, want)
				}
			}
		})
	}
}
