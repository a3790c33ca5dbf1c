package repgeo

import (
	"fmt"
	"sort"
	"sync"
)

// Options holds the parameters of every registered metric. A metric reads the
// fields it needs and ignores the rest; DefaultOptions gives the defaults.
type Options struct {
	// Unbiased selects repsim's unbiased CKA: the diagonal of the centred
	// kernel matrix is set to zero.
	Unbiased bool
	// Kernel is the CKA kernel: "linear", "rbf" or "laplace".
	Kernel string
	// LengthScale is the RBF or Laplace length scale; 0 selects the median
	// of the Euclidean distances between rows.
	LengthScale float64
	// Alpha is the shape metrics' whitening parameter in [0, 1]; 1 means no whitening.
	Alpha float64
	// Whitening is the shape metrics' whitening convention: "netrep" or "repsim".
	Whitening string
	// P is the PCA width of the shape metrics and of AIR in cov mode; 0 keeps every dimension.
	P int
	// Eps is the ridge added to AIR's matrices.
	Eps float64
	// Mode is AIR's mode: "gram" (m×m) or "cov" (p×p).
	Mode string
}

// DefaultOptions returns the options used when none are given.
func DefaultOptions() Options {
	return Options{Kernel: "linear", Alpha: 1, Whitening: "netrep", Eps: 0.1, Mode: "gram"}
}

// Constructor builds a metric from options, returning an error for invalid ones.
type Constructor func(opts Options) (Metric, error)

var (
	registryMu sync.RWMutex
	registry   = map[string]Constructor{}
)

// Register makes a metric available by name to NewMetric and the command line.
// It panics if the name is empty or already taken.
func Register(name string, c Constructor) {
	registryMu.Lock()
	defer registryMu.Unlock()
	if name == "" || c == nil {
		panic("repgeo: Register with empty name or nil constructor")
	}
	if _, dup := registry[name]; dup {
		panic("repgeo: metric " + name + " registered twice")
	}
	registry[name] = c
}

// NewMetric returns the registered metric called name, built with opts.
func NewMetric(name string, opts Options) (Metric, error) {
	registryMu.RLock()
	c, ok := registry[name]
	registryMu.RUnlock()
	if !ok {
		return nil, fmt.Errorf("repgeo: unknown metric %q (known: %v)", name, MetricNames())
	}
	return c(opts)
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
