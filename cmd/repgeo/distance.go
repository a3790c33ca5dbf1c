package main

import (
	"io"
)

func init() {
	commands["distance"] = command{
		summary: "distance between two representations",
		run:     runDistance,
	}
}

func runDistance(args []string, stdout io.Writer) error {
	fs := newCommandFlags("distance", "[metric flags] [--json] A B",
		"Prints the distance between representations A and B (.npy files, or\nthe arrays of .npz files, two in all) under the chosen metric.")
	mf := addMetricFlags(fs)
	asJSON := fs.Bool("json", false, `print JSON {"distance": x, "metric": "..."}`)
	if err := parseCommandFlags(fs, args, stdout); err != nil {
		return err
	}
	m, reps, pts, err := metricPoints(mf, fs.Args(), 2, 2, "A B")
	if err != nil {
		return err
	}
	d, err := m.Distance(pts[0], pts[1])
	if err != nil {
		return err
	}
	if *asJSON {
		return emitJSON(stdout, struct {
			Distance jsonFloat `json:"distance"`
			Metric   string    `json:"metric"`
		}{jsonFloat(d), m.String()})
	}
	t := newTable(stdout)
	t.row("metric", "A", "B", "distance")
	t.row(m.String(), reps.labels[0], reps.labels[1], d)
	return t.flush()
}
