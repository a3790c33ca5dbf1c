package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/repgeo/repgeo/repgeo"
)

// metricFlags are the flags shared by the geometry subcommands, choosing a
// metric and its repgeo.Options.
type metricFlags struct {
	name        string
	unbiased    bool
	kernel      string
	lengthScale string
	alpha       float64
	whitening   string
	p           int
	eps         float64
	mode        string
}

// addMetricFlags defines the metric flags on fs, with the defaults of
// repgeo.DefaultOptions.
func addMetricFlags(fs *flag.FlagSet) *metricFlags {
	d := repgeo.DefaultOptions()
	mf := &metricFlags{}
	fs.StringVar(&mf.name, "metric", "angular-cka", "metric: "+strings.Join(repgeo.MetricNames(), ", "))
	fs.BoolVar(&mf.unbiased, "unbiased", d.Unbiased, "CKA: unbiased estimator (zero the diagonal of the centred kernel matrix)")
	fs.StringVar(&mf.kernel, "kernel", d.Kernel, "CKA: kernel, linear, rbf or laplace")
	fs.StringVar(&mf.lengthScale, "length-scale", "median", "CKA: rbf/laplace length scale, a positive number or median (of the distances between rows)")
	fs.Float64Var(&mf.alpha, "alpha", d.Alpha, "shape metrics: whitening in [0, 1]; 1 means none")
	fs.StringVar(&mf.whitening, "whitening", d.Whitening, "shape metrics: whitening convention, netrep or repsim")
	fs.IntVar(&mf.p, "p", d.P, "shape metrics and air in cov mode: PCA width; 0 keeps every dimension")
	fs.Float64Var(&mf.eps, "eps", d.Eps, "air: ridge added to its matrices")
	fs.StringVar(&mf.mode, "mode", d.Mode, "air: gram (m×m) or cov (p×p)")
	return mf
}

// options returns the repgeo.Options the flags describe.
func (mf *metricFlags) options() (repgeo.Options, error) {
	o := repgeo.DefaultOptions()
	o.Unbiased = mf.unbiased
	o.Kernel = mf.kernel
	if mf.lengthScale != "median" {
		v, err := strconv.ParseFloat(mf.lengthScale, 64)
		if err != nil || !(v > 0) || v > 1e300 {
			return o, badInput("invalid --length-scale %q: want a positive number or median", mf.lengthScale)
		}
		o.LengthScale = v
	}
	o.Alpha = mf.alpha
	o.Whitening = mf.whitening
	o.P = mf.p
	o.Eps = mf.eps
	o.Mode = mf.mode
	return o, nil
}

// metric builds the metric the flags describe. Unknown names and invalid
// options are bad input.
func (mf *metricFlags) metric() (repgeo.Metric, error) {
	names := repgeo.MetricNames()
	if !slices.Contains(names, mf.name) {
		return nil, badInput("unknown metric %q (known: %s)", mf.name, strings.Join(names, ", "))
	}
	o, err := mf.options()
	if err != nil {
		return nil, err
	}
	m, err := repgeo.NewMetric(mf.name, o)
	if err != nil {
		return nil, badInput("%s", strings.TrimPrefix(err.Error(), "repgeo: "))
	}
	return m, nil
}

// newCommandFlags returns a flag set for a subcommand whose usage line is
// "repgeo name usage" followed by the description.
func newCommandFlags(name, usage, description string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.Usage = func() {
		w := fs.Output()
		fmt.Fprintf(w, "Usage: repgeo %s %s\n\n%s\n\nFlags (before the files):\n", name, usage, description)
		fs.PrintDefaults()
	}
	return fs
}

// parseCommandFlags parses args with fs. Help (-h) prints the usage to
// stdout and returns flag.ErrHelp; any other flag error is bad input, as a
// single line.
func parseCommandFlags(fs *flag.FlagSet, args []string, stdout io.Writer) error {
	fs.SetOutput(io.Discard)
	err := fs.Parse(args)
	if errors.Is(err, flag.ErrHelp) {
		fs.SetOutput(stdout)
		fs.Usage()
		return err
	}
	if err != nil {
		return badInput("%v", err)
	}
	return nil
}
