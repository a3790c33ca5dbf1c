package main

import (
	"io"

	"github.com/repgeo/repgeo/repgeo"
)

func init() {
	commands["project"] = command{
		summary: "project C onto the geodesic from A to B",
		run:     runProject,
	}
}

func runProject(args []string, stdout io.Writer) error {
	fs := newCommandFlags("project", "[metric flags] [--json] A B C",
		"Projects C onto the geodesic through A and B and prints t, the position of\nthe nearest point as a signed fraction of d(A, B) from A (0 at A, 1 at B),\nand the distance from C to that point.")
	mf := addMetricFlags(fs)
	asJSON := fs.Bool("json", false, `print JSON {"t": x, "distance": x, "metric": "..."}`)
	if err := parseCommandFlags(fs, args, stdout); err != nil {
		return err
	}
	m, reps, pts, err := metricPoints(mf, fs.Args(), 3, 3, "A B C")
	if err != nil {
		return err
	}
	p, err := repgeo.Project(m, pts[0], pts[1], pts[2])
	if err != nil {
		return reps.coincide(err, "A", "B", "C")
	}
	if *asJSON {
		return emitJSON(stdout, struct {
			T        jsonFloat `json:"t"`
			Distance jsonFloat `json:"distance"`
			Metric   string    `json:"metric"`
		}{jsonFloat(p.T), jsonFloat(p.Distance), m.String()})
	}
	t := newTable(stdout)
	t.row("metric", "A", "B", "C", "t", "distance")
	t.row(m.String(), reps.labels[0], reps.labels[1], reps.labels[2], p.T, p.Distance)
	return t.flush()
}
