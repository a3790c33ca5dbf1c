package main

import (
	"io"
	"os"

	"github.com/schollz/progressbar/v3"
	"gonum.org/v1/gonum/mat"

	"github.com/repgeo/repgeo/npy"
	"github.com/repgeo/repgeo/repgeo"
)

func init() {
	commands["pairwise"] = command{
		summary: "all-pairs distance matrix of representations",
		run:     runPairwise,
	}
}

// pairwiseJSON is the JSON output of repgeo pairwise.
type pairwiseJSON struct {
	Labels    []string      `json:"labels"`
	Distances [][]jsonFloat `json:"distances"`
	// Metric is the metric with its full configuration (Metric.String).
	Metric string `json:"metric"`
}

func runPairwise(args []string, stdout io.Writer) error {
	fs := newCommandFlags("pairwise", "[metric flags] [--json] [--out D.npy] FILE...",
		"Prints the matrix of distances between all pairs of representations\n(every array of every file, in order; at least 2), computed in parallel.\nA progress bar is shown on stderr when it is a terminal.")
	mf := addMetricFlags(fs)
	asJSON := fs.Bool("json", false, `print JSON {"labels": [...], "distances": [[...]], "metric": "..."}`)
	out := fs.String("out", "", "also write the matrix to this .npy file (float64, written atomically)")
	if err := parseCommandFlags(fs, args, stdout); err != nil {
		return err
	}
	if *out != "" {
		if err := checkOutputPath("out", *out, ".npy"); err != nil {
			return err
		}
	}
	m, err := mf.metric()
	if err != nil {
		return err
	}
	reps, err := readRepresentations(fs.Args(), 2, -1, "FILE...")
	if err != nil {
		return err
	}
	d, err := reps.pairwise(m, "pairwise")
	if err != nil {
		return err
	}
	if *out != "" {
		if err := npy.WriteNPY(*out, d); err != nil {
			return err
		}
	}
	if *asJSON {
		return emitJSON(stdout, pairwiseJSON{Labels: reps.labels, Distances: jsonRows(d), Metric: m.String()})
	}
	if err := printMatrix(stdout, reps.labels, d); err != nil {
		return err
	}
	return printMetric(stdout, m)
}

// pairwise returns the distance matrix of the representations under m,
// showing a progress bar described by desc on stderr if it is a terminal.
func (r *representations) pairwise(m repgeo.Metric, desc string) (*mat.SymDense, error) {
	var opts repgeo.PairwiseOptions
	if stderrIsTerminal() {
		progress, finish := progressBar(os.Stderr, desc)
		opts.Progress = progress
		defer finish()
	}
	d, err := repgeo.Pairwise(m, r.mats, &opts)
	return d, r.explain(err)
}

// progressBar returns a repgeo.PairwiseOptions.Progress callback drawing a
// progress bar described by desc on w, and a function that removes the bar
// when the work is over.
func progressBar(w io.Writer, desc string) (progress func(done, total int), finish func()) {
	var bar *progressbar.ProgressBar
	progress = func(done, total int) {
		if bar == nil {
			bar = progressbar.NewOptions(total,
				progressbar.OptionSetWriter(w),
				progressbar.OptionSetDescription(desc),
				progressbar.OptionShowCount(),
				progressbar.OptionSetPredictTime(true),
				progressbar.OptionClearOnFinish())
		}
		bar.Set(done)
	}
	finish = func() {
		if bar != nil {
			bar.Exit()
		}
	}
	return progress, finish
}

// stderrIsTerminal reports whether the standard error is a character
// device, such as a terminal, rather than a file or pipe.
func stderrIsTerminal() bool {
	st, err := os.Stderr.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// jsonRows returns the rows of a matrix for JSON output.
func jsonRows(a mat.Matrix) [][]jsonFloat {
	r, c := a.Dims()
	rows := make([][]jsonFloat, r)
	for i := range rows {
		rows[i] = make([]jsonFloat, c)
		for j := range rows[i] {
			rows[i][j] = jsonFloat(a.At(i, j))
		}
	}
	return rows
}

// printMetric prints, after a blank line, the metric with its full
// configuration (Metric.String), as the last lines of a table.
func printMetric(w io.Writer, m repgeo.Metric) error {
	t := newTable(w)
	t.row("")
	t.row("metric", m.String())
	return t.flush()
}

// printMatrix prints a square matrix as a table with the labels as row and
// column headers.
func printMatrix(w io.Writer, labels []string, a mat.Matrix) error {
	t := newTable(w)
	head := make([]any, 0, len(labels)+1)
	head = append(head, "")
	for _, l := range labels {
		head = append(head, l)
	}
	t.row(head...)
	for i, l := range labels {
		cells := make([]any, 0, len(labels)+1)
		cells = append(cells, l)
		for j := range labels {
			cells = append(cells, a.At(i, j))
		}
		t.row(cells...)
	}
	return t.flush()
}
