package ui

import (
	"image/color"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"

	"github.com/repgeo/repgeo/figure"
)

// The plotting itself lives in package figure, which has no notebook
// dependency; the names below keep the notebooks' ui.X spelling.

// DPI is the resolution of rendered figures (figure.DPI).
const DPI = figure.DPI

// Default size of a single plot (figure.DefaultWidth, figure.DefaultHeight).
const (
	DefaultWidth  = figure.DefaultWidth
	DefaultHeight = figure.DefaultHeight
)

// MaxTickLabels is the largest number of category labels an axis shows
// (figure.MaxTickLabels).
const MaxTickLabels = figure.MaxTickLabels

// Panel is one plot of a figure row, with its width (figure.Panel).
type Panel = figure.Panel

// Row is a row of panels of equal height (figure.Row).
type Row = figure.Row

// Heat is a heat map of a matrix with labelled rows and columns (figure.Heat).
type Heat = figure.Heat

// PathXY is one path drawn on a two-dimensional map (figure.PathXY).
type PathXY = figure.PathXY

// Series is one named line of a line plot (figure.Series).
type Series = figure.Series

// Render draws rows of panels into one PNG image (figure.Render).
func Render(rows ...Row) ([]byte, error) { return figure.Render(rows...) }

// Grid lays plots out in rows of cols panels of size w×h (figure.Grid).
func Grid(cols int, w, h vg.Length, plots ...*plot.Plot) []Row {
	return figure.Grid(cols, w, h, plots...)
}

// SliderHTML returns an HTML fragment showing one PNG frame at a time behind
// a slider (figure.SliderHTML).
func SliderHTML(frames [][]byte, captions []string) (string, error) {
	return figure.SliderHTML(frames, captions)
}

// Colors returns n distinct colors for the series of a plot (figure.Colors).
func Colors(n int) []color.Color { return figure.Colors(n) }

// ColorBar draws the heat maps' color scale on [min, max] (figure.ColorBar).
func ColorBar(min, max float64, label string) (*plot.Plot, error) {
	return figure.ColorBar(min, max, label)
}

// PathMap draws paths on a map with equal ranges on both axes
// (figure.PathMap).
func PathMap(title string, paths ...PathXY) (*plot.Plot, error) {
	return figure.PathMap(title, paths...)
}

// Lines draws a line plot of series (figure.Lines).
func Lines(title, xlabel, ylabel string, xlabels []string, series ...Series) (*plot.Plot, error) {
	return figure.Lines(title, xlabel, ylabel, xlabels, series...)
}

// Bars draws grouped bars (figure.Bars).
func Bars(title, ylabel string, groups []string, series ...Series) (*plot.Plot, error) {
	return figure.Bars(title, ylabel, groups, series...)
}

// Azimuthal maps unit vectors to the azimuthal equidistant projection around
// their mean direction (figure.Azimuthal), as `repgeo embed --png` does.
func Azimuthal(x mat.Matrix) (*mat.Dense, error) { return figure.Azimuthal(x) }

// EmbeddingMap draws an embedding as one labelled path, a spherical one in
// the azimuthal projection (figure.EmbeddingMap).
func EmbeddingMap(title string, labels []string, x mat.Matrix, spherical bool) (*plot.Plot, error) {
	return figure.EmbeddingMap(title, labels, x, spherical)
}

// ClumpPath is one path of a clump diagram (figure.ClumpPath).
type ClumpPath = figure.ClumpPath

// Clump draws a clump diagram: each path as a bar with a tick at every
// point's cumulative distance from the start (figure.Clump).
func Clump(title, xlabel string, paths ...ClumpPath) (*plot.Plot, error) {
	return figure.Clump(title, xlabel, paths...)
}

// SpreadSeries is one named line of means with a spread around them
// (figure.SpreadSeries).
type SpreadSeries = figure.SpreadSeries

// Spread draws series of means with a band of ± their spread, on a
// logarithmic x axis when logX is set (figure.Spread).
func Spread(title, xlabel, ylabel string, logX bool, series ...SpreadSeries) (*plot.Plot, error) {
	return figure.Spread(title, xlabel, ylabel, logX, series...)
}

// Gradient returns n colors from dark to light along the heat maps' color
// map, for a series in time order (figure.Gradient).
func Gradient(n int) []color.Color { return figure.Gradient(n) }
