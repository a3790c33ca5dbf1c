package main

import (
	"fmt"
	"io"
	"math"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"github.com/repgeo/repgeo/internal/atomicfile"
	"github.com/repgeo/repgeo/repgeo"
)

func init() {
	commands["embed"] = command{
		summary: "low-dimensional embedding (MDS) of representations",
		run:     runEmbed,
	}
}

// embedJSON is the JSON output of repgeo embed.
type embedJSON struct {
	Labels      []string      `json:"labels"`
	Coordinates [][]jsonFloat `json:"coordinates"`
}

func runEmbed(args []string, stdout io.Writer) error {
	fs := newCommandFlags("embed", "[metric flags] [--dim=2] [--spherical] [--json] [--png=F] FILE...",
		"Embeds the representations (every array of every file, in order; at\nleast 3) in --dim dimensions so that their distances are kept: by classical\nMDS, or with --spherical by spherical MDS, which places them on the unit\nsphere S^dim (dim+1 coordinates) with angles matching the distances of an\nangular metric. --png draws the 2-D embedding as a path; the spherical one\nis drawn in the azimuthal equidistant projection around the points' mean\ndirection, which keeps the angles from that centre.")
	mf := addMetricFlags(fs)
	dim := fs.Int("dim", 2, "dimension of the embedding: 2 or 3")
	spherical := fs.Bool("spherical", false, "spherical MDS (for the angular metrics)")
	seed := fs.Uint64("seed", 1, "seed of spherical MDS's random choices")
	asJSON := fs.Bool("json", false, `print JSON {"labels": [...], "coordinates": [[...]]}`)
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
	m, err := mf.metric()
	if err != nil {
		return err
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
		if err != nil && mat.Max(d) > math.Pi {
			return badInput("--spherical needs distances that are angles in [0, π] (an angular metric); %s gives up to %.6g", m.Name(), mat.Max(d))
		}
	} else {
		x, err = repgeo.ClassicalMDS(d, *dim)
	}
	if err != nil {
		return err
	}
	if *png != "" {
		xy := x
		if *spherical {
			xy = azimuthalEquidistant(x)
		}
		if err := plotEmbedding(*png, reps.labels, xy, m.Name(), *spherical); err != nil {
			return err
		}
	}
	if *asJSON {
		return emitJSON(stdout, embedJSON{Labels: reps.labels, Coordinates: jsonRows(x)})
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
	return t.flush()
}

// azimuthalEquidistant maps unit vectors (rows of x, points of S^k) to the
// plane of the azimuthal equidistant projection centred on their normalized
// mean: each point lands at its angle from the centre, in its direction. The
// plane's axes are the two leading principal directions of the points'
// tangent vectors at the centre, signed so that the largest coordinate of
// each axis is positive.
func azimuthalEquidistant(x *mat.Dense) *mat.Dense {
	n, k := x.Dims()
	c := make([]float64, k)
	for i := range n {
		floats.Add(c, x.RawRowView(i))
	}
	if floats.Norm(c, 2) < 1e-12 {
		copy(c, x.RawRowView(0))
	}
	floats.Scale(1/floats.Norm(c, 2), c)
	// log map at c: the tangent vector of length angle(c, x_i).
	v := mat.NewDense(n, k, nil)
	for i := range n {
		xi := x.RawRowView(i)
		cosT := math.Max(-1, math.Min(1, floats.Dot(xi, c)))
		theta := math.Acos(cosT)
		u := make([]float64, k)
		floats.AddScaledTo(u, xi, -cosT, c)
		if nu := floats.Norm(u, 2); nu > 1e-15 {
			floats.Scale(theta/nu, u)
		} else {
			floats.Scale(0, u)
		}
		v.SetRow(i, u)
	}
	var svd mat.SVD
	out := mat.NewDense(n, 2, nil)
	if !svd.Factorize(v, mat.SVDThin) {
		return out
	}
	var vt mat.Dense
	svd.VTo(&vt)
	out.Mul(v, vt.Slice(0, k, 0, 2))
	for j := range 2 {
		col := mat.Col(nil, j, out)
		if -floats.Min(col) > floats.Max(col) {
			for i := range n {
				out.Set(i, j, -out.At(i, j))
			}
		}
	}
	return out
}

// plotEmbedding draws the rows of xy (n×2) as labelled points joined in
// order and writes the PNG atomically to path.
func plotEmbedding(path string, labels []string, xy *mat.Dense, metric string, spherical bool) error {
	n, _ := xy.Dims()
	pts := make(plotter.XYs, n)
	for i := range n {
		pts[i].X, pts[i].Y = xy.At(i, 0), xy.At(i, 1)
	}
	p := plot.New()
	if spherical {
		p.Title.Text = metric + ": spherical MDS (azimuthal equidistant, rad)"
	} else {
		p.Title.Text = metric + ": classical MDS"
	}
	p.X.Label.Text = "MDS 1"
	p.Y.Label.Text = "MDS 2"
	line, err := plotter.NewLine(pts)
	if err != nil {
		return err
	}
	scatter, err := plotter.NewScatter(pts)
	if err != nil {
		return err
	}
	scatter.GlyphStyle.Radius = vg.Points(3)
	lab, err := plotter.NewLabels(plotter.XYLabels{XYs: pts, Labels: labels})
	if err != nil {
		return err
	}
	lab.Offset = vg.Point{X: vg.Points(4), Y: vg.Points(4)}
	p.Add(line, scatter, lab)
	// Equal scales on both axes, so that distances in the picture compare.
	xmin, xmax, ymin, ymax := plotter.XYRange(pts)
	half := 0.55 * math.Max(math.Max(xmax-xmin, ymax-ymin), 1e-9)
	cx, cy := (xmin+xmax)/2, (ymin+ymax)/2
	p.X.Min, p.X.Max = cx-half, cx+half
	p.Y.Min, p.Y.Max = cy-half, cy+half
	wt, err := p.WriterTo(5*vg.Inch, 5*vg.Inch, "png")
	if err != nil {
		return err
	}
	return atomicfile.Write(path, func(w io.Writer) error {
		_, err := wt.WriteTo(w)
		return err
	})
}
