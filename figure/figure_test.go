package figure

import (
	"bytes"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

func TestRenderLayout(t *testing.T) {
	heat, err := Heat{Z: mat.NewDense(2, 2, []float64{0, 1, 1, 0})}.Plot()
	if err != nil {
		t.Fatal(err)
	}
	rows := Grid(2, 2*vg.Inch, 1*vg.Inch, heat, heat, heat)
	if len(rows) != 2 || len(rows[0].Panels) != 2 || len(rows[1].Panels) != 1 {
		t.Fatalf("Grid of 3 plots in 2 columns gave rows %v", rows)
	}
	data, err := Render(rows...)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() != 4*DPI || b.Dy() != 2*DPI {
		t.Errorf("rendered %v, want %dx%d", b, 4*DPI, 2*DPI)
	}
	// The blank panel (bottom right) stays white.
	if r, g, b, _ := img.At(3*DPI+DPI/2, 2*DPI-DPI/2).RGBA(); r != 0xffff || g != 0xffff || b != 0xffff {
		t.Errorf("blank panel pixel is (%x, %x, %x), want white", r, g, b)
	}
	for _, bad := range [][]Row{nil, {{Height: 0, Panels: []Panel{{Width: 1}}}}, {{Height: 1, Panels: []Panel{{Width: 0}}}}} {
		if _, err := Render(bad...); err == nil {
			t.Errorf("Render(%v) gave no error", bad)
		}
	}
}

// TestRenderBadSizes gives Render sizes that are not positive numbers or
// make an image too large to allocate: an error, not a panic in the image
// package.
func TestRenderBadSizes(t *testing.T) {
	nan, inf := vg.Length(math.NaN()), vg.Length(math.Inf(1))
	for _, tc := range []struct {
		name string
		row  Row
		want string
	}{
		{"NaN height", Row{Height: nan, Panels: []Panel{{Width: vg.Inch}}}, "row 0 has no panels or no height (NaN)"},
		{"infinite height", Row{Height: inf, Panels: []Panel{{Width: vg.Inch}}}, "110×+Inf pixels at 110 DPI is too large"},
		{"NaN width", Row{Height: vg.Inch, Panels: []Panel{{Width: vg.Inch}, {Width: nan}}}, "panel 1 of row 0 has no width (NaN)"},
		{"infinite width", Row{Height: vg.Inch, Panels: []Panel{{Width: inf}}}, "+Inf×110 pixels at 110 DPI is too large"},
		{"huge", Row{Height: 1000 * vg.Inch, Panels: []Panel{{Width: 2000 * vg.Inch}}}, "220000×110000 pixels at 110 DPI is too large (at most 134217728 pixels)"},
	} {
		var err error
		func() {
			defer func() {
				if r := recover(); r != nil {
					t.Errorf("%s: panic %v", tc.name, r)
				}
			}()
			_, err = Render(tc.row)
		}()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.want)
		}
	}
}

func TestHeatErrors(t *testing.T) {
	nan := mat.NewDense(2, 2, []float64{0, math.NaN(), 1, 0})
	for _, tc := range []struct {
		name string
		h    Heat
		want string
	}{
		{"nil", Heat{}, "nil matrix"},
		{"nan", Heat{Z: nan}, "is NaN"},
		{"labels", Heat{Z: mat.NewDense(2, 2, nil), Rows: []string{"a"}}, "1 row and 0 column labels"},
		{"range", Heat{Z: mat.NewDense(2, 2, nil), Min: 1, Max: 1}, "range"},
		{"NaN range", Heat{Z: mat.NewDense(2, 2, nil), Min: math.NaN(), Max: 1}, "color range [NaN, 1] is empty or infinite"},
		{"infinite range", Heat{Z: mat.NewDense(2, 2, nil), Max: math.Inf(1)}, "color range [0, +Inf] is empty or infinite"},
		{"infinite range both", Heat{Z: mat.NewDense(2, 2, nil), Min: math.Inf(-1), Max: math.Inf(1)}, "is empty or infinite"},
	} {
		_, err := tc.h.Plot()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.want)
		}
	}
}

func TestHeatImage(t *testing.T) {
	z := mat.NewDense(3, 2, []float64{1, 2, 3, 4, 5, 9})
	img, err := heatImage(z, 1, 5)
	if err != nil {
		t.Fatal(err)
	}
	k := 600 / 3
	if b := img.Bounds(); b.Dx() != 2*k || b.Dy() != 3*k {
		t.Fatalf("image %v, want %dx%d", b, 2*k, 3*k)
	}
	cm := ColorMap(1, 5)
	for _, tc := range []struct {
		row, col int
		v        float64
	}{
		{0, 0, 1}, {0, 1, 2}, {2, 0, 5}, {2, 1, 5}, // 9 is above the range: the top color
	} {
		want, _ := cm.At(tc.v)
		wr, wg, wb, _ := want.RGBA()
		// The centre and a corner of the cell, row 0 at the top.
		for _, pt := range [][2]int{{tc.col*k + k/2, tc.row*k + k/2}, {tc.col * k, tc.row*k + k - 1}} {
			gr, gg, gb, _ := img.At(pt[0], pt[1]).RGBA()
			if gr>>8 != wr>>8 || gg>>8 != wg>>8 || gb>>8 != wb>>8 {
				t.Errorf("cell (%d, %d) pixel %v has color (%x, %x, %x), want that of %v (%x, %x, %x)", tc.row, tc.col, pt, gr, gg, gb, tc.v, wr, wg, wb)
			}
		}
	}
}

