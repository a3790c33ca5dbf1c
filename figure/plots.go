package figure

import (
	"errors"
	"fmt"
	"image"
	"image/color"
	"math"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/palette"
	"gonum.org/v1/plot/palette/moreland"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// MaxTickLabels is the largest number of category labels an axis shows;
// longer lists are thinned to every k-th label.
const MaxTickLabels = 24

// viridis holds control colors of a perceptually uniform sequential map
// from dark purple to yellow, with luminance increasing throughout.
var viridis = []color.Color{
	color.NRGBA{0x44, 0x01, 0x54, 0xff}, color.NRGBA{0x3b, 0x52, 0x8b, 0xff},
	color.NRGBA{0x21, 0x91, 0x8c, 0xff}, color.NRGBA{0x5e, 0xc9, 0x62, 0xff},
	color.NRGBA{0xfd, 0xe7, 0x25, 0xff},
}

// ColorMap returns the sequential color map of heat maps (dark purple to
// yellow, luminance increasing), set to [min, max].
func ColorMap(min, max float64) palette.ColorMap {
	cm, err := moreland.NewLuminance(viridis)
	if err != nil {
		panic("figure: bad built-in color map: " + err.Error())
	}
	cm.SetMin(min)
	cm.SetMax(max)
	return cm
}

// Colors returns n distinct colors for the series of a plot.
func Colors(n int) []color.Color {
	base := []color.Color{
		color.RGBA{0x1f, 0x77, 0xb4, 0xff}, color.RGBA{0xd6, 0x27, 0x28, 0xff},
		color.RGBA{0x2c, 0xa0, 0x2c, 0xff}, color.RGBA{0xff, 0x7f, 0x0e, 0xff},
		color.RGBA{0x94, 0x67, 0xbd, 0xff}, color.RGBA{0x8c, 0x56, 0x4b, 0xff},
		color.RGBA{0xe3, 0x77, 0xc2, 0xff}, color.RGBA{0x7f, 0x7f, 0x7f, 0xff},
	}
	out := make([]color.Color, n)
	for i := range out {
		out[i] = base[i%len(base)]
	}
	return out
}

// LabelTicks places category labels at the integer positions
// 0..len(Labels)-1, or at the positions given by At; it thins them to at most
// MaxTickLabels.
type LabelTicks struct {
	Labels []string
	At     func(i int) float64
}

// Ticks implements plot.Ticker.
func (t LabelTicks) Ticks(min, max float64) []plot.Tick {
	step := (len(t.Labels) + MaxTickLabels - 1) / MaxTickLabels
	var ticks []plot.Tick
	for i, l := range t.Labels {
		v := float64(i)
		if t.At != nil {
			v = t.At(i)
		}
		if i%max1(step) != 0 && i != len(t.Labels)-1 {
			ticks = append(ticks, plot.Tick{Value: v})
			continue
		}
		ticks = append(ticks, plot.Tick{Value: v, Label: l})
	}
	return ticks
}

func max1(n int) int { return max(n, 1) }

// Heat describes a heat map of a matrix, such as a layer×layer distance matrix.
type Heat struct {
	// Title is drawn above the map.
	Title string
	// Z is the matrix; row 0 is drawn at the top.
	Z mat.Matrix
	// Rows and Cols label the rows and columns; nil leaves them numbered.
	Rows, Cols []string
	// Min and Max set the color range; when both are 0 the range of Z is used.
	Min, Max float64
}

// Range returns the color range of the heat map: Min and Max, or the range
// of Z when both are 0.
func (h Heat) Range() (lo, hi float64) {
	if h.Min != 0 || h.Max != 0 {
		return h.Min, h.Max
	}
	r, c := h.Z.Dims()
	lo, hi = math.Inf(1), math.Inf(-1)
	for i := 0; i < r; i++ {
		for j := 0; j < c; j++ {
			v := h.Z.At(i, j)
			lo, hi = math.Min(lo, v), math.Max(hi, v)
		}
	}
	if hi <= lo {
		hi = lo + 1
	}
	return lo, hi
}

// Plot draws the heat map. It returns an error for an empty matrix, a
// non-finite entry, an empty or infinite color range or labels of the wrong
// length.
func (h Heat) Plot() (*plot.Plot, error) {
	if h.Z == nil {
		return nil, errors.New("figure: heat map of a nil matrix")
	}
	r, c := h.Z.Dims()
	if r == 0 || c == 0 {
		return nil, errors.New("figure: heat map of an empty matrix")
	}
	if h.Rows != nil && len(h.Rows) != r || h.Cols != nil && len(h.Cols) != c {
		return nil, fmt.Errorf("figure: heat map of a %d×%d matrix with %d row and %d column labels", r, c, len(h.Rows), len(h.Cols))
	}
	for i := 0; i < r; i++ {
		for j := 0; j < c; j++ {
			if v := h.Z.At(i, j); math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, fmt.Errorf("figure: heat map entry (%d, %d) is %v", i, j, v)
			}
		}
	}
	lo, hi := h.Range()
	if !(hi > lo) || math.IsInf(hi-lo, 0) {
		return nil, fmt.Errorf("figure: heat map color range [%v, %v] is empty or infinite", lo, hi)
	}
	img, err := heatImage(h.Z, lo, hi)
	if err != nil {
		return nil, err
	}
	hm := plotter.NewImage(img, -0.5, -0.5, float64(c)-0.5, float64(r)-0.5)
	p := plot.New()
	p.Title.Text = h.Title
	p.Add(hm)
	p.X.Min, p.X.Max = -0.5, float64(c)-0.5
	p.Y.Min, p.Y.Max = -0.5, float64(r)-0.5
	if h.Cols != nil {
		p.X.Tick.Marker = LabelTicks{Labels: h.Cols}
		p.X.Tick.Label.Rotation = math.Pi / 2
		p.X.Tick.Label.XAlign = draw.XRight
		p.X.Tick.Label.YAlign = draw.YCenter
	}
	if h.Rows != nil {
		p.Y.Tick.Marker = LabelTicks{Labels: h.Rows, At: func(i int) float64 { return float64(r - 1 - i) }}
	}
	return p, nil
}

