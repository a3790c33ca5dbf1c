package repgeo

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// TestZeroValueMetrics checks that the zero value of each metric type is
// the documented default (the same distances as NewMetric with
// DefaultOptions, bit for bit) or unusable with an error.
func TestZeroValueMetrics(t *testing.T) {
	r := rand.New(rand.NewPCG(50, 1))
	reps := []mat.Matrix{randRep(r, 50, 7), randRep(r, 50, 30), randRep(r, 50, 80)}
	for _, tc := range []struct {
		zero Metric
		name string
	}{
		{&AngularCKA{}, "angular-cka"},
		{&ShapeMetric{}, "angular-shape"},
		{&Stress{}, "stress"},
		{&AIR{}, "air"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.zero.Name() != tc.name {
				t.Errorf("zero value's Name() = %q, want %q", tc.zero.Name(), tc.name)
			}
			def, err := NewMetric(tc.name, DefaultOptions())
			if err != nil {
				t.Fatal(err)
			}
			if got, want := tc.zero.(interface{ String() string }).String(), def.(interface{ String() string }).String(); got != want {
				t.Errorf("zero value's String() = %q, NewMetric's = %q", got, want)
			}
			got, err := Pairwise(tc.zero, reps, nil)
			if err != nil {
				t.Fatal(err)
			}
			want, err := Pairwise(def, reps, nil)
			if err != nil {
				t.Fatal(err)
			}
			if !mat.Equal(got, want) {
				t.Errorf("zero value's distances\n%v\nwant those of NewMetric(%q, DefaultOptions())\n%v", mat.Formatted(got), tc.name, mat.Formatted(want))
			}
		})
	}
}

// TestZeroOptions checks that the zero Options make, for every registered
// metric, the metric of DefaultOptions: the same String and the same
// distances, bit for bit.
func TestZeroOptions(t *testing.T) {
	r := rand.New(rand.NewPCG(51, 1))
	reps := []mat.Matrix{randRep(r, 40, 6), randRep(r, 40, 25), randRep(r, 40, 60)}
	for _, name := range MetricNames() {
		t.Run(name, func(t *testing.T) {
			zero, err := NewMetric(name, Options{})
			if err != nil {
				t.Fatalf("NewMetric(%q, Options{}): %v", name, err)
			}
			def, err := NewMetric(name, DefaultOptions())
			if err != nil {
				t.Fatal(err)
			}
			if got, want := zero.(fmt.Stringer).String(), def.(fmt.Stringer).String(); got != want {
				t.Errorf("Options{} makes %q, DefaultOptions() %q", got, want)
			}
			got, err := Pairwise(zero, reps, nil)
			if err != nil {
				t.Fatal(err)
			}
			want, err := Pairwise(def, reps, nil)
			if err != nil {
				t.Fatal(err)
			}
			if !mat.Equal(got, want) {
				t.Errorf("distances of Options{}\n%v\nwant those of DefaultOptions()\n%v", mat.Formatted(got), mat.Formatted(want))
			}
		})
	}
}