func TestLabelTicksThinning(t *testing.T) {
	labels := make([]string, 60)
	for i := range labels {
		labels[i] = strings.Repeat("x", i%3+1)
	}
	ticks := LabelTicks{Labels: labels}.Ticks(0, 59)
	named := 0
	for _, tk := range ticks {
		if tk.Label != "" {
			named++
		}
	}
	if len(ticks) != 60 || named > MaxTickLabels+1 || ticks[59].Label == "" || ticks[0].Label == "" {
		t.Errorf("%d ticks with %d labels (first %q, last %q); want 60 ticks, at most %d labels, first and last labelled",
			len(ticks), named, ticks[0].Label, ticks[59].Label, MaxTickLabels+1)
	}
}

func TestAzimuthal(t *testing.T) {
	// Points on a great circle through the north pole, and one off it.
	angles := []float64{-0.6, -0.2, 0.2, 0.6}
	x := mat.NewDense(len(angles)+1, 3, nil)
	for i, a := range angles {
		x.SetRow(i, []float64{math.Sin(a), 0, math.Cos(a)})
	}
	x.SetRow(len(angles), []float64{0, math.Sin(0.3), math.Cos(0.3)})
	y, err := Azimuthal(x)
	if err != nil {
		t.Fatal(err)
	}
	if r, c := y.Dims(); r != 5 || c != 2 {
		t.Fatalf("Azimuthal gave %dx%d, want 5x2", r, c)
	}
	// The centre is the normalized mean; every point keeps its angle to it.
	c := []float64{0, 0, 0}
	for i := 0; i < 5; i++ {
		for j := range c {
			c[j] += x.At(i, j)
		}
	}
	normalize(c)
	for i := 0; i < 5; i++ {
		want := math.Acos(floatsDot(c, x.RawRowView(i)))
		got := math.Hypot(y.At(i, 0), y.At(i, 1))
		if math.Abs(got-want) > 1e-12 {
			t.Errorf("point %d at distance %v from the centre, want its angle %v", i, got, want)
		}
	}
	for _, bad := range [][]float64{
		{1, 0, 0, 0, 2, 0},
		{1, 0, 0, math.NaN(), 0, 0},
		{1, 0, 0, 0, math.Inf(1), 0},
	} {
		if _, err := Azimuthal(mat.NewDense(2, 3, bad)); err == nil || !strings.Contains(err.Error(), "row 1 has norm") {
			t.Errorf("Azimuthal of rows %v: error %v, want one saying row 1 is not a unit vector", bad, err)
		}
	}
	// The command line's spherical embedding map goes through Azimuthal.
	if _, err := EmbeddingMap("t", nil, mat.NewDense(2, 3, []float64{0, 0, 1, math.NaN(), 0, 0}), true); err == nil {
		t.Error("EmbeddingMap drew a spherical embedding with a NaN")
	}
	if _, err := Azimuthal(mat.NewDense(2, 2, []float64{1, 0, -1, 0})); err == nil {
		t.Error("Azimuthal accepted antipodal points with a zero mean")
	}
}

func TestSliderHTML(t *testing.T) {
	h, err := SliderHTML([][]byte{{1}, {2}, {3}}, []string{"t=0", "t=0.5", "t=1"})
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(h, `class="repgeo-frame"`); n != 3 {
		t.Errorf("slider has %d frames, want 3", n)
	}
	if !strings.Contains(h, `max="2"`) || !strings.Contains(h, "t=0.5") {
		t.Errorf("slider lacks its range or captions: %s", h)
	}
	if _, err := SliderHTML([][]byte{{1}}, nil); err == nil {
		t.Error("SliderHTML accepted frames without captions")
	}
}

func TestPathMapErrors(t *testing.T) {
	if _, err := PathMap("t"); err == nil {
		t.Error("PathMap without paths gave no error")
	}
	if _, err := PathMap("t", PathXY{Name: "p", XY: mat.NewDense(3, 1, nil)}); err == nil {
		t.Error("PathMap accepted one-dimensional points")
	}
	if _, err := PathMap("t", PathXY{Name: "p", XY: mat.NewDense(3, 2, nil), Labels: []string{"a"}}); err == nil {
		t.Error("PathMap accepted the wrong number of labels")
	}
	p, err := PathMap("t", PathXY{Name: "p", XY: mat.NewDense(3, 2, []float64{0, 0, 1, 0, 1, 3}), Labels: []string{"a", "", "c"}})
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs((p.X.Max-p.X.Min)-(p.Y.Max-p.Y.Min)) > 1e-12 {
		t.Errorf("axes have different spans %v and %v, want equal scales", p.X.Max-p.X.Min, p.Y.Max-p.Y.Min)
	}
}