// ColorBar returns a narrow vertical plot of the heat-map colors over [min, max].
func ColorBar(min, max float64, label string) (*plot.Plot, error) {
	if !(max > min) || math.IsInf(max-min, 0) {
		return nil, fmt.Errorf("figure: color bar range [%v, %v] is empty", min, max)
	}
	p := plot.New()
	p.Add(&plotter.ColorBar{ColorMap: ColorMap(min, max), Vertical: true})
	p.HideX()
	p.Y.Label.Text = label
	p.Y.Padding = 0
	return p, nil
}

// PathXY is one path drawn on a two-dimensional map: its points in order,
// with a label per point ("" for none).
type PathXY struct {
	// Name names the path in the legend.
	Name string
	// XY holds one point per row, in path order; only the first two columns are drawn.
	XY mat.Matrix
	// Labels labels the points; nil or "" draws no label.
	Labels []string
	// Color is the path's color; nil picks the next of Colors.
	Color color.Color
	// Dashed draws a dashed line without point markers, for guides such as
	// the segment from a point to its projection.
	Dashed bool
}

// legendInset keeps a legend's thumbnails clear of the panel's right edge
// (gonum draws them flush with it, where they are clipped).
const legendInset = vg.Length(6)

// PathMap draws paths as lines through their points on a map with equal
// ranges on both axes (draw it on a square panel for equal scales), marking
// each path's start with a triangle and its end with a square.
func PathMap(title string, paths ...PathXY) (*plot.Plot, error) {
	if len(paths) == 0 {
		return nil, errors.New("figure: PathMap needs at least one path")
	}
	p := plot.New()
	p.Title.Text = title
	p.Legend.Top = true
	p.Legend.XOffs = -legendInset
	colors := Colors(len(paths))
	named := 0
	next := 0
	for k := range paths {
		if paths[k].Name != "" {
			named++
		}
		if paths[k].Color != nil {
			colors[k] = paths[k].Color
		} else {
			colors[k] = Colors(next + 1)[next]
			next++
		}
	}
	xmin, xmax, ymin, ymax := math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)
	for k, path := range paths {
		if path.XY == nil {
			return nil, fmt.Errorf("figure: path %q has no points", path.Name)
		}
		n, d := path.XY.Dims()
		if n == 0 || d < 2 {
			return nil, fmt.Errorf("figure: path %q has %d points of dimension %d, need at least one point in 2-D", path.Name, n, d)
		}
		if path.Labels != nil && len(path.Labels) != n {
			return nil, fmt.Errorf("figure: path %q has %d points and %d labels", path.Name, n, len(path.Labels))
		}
		xys := make(plotter.XYs, n)
		for i := range xys {
			xys[i].X, xys[i].Y = path.XY.At(i, 0), path.XY.At(i, 1)
			xmin, xmax = math.Min(xmin, xys[i].X), math.Max(xmax, xys[i].X)
			ymin, ymax = math.Min(ymin, xys[i].Y), math.Max(ymax, xys[i].Y)
		}
		line, points, err := plotter.NewLinePoints(xys)
		if err != nil {
			return nil, fmt.Errorf("figure: path %q: %w", path.Name, err)
		}
		line.Color = colors[k]
		line.Width = vg.Points(1.5)
		if path.Dashed {
			line.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
			line.Width = vg.Points(1)
			p.Add(line)
			if path.Name != "" {
				p.Legend.Add(path.Name, line)
			}
			continue
		}
		points.Color = colors[k]
		points.Shape = draw.CircleGlyph{}
		points.Radius = vg.Points(2.5)
		ends, err := plotter.NewScatter(plotter.XYs{xys[0]})
		if err != nil {
			return nil, err
		}
		ends.Shape, ends.Color, ends.Radius = draw.TriangleGlyph{}, colors[k], vg.Points(5)
		last, err := plotter.NewScatter(plotter.XYs{xys[n-1]})
		if err != nil {
			return nil, err
		}
		last.Shape, last.Color, last.Radius = draw.BoxGlyph{}, colors[k], vg.Points(4)
		p.Add(line, points, ends, last)
		if path.Name != "" {
			p.Legend.Add(path.Name, line, points)
		}
		if path.Labels != nil {
			lab, err := plotter.NewLabels(plotter.XYLabels{XYs: xys, Labels: path.Labels})
			if err != nil {
				return nil, fmt.Errorf("figure: path %q: %w", path.Name, err)
			}
			for i := range lab.TextStyle {
				lab.TextStyle[i].Font.Size = vg.Points(7)
				lab.TextStyle[i].Color = colors[k]
				lab.Offset = vg.Point{X: vg.Points(3), Y: vg.Points(3)}
			}
			p.Add(lab)
		}
	}
	// Equal ranges: widen the shorter range around its centre, and leave
	// room above the points for the legend.
	span := math.Max(xmax-xmin, ymax-ymin) * 1.1
	if span == 0 {
		span = 1
	}
	cx, cy := (xmin+xmax)/2, (ymin+ymax)/2
	room := 0.0
	if named > 0 {
		room = 0.06 * span * float64(named)
	}
	p.X.Min, p.X.Max = cx-span/2-room/2, cx+span/2+room/2
	p.Y.Min, p.Y.Max = cy-span/2, cy+span/2+room
	return p, nil
}

