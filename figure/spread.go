package figure

import (
	"errors"
	"fmt"
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

// Gradient returns n colors along the sequential color map of the heat maps,
// from dark (first) to light (last): for drawing a series in time order,
// such as a network's path at successive training steps.
func Gradient(n int) []color.Color {
	cm := ColorMap(0, 1)
	out := make([]color.Color, n)
	for i := range out {
		t := 0.0
		if n > 1 {
			t = float64(i) / float64(n-1)
		}
		c, err := cm.At(t)
		if err != nil {
			panic("figure: Gradient: " + err.Error())
		}
		out[i] = c
	}
	return out
}

// SpreadSeries is one named line of means with a spread around them, such as
// the mean and standard deviation of an estimate over random subsets.
type SpreadSeries struct {
	Name string
	// X, Mean and Spread hold one value per point; the band covers
	// Mean ± Spread. A nil Spread draws no band.
	X, Mean, Spread []float64
	// Dashed draws the line dashed.
	Dashed bool
}

// Spread draws each series as a line through its means with a translucent
// band of ± its spread, on a logarithmic x axis when logX is set (all x must
// then be positive). Points with a non-finite mean are left out, and a
// non-finite spread draws no band at its point.
func Spread(title, xlabel, ylabel string, logX bool, series ...SpreadSeries) (*plot.Plot, error) {
	if len(series) == 0 {
		return nil, errors.New("figure: Spread needs at least one series")
	}
	p := newLinePlot(title, xlabel, ylabel)
	if logX {
		p.X.Scale = plot.LogScale{}
		p.X.Tick.Marker = plot.LogTicks{Prec: -1}
	}
	colors := Colors(len(series))
	ymin, ymax := math.Inf(1), math.Inf(-1)
	for k, s := range series {
		if len(s.Mean) == 0 || len(s.X) != len(s.Mean) || (s.Spread != nil && len(s.Spread) != len(s.Mean)) {
			return nil, fmt.Errorf("figure: spread series %q has %d x, %d means and %d spreads", s.Name, len(s.X), len(s.Mean), len(s.Spread))
		}
		var line plotter.XYs
		var lo, hi plotter.XYs
		for i, m := range s.Mean {
			x := s.X[i]
			if math.IsNaN(m) || math.IsInf(m, 0) || math.IsNaN(x) || math.IsInf(x, 0) {
				continue
			}
			if logX && !(x > 0) {
				return nil, fmt.Errorf("figure: spread series %q: x = %v on a logarithmic axis", s.Name, x)
			}
			line = append(line, plotter.XY{X: x, Y: m})
			ymin, ymax = math.Min(ymin, m), math.Max(ymax, m)
			if s.Spread != nil && !math.IsNaN(s.Spread[i]) && !math.IsInf(s.Spread[i], 0) {
				d := math.Abs(s.Spread[i])
				lo = append(lo, plotter.XY{X: x, Y: m - d})
				hi = append(hi, plotter.XY{X: x, Y: m + d})
				ymin, ymax = math.Min(ymin, m-d), math.Max(ymax, m+d)
			}
		}
		if len(line) == 0 {
			return nil, fmt.Errorf("figure: spread series %q has no finite value", s.Name)
		}
		c := colors[k]
		if len(lo) > 1 {
			ring := append(plotter.XYs(nil), lo...)
			for i := len(hi) - 1; i >= 0; i-- {
				ring = append(ring, hi[i])
			}
			band, err := plotter.NewPolygon(ring)
			if err != nil {
				return nil, fmt.Errorf("figure: spread series %q: %w", s.Name, err)
			}
			r, g, b, _ := c.RGBA()
			band.Color = color.NRGBA{uint8(r >> 8), uint8(g >> 8), uint8(b >> 8), 0x40}
			band.LineStyle.Width = 0
			p.Add(band)
		}
		if err := addLinePoints(p, s.Name, line, c, vg.Points(2), s.Dashed); err != nil {
			return nil, err
		}
	}
	if ymax >= ymin {
		span := math.Max(ymax-ymin, 1e-9)
		p.Y.Min = ymin - 0.05*span
		p.Y.Max = ymax + 0.09*span*float64(len(series))
	}
	return p, nil
}
