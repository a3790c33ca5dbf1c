package figure

import (
	"bytes"
	"image/color"
	"image/png"
	"math"
	"testing"

	"gonum.org/v1/plot/vg"
)

func TestClump(t *testing.T) {
	paths := []ClumpPath{{Name: "a", Cumulative: []float64{0, 1, 1.1, 3}}, {Name: "b", Cumulative: []float64{0, 2}}}
	p, err := Clump("t", "radians", paths...)
	if err != nil {
		t.Fatal(err)
	}
	// The first path is drawn on top: its name is the label at the top.
	ticks := p.Y.Tick.Marker.Ticks(p.Y.Min, p.Y.Max)
	if len(ticks) != 2 || ticks[1].Label != "a" || ticks[1].Value != 1 {
		t.Errorf("y ticks %+v, want a at the top", ticks)
	}
	if x0, x1, _, _ := (clumps{paths: paths}).DataRange(); x0 != 0 || x1 != 3 {
		t.Errorf("x range [%v, %v], want [0, 3]", x0, x1)
	}
	img, err := Render(Row{Height: 2 * vg.Inch, Panels: []Panel{{Plot: p, Width: 4 * vg.Inch}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := png.Decode(bytes.NewReader(img)); err != nil {
		t.Errorf("not a PNG: %v", err)
	}
	for _, bad := range []ClumpPath{
		{Name: "short", Cumulative: []float64{0}},
		{Name: "offset", Cumulative: []float64{1, 2}},
		{Name: "decreasing", Cumulative: []float64{0, 2, 1}},
		{Name: "nan", Cumulative: []float64{0, math.NaN()}},
	} {
		if _, err := Clump("t", "x", bad); err == nil {
			t.Errorf("path %q accepted", bad.Name)
		}
	}
	if _, err := Clump("t", "x"); err == nil {
		t.Error("no paths accepted")
	}
}

func TestSpread(t *testing.T) {
	s := SpreadSeries{Name: "cka", X: []float64{10, 100, 1000}, Mean: []float64{1, 2, math.NaN()}, Spread: []float64{0.5, 0.1, 0}}
	p, err := Spread("t", "m", "rad", true, s)
	if err != nil {
		t.Fatal(err)
	}
	if !(p.Y.Min < 0.5 && p.Y.Max > 2.1) {
		t.Errorf("y axis [%v, %v] does not hold the band [0.5, 2.1]", p.Y.Min, p.Y.Max)
	}
	for _, bad := range []SpreadSeries{
		{Name: "lengths", X: []float64{1}, Mean: []float64{1, 2}},
		{Name: "spread", X: []float64{1, 2}, Mean: []float64{1, 2}, Spread: []float64{1}},
		{Name: "nan", X: []float64{1}, Mean: []float64{math.NaN()}},
		{Name: "log of 0", X: []float64{0, 1}, Mean: []float64{1, 2}},
	} {
		if _, err := Spread("t", "m", "y", true, bad); err == nil {
			t.Errorf("series %q accepted", bad.Name)
		}
	}
	if _, err := Spread("t", "m", "y", false, SpreadSeries{X: []float64{0, 1}, Mean: []float64{1, 2}}); err != nil {
		t.Errorf("x = 0 on a linear axis: %v", err)
	}
}

// TestSpreadNonFinite checks that a NaN or infinite spread draws no band at
// its point, as one point alone or beside finite ones, and leaves the y axis
// on the finite values.
func TestSpreadNonFinite(t *testing.T) {
	for _, tc := range []struct {
		name         string
		mean, spread []float64
		lo, hi       float64 // the finite extent the axis must hold
	}{
		{"infinite, alone", []float64{1}, []float64{math.Inf(1)}, 1, 1},
		{"infinite, with finite", []float64{1, 2, 3}, []float64{0.5, math.Inf(1), 0.5}, 0.5, 3.5},
		{"-infinite", []float64{1, 2}, []float64{math.Inf(-1), 0.5}, 1, 2.5},
		{"NaN", []float64{1, 2}, []float64{math.NaN(), 0.5}, 1, 2.5},
	} {
		x := make([]float64, len(tc.mean))
		for i := range x {
			x[i] = float64(i + 1)
		}
		p, err := Spread("t", "x", "y", false, SpreadSeries{X: x, Mean: tc.mean, Spread: tc.spread})
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if math.IsInf(p.Y.Min, 0) || math.IsInf(p.Y.Max, 0) || !(p.Y.Min <= tc.lo && p.Y.Max >= tc.hi) || p.Y.Max-p.Y.Min > 10*(tc.hi-tc.lo+1) {
			t.Errorf("%s: y axis [%v, %v], want a finite range around [%v, %v]", tc.name, p.Y.Min, p.Y.Max, tc.lo, tc.hi)
		}
		if _, err := PNG(p, 2*vg.Inch, 2*vg.Inch); err != nil {
			t.Errorf("%s: rendering: %v", tc.name, err)
		}
	}
}

func TestGradient(t *testing.T) {
	g := Gradient(5)
	lum := func(c color.Color) float64 {
		r, gg, b, _ := c.RGBA()
		return 0.2126*float64(r) + 0.7152*float64(gg) + 0.0722*float64(b)
	}
	for i := 1; i < len(g); i++ {
		if !(lum(g[i]) > lum(g[i-1])) {
			t.Errorf("color %d is not lighter than color %d", i, i-1)
		}
	}
	if len(Gradient(1)) != 1 || len(Gradient(0)) != 0 {
		t.Error("Gradient of 1 or 0 colors")
	}
}