// Series is one named line of a line plot.
type Series struct {
	// Name names the series in the legend ("" for none).
	Name string
	// X holds the abscissae; nil means 0, 1, ..., len(Y)-1.
	X []float64
	// Y holds the values.
	Y []float64
	// Dashed draws the line dashed.
	Dashed bool
}

// Lines draws series as lines with points, leaving out NaN and infinite
// values (such as undefined angles). When xlabels is not nil, the
// positions 0..len(xlabels)-1 of the x axis are labelled with it (layer names).
func Lines(title, xlabel, ylabel string, xlabels []string, series ...Series) (*plot.Plot, error) {
	if len(series) == 0 {
		return nil, errors.New("figure: Lines needs at least one series")
	}
	p := newLinePlot(title, xlabel, ylabel)
	colors := Colors(len(series))
	ymin, ymax, named := math.Inf(1), math.Inf(-1), 0
	for k, s := range series {
		if len(s.Y) == 0 {
			return nil, fmt.Errorf("figure: series %q is empty", s.Name)
		}
		if s.X != nil && len(s.X) != len(s.Y) {
			return nil, fmt.Errorf("figure: series %q has %d x and %d y values", s.Name, len(s.X), len(s.Y))
		}
		var xys plotter.XYs
		for i, y := range s.Y {
			x := float64(i)
			if s.X != nil {
				x = s.X[i]
			}
			if math.IsNaN(y) || math.IsInf(y, 0) || math.IsNaN(x) || math.IsInf(x, 0) {
				continue // undefined values, such as the angle at a repeated point, are left out
			}
			ymin, ymax = math.Min(ymin, y), math.Max(ymax, y)
			xys = append(xys, plotter.XY{X: x, Y: y})
		}
		if len(xys) == 0 {
			return nil, fmt.Errorf("figure: series %q has no finite value", s.Name)
		}
		if err := addLinePoints(p, s.Name, xys, colors[k], vg.Points(2.5), s.Dashed); err != nil {
			return nil, err
		}
		if s.Name != "" {
			named++
		}
	}
	if named > 0 && ymax >= ymin {
		// Leave room above the lines for the legend.
		span := math.Max(ymax-ymin, 1e-9)
		p.Y.Max = ymax + 0.09*span*float64(named)
	}
	if xlabels != nil {
		p.X.Tick.Marker = LabelTicks{Labels: xlabels}
		p.X.Tick.Label.Rotation = math.Pi / 2
		p.X.Tick.Label.XAlign = draw.XRight
		p.X.Tick.Label.YAlign = draw.YCenter
		p.X.Min, p.X.Max = -0.5, float64(len(xlabels))-0.5
	}
	return p, nil
}

