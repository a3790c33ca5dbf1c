package experiment

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"

	"github.com/repgeo/repgeo/data"
	"github.com/repgeo/repgeo/models"
	"github.com/repgeo/repgeo/repgeo"
)

// fakeActs returns activations of m inputs in classes classes (input i in
// class i mod classes): a random input and layers that mix it with the
// one-hot labels more and more, so that the path heads for the target.
func fakeActs(seed uint64, m, classes, layers int) *models.Activations {
	rng := rand.New(rand.NewPCG(seed, 1))
	acts := &models.Activations{Target: mat.NewDense(m, classes, nil)}
	for i := 0; i < m; i++ {
		acts.Labels = append(acts.Labels, i%classes)
		acts.Target.Set(i, i%classes, 1)
	}
	const d = 6
	x := mat.NewDense(m, d, nil)
	for i := 0; i < m; i++ {
		for j := 0; j < d; j++ {
			x.Set(i, j, rng.NormFloat64())
		}
	}
	for l := 0; l < layers; l++ {
		f := float64(l) / float64(layers)
		h := mat.NewDense(m, d+classes, nil)
		for i := 0; i < m; i++ {
			for j := 0; j < d; j++ {
				h.Set(i, j, (1-f)*x.At(i, j)+0.3*f*rng.NormFloat64())
			}
			h.Set(i, d+i%classes, 3*f)
		}
		acts.Taps = append(acts.Taps, "0"+string(rune('0'+l))+"_layer"+string(rune('a'+l)))
		acts.Layers = append(acts.Layers, h)
	}
	return acts
}

