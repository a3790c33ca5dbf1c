package repgeo

import (
	"slices"
	"strings"
	"testing"
)

func TestRegistry(t *testing.T) {
	for _, name := range []string{"angular-cka", "angular-shape", "euclidean-shape", "air", "stress"} {
		m, err := NewMetric(name, DefaultOptions())
		if err != nil {
			t.Errorf("NewMetric(%q): %v", name, err)
			continue
		}
		if m.Name() != name {
			t.Errorf("NewMetric(%q).Name() = %q", name, m.Name())
		}
		if !slices.Contains(MetricNames(), name) {
			t.Errorf("MetricNames() lacks %q", name)
		}
	}
	if !slices.IsSorted(MetricNames()) {
		t.Errorf("MetricNames() not sorted: %v", MetricNames())
	}
	_, err := NewMetric("no-such-metric", DefaultOptions())
	if err == nil || !strings.Contains(err.Error(), "no-such-metric") {
		t.Errorf("unknown metric: err = %v, want an error naming it", err)
	}
}

func TestRegisterTwicePanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("registering angular-cka twice did not panic")
		}
	}()
	Register("angular-cka", func(Options) (Metric, error) { return nil, nil })
}
