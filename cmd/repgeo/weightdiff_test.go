package main

import (
	"encoding/json"
	"math"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func TestCompareWeights(t *testing.T) {
	negZero := float32(math.Copysign(0, -1))
	nan := float32(math.NaN())
	for _, tc := range []struct {
		name      string
		a, b      map[string][]float32
		differing int
		maxAbs    float64
		maxRel    float64
		relNorm   float64
		absVar    string
		relVar    string
		err       string
	}{
		{name: "equal", a: map[string][]float32{"w": {1, 2}, "v": {3}}, b: map[string][]float32{"w": {1, 2}, "v": {3}}},
		{name: "one element", a: map[string][]float32{"w": {1, 2}, "v": {3, 4}}, b: map[string][]float32{"w": {1, 2}, "v": {3, 5}},
			differing: 1, maxAbs: 1, maxRel: 0.2, relNorm: 1 / math.Sqrt(30), absVar: "v", relVar: "v"},
		{name: "largest abs and rel in different variables", a: map[string][]float32{"w": {0.5}, "v": {100}},
			b: map[string][]float32{"w": {0.25}, "v": {102}}, differing: 2, maxAbs: 2, maxRel: 0.5,
			relNorm: math.Sqrt((0.0625 + 4) / 10000.25), absVar: "v", relVar: "w"},
		{name: "signed zeros", a: map[string][]float32{"w": {0}}, b: map[string][]float32{"w": {negZero}}, differing: 1, absVar: "w", relVar: "w"},
		{name: "NaN", a: map[string][]float32{"w": {1}}, b: map[string][]float32{"w": {nan}}, differing: 1,
			maxAbs: math.Inf(1), maxRel: math.Inf(1), relNorm: math.Inf(1), absVar: "w", relVar: "w"},
		{name: "missing in second", a: map[string][]float32{"w": {1}, "v": {1}}, b: map[string][]float32{"w": {1}}, err: "v only in the first"},
		{name: "missing in first", a: map[string][]float32{"w": {1}}, b: map[string][]float32{"w": {1}, "v": {1}}, err: "v only in the second"},
		{name: "resized", a: map[string][]float32{"w": {1}}, b: map[string][]float32{"w": {1, 2}}, err: "1 elements against 2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, err := compareWeights(tc.a, tc.b)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("got %v, want an error with %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if d.Differing != tc.differing || d.BitwiseEqual != (tc.differing == 0) {
				t.Errorf("differing %d (bitwise equal %v), want %d", d.Differing, d.BitwiseEqual, tc.differing)
			}
			for _, c := range []struct {
				what      string
				got, want float64
			}{{"max abs", float64(d.MaxAbs), tc.maxAbs}, {"max rel", float64(d.MaxRel), tc.maxRel}, {"rel norm", float64(d.RelNorm), tc.relNorm}} {
				if !(c.got == c.want || math.Abs(c.got-c.want) <= 1e-12*math.Abs(c.want)) {
					t.Errorf("%s %g, want %g", c.what, c.got, c.want)
				}
			}
			if d.MaxAbsVariable != tc.absVar || d.MaxRelVariable != tc.relVar {
				t.Errorf("max abs in %q, max rel in %q; want %q and %q", d.MaxAbsVariable, d.MaxRelVariable, tc.absVar, tc.relVar)
			}
			if d.Weights != countWeights(tc.a) || d.Variables != len(tc.a) {
				t.Errorf("%d weights in %d variables", d.Weights, d.Variables)
			}
		})
	}
}

func countWeights(m map[string][]float32) int {
	n := 0
	for _, v := range m {
		n += len(v)
	}
	return n
}

// trainSeed trains a tiny model of the given seed for one step with the
// command line and returns its checkpoint directory.
func trainSeed(t *testing.T, model string, seed int) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "ckpt")
	code, _, stderr := geoRun("train", "--model="+model, "--dataset=synthetic-gray", "--width=0.125",
		"--steps=1", "--batch=8", "--lr=0.05", "--seed="+strconv.Itoa(seed), "--test-limit=8", "--out="+dir)
	if code != 0 {
		t.Fatalf("train: exit %d: %s", code, stderr)
	}
	return dir
}

func TestWeightDiffCommand(t *testing.T) {
	if _, stdout, _ := geoRun("help"); !strings.Contains(stdout, "  weightdiff  compare the weights") {
		t.Errorf("help does not list weightdiff:\n%s", stdout)
	}
	if code, stdout, _ := geoRun("weightdiff", "-h"); code != 0 || !strings.HasPrefix(stdout, "Usage: repgeo weightdiff ") {
		t.Errorf("weightdiff -h: exit %d, %q", code, stdout)
	}
	a, same, other := trainSeed(t, "resnet20", 1), trainSeed(t, "resnet20", 1), trainSeed(t, "resnet20", 2)
	code, stdout, stderr := geoRun("weightdiff", "--exact", a, same)
	if code != 0 || !strings.Contains(stdout, "bitwise_equal  yes") || !strings.Contains(stdout, "differing      0 of ") {
		t.Errorf("same seed: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	code, stdout, stderr = geoRun("weightdiff", "--json", a, other)
	var d map[string]any
	if code != 0 || json.Unmarshal([]byte(stdout), &d) != nil {
		t.Fatalf("other seed --json: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	if d["bitwise_equal"] != false || !(d["differing"].(float64) > 0) || !(d["max_abs_diff"].(float64) > 0) ||
		!(d["rel_norm_diff"].(float64) > 0) || !(d["variables"].(float64) >= 10) {
		t.Errorf("other seed: %v", d)
	}
	if code, _, stderr := geoRun("weightdiff", "--exact", a, other); code != 1 || !strings.Contains(stderr, "weights differ") {
		t.Errorf("--exact on different weights: exit %d, stderr %q", code, stderr)
	}
	vgg := trainSeed(t, "vgg11", 1)
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"one directory", []string{a}, "two checkpoint directories"},
		{"three directories", []string{a, a, a}, "two checkpoint directories"},
		{"other architecture", []string{a, vgg}, "not the same architecture"},
		{"no checkpoint", []string{a, t.TempDir()}, ""},
	} {
		code, _, stderr := geoRun(append([]string{"weightdiff"}, tc.args...)...)
		if code != 2 || stderr == "" || !strings.Contains(stderr, tc.want) {
			t.Errorf("%s: exit %d, stderr %q (want 2 and %q)", tc.name, code, stderr, tc.want)
		}
	}
}