func testMetric(t *testing.T, name string) repgeo.Metric {
	t.Helper()
	m, err := repgeo.NewMetric(name, repgeo.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestMeasurePathsAndCompare(t *testing.T) {
	met := testMetric(t, "angular-cka")
	a := Source{Name: "a", Acts: fakeActs(1, 24, 3, 4)}
	b := Source{Name: "b", Acts: fakeActs(2, 24, 3, 6)}
	ps, err := MeasurePaths(met, []Source{a, b, a})
	if err != nil {
		t.Fatal(err)
	}
	if len(ps.Labels[0]) != 5 || len(ps.Labels[1]) != 7 || ps.Labels[0][0] != "layera" || ps.Labels[1][6] != Target {
		t.Fatalf("labels %v", ps.Labels)
	}
	if r, _ := ps.Distances.Dims(); r != 5+7+5 || ps.Start[2] != 12 {
		t.Fatalf("%d rows, starts %v", r, ps.Start)
	}
	// The joint matrix agrees with direct distances, and each path's
	// length with its steps in the matrix.
	for _, ij := range [][2]int{{0, 7}, {3, 11}, {4, 9}} {
		want, err := met.Distance(ps.Points[0][ij[0]], ps.Points[1][ij[1]-5])
		if err != nil {
			t.Fatal(err)
		}
		if got := ps.Distances.At(ij[0], ij[1]); math.Abs(got-want) > 1e-9 {
			t.Errorf("joint d(%d, %d) = %v, direct %v", ij[0], ij[1], got, want)
		}
	}
	for k := range ps.Names {
		rows, sum := ps.Rows(k), 0.0
		for i := 1; i < len(rows); i++ {
			sum += ps.Distances.At(rows[i-1], rows[i])
		}
		if math.Abs(sum-ps.Measures[k].TotalLength) > 1e-9 {
			t.Errorf("path %d: steps in the matrix sum to %v, measured length %v", k, sum, ps.Measures[k].TotalLength)
		}
	}
	// A path compared with itself: zero distances on the matched diagonal,
	// itself as nearest, the same directions.
	self, err := ps.Compare(0, 2)
	if err != nil {
		t.Fatal(err)
	}
	for i := range self.LabelsA {
		if self.Nearest[i] != i || self.Match[i] != i || self.MatchDistance[i] > 1e-7 || self.DirectionAngle[i] > 1e-6 {
			t.Errorf("self comparison at %d: nearest %d, match %d, distance %v, angle %v", i, self.Nearest[i], self.Match[i], self.MatchDistance[i], self.DirectionAngle[i])
		}
	}
	c, err := ps.Compare(0, 1)
	if err != nil {
		t.Fatal(err)
	}
	if r, k := c.Cross.Dims(); r != 5 || k != 7 {
		t.Fatalf("cross matrix %d×%d, want 5×7", r, k)
	}
	// The fake layers of both paths share their names (layera, layerb, ...),
	// which match as landmarks (see MatchLayers); the targets match.
	wantMatch := []int{0, 1, 2, 3, 6}
	for i, d := range c.NearestDistance {
		if d > c.MatchDistance[i]+1e-15 || c.Match[i] != wantMatch[i] {
			t.Errorf("point %d: nearest %v farther than matched %v, or match %d != %d", i, d, c.MatchDistance[i], c.Match[i], wantMatch[i])
		}
		if !(c.DirectionAngle[i] >= 0 && c.DirectionAngle[i] <= math.Pi) {
			t.Errorf("direction angle %v at %d", c.DirectionAngle[i], i)
		}
	}
	// The targets of both paths coincide.
	if d := c.Cross.At(4, 6); d > 1e-7 {
		t.Errorf("distance between the targets %v", d)
	}
	if _, err := ps.Compare(0, 3); err == nil {
		t.Error("Compare accepted a path index out of range")
	}
	// The cached path set equals the computed one, and compares the same.
	runs := t.TempDir()
	for k := 0; k < 2; k++ {
		cached, err := CachedMeasurePaths(runs, "angular-cka", met, []Source{a, b, a})
		if err != nil {
			t.Fatal(err)
		}
		// The first call computes (and keeps the points), the second reads
		// the cache (points are mapped again only when Compare needs them).
		files, _ := filepath.Glob(filepath.Join(runs, "pathsets", "angular-cka-*.gob"))
		if len(files) != 1 {
			t.Fatalf("call %d: path-set caches %v, want 1", k, files)
		}
		if hit := cached.Points == nil; hit != (k == 1) {
			t.Errorf("call %d: cache hit %v", k, hit)
		}
		if !mat.Equal(cached.Distances, ps.Distances) || cached.Measures[1].Tortuosity != ps.Measures[1].Tortuosity || cached.Labels[1][2] != ps.Labels[1][2] {
			t.Errorf("call %d: cached path set differs from the computed one", k)
		}
		cc, err := cached.Compare(0, 1)
		if err != nil {
			t.Fatal(err)
		}
		for i := range cc.DirectionAngle {
			if math.Abs(cc.DirectionAngle[i]-c.DirectionAngle[i]) > 1e-12 {
				t.Errorf("call %d: direction angle %d %v, want %v", k, i, cc.DirectionAngle[i], c.DirectionAngle[i])
			}
		}
	}
	// A path-set cache with consistent lengths but wrong starts is corrupt.
	files, _ := filepath.Glob(filepath.Join(runs, "pathsets", "angular-cka-*.gob"))
	var bad pathSetCache
	if _, err := readGob(files[0], &bad); err != nil {
		t.Fatal(err)
	}
	bad.Start[1]++
	if err := writeGob(files[0], "path-set", bad); err != nil {
		t.Fatal(err)
	}
	if _, err := CachedMeasurePaths(runs, "angular-cka", met, []Source{a, b, a}); !errors.Is(err, ErrCache) {
		t.Errorf("path-set cache with wrong starts: error %v, want ErrCache", err)
	}
	other := Source{Name: "other", Acts: fakeActs(3, 20, 3, 4)}
	if _, err := MeasurePaths(met, []Source{a, other}); err == nil || !strings.Contains(err.Error(), "share their inputs") {
		t.Errorf("different inputs: error %v", err)
	}
	// Same size and labels, different input images: a stratified sample of
	// another seed.
	withInput := func(name string, seed uint64) Source {
		acts := fakeActs(1, 20, 3, 4)
		in := mat.NewDense(20, 5, nil)
		rng := rand.New(rand.NewPCG(seed, 2))
		for i := 0; i < 20; i++ {
			for j := 0; j < 5; j++ {
				in.Set(i, j, rng.Float64())
			}
		}
		acts.Taps = append([]string{"00_input"}, acts.Taps...)
		acts.Layers = append([]*mat.Dense{in}, acts.Layers...)
		return Source{Name: name, Acts: acts}
	}
	if _, err := MeasurePaths(met, []Source{withInput("p1", 1), withInput("p2", 2)}); err == nil || !strings.Contains(err.Error(), "different input images") {
		t.Errorf("same labels, different input images: error %v", err)
	}
	if _, err := MeasurePaths(met, []Source{withInput("p1", 1), withInput("p1 again", 1)}); err != nil {
		t.Errorf("same input images: %v", err)
	}
	noTarget := Source{Name: "nt", Acts: &models.Activations{Taps: a.Acts.Taps, Layers: a.Acts.Layers}}
	if _, err := MeasurePaths(met, []Source{noTarget}); err == nil {
		t.Error("activations without target accepted")
	}
}

func TestSampleSweep(t *testing.T) {
	acts := fakeActs(4, 40, 4, 5)
	vs := []Variant{{"cka", testMetric(t, "angular-cka")}, {"shape", testMetric(t, "angular-shape")}}
	sw, err := SampleSweep(acts, vs, SweepOptions{Sizes: []int{40, 12, 20}, Subsets: 3, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(sw.Sizes) != 3 || sw.Sizes[0] != 12 || sw.Sizes[2] != 40 {
		t.Fatalf("sizes %v, want sorted", sw.Sizes)
	}
	for v := range vs {
		for q := range Quantities {
			// All inputs: every subset is the whole set.
			if sw.Std[v][q][2] != 0 || math.Abs(sw.Mean[v][q][2]-sw.All[v][q]) > 1e-12 || math.Abs(sw.Bias[v][q][2]) > 1e-12 {
				t.Errorf("%s, %s at all inputs: mean %v ± %v, all %v", sw.Variants[v], Quantities[q], sw.Mean[v][q][2], sw.Std[v][q][2], sw.All[v][q])
			}
			if sw.Std[v][q][0] < 0 || math.IsNaN(sw.Mean[v][q][0]) {
				t.Errorf("%s, %s at 12 inputs: mean %v ± %v", sw.Variants[v], Quantities[q], sw.Mean[v][q][0], sw.Std[v][q][0])
			}
			if s := sw.Settle[v][q]; s != 12 && s != 20 && s != 40 {
				t.Errorf("settle size %d not one of the sizes", s)
			}
		}
		// Small subsets differ from one another.
		if sw.Std[v][2][0] == 0 {
			t.Errorf("%s: path lengths of three subsets of 12 are identical", sw.Variants[v])
		}
	}
	// The cached sweep equals the computed one, from the first call on.
	runs := t.TempDir()
	opts := SweepOptions{Sizes: []int{40, 12, 20}, Subsets: 3, Seed: 1}
	for k := 0; k < 2; k++ {
		c, err := CachedSampleSweep(runs, Source{Name: "fake", Acts: acts}, vs, opts)
		if err != nil {
			t.Fatal(err)
		}
		if c.Mean[1][2][0] != sw.Mean[1][2][0] || c.Settle[0][1] != sw.Settle[0][1] {
			t.Errorf("call %d: cached sweep differs from the computed one", k)
		}
	}
	// A cached sweep missing its standard deviations is corrupt.
	files, _ := filepath.Glob(filepath.Join(runs, "samplesize", "*.gob"))
	if len(files) != 1 {
		t.Fatalf("sweep caches %v, want 1", files)
	}
	var bad sweepCache
	if _, err := readGob(files[0], &bad); err != nil {
		t.Fatal(err)
	}
	bad.Sweep.Std = nil
	if err := writeGob(files[0], "sample-size", bad); err != nil {
		t.Fatal(err)
	}
	if _, err := CachedSampleSweep(runs, Source{Name: "fake", Acts: acts}, vs, opts); !errors.Is(err, ErrCache) {
		t.Errorf("sweep cache without Std: error %v, want ErrCache", err)
	}
	// Other activations under the same name get their own cache entry.
	other := fakeActs(5, 40, 4, 5)
	c, err := CachedSampleSweep(runs, Source{Name: "fake", Acts: other}, vs, opts)
	if err != nil {
		t.Fatal(err)
	}
	if c.All[0][2] == sw.All[0][2] {
		t.Error("the cached sweep of other activations under the same name was returned")
	}
	// From LargeSize on, only LargeSubsets subsets: the first ones of the full draw.
	large, err := SampleSweep(acts, vs, SweepOptions{Sizes: []int{40, 12, 20}, Subsets: 3, Seed: 1, LargeSize: 20, LargeSubsets: 2})
	if err != nil {
		t.Fatal(err)
	}
	two, err := SampleSweep(acts, vs, SweepOptions{Sizes: []int{40, 12, 20}, Subsets: 2, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	for q := range Quantities {
		if large.Mean[0][q][0] != sw.Mean[0][q][0] || large.Mean[0][q][1] != two.Mean[0][q][1] || large.Std[0][q][1] != two.Std[0][q][1] || large.Std[0][q][2] != 0 {
			t.Errorf("%s: LargeSubsets: means %v, want %v at 12 and %v at 20", Quantities[q], large.Mean[0][q], sw.Mean[0][q][0], two.Mean[0][q][1])
		}
	}
	for _, tc := range []struct {
		name string
		vs   []Variant
		o    SweepOptions
	}{
		{"one large subset", vs, SweepOptions{Sizes: []int{10}, LargeSize: 5, LargeSubsets: 1}},
		{"size too large", vs, SweepOptions{Sizes: []int{41}}},
		{"size too small", vs, SweepOptions{Sizes: []int{2}}},
		{"no sizes", vs, SweepOptions{}},
		{"no variants", nil, SweepOptions{Sizes: []int{10}}},
		{"nil metric", []Variant{{"x", nil}}, SweepOptions{Sizes: []int{10}}},
	} {
		if _, err := SampleSweep(acts, tc.vs, tc.o); err == nil {
			t.Errorf("%s: no error", tc.name)
		}
	}
}

func TestLogSizes(t *testing.T) {
	for _, tc := range []struct {
		lo, hi, n int
		want      []int
	}{
		{100, 10000, 3, []int{100, 1000, 10000}},
		{1, 8, 4, []int{1, 2, 4, 8}},
		{5, 6, 5, []int{5, 6}},
		{7, 7, 2, []int{7}},
	} {
		got, err := LogSizes(tc.lo, tc.hi, tc.n)
		if err != nil || len(got) != len(tc.want) {
			t.Errorf("LogSizes(%d, %d, %d) = %v, %v, want %v", tc.lo, tc.hi, tc.n, got, err, tc.want)
			continue
		}
		for i := range got {
			if got[i] != tc.want[i] {
				t.Errorf("LogSizes(%d, %d, %d) = %v, want %v", tc.lo, tc.hi, tc.n, got, tc.want)
				break
			}
		}
	}
	if _, err := LogSizes(0, 5, 3); err == nil {
		t.Error("LogSizes(0, 5, 3): no error")
	}
}

func TestSmokeSpec(t *testing.T) {
	for _, tc := range []struct {
		name  string
		model string
		width float64
		seed  uint64
		err   bool
	}{
		{"resnet20-w1-s1", "resnet20", SmokeScale, 1, false},
		{"vgg11-w0.25-s2", "vgg11", 0.25 * SmokeScale, 2, false},
		{"resnet56-w0.5-s1", "resnet56", 0.5 * SmokeScale, 1, false},
		{"resnet56-w2-s1", "", 0, 0, true}, // well formed, but not in the zoo
		{"resnet20-w1", "", 0, 0, true},
	} {
		s, err := SmokeSpec(tc.name, 6, 30)
		if tc.err {
			if err == nil || !strings.Contains(err.Error(), "no member named") {
				t.Errorf("SmokeSpec(%q): error %v, want one naming the zoo's members", tc.name, err)
			}
			continue
		}
		if err != nil || s.Model != tc.model || s.Width != tc.width || s.Seed != tc.seed || s.Steps != 6 || s.Probes != 30 || s.Validate() != nil {
			t.Errorf("SmokeSpec(%q) = %+v, %v", tc.name, s, err)
		}
	}
}

func TestSettled(t *testing.T) {
	d := &Dynamics{Progress: [][]float64{{0, 0.1, 1}, {0, 0.5, 1}, {0, 0.52, 1}, {0, 0.6, 1}}}
	got, err := d.Settled(0.1)
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []int{0, 1, 0} {
		if got[i] != want {
			t.Errorf("Settled(0.1) = %v, want [0 1 0]", got)
			break
		}
	}
	if got, _ := d.Settled(0.01); got[1] != 3 {
		t.Errorf("Settled(0.01)[1] = %d, want 3", got[1])
	}
	if _, err := d.Settled(math.NaN()); err == nil {
		t.Error("NaN tolerance accepted")
	}
}

// TestTinySnapshots trains a tiny VGG for four steps on generated images with
// a snapshot every two, and measures its training dynamics.
func TestTinySnapshots(t *testing.T) {
	runs := t.TempDir()
	s := Spec{Model: "vgg11", Width: 0.0625, Dataset: data.SyntheticGray, Optimizer: models.Adam, LearningRate: 1e-2,
		BatchSize: 8, Steps: 4, Seed: 3, Probes: 12, TestLimit: 16}
	snaps, err := TinySnapshots(runs, s, 2, 7, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(snaps) != 3 || snaps[0].Step != 0 || snaps[1].Step != 2 || snaps[2].Step != 4 {
		t.Fatalf("snapshots at steps %v", snaps)
	}
	for k, sn := range snaps {
		if !(sn.Accuracy >= 0 && sn.Accuracy <= 1) || len(sn.Acts.Layers) != len(snaps[0].Acts.Layers) {
			t.Errorf("snapshot %d: accuracy %v, %d taps", k, sn.Accuracy, len(sn.Acts.Layers))
		}
	}
	last := len(snaps[0].Acts.Layers) - 1
	if mat.Equal(snaps[0].Acts.Layers[last], snaps[2].Acts.Layers[last]) {
		t.Error("logits at step 0 and step 4 are equal: training changed nothing")
	}
	if !mat.Equal(snaps[0].Acts.Layers[0], snaps[2].Acts.Layers[0]) {
		t.Error("the input tap differs between snapshots: probes not shared")
	}
	// The activations' caches carry CacheVersion in their names.
	if got, _ := filepath.Glob(filepath.Join(runs, "snapshots", "*", fmt.Sprintf("activations-v%d-*-probes7.npz", CacheVersion))); len(got) != 3 {
		t.Errorf("versioned activations caches %v, want 3", got)
	}
	again, err := TinySnapshots(runs, s, 2, 7, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !mat.Equal(again[1].Acts.Layers[last], snaps[1].Acts.Layers[last]) || again[1].Accuracy != snaps[1].Accuracy {
		t.Error("cached snapshot differs from the computed one")
	}
	d, err := TrainingDynamics(testMetric(t, "angular-cka"), snaps)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Length) != 3 || len(d.Progress[2]) != len(d.Labels) || d.Labels[len(d.Labels)-1] != Target {
		t.Fatalf("dynamics %+v", d)
	}
	for k := range d.Steps {
		if !(d.Tortuosity[k] >= 1) || !(d.LogitsToTarget[k] > 0) {
			t.Errorf("snapshot %d: tortuosity %v, logits→target %v", k, d.Tortuosity[k], d.LogitsToTarget[k])
		}
	}
	cd, err := CachedTrainingDynamics(runs, "angular-cka", testMetric(t, "angular-cka"), snaps)
	if err != nil {
		t.Fatal(err)
	}
	if cd.Length[2] != d.Length[2] || cd.Progress[1][3] != d.Progress[1][3] {
		t.Error("cached training dynamics differ from the computed ones")
	}
	if _, err := TrainingDynamics(testMetric(t, "angular-cka"), []Snapshot{snaps[0], {Step: 9}}); err == nil || !strings.Contains(err.Error(), "no activations") {
		t.Errorf("snapshot without activations: error %v", err)
	}
	if _, err := TrainingDynamics(testMetric(t, "angular-cka"), []Snapshot{snaps[1], snaps[0]}); err == nil {
		t.Error("snapshots out of order accepted")
	}
	if _, err := TinySnapshots(runs, s, 5, 7, nil); err == nil {
		t.Error("more snapshots than steps accepted")
	}
}

func TestPathSetSubset(t *testing.T) {
	met := testMetric(t, "angular-cka")
	srcs := []Source{{Name: "a", Acts: fakeActs(1, 24, 3, 4)}, {Name: "b", Acts: fakeActs(2, 24, 3, 6)}, {Name: "c", Acts: fakeActs(3, 24, 3, 3)}}
	ps, err := MeasurePaths(met, srcs)
	if err != nil {
		t.Fatal(err)
	}
	sub, err := ps.Subset("c", "a")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(sub.Names, []string{"c", "a"}) || sub.Start[1] != len(ps.Labels[2]) || sub.Measures[0] != ps.Measures[2] {
		t.Fatalf("subset names %v, starts %v", sub.Names, sub.Start)
	}
	// Its distances are the blocks of the whole set's, and its comparisons
	// the same as on the whole set (mapped again where the points are gone).
	for _, pair := range [][2]int{{0, 0}, {0, 1}, {1, 1}} {
		whole := map[int]int{0: 2, 1: 0}
		if !mat.Equal(sub.Cross(pair[0], pair[1]), ps.Cross(whole[pair[0]], whole[pair[1]])) {
			t.Errorf("cross block %v differs from the whole set's", pair)
		}
	}
	if sub.Measures[1] != ps.Measures[0] {
		t.Error("subset's second path has not the measures of the whole set's first")
	}
	whole, err := ps.Compare(2, 0)
	if err != nil {
		t.Fatal(err)
	}
	part, err := sub.Compare(0, 1)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(part.Match, whole.Match) || !slices.Equal(part.DirectionAngle, whole.DirectionAngle) || !mat.Equal(part.Cross, whole.Cross) {
		t.Errorf("subset's comparison differs from the whole set's: angles %v against %v", part.DirectionAngle, whole.DirectionAngle)
	}
	ps.Points = nil
	sub2, err := ps.Subset("c", "a")
	if err != nil {
		t.Fatal(err)
	}
	c1, err := sub.Compare(0, 1)
	if err != nil {
		t.Fatal(err)
	}
	c2, err := sub2.Compare(0, 1)
	if err != nil {
		t.Fatal(err)
	}
	// (Equal to rounding: the points the distances were computed from are
	// held in the form cheapest for distances.)
	if !slices.Equal(c1.Match, c2.Match) || !floats.EqualApprox(c1.DirectionAngle, c2.DirectionAngle, 1e-12) {
		t.Errorf("comparison with the points mapped again differs: %v against %v", c2.DirectionAngle, c1.DirectionAngle)
	}
	for _, tc := range []struct {
		names []string
		want  string
	}{
		{nil, "Subset of no paths"},
		{[]string{"a", "d"}, `no path named "d" (paths: a, b, c)`},
		{[]string{"b", "b"}, `path "b" named twice`},
	} {
		if _, err := ps.Subset(tc.names...); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Subset(%q): error %v, want %q", tc.names, err, tc.want)
		}
	}
}
