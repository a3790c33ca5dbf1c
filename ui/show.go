package ui

import (
	"fmt"
	"path/filepath"
	"regexp"

	"github.com/janpfeifer/gonb/gonbui"
	"gonum.org/v1/plot"

	"github.com/repgeo/repgeo/figure"
	"github.com/repgeo/repgeo/internal/atomicfile"
)

var validName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]*$`)

// SavePNG writes png to the figures directory as name.png, atomically
// (a temporary file in the same directory, then a rename), and returns its path.
func SavePNG(name string, png []byte) (string, error) {
	if !validName.MatchString(name) {
		return "", fmt.Errorf("ui: bad figure name %q: use letters, digits, '_', '-' and '.'", name)
	}
	dir, err := FiguresDir()
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, name+".png")
	return path, atomicfile.WriteFile(path, png)
}

// ShowPNG saves png as the figure name (see SavePNG) and displays it in the
// notebook.
func ShowPNG(name string, png []byte) error {
	if _, err := SavePNG(name, png); err != nil {
		return err
	}
	gonbui.DisplayPng(png)
	return nil
}

// ShowFigure renders rows of panels (see figure.Render), saves the image as
// the figure name and displays it.
func ShowFigure(name string, rows ...Row) error {
	png, err := figure.Render(rows...)
	if err != nil {
		return err
	}
	return ShowPNG(name, png)
}

// Show renders one plot at the default size, saves it as the figure name and
// displays it.
func Show(p *plot.Plot, name string) error {
	return ShowFigure(name, Row{Height: DefaultHeight, Panels: []Panel{{Plot: p, Width: DefaultWidth}}})
}

// ShowSlider displays frames behind a slider (see figure.SliderHTML).
func ShowSlider(frames [][]byte, captions []string) error {
	h, err := figure.SliderHTML(frames, captions)
	if err != nil {
		return err
	}
	gonbui.DisplayHTML(h)
	return nil
}
