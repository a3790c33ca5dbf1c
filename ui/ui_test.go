package ui

import (
	"bytes"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"testing"

	"gonum.org/v1/plot/vg"

	"github.com/repgeo/repgeo/figure"
)

func TestSize(t *testing.T) {
	for _, tc := range []struct {
		env, want string
		wantErr   bool
	}{
		{"", Full, false},
		{"full", Full, false},
		{"smoke", Smoke, false},
		{"huge", "", true},
		{"Smoke", "", true},
	} {
		t.Setenv(EnvSize, tc.env)
		got, err := Size()
		if (err != nil) != tc.wantErr || got != tc.want {
			t.Errorf("%s=%q: got %q, %v; want %q, error %v", EnvSize, tc.env, got, err, tc.want, tc.wantErr)
		}
	}
}
func TestRoot(t *testing.T) {
	top := t.TempDir()
	repo := filepath.Join(top, "repo")
	nb := filepath.Join(repo, "notebooks", "sub")
	other := filepath.Join(top, "other")
	for _, d := range []string{nb, other} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	os.WriteFile(filepath.Join(repo, "go.mod"), []byte("module "+Module+"\n\ngo 1.26\n"), 0o644)
	os.WriteFile(filepath.Join(other, "go.mod"), []byte("module example.com/other\n"), 0o644)

	t.Chdir(nb)
	got, err := Root()
	if err != nil {
		t.Fatal(err)
	}
	if want, _ := filepath.EvalSymlinks(repo); got != repo && got != want {
		t.Errorf("Root from %s = %s, want %s", nb, got, repo)
	}
	t.Chdir(other)
	if got, err := Root(); err == nil {
		t.Errorf("Root from a directory of another module = %s, want an error", got)
	}
}
func TestShowSavesPNG(t *testing.T) {
	dir := t.TempDir()
	t.Setenv(EnvFigures, dir)
	p, err := Lines("t", "layer", "d", []string{"a", "b", "c"}, Series{Name: "s", Y: []float64{1, 2, 1.5}})
	if err != nil {
		t.Fatal(err)
	}
	if err := Show(p, "00_test"); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(dir, "00_test.png"))
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := png.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("saved figure is not a PNG: %v", err)
	}
	wantW := int(math.Round(DefaultWidth.Points() / vg.Inch.Points() * DPI))
	wantH := int(math.Round(DefaultHeight.Points() / vg.Inch.Points() * DPI))
	if cfg.Width != wantW || cfg.Height != wantH {
		t.Errorf("figure is %dx%d pixels, want %dx%d", cfg.Width, cfg.Height, wantW, wantH)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("figures directory holds %d entries, want only the figure (no temporary file)", len(entries))
	}
	for _, bad := range []string{"", "../x", "a/b", ".hidden"} {
		if _, err := SavePNG(bad, data); err == nil {
			t.Errorf("SavePNG(%q) accepted a bad name", bad)
		}
	}
}

// TestPlotWrappers checks that the plotting names of this package are those
// of package figure: the same validation and the same colors.
func TestPlotWrappers(t *testing.T) {
	if _, err := Clump("t", "x", ClumpPath{Name: "offset", Cumulative: []float64{1, 2}}); err == nil {
		t.Error("Clump accepted a path that does not start at 0")
	}
	if _, err := Clump("t", "x", ClumpPath{Name: "a", Cumulative: []float64{0, 1}}); err != nil {
		t.Errorf("Clump: %v", err)
	}
	if _, err := Spread("t", "m", "y", true, SpreadSeries{Name: "log of 0", X: []float64{0, 1}, Mean: []float64{1, 2}}); err == nil {
		t.Error("Spread accepted x = 0 on a logarithmic axis")
	}
	if _, err := Spread("t", "m", "y", false, SpreadSeries{X: []float64{0, 1}, Mean: []float64{1, 2}}); err != nil {
		t.Errorf("Spread: %v", err)
	}
	got, want := Gradient(4), figure.Gradient(4)
	if len(got) != len(want) {
		t.Fatalf("Gradient(4) has %d colors, want %d", len(got), len(want))
	}
	for i := range got {
		if got[i] != want[i] {
			t.Errorf("Gradient(4)[%d] = %v, want %v", i, got[i], want[i])
		}
	}
}
