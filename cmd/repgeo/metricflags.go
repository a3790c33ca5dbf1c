package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/repgeo/repgeo/repgeo"
)

// metricFlags are the flags shared by the geometry subcommands, choosing a
// metric and its repgeo.Options.
type metricFlags struct {
	fs          *flag.FlagSet
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

// metricFlagNames maps each metric flag to the repgeo option it sets.
var metricFlagNames = []string{
	repgeo.OptionUnbiased, repgeo.OptionKernel, repgeo.OptionLengthScale, repgeo.OptionAlpha,
	repgeo.OptionWhitening, repgeo.OptionP, repgeo.OptionEps, repgeo.OptionMode,
}

// addMetricFlags defines the metric flags on fs, with the defaults of
// repgeo.DefaultOptions. The flags are named as the repgeo options they set.
func addMetricFlags(fs *flag.FlagSet) *metricFlags {
	d := repgeo.DefaultOptions()
	mf := &metricFlags{fs: fs}
	fs.StringVar(&mf.name, "metric", "angular-cka", "metric: "+strings.Join(repgeo.MetricNames(), ", "))
	fs.BoolVar(&mf.unbiased, repgeo.OptionUnbiased, d.Unbiased, "angular-cka: unbiased estimator (zero the diagonal of the centred kernel matrix)")
	fs.StringVar(&mf.kernel, repgeo.OptionKernel, d.Kernel.String(), "angular-cka: kernel, linear, rbf or laplace")
	fs.StringVar(&mf.lengthScale, repgeo.OptionLengthScale, "median", "angular-cka with --kernel=rbf or laplace: length scale, a positive number or median (of the distances between rows)")
	fs.Float64Var(&mf.alpha, repgeo.OptionAlpha, 1-d.Whiten, "shape metrics: whitening in [0, 1]; 1 means none")
	fs.StringVar(&mf.whitening, repgeo.OptionWhitening, d.Whitening.String(), "shape metrics with --alpha < 1: whitening convention, netrep or repsim")
	fs.IntVar(&mf.p, repgeo.OptionP, d.P, "shape metrics: PCA width, 0 keeps every dimension; air in cov mode: number of principal components, required (> 0)")
	fs.Float64Var(&mf.eps, repgeo.OptionEps, d.Eps, "air: ridge added to its matrices, ≥ 0 (0 in mode cov only)")
	fs.StringVar(&mf.mode, repgeo.OptionMode, d.Mode.String(), "air: gram (m×m) or cov (p×p)")
	return mf
}

// options returns the repgeo.Options the flags describe.
func (mf *metricFlags) options() (repgeo.Options, error) {
	o := repgeo.DefaultOptions()
	o.Unbiased = mf.unbiased
	var err error
	if o.Kernel, err = repgeo.ParseKernel(mf.kernel); err != nil {
		return o, badInput("--kernel: %w", err)
	}
	if mf.lengthScale != "median" {
		v, err := strconv.ParseFloat(mf.lengthScale, 64)
		if err != nil || !(v > 0) || v > 1e300 {
			return o, badInput("invalid --length-scale %q: want a positive number or median", mf.lengthScale)
		}
		o.LengthScale = v
	}
	if !(mf.alpha >= 0 && mf.alpha <= 1) {
		return o, badInput("invalid --alpha %v: want a number in [0, 1]", mf.alpha)
	}
	o.Whiten = 1 - mf.alpha
	if o.Whitening, err = repgeo.ParseWhitening(mf.whitening); err != nil {
		return o, badInput("--whitening: %w", err)
	}
	o.P = mf.p
	switch {
	case !(mf.eps >= 0) || math.IsInf(mf.eps, 0):
		return o, badInput("invalid --eps %v: want a finite number ≥ 0", mf.eps)
	case mf.eps == 0:
		o.Eps = repgeo.NoRidge
	default:
		o.Eps = mf.eps
	}
	if o.Mode, err = repgeo.ParseAIRMode(mf.mode); err != nil {
		return o, badInput("--mode: %w", err)
	}
	if o.Eps == repgeo.NoRidge && o.Mode == repgeo.GramMode {
		return o, badInput("--eps=0 (no ridge) needs --mode=cov: in mode gram every matrix would be singular")
	}
	return o, nil
}

// metric builds the metric the flags describe. Unknown names, invalid
// options and metric flags given on the command line that the metric does
// not use are bad input.
func (mf *metricFlags) metric() (repgeo.Metric, error) {
	names := repgeo.MetricNames()
	if !slices.Contains(names, mf.name) {
		return nil, badInput("unknown metric %q (known: %s)", mf.name, strings.Join(names, ", "))
	}
	uses, _ := repgeo.MetricOptions(mf.name)
	var unused []string
	for _, name := range metricFlagNames {
		if !slices.Contains(uses, name) {
			unused = append(unused, name)
		}
	}
	if err := rejectFlags(mf.fs, "by "+mf.name, unused...); err != nil {
		return nil, err
	}
	o, err := mf.options()
	if err != nil {
		return nil, err
	}
	m, err := repgeo.NewMetric(mf.name, o)
	if err == nil {
		// A flag given explicitly, even at its default, must be one that the
		// metric in its configuration uses.
		mf.fs.Visit(func(f *flag.Flag) {
			if err == nil && slices.Contains(metricFlagNames, f.Name) {
				err = repgeo.CheckOptionUsed(m, f.Name)
			}
		})
	}
	var oe *repgeo.OptionError
	if errors.As(err, &oe) {
		msg := fmt.Sprintf("--%s is not used by %s", oe.Option, oe.Metric)
		if oe.Detail != "" {
			msg += " " + oe.Detail
		}
		return nil, badInput("%s", msg)
	}
	if err != nil {
		return nil, badInput("%w", err)
	}
	return m, nil
}

// rejectFlags returns a bad-input error if any of the named flags was set
// on the command line, even to its default value: they are flags that the
// chosen metric or mode does not use, which context names ("by stress",
// "with --checkpoint"). The error names the first such flag in
// lexicographical order: "--NAME is not used CONTEXT".
func rejectFlags(fs *flag.FlagSet, context string, names ...string) error {
	var first string
	fs.Visit(func(f *flag.Flag) {
		if first == "" && slices.Contains(names, f.Name) {
			first = f.Name
		}
	})
	if first != "" {
		return badInput("--%s is not used %s", first, context)
	}
	return nil
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
