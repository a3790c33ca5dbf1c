package main

import (
	"io"
	"math"

	"github.com/repgeo/repgeo/repgeo"
)

func init() {
	commands["angle"] = command{
		summary: "angle at B between the geodesics to A and to C",
		run:     runAngle,
	}
}

func runAngle(args []string, stdout io.Writer) error {
	fs := newCommandFlags("angle", "[metric flags] [--json] A B C",
		"Prints the angle at B, in radians in [0, π], between the geodesics from B\nto A and from B to C; π means B lies on the geodesic from A to C.")
	mf := addMetricFlags(fs)
	asJSON := fs.Bool("json", false, `print JSON {"angle": x, "metric": "..."}`)
	if err := parseCommandFlags(fs, args, stdout); err != nil {
		return err
	}
	m, reps, pts, err := metricPoints(mf, fs.Args(), 3, 3, "A B C")
	if err != nil {
		return err
	}
	a, err := repgeo.Angle(m, pts[0], pts[1], pts[2])
	if err != nil {
		return reps.coincide(err, "A", "B", "C")
	}
	if *asJSON {
		return emitJSON(stdout, struct {
			Angle  jsonFloat `json:"angle"`
			Metric string    `json:"metric"`
		}{jsonFloat(a), m.String()})
	}
	t := newTable(stdout)
	t.row("metric", "A", "B", "C", "angle (rad)", "angle (deg)")
	t.row(m.String(), reps.labels[0], reps.labels[1], reps.labels[2], a, a*180/math.Pi)
	return t.flush()
}