// newLinePlot returns an empty plot with a title, axis labels, a grid and
// the legend at the top, the frame of Lines and Spread.
func newLinePlot(title, xlabel, ylabel string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = xlabel
	p.Y.Label.Text = ylabel
	p.Legend.Top = true
	p.Legend.XOffs = -legendInset
	p.Add(plotter.NewGrid())
	return p
}

// addLinePoints adds xys to p as a line of color c through points of the
// given radius, dashed if asked, with a legend entry when name is not "".
func addLinePoints(p *plot.Plot, name string, xys plotter.XYs, c color.Color, radius vg.Length, dashed bool) error {
	line, points, err := plotter.NewLinePoints(xys)
	if err != nil {
		return fmt.Errorf("figure: series %q: %w", name, err)
	}
	line.Color, points.Color = c, c
	line.Width = vg.Points(1.5)
	points.Shape, points.Radius = draw.CircleGlyph{}, radius
	if dashed {
		line.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
	}
	p.Add(line, points)
	if name != "" {
		p.Legend.Add(name, line, points)
	}
	return nil
}

// Azimuthal maps unit vectors (one per row, in k ≥ 2 dimensions) to k-1
// dimensional coordinates with the azimuthal equidistant projection centred
// on their normalized mean: each point keeps its angular distance to the
// centre and its direction from it. It draws spherical embeddings on a page.
func Azimuthal(x mat.Matrix) (*mat.Dense, error) {
	n, k := x.Dims()
	if n == 0 || k < 2 {
		return nil, fmt.Errorf("figure: Azimuthal needs points of dimension at least 2, got %d×%d", n, k)
	}
	c := make([]float64, k)
	for i := 0; i < n; i++ {
		norm := 0.0
		for j := 0; j < k; j++ {
			norm += x.At(i, j) * x.At(i, j)
		}
		if !(math.Abs(norm-1) <= 1e-6) { // also NaN
			return nil, fmt.Errorf("figure: Azimuthal: row %d has norm %v, want unit vectors", i, math.Sqrt(norm))
		}
		for j := 0; j < k; j++ {
			c[j] += x.At(i, j)
		}
	}
	if !normalize(c) {
		return nil, errors.New("figure: Azimuthal: the points' mean is zero, no centre to project around")
	}
	// An orthonormal basis of the plane orthogonal to c, from the standard basis.
	basis := [][]float64{c}
	for e := 0; e < k && len(basis) < k; e++ {
		v := make([]float64, k)
		v[e] = 1
		for _, b := range basis {
			dot := 0.0
			for j := range v {
				dot += v[j] * b[j]
			}
			for j := range v {
				v[j] -= dot * b[j]
			}
		}
		if normalize(v) {
			basis = append(basis, v)
		}
	}
	out := mat.NewDense(n, k-1, nil)
	for i := 0; i < n; i++ {
		coords := make([]float64, k)
		for b, v := range basis {
			for j := 0; j < k; j++ {
				coords[b] += x.At(i, j) * v[j]
			}
		}
		theta := math.Acos(math.Max(-1, math.Min(1, coords[0])))
		tangent := coords[1:]
		if s := math.Sqrt(floatsDot(tangent, tangent)); s > 1e-12 {
			for b := range tangent {
				out.Set(i, b, theta*tangent[b]/s)
			}
		}
	}
	return out, nil
}

