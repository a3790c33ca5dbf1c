package repgeo

import (
	"fmt"
	"slices"
	"sort"
	"sync"
)

// Options holds the parameters of the registered metrics for NewMetric, the
// by-name constructor used by the command line and the notebooks. Each
// metric reads only some of the fields (see MetricOptions); NewMetric
// rejects a field that the named metric does not read unless it holds its
// zero value or its value in DefaultOptions. The zero value of every field
// is its default, so the zero Options and DefaultOptions make the same
// metrics.
//
// In Go code, the typed constructors (NewAngularCKA, NewAngularShape,
// NewEuclideanShape, NewAIR) with their own configurations are the
// alternative that needs no names.
type Options struct {
	// Unbiased (option "unbiased", angular-cka) selects repsim's unbiased
	// CKA: the diagonal of the centred kernel matrix is set to zero.
	Unbiased bool
	// Kernel (option "kernel", angular-cka) is the CKA kernel.
	Kernel Kernel
	// LengthScale (option "length-scale", angular-cka with the RBF or
	// Laplace kernel) is the kernel's length scale; 0 selects the median of
	// the Euclidean distances between rows.
	LengthScale float64
	// Whiten (option "alpha", shape metrics) is the degree of partial
	// whitening in [0, 1], as ShapeConfig.Whiten: 0 (the default) none, 1
	// full whitening. It is 1 - alpha in the notation of netrep, repsim and
	// the command line's --alpha.
	Whiten float64
	// Whitening (option "whitening", shape metrics with Whiten > 0) is the
	// whitening convention.
	Whitening Whitening
	// P (option "p") is the PCA width of the shape metrics (0 keeps every
	// dimension) and AIR's number of principal components in cov mode
	// (required, > 0).
	P int
	// Eps (option "eps", air) is the ridge added to AIR's matrices, as
	// AIRConfig.Eps: 0 selects DefaultAIREps, NoRidge (any negative value)
	// adds none.
	Eps float64
	// Mode (option "mode", air) is AIR's mode.
	Mode AIRMode
}

// The option names of the fields of Options, as MetricOptions reports them
// and the command line spells its flags. OptionAlpha names Options.Whiten,
// which the command line's --alpha sets to 1 - alpha.
const (
	OptionUnbiased    = "unbiased"
	OptionKernel      = "kernel"
	OptionLengthScale = "length-scale"
	OptionAlpha       = "alpha"
	OptionWhitening   = "whitening"
	OptionP           = "p"
	OptionEps         = "eps"
	OptionMode        = "mode"
)

// DefaultOptions returns the options used when none are given, with every
// default spelled out. It makes the same metrics as the zero Options.
func DefaultOptions() Options {
	return Options{Kernel: LinearKernel, Whiten: 0, Whitening: NetrepWhitening, Eps: DefaultAIREps, Mode: GramMode}
}

// set reports, for each option name, whether o sets that option: whether
// the field differs from both its zero value and its default.
func (o Options) set() map[string]bool {
	d := DefaultOptions()
	return map[string]bool{
		OptionUnbiased:    o.Unbiased != d.Unbiased && o.Unbiased,
		OptionKernel:      o.Kernel != d.Kernel && o.Kernel != 0,
		OptionLengthScale: o.LengthScale != d.LengthScale && o.LengthScale != 0,
		OptionAlpha:       o.Whiten != d.Whiten && o.Whiten != 0,
		OptionWhitening:   o.Whitening != d.Whitening && o.Whitening != 0,
		OptionP:           o.P != d.P && o.P != 0,
		OptionEps:         o.Eps != d.Eps && o.Eps != 0,
		OptionMode:        o.Mode != d.Mode && o.Mode != 0,
	}
}

// Kernel is the kernel of CKA. The zero value is LinearKernel.
type Kernel int

