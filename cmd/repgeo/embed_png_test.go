package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/repgeo/repgeo/figure"
)

// TestEmbedPNGMatchesNotebook checks that `repgeo embed --png` draws the
// picture a notebook draws of the same embedding: the coordinates the
// command prints, through figure.Azimuthal for a spherical embedding (as
// notebook 01_paths does), drawn with figure.PathMap on a square panel of the
// notebooks' path maps, give the same PNG, byte for byte. A projection of
// its own (another centre, rotation or reflection) would differ.
func TestEmbedPNGMatchesNotebook(t *testing.T) {
	dir, _ := geoFiles(t)
	for _, tc := range []struct {
		name      string
		flags     []string
		spherical bool
		title     string
	}{
		{"classical", nil, false, "angular-cka(kernel=linear,unbiased=false)\nclassical MDS"},
		{"spherical", []string{"--spherical"}, true, "angular-cka(kernel=linear,unbiased=false)\nspherical MDS (azimuthal equidistant, rad)"},
		{"unbiased", []string{"--unbiased"}, false, "angular-cka(kernel=linear,unbiased=true)\nclassical MDS"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "embed.png")
			args := append(append([]string{"embed", "--json", "--png", out}, tc.flags...), filepath.Join(dir, "path.npz"), filepath.Join(dir, "a.npy"))
			code, stdout, stderr := geoRun(args...)
			if code != 0 {
				t.Fatalf("%v: exit %d: %s", args, code, stderr)
			}
			var res struct {
				Labels      []string    `json:"labels"`
				Coordinates [][]float64 `json:"coordinates"`
			}
			if err := json.Unmarshal([]byte(stdout), &res); err != nil {
				t.Fatal(err)
			}
			n, k := len(res.Coordinates), len(res.Coordinates[0])
			x := mat.NewDense(n, k, nil)
			for i, row := range res.Coordinates {
				x.SetRow(i, row)
			}
			xy := mat.Matrix(x)
			if tc.spherical {
				a, err := figure.Azimuthal(x)
				if err != nil {
					t.Fatal(err)
				}
				xy = a
			}
			p, err := figure.PathMap(tc.title, figure.PathXY{XY: xy, Labels: res.Labels})
			if err != nil {
				t.Fatal(err)
			}
			want, err := figure.Render(figure.Row{Height: embedPNGSize, Panels: []figure.Panel{{Plot: p, Width: embedPNGSize}}})
			if err != nil {
				t.Fatal(err)
			}
			got, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != string(want) {
				t.Errorf("the command's PNG (%d bytes) differs from the notebook's picture of its coordinates (%d bytes)", len(got), len(want))
			}
		})
	}
}
