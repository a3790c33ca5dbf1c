package main

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/plot/vg"

	"github.com/repgeo/repgeo/figure"
	"github.com/repgeo/repgeo/repgeo"
)

func init() {
	commands["embed"] = command{
		summary: "low-dimensional embedding (MDS) of representations",
		run:     runEmbed,
	}
}

// angularMetrics are the metrics whose distances are angles in [0, π], the
// only ones spherical MDS can embed.
var angularMetrics = []string{"angular-cka", "angular-shape"}

// embedJSON is the JSON output of repgeo embed.
type embedJSON struct {
	Labels      []string      `json:"labels"`
	Coordinates [][]jsonFloat `json:"coordinates"`
	// Metric is the metric with its full configuration (Metric.String).
	Metric string `json:"metric"`
}

func runEmbed(args []string, stdout io.Writer) error {
	fs := newCommandFlags("embed", "[metric flags] [--dim=2] [--spherical] [--json] [--png=F] FILE...",
		"Embeds the representations (every array of every file, in order; at\nleast 3) in --dim dimensions so that their distances are kept: by classical\nMDS, or with --spherical by spherical MDS, which places them on the unit\nsphere S^dim (dim+1 coordinates) with angles matching the distances of an\nangular metric. --png draws the 2-D embedding as a path; the spherical one\nis drawn in the azimuthal equidistant projection around the points' mean\ndirection, which keeps the angles from that centre.")
	mf := addMetricFlags(fs)
	dim := fs.Int("dim", 2, "dimension of the embedding: 2 or 3")
	spherical := fs.Bool("spherical", false, "spherical MDS, for the angular metrics angular-cka and angular-shape")
	seed := fs.Uint64("seed", 1, "with --spherical: seed of spherical MDS's random choices")
	asJSON := fs.Bool("json", false, `print JSON {"labels": [...], "coordinates": [[...]], "metric": "..."}`)
	png := fs.String("png", "", "draw the 2-D embedding into this PNG file (written atomically)")
	if err := parseCommandFlags(fs, args, stdout); err != nil {
		return err
	}
	if *dim != 2 && *dim != 3 {
		return badInput("--dim=%d: want 2 or 3", *dim)
	}
	if *png != "" && *dim != 2 {
		return badInput("--png draws 2-D embeddings only; use --dim=2")
	}
	if *png != "" {
		if err := checkOutputPath("png", *png, ".png"); err != nil {
			return err
		}
	}
	if !*spherical {
		if err := rejectFlags(fs, "without --spherical", "seed"); err != nil {
			return err
		}
	}
	m, err := mf.metric()
	if err != nil {
		return err
	}
	if *spherical && !slices.Contains(angularMetrics, m.Name()) {
		return badInput("--spherical needs an angular metric (%s), whose distances are angles; %s is not one",
			strings.Join(angularMetrics, " or "), m.Name())
	}
	reps, err := readRepresentations(fs.Args(), 3, -1, "FILE...")
	if err != nil {
		return err
	}
	d, err := reps.pairwise(m, "embed")
	if err != nil {
		return err
	}
	var x *mat.Dense
	if *spherical {
		x, err = repgeo.SphericalMDS(d, *dim, *seed)
	} else {
		x, err = repgeo.ClassicalMDS(d, *dim)
	}
	if err != nil {
		return err
	}
	if *png != "" {
		if err := plotEmbedding(*png, reps.labels, x, m.String(), *spherical); err != nil {
			return err
		}
	}
	if *asJSON {
		return emitJSON(stdout, embedJSON{Labels: reps.labels, Coordinates: jsonRows(x), Metric: m.String()})
	}
	_, c := x.Dims()
	t := newTable(stdout)
	head := []any{"label"}
	for j := range c {
		head = append(head, fmt.Sprintf("x%d", j+1))
	}
	t.row(head...)
	for i, l := range reps.labels {
		cells := []any{l}
		for j := range c {
			cells = append(cells, x.At(i, j))
		}
		t.row(cells...)
	}
	if err := t.flush(); err != nil {
		return err
	}
	return printMetric(stdout, m)
}

// embedPNGSize is the side of the square picture of --png, that of the
// notebooks' path maps.
const embedPNGSize = 5.5 * vg.Inch

// plotEmbedding draws the embedding x (a spherical one in the azimuthal
// equidistant projection) with figure.EmbeddingMap, as the notebooks do,
// titled with the metric's full configuration, and writes the PNG
// atomically to path.
func plotEmbedding(path string, labels []string, x *mat.Dense, metric string, spherical bool) error {
	// The metric's full configuration can be long: the method goes on a
	// second line.
	title := metric + "\nclassical MDS"
	if spherical {
		title = metric + "\nspherical MDS (azimuthal equidistant, rad)"
	}
	p, err := figure.EmbeddingMap(title, labels, x, spherical)
	if err != nil {
		return errorf("--png: %w", err)
	}
	png, err := figure.PNG(p, embedPNGSize, embedPNGSize)
	if err != nil {
		return err
	}
	return figure.WritePNG(path, png)
}