// TestConstructorsRejectUnusedSettings checks the typed constructors and
// NewMetric: settings a metric does not use are *OptionError, invalid ones
// other errors, valid ones give the String of the full configuration.
func TestConstructorsRejectUnusedSettings(t *testing.T) {
	type result struct {
		m   interface{ String() string }
		err error
	}
	res := func(m interface{ String() string }, err error) result { return result{m, err} }
	for _, tc := range []struct {
		name   string
		got    result
		str    string // String() of a valid metric
		option string // the unused option of an *OptionError
		is     error  // a sentinel the error wraps
	}{
		{"cka default", res(NewAngularCKA(CKAConfig{})), "angular-cka(kernel=linear,unbiased=false)", "", nil},
		{"cka rbf", res(NewAngularCKA(CKAConfig{Kernel: RBFKernel, Unbiased: true})), "angular-cka(kernel=rbf,length-scale=median,unbiased=true)", "", nil},
		{"cka laplace 2.5", res(NewAngularCKA(CKAConfig{Kernel: LaplaceKernel, LengthScale: 2.5})), "angular-cka(kernel=laplace,length-scale=2.5,unbiased=false)", "", nil},
		{"cka linear length scale", res(NewAngularCKA(CKAConfig{LengthScale: 2})), "", OptionLengthScale, nil},
		{"cka bad kernel", res(NewAngularCKA(CKAConfig{Kernel: Kernel(3)})), "", "", nil},
		{"cka negative scale", res(NewAngularCKA(CKAConfig{Kernel: RBFKernel, LengthScale: -1})), "", "", nil},
		{"shape default", res(NewAngularShape(ShapeConfig{})), "angular-shape(alpha=1,whitening=netrep,p=0)", "", nil},
		{"shape whitened", res(NewEuclideanShape(ShapeConfig{Whiten: 0.5, Whitening: RepsimWhitening, P: 10})), "euclidean-shape(alpha=0.5,whitening=repsim,p=10)", "", nil},
		{"shape convention unused", res(NewAngularShape(ShapeConfig{Whitening: RepsimWhitening})), "", OptionWhitening, nil},
		{"shape whiten > 1", res(NewAngularShape(ShapeConfig{Whiten: 1.5})), "", "", nil},
		{"shape p < 0", res(NewEuclideanShape(ShapeConfig{P: -1})), "", "", nil},
		{"air gram", res(NewAIR(AIRConfig{Eps: 0.1})), "air(mode=gram,eps=0.1)", "", nil},
		{"air cov", res(NewAIR(AIRConfig{Mode: CovMode, P: 10, Eps: 0.1})), "air(mode=cov,p=10,eps=0.1)", "", nil},
		{"air zero config", res(NewAIR(AIRConfig{})), "air(mode=gram,eps=0.1)", "", nil},
		{"air cov no ridge", res(NewAIR(AIRConfig{Mode: CovMode, P: 4, Eps: -3})), "air(mode=cov,p=4,eps=0)", "", nil},
		{"air gram no ridge", res(NewAIR(AIRConfig{Eps: NoRidge})), "", "", ErrSingular},
		{"air infinite eps", res(NewAIR(AIRConfig{Eps: math.Inf(-1)})), "", "", nil},
		{"by name: whitened shape", res(NewMetric("angular-shape", Options{Whiten: 1, Whitening: RepsimWhitening})), "angular-shape(alpha=0,whitening=repsim,p=0)", "", nil},
		{"air gram p", res(NewAIR(AIRConfig{Eps: 0.1, P: 3})), "", OptionP, nil},
		{"air cov no p", res(NewAIR(AIRConfig{Mode: CovMode, Eps: 0.1})), "", "", nil},
		{"by name: kernel of a shape metric", res(NewMetric("angular-shape", Options{Kernel: RBFKernel})), "", OptionKernel, nil},
		{"by name: alpha of cka", res(NewMetric("angular-cka", Options{Whiten: 0.7})), "", OptionAlpha, nil},
		{"by name: eps of stress", res(NewMetric("stress", Options{Eps: 1})), "", OptionEps, nil},
		{"by name: unbiased of air", res(NewMetric("air", Options{Eps: 0.1, Unbiased: true})), "", OptionUnbiased, nil},
		{"by name: mode of euclidean-shape", res(NewMetric("euclidean-shape", Options{Mode: CovMode})), "", OptionMode, nil},
		{"by name: defaults of other metrics are accepted", res(NewMetric("angular-cka", DefaultOptions())), "angular-cka(kernel=linear,unbiased=false)", "", nil},
		{"by name: zero options of other metrics are accepted", res(NewMetric("angular-cka", Options{Kernel: RBFKernel})), "angular-cka(kernel=rbf,length-scale=median,unbiased=false)", "", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.got.err
			if tc.str != "" {
				if err != nil {
					t.Fatalf("error %v", err)
				}
				if s := tc.got.m.String(); s != tc.str {
					t.Errorf("String() = %q, want %q", s, tc.str)
				}
				return
			}
			if err == nil {
				t.Fatalf("no error (metric %v)", tc.got.m)
			}
			var oe *OptionError
			isOption := errors.As(err, &oe)
			if (tc.option != "") != isOption || (isOption && oe.Option != tc.option) {
				t.Errorf("error %v (*OptionError: %v), want one for option %q", err, isOption, tc.option)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("error %v is not %v", err, tc.is)
			}
		})
	}
}