// The CKA kernels.
const (
	// LinearKernel is k(x, y) = x·y.
	LinearKernel Kernel = iota
	// RBFKernel is k(x, y) = exp(-|x-y|²/l²).
	RBFKernel
	// LaplaceKernel is k(x, y) = exp(-|x-y|/l).
	LaplaceKernel
)

var kernelNames = []string{"linear", "rbf", "laplace"}

// String returns "linear", "rbf" or "laplace".
func (k Kernel) String() string { return enumName(kernelNames, int(k), "Kernel") }

// ParseKernel returns the kernel called "linear", "rbf" or "laplace".
func ParseKernel(s string) (Kernel, error) {
	i, err := parseEnum(kernelNames, s, "kernel")
	return Kernel(i), err
}

// Whitening is the convention of the shape metrics' partial whitening.
// The zero value is NetrepWhitening.
type Whitening int

// The whitening conventions.
const (
	// NetrepWhitening whitens with the eigenvalues of Xcᵀ Xc clipped at
	// 1e-7, as netrep does.
	NetrepWhitening Whitening = iota
	// RepsimWhitening whitens with those of Xcᵀ Xc / m clipped at 1e-9,
	// as repsim does.
	RepsimWhitening
)

var whiteningNames = []string{"netrep", "repsim"}

// String returns "netrep" or "repsim".
func (w Whitening) String() string { return enumName(whiteningNames, int(w), "Whitening") }

// ParseWhitening returns the whitening convention called "netrep" or "repsim".
func ParseWhitening(s string) (Whitening, error) {
	i, err := parseEnum(whiteningNames, s, "whitening")
	return Whitening(i), err
}

// AIRMode selects the matrices of the AIR metric. The zero value is GramMode.
type AIRMode int

// The AIR modes.
const (
	// GramMode uses the m×m matrix Xc Xcᵀ + Eps I.
	GramMode AIRMode = iota
	// CovMode uses the P×P covariance of the top P principal components plus Eps I.
	CovMode
)

var airModeNames = []string{"gram", "cov"}

// String returns "gram" or "cov".
func (m AIRMode) String() string { return enumName(airModeNames, int(m), "AIRMode") }

// ParseAIRMode returns the AIR mode called "gram" or "cov".
func ParseAIRMode(s string) (AIRMode, error) {
	i, err := parseEnum(airModeNames, s, "mode")
	return AIRMode(i), err
}

func enumName(names []string, i int, typ string) string {
	if i < 0 || i >= len(names) {
		return fmt.Sprintf("%s(%d)", typ, i)
	}
	return names[i]
}

func parseEnum(names []string, s, what string) (int, error) {
	if i := slices.Index(names, s); i >= 0 {
		return i, nil
	}
	return 0, errorf("unknown %s %q (want %s)", what, s, orList(names))
}

// validEnum returns an error unless 0 ≤ i < len(names).
func validEnum(names []string, i int, metric, what string) error {
	if i < 0 || i >= len(names) {
		return errorf("%s: unknown %s %d (want %s)", metric, what, i, orList(names))
	}
	return nil
}

func orList(names []string) string {
	switch len(names) {
	case 1:
		return names[0]
	case 2:
		return names[0] + " or " + names[1]
	}
	s := ""
	for i, n := range names {
		switch {
		case i == len(names)-1:
			s += ", or " + n
		case i > 0:
			s += ", " + n
		default:
			s = n
		}
	}
	return s
}

// Constructor builds a metric from options, returning an error for invalid ones.
type Constructor func(opts Options) (Metric, error)

type registration struct {
	c       Constructor
	options []string
}

var (
	registryMu sync.RWMutex
	registry   = map[string]registration{}
)

// Register makes a metric available by name to NewMetric and the command
// line. options names the fields of Options the constructor reads (the
// Option constants); NewMetric rejects the others before calling it. It
// panics if the name is empty or already taken, or an option is unknown.
func Register(name string, c Constructor, options ...string) {
	registryMu.Lock()
	defer registryMu.Unlock()
	if name == "" || c == nil {
		panic("repgeo: Register with empty name or nil constructor")
	}
	if _, dup := registry[name]; dup {
		panic("repgeo: metric " + name + " registered twice")
	}
	known := Options{}.set()
	for _, o := range options {
		if _, ok := known[o]; !ok {
			panic(fmt.Sprintf("repgeo: Register(%q): unknown option %q", name, o))
		}
	}
	registry[name] = registration{c: c, options: slices.Clone(options)}
}

