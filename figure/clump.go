package figure

import (
	"errors"
	"fmt"
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// ClumpPath is one path of a clump diagram: its name and the distance
// travelled from its first point to each point (repgeo.CumulativeLengths).
type ClumpPath struct {
	// Name labels the path's bar.
	Name string
	// Cumulative[i] is the distance travelled from the first point to point i.
	Cumulative []float64
}

// clumps draws the bars and ticks of a clump diagram; bar k lies at y = k.
type clumps struct {
	paths  []ClumpPath
	colors []color.Color
}

// Plot implements plot.Plotter.
func (c clumps) Plot(cv draw.Canvas, plt *plot.Plot) {
	tx, ty := plt.Transforms(&cv)
	for k, p := range c.paths {
		y := ty(float64(k))
		n := len(p.Cumulative)
		bar := draw.LineStyle{Color: c.colors[k], Width: vg.Points(4)}
		cv.StrokeLine2(bar, tx(0), y, tx(p.Cumulative[n-1]), y)
		tick := draw.LineStyle{Color: color.Black, Width: vg.Points(1)}
		for _, v := range p.Cumulative {
			cv.StrokeLine2(tick, tx(v), y-vg.Points(7), tx(v), y+vg.Points(7))
		}
	}
}

// DataRange implements plot.DataRanger.
func (c clumps) DataRange() (xmin, xmax, ymin, ymax float64) {
	for _, p := range c.paths {
		xmax = math.Max(xmax, p.Cumulative[len(p.Cumulative)-1])
	}
	return 0, xmax, -0.5, float64(len(c.paths)) - 0.5
}

// Clump draws a clump diagram: each path as a horizontal bar as long as the
// path, with a tick at every point's cumulative distance from the start, so
// that one sees where a network's steps are short and bunch together and
// where a single step covers much of the way. Paths are drawn top to bottom
// in the order given. Every path needs at least two points, starting at 0,
// with finite, non-decreasing cumulative distances.
func Clump(title, xlabel string, paths ...ClumpPath) (*plot.Plot, error) {
	if len(paths) == 0 {
		return nil, errors.New("figure: Clump needs at least one path")
	}
	// Bars are drawn bottom to top; reverse so that the first path is on top.
	rev := make([]ClumpPath, len(paths))
	names := make([]string, len(paths))
	for k, p := range paths {
		if len(p.Cumulative) < 2 {
			return nil, fmt.Errorf("figure: clump path %q has %d points, need at least 2", p.Name, len(p.Cumulative))
		}
		if p.Cumulative[0] != 0 {
			return nil, fmt.Errorf("figure: clump path %q starts at %v, want 0", p.Name, p.Cumulative[0])
		}
		for i, v := range p.Cumulative {
			if math.IsNaN(v) || math.IsInf(v, 0) || (i > 0 && v < p.Cumulative[i-1]) {
				return nil, fmt.Errorf("figure: clump path %q: cumulative distance %d is %v after %v (want finite and non-decreasing)", p.Name, i, v, p.Cumulative[max(i-1, 0)])
			}
		}
		rev[len(paths)-1-k] = p
		names[len(paths)-1-k] = p.Name
	}
	colors := Colors(len(paths))
	for i, j := 0, len(colors)-1; i < j; i, j = i+1, j-1 {
		colors[i], colors[j] = colors[j], colors[i]
	}
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = xlabel
	p.X.Min = 0
	c := clumps{paths: rev, colors: colors}
	p.Add(c)
	_, xmax, _, _ := c.DataRange()
	p.X.Max = 1.03 * xmax // room for the last tick
	p.Y.Tick.Marker = LabelTicks{Labels: names}
	p.Y.Min, p.Y.Max = -0.5, float64(len(rev))-0.5
	return p, nil
}