// TestMetricOptions checks the options each registered metric declares.
func TestMetricOptions(t *testing.T) {
	for name, want := range map[string][]string{
		"angular-cka":     {OptionKernel, OptionLengthScale, OptionUnbiased},
		"angular-shape":   {OptionAlpha, OptionWhitening, OptionP},
		"euclidean-shape": {OptionAlpha, OptionWhitening, OptionP},
		"air":             {OptionMode, OptionEps, OptionP},
		"stress":          nil,
	} {
		got, ok := MetricOptions(name)
		slices.Sort(got)
		slices.Sort(want)
		if !ok || !slices.Equal(got, want) {
			t.Errorf("MetricOptions(%q) = %v, %v; want %v", name, got, ok, want)
		}
	}
	if _, ok := MetricOptions("nope"); ok {
		t.Error(`MetricOptions("nope") reports a metric`)
	}
}

// TestEnums checks the names of the typed constants and their parsers.
func TestEnums(t *testing.T) {
	for _, tc := range []struct {
		s     string
		parse func(string) (int, error)
		str   func(int) string
	}{
		{"linear", func(s string) (int, error) { k, err := ParseKernel(s); return int(k), err }, func(i int) string { return Kernel(i).String() }},
		{"rbf", func(s string) (int, error) { k, err := ParseKernel(s); return int(k), err }, func(i int) string { return Kernel(i).String() }},
		{"laplace", func(s string) (int, error) { k, err := ParseKernel(s); return int(k), err }, func(i int) string { return Kernel(i).String() }},
		{"netrep", func(s string) (int, error) { w, err := ParseWhitening(s); return int(w), err }, func(i int) string { return Whitening(i).String() }},
		{"repsim", func(s string) (int, error) { w, err := ParseWhitening(s); return int(w), err }, func(i int) string { return Whitening(i).String() }},
		{"gram", func(s string) (int, error) { m, err := ParseAIRMode(s); return int(m), err }, func(i int) string { return AIRMode(i).String() }},
		{"cov", func(s string) (int, error) { m, err := ParseAIRMode(s); return int(m), err }, func(i int) string { return AIRMode(i).String() }},
	} {
		i, err := tc.parse(tc.s)
		if err != nil || tc.str(i) != tc.s {
			t.Errorf("parse %q: %d, %v; String %q", tc.s, i, err, tc.str(i))
		}
		if _, err := tc.parse(tc.s + "x"); err == nil {
			t.Errorf("parse %q: no error", tc.s+"x")
		}
	}
	if LinearKernel != 0 || NetrepWhitening != 0 || GramMode != 0 {
		t.Error("the zero values of Kernel, Whitening and AIRMode are not the defaults")
	}
	if s := Kernel(9).String(); s != "Kernel(9)" {
		t.Errorf("Kernel(9).String() = %q", s)
	}
}