func TestLinesSkipsNaN(t *testing.T) {
	if _, err := Lines("t", "x", "y", nil, Series{Name: "a", Y: []float64{1, math.NaN(), 2}}); err != nil {
		t.Errorf("a series with a NaN: %v, want it drawn without the NaN", err)
	}
	for _, s := range []Series{{Name: "nan", Y: []float64{math.NaN()}}, {Name: "empty"}, {Name: "x", X: []float64{1}, Y: []float64{1, 2}}} {
		if _, err := Lines("t", "x", "y", nil, s); err == nil {
			t.Errorf("series %q accepted", s.Name)
		}
	}
}

func TestBars(t *testing.T) {
	p, err := Bars("t", "y", []string{"a", "b"}, Series{Name: "s", Y: []float64{1, 2}}, Series{Name: "u", Y: []float64{2, 3}})
	if err != nil {
		t.Fatal(err)
	}
	if !(p.Y.Max > 3) {
		t.Errorf("y axis ends at %v, want room above the tallest bar 3", p.Y.Max)
	}
	if _, err := Bars("t", "y", []string{"a", "b"}, Series{Name: "s", Y: []float64{1}}); err == nil {
		t.Error("Bars accepted a series of the wrong length")
	}
}

// TestEmbeddingMap checks the drawing of embeddings: the spherical map is
// PathMap of Azimuthal (the notebooks' recipe), and bad shapes are errors.
func TestEmbeddingMap(t *testing.T) {
	a := 0.4
	x := mat.NewDense(3, 3, []float64{
		0, 0, 1,
		math.Sin(a), 0, math.Cos(a),
		0, math.Sin(a), math.Cos(a),
	})
	labels := []string{"p", "q", "r"}
	p, err := EmbeddingMap("s", labels, x, true)
	if err != nil {
		t.Fatal(err)
	}
	xy, err := Azimuthal(x)
	if err != nil {
		t.Fatal(err)
	}
	q, err := PathMap("s", PathXY{XY: xy, Labels: labels})
	if err != nil {
		t.Fatal(err)
	}
	got, err := PNG(p, 3*vg.Inch, 3*vg.Inch)
	if err != nil {
		t.Fatal(err)
	}
	want, err := PNG(q, 3*vg.Inch, 3*vg.Inch)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Error("EmbeddingMap of a spherical embedding is not PathMap of its Azimuthal projection")
	}
	for _, tc := range []struct {
		name      string
		x         mat.Matrix
		spherical bool
	}{
		{"nil", nil, false},
		{"one column", mat.NewDense(3, 1, []float64{1, 2, 3}), false},
		{"spherical S3", mat.NewDense(2, 4, []float64{1, 0, 0, 0, 0, 1, 0, 0}), true},
		{"not unit", mat.NewDense(2, 3, []float64{1, 0, 0, 0, 2, 0}), true},
	} {
		if _, err := EmbeddingMap("t", nil, tc.x, tc.spherical); err == nil {
			t.Errorf("%s: no error", tc.name)
		}
	}
}

// TestWritePNG checks that WritePNG leaves only the file, and an error for a
// missing directory.
func TestWritePNG(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "x.png")
	if err := WritePNG(path, []byte("\x89PNG")); err != nil {
		t.Fatal(err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("%d entries, want the file only", len(entries))
	}
	if err := WritePNG(filepath.Join(dir, "no", "x.png"), nil); err == nil {
		t.Error("no error for a missing directory")
	}
}

// TestLegendInset renders a plot of each kind that has a legend and expects
// the legend (top right) to keep clear of the image's right edge, where its
// thumbnails would be clipped.
func TestLegendInset(t *testing.T) {
	lines, err := Lines("t", "x", "y", nil, Series{Name: "a long series name", Y: []float64{0, 0.1}}, Series{Name: "b", Y: []float64{0, 0.2}})
	if err != nil {
		t.Fatal(err)
	}
	bars, err := Bars("t", "y", []string{"g"}, Series{Name: "a long series name", Y: []float64{0.1}})
	if err != nil {
		t.Fatal(err)
	}
	paths, err := PathMap("t", PathXY{Name: "a long path name", XY: mat.NewDense(2, 2, []float64{0, 0, -1, -1})})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		p    interface{ Draw(draw.Canvas) }
	}{{"Lines", lines}, {"Bars", bars}, {"PathMap", paths}} {
		data, err := PNG(tc.p.(*plot.Plot), 3*vg.Inch, 2*vg.Inch)
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		b := img.Bounds()
		// The legend's rows: the top quarter of the image; its right margin:
		// the last 3 pixel columns, where only the gray grid lines may reach
		// (the thumbnails are colored).
		for y := b.Min.Y; y < b.Min.Y+b.Dy()/4; y++ {
			for x := b.Max.X - 3; x < b.Max.X; x++ {
				if r, g, bl, _ := img.At(x, y).RGBA(); r != g || g != bl {
					t.Fatalf("%s: pixel (%d, %d) at the right edge is colored (%x, %x, %x): the legend reaches the edge", tc.name, x, y, r, g, bl)
				}
			}
		}
	}
}
