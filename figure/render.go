package figure

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"html"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"github.com/repgeo/repgeo/internal/atomicfile"
)

// DPI is the resolution of rendered figures.
const DPI = 110

// maxPixels bounds the number of pixels of a rendered figure (512 MiB as
// RGBA).
const maxPixels = 1 << 27

// Default size of a single plot.
const (
	DefaultWidth  = 6 * vg.Inch
	DefaultHeight = 4.5 * vg.Inch
)

// Panel is one plot of a figure row, with its width.
type Panel struct {
	Plot  *plot.Plot
	Width vg.Length
}

// Row is a row of panels of equal height; a nil Plot leaves its panel blank.
type Row struct {
	Height vg.Length
	Panels []Panel
}

// Render draws rows of panels, top to bottom, into one PNG image. The image is
// as wide as the widest row. Heights and widths must be positive, and the
// image at most 2^27 pixels.
func Render(rows ...Row) ([]byte, error) {
	if len(rows) == 0 {
		return nil, errors.New("figure: Render needs at least one row")
	}
	var w, h vg.Length
	for i, r := range rows {
		if !(r.Height > 0) || len(r.Panels) == 0 { // a NaN height too
			return nil, fmt.Errorf("figure: row %d has no panels or no height (%v)", i, r.Height)
		}
		var rw vg.Length
		for j, p := range r.Panels {
			if !(p.Width > 0) {
				return nil, fmt.Errorf("figure: panel %d of row %d has no width (%v)", j, i, p.Width)
			}
			rw += p.Width
		}
		w = max(w, rw)
		h += r.Height
	}
	if pw, ph := w.Dots(DPI), h.Dots(DPI); !(pw*ph <= maxPixels) {
		return nil, fmt.Errorf("figure: a figure of %.0f×%.0f pixels at %d DPI is too large (at most %d pixels)",
			pw, ph, DPI, maxPixels)
	}
	c := vgimg.NewWith(vgimg.UseWH(w, h), vgimg.UseDPI(DPI))
	dc := draw.New(c)
	top := h
	for _, r := range rows {
		left := vg.Length(0)
		for _, p := range r.Panels {
			if p.Plot != nil {
				p.Plot.Draw(draw.Canvas{Canvas: dc, Rectangle: vg.Rectangle{
					Min: vg.Point{X: left, Y: top - r.Height},
					Max: vg.Point{X: left + p.Width, Y: top},
				}})
			}
			left += p.Width
		}
		top -= r.Height
	}
	var buf bytes.Buffer
	if _, err := (vgimg.PngCanvas{Canvas: c}).WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("figure: encoding PNG: %w", err)
	}
	return buf.Bytes(), nil
}

// PNG renders one plot of size w×h to PNG.
func PNG(p *plot.Plot, w, h vg.Length) ([]byte, error) {
	return Render(Row{Height: h, Panels: []Panel{{Plot: p, Width: w}}})
}

// WritePNG writes png to path atomically: a temporary file in the same
// directory, renamed over path.
func WritePNG(path string, png []byte) error {
	if err := atomicfile.WriteFile(path, png); err != nil {
		return fmt.Errorf("figure: %w", err)
	}
	return nil
}

// Grid lays plots out in rows of cols panels of size w×h each.
func Grid(cols int, w, h vg.Length, plots ...*plot.Plot) []Row {
	if cols < 1 {
		cols = 1
	}
	var rows []Row
	for i := 0; i < len(plots); i += cols {
		r := Row{Height: h}
		for j := i; j < i+cols && j < len(plots); j++ {
			r.Panels = append(r.Panels, Panel{Plot: plots[j], Width: w})
		}
		rows = append(rows, r)
	}
	return rows
}

// SliderHTML returns an HTML fragment showing one PNG frame at a time, chosen
// with a range slider, with a caption per frame. It needs no kernel: the frames
// are embedded, so it also works in a notebook exported to HTML.
func SliderHTML(frames [][]byte, captions []string) (string, error) {
	if len(frames) == 0 {
		return "", errors.New("figure: SliderHTML needs at least one frame")
	}
	if len(captions) != len(frames) {
		return "", fmt.Errorf("figure: SliderHTML has %d frames and %d captions", len(frames), len(captions))
	}
	var b strings.Builder
	b.WriteString(`<div style="font-family:sans-serif">`)
	fmt.Fprintf(&b, `<input type="range" min="0" max="%d" value="0" step="1" style="width:60%%" `+
		`oninput="var d=this.parentNode, f=d.getElementsByClassName('repgeo-frame'); `+
		`for (var i=0;i<f.length;i++) f[i].style.display=(i==this.value)?'block':'none';">`, len(frames)-1)
	for i, png := range frames {
		display := "none"
		if i == 0 {
			display = "block"
		}
		fmt.Fprintf(&b, `<div class="repgeo-frame" style="display:%s"><div>%s</div><img src="data:image/png;base64,%s"/></div>`,
			display, html.EscapeString(captions[i]), base64.StdEncoding.EncodeToString(png))
	}
	b.WriteString(`</div>`)
	return b.String(), nil
}