// TestForeignPoints checks that a metric refuses points of another metric,
// or of another configuration of itself, with ErrForeignPoint, and accepts
// those of the same configuration however it was spelled.
func TestForeignPoints(t *testing.T) {
	const m = 20
	x := randRep(rand.New(rand.NewPCG(3, 4)), m, 5)
	half, _ := NewAngularShape(ShapeConfig{Whiten: 0.5})
	eucl, _ := NewEuclideanShape(ShapeConfig{})
	air5 := shMust(NewAIR(AIRConfig{Eps: 5}))
	airDefault := shMust(NewAIR(AIRConfig{Eps: DefaultAIREps}))
	// A cov-mode point of the gram-mode size m×m.
	airCov := shMust(NewAIR(AIRConfig{Mode: CovMode, P: m}))
	airCovNoRidge := shMust(NewAIR(AIRConfig{Mode: CovMode, P: 4, Eps: NoRidge}))
	airCovRidge := shMust(NewAIR(AIRConfig{Mode: CovMode, P: 4}))
	for _, tc := range []struct {
		name    string
		metric  Metric
		maker   Metric
		foreign bool
	}{
		{"shape alpha", &ShapeMetric{}, half, true},
		{"shape kind", &ShapeMetric{}, eucl, true},
		{"cka kernel", &AngularCKA{}, &AngularCKA{cfg: CKAConfig{Kernel: RBFKernel}}, true},
		{"cka from shape", &AngularCKA{}, eucl, true},
		{"air eps 5 measuring eps 0.1", air5, &AIR{}, true},
		{"air eps 0.1 measuring eps 5", &AIR{}, air5, true},
		{"air gram measuring cov", &AIR{}, airCov, true},
		{"air cov measuring gram", airCov, &AIR{}, true},
		{"air ridge measuring no ridge", airCovRidge, airCovNoRidge, true},
		{"air no ridge measuring ridge", airCovNoRidge, airCovRidge, true},
		{"air from cka", &AIR{}, &AngularCKA{}, true},
		{"stress from cka", &Stress{}, &AngularCKA{}, true},
		{"air zero value and explicit default", &AIR{}, airDefault, false},
		{"air explicit default and zero value", airDefault, &AIR{}, false},
	} {
		p, err := tc.maker.ToPoint(x)
		if err != nil {
			t.Fatal(err)
		}
		q, err := tc.metric.ToPoint(x)
		if err != nil {
			t.Fatal(err)
		}
		d, err := tc.metric.Distance(q, p)
		switch {
		case tc.foreign && !errors.Is(err, ErrForeignPoint):
			t.Errorf("%s: distance %v, error %v; want ErrForeignPoint", tc.name, d, err)
		case !tc.foreign && (err != nil || d > 1e-10):
			t.Errorf("%s: distance %v, error %v; want 0", tc.name, d, err)
		}
		if r, ok := tc.metric.(Riemannian); ok && tc.foreign {
			if _, err := r.Log(q, p); !errors.Is(err, ErrForeignPoint) {
				t.Errorf("%s: Log error %v; want ErrForeignPoint", tc.name, err)
			}
		}
	}
}

// TestCheckOptionUsed checks which options each metric, as configured,
// uses: the registered ones, less those its configuration leaves unused.
func TestCheckOptionUsed(t *testing.T) {
	rbf := shMust(NewAngularCKA(CKAConfig{Kernel: RBFKernel}))
	whitened := shMust(NewAngularShape(ShapeConfig{Whiten: 0.5}))
	cov := shMust(NewAIR(AIRConfig{Mode: CovMode, P: 3}))
	for _, tc := range []struct {
		name   string
		metric Metric
		option string
		detail string // of the *OptionError; "-" for none (the option is used)
	}{
		{"cka linear kernel", &AngularCKA{}, OptionKernel, "-"},
		{"cka linear unbiased", &AngularCKA{}, OptionUnbiased, "-"},
		{"cka linear length scale", &AngularCKA{}, OptionLengthScale, "with kernel linear"},
		{"cka rbf length scale", rbf, OptionLengthScale, "-"},
		{"cka alpha", rbf, OptionAlpha, ""},
		{"shape alpha", &ShapeMetric{}, OptionAlpha, "-"},
		{"shape p", &ShapeMetric{}, OptionP, "-"},
		{"shape whitening without whitening", &ShapeMetric{}, OptionWhitening, "without whitening (alpha 1)"},
		{"shape whitening with whitening", whitened, OptionWhitening, "-"},
		{"shape eps", whitened, OptionEps, ""},
		{"air gram p", &AIR{}, OptionP, "in mode gram"},
		{"air gram eps", &AIR{}, OptionEps, "-"},
		{"air cov p", cov, OptionP, "-"},
		{"air kernel", cov, OptionKernel, ""},
		{"stress mode", &Stress{}, OptionMode, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckOptionUsed(tc.metric, tc.option)
			if tc.detail == "-" {
				if err != nil {
					t.Errorf("error %v, want none", err)
				}
				return
			}
			var oe *OptionError
			if !errors.As(err, &oe) || oe.Option != tc.option || oe.Metric != tc.metric.Name() || oe.Detail != tc.detail {
				t.Errorf("error %v, want an *OptionError for %s of %s with detail %q", err, tc.option, tc.metric.Name(), tc.detail)
			}
		})
	}
}
