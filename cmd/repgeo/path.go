package main

import (
	"io"

	"github.com/repgeo/repgeo/repgeo"
)

func init() {
	commands["path"] = command{
		summary: "length, tortuosity, angles and progress of a path of representations",
		run:     runPath,
	}
}

// pathJSON is the JSON output of repgeo path.
type pathJSON struct {
	StepLengths      []jsonFloat `json:"step_lengths"`
	TotalLength      jsonFloat   `json:"total_length"`
	EndpointDistance jsonFloat   `json:"endpoint_distance"`
	Tortuosity       jsonFloat   `json:"tortuosity"`
	Angles           []jsonFloat `json:"angles"`
	Progress         []jsonFloat `json:"progress"`
	// CumulativeLengths is the distance travelled from the first point to
	// each point, for drawing where a path's steps clump.
	CumulativeLengths []jsonFloat `json:"cumulative_lengths"`
	// Metric is the metric with its full configuration (Metric.String).
	Metric string `json:"metric"`
}

func runPath(args []string, stdout io.Writer) error {
	fs := newCommandFlags("path", "[metric flags] [--json] FILE...",
		"Measures the path through the representations of the files, in order\n(every array of every file; at least 3): the length of each step, the total\nlength, the distance between the ends, the tortuosity (their ratio), the\nangle at each interior point (π: no turn) and the progress t of each point\nprojected on the geodesic from the first to the last (0 at the first, 1 at\nthe last).\nWith --json, cumulative_lengths adds the distance travelled from the\nfirst point to each.")
	mf := addMetricFlags(fs)
	asJSON := fs.Bool("json", false, "print JSON with keys step_lengths, total_length, endpoint_distance,\ntortuosity, angles, progress, cumulative_lengths and metric")
	if err := parseCommandFlags(fs, args, stdout); err != nil {
		return err
	}
	m, reps, pts, err := metricPoints(mf, fs.Args(), 3, -1, "FILE...")
	if err != nil {
		return err
	}
	pm, err := repgeo.MeasurePath(m, pts)
	if err != nil {
		return reps.coincide(err)
	}
	if *asJSON {
		return emitJSON(stdout, pathJSON{
			StepLengths:       jsonFloats(pm.StepLengths),
			TotalLength:       jsonFloat(pm.TotalLength),
			EndpointDistance:  jsonFloat(pm.EndpointDistance),
			Tortuosity:        jsonFloat(pm.Tortuosity),
			Angles:            jsonFloats(pm.Angles),
			Progress:          jsonFloats(pm.Progress),
			CumulativeLengths: jsonFloats(pm.CumulativeLengths()),
			Metric:            m.String(),
		})
	}
	t := newTable(stdout)
	t.row("#", "label", "step", "angle", "progress", "to end")
	n := len(pts)
	for i := range n {
		step, angle := "-", "-"
		if i > 0 {
			step = fmtNum(pm.StepLengths[i-1])
		}
		if i > 0 && i < n-1 {
			angle = fmtNum(pm.Angles[i-1])
		}
		t.row(i, reps.labels[i], step, angle, pm.Progress[i], pm.EndDistances[i])
	}
	if err := t.flush(); err != nil {
		return err
	}
	t = newTable(stdout)
	t.row("")
	t.row("metric", m.String())
	t.row("total length", pm.TotalLength)
	t.row("endpoint distance", pm.EndpointDistance)
	t.row("tortuosity", pm.Tortuosity)
	return t.flush()
}