// OptionError reports an option that a metric does not use, such as the
// kernel of a shape metric or the length scale of the linear kernel.
type OptionError struct {
	// Metric is the metric's name.
	Metric string
	// Option is the option's name (an Option constant, "kernel" for Options.Kernel).
	Option string
	// Detail, if not empty, says when the metric does not use the option,
	// such as "with kernel linear".
	Detail string
}

// Error returns "repgeo: option NAME is not used by METRIC", with the detail.
func (e *OptionError) Error() string { return prefix + e.message() }

func (e *OptionError) message() string {
	s := fmt.Sprintf("option %s is not used by %s", e.Option, e.Metric)
	if e.Detail != "" {
		s += " " + e.Detail
	}
	return s
}

// NewMetric returns the registered metric called name, built with opts. It
// returns an *OptionError if opts sets an option (a field differing from
// its zero value and its default) that the metric does not use.
func NewMetric(name string, opts Options) (Metric, error) {
	registryMu.RLock()
	r, ok := registry[name]
	registryMu.RUnlock()
	if !ok {
		return nil, errorf("unknown metric %q (known: %v)", name, MetricNames())
	}
	set := opts.set()
	names := make([]string, 0, len(set))
	for o := range set {
		names = append(names, o)
	}
	sort.Strings(names)
	for _, o := range names {
		if set[o] && !slices.Contains(r.options, o) {
			return nil, &OptionError{Metric: name, Option: o}
		}
	}
	return r.c(opts)
}

// OptionUser is implemented by a metric whose configuration decides
// whether it uses some of the options it is registered with, such as
// angular-cka, which uses the length scale only with the RBF and Laplace
// kernels.
type OptionUser interface {
	Metric
	// UnusedOption reports whether the metric, as configured, leaves the
	// option called name unused, and if so detail names the configuration
	// (as OptionError.Detail, such as "with kernel linear").
	UnusedOption(name string) (detail string, unused bool)
}

// CheckOptionUsed returns an *OptionError if the metric m does not use the
// option called name: if the metric registered under m's name does not
// read it, or if m is an OptionUser whose configuration leaves it unused.
// A caller that lets users set options explicitly (the command line's
// flags) uses it to reject those that would not change the metric, even
// when they hold their default value.
func CheckOptionUsed(m Metric, name string) error {
	registryMu.RLock()
	r, ok := registry[m.Name()]
	registryMu.RUnlock()
	if ok && !slices.Contains(r.options, name) {
		return &OptionError{Metric: m.Name(), Option: name}
	}
	if u, ok := m.(OptionUser); ok {
		if detail, unused := u.UnusedOption(name); unused {
			return &OptionError{Metric: m.Name(), Option: name, Detail: detail}
		}
	}
	return nil
}

// MetricOptions returns the names of the options (fields of Options) that
// the registered metric called name uses, and whether it is registered.
func MetricOptions(name string) ([]string, bool) {
	registryMu.RLock()
	defer registryMu.RUnlock()
	r, ok := registry[name]
	return slices.Clone(r.options), ok
}

// MetricNames returns the names of the registered metrics in sorted order.
func MetricNames() []string {
	registryMu.RLock()
	defer registryMu.RUnlock()
	names := make([]string, 0, len(registry))
	for n := range registry {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// AlgorithmVersion numbers the package's algorithms: a change that alters
// the numbers a metric or a geometric operation gives (beyond rounding)
// must increment it. Caches of results key on it together with the
// metric's String. Version 2: Project returns the closest point of the
// whole geodesic.
const AlgorithmVersion = 2