func normalize(v []float64) bool {
	s := math.Sqrt(floatsDot(v, v))
	if !(s >= 1e-9) { // also NaN
		return false
	}
	for i := range v {
		v[i] /= s
	}
	return true
}

func floatsDot(a, b []float64) float64 {
	s := 0.0
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

// Bars draws grouped bars: one group per entry of groups, one bar per series
// in each group, the series' Y giving the bar heights (X is ignored).
func Bars(title, ylabel string, groups []string, series ...Series) (*plot.Plot, error) {
	if len(series) == 0 || len(groups) == 0 {
		return nil, errors.New("figure: Bars needs at least one group and one series")
	}
	p := plot.New()
	p.Title.Text = title
	p.Y.Label.Text = ylabel
	p.Legend.Top = true
	p.Legend.XOffs = -legendInset
	p.Add(plotter.NewGrid())
	colors := Colors(len(series))
	w := vg.Points(60 / float64(len(series)))
	ymax := 0.0
	for k, s := range series {
		if len(s.Y) != len(groups) {
			return nil, fmt.Errorf("figure: series %q has %d values for %d groups", s.Name, len(s.Y), len(groups))
		}
		for _, y := range s.Y {
			if math.IsNaN(y) || math.IsInf(y, 0) {
				return nil, fmt.Errorf("figure: series %q has a non-finite value", s.Name)
			}
			ymax = math.Max(ymax, y)
		}
		bars, err := plotter.NewBarChart(plotter.Values(s.Y), w)
		if err != nil {
			return nil, fmt.Errorf("figure: series %q: %w", s.Name, err)
		}
		bars.Color = colors[k]
		bars.LineStyle.Width = 0
		bars.Offset = w * vg.Length(float64(k)-float64(len(series)-1)/2)
		p.Add(bars)
		if s.Name != "" {
			p.Legend.Add(s.Name, bars)
		}
	}
	p.NominalX(groups...)
	if ymax > 0 {
		p.Y.Max = ymax * (1 + 0.09*float64(len(series)))
	}
	return p, nil
}

// heatImage returns the image of the cells of z in the heat-map colors of
// [lo, hi], row 0 at the top, each cell a block of k×k pixels (about 600
// pixels across in all), so that scaling the image neither blurs the cells
// nor leaves seams between them. Values outside [lo, hi] take the end colors.
func heatImage(z mat.Matrix, lo, hi float64) (*image.NRGBA, error) {
	r, c := z.Dims()
	cm := ColorMap(lo, hi)
	k := max(1, 600/max(r, c))
	img := image.NewNRGBA(image.Rect(0, 0, c*k, r*k))
	for i := 0; i < r; i++ {
		for j := 0; j < c; j++ {
			v := math.Max(lo, math.Min(hi, z.At(i, j)))
			col, err := cm.At(v)
			if err != nil {
				return nil, fmt.Errorf("figure: heat map color of %v: %w", v, err)
			}
			for y := i * k; y < (i+1)*k; y++ {
				for x := j * k; x < (j+1)*k; x++ {
					img.Set(x, y, col)
				}
			}
		}
	}
	return img, nil
}
