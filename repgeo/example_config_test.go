package repgeo_test

import (
	"errors"
	"fmt"

	"gonum.org/v1/gonum/mat"

	"github.com/repgeo/repgeo/repgeo"
)

// Each metric has a typed configuration: the zero value is the default, the
// constructor rejects settings the metric does not use, and String gives
// the full configuration.
func ExampleNewAngularCKA() {
	var def repgeo.AngularCKA
	fmt.Println(&def)
	rbf, err := repgeo.NewAngularCKA(repgeo.CKAConfig{Kernel: repgeo.RBFKernel, Unbiased: true})
	fmt.Println(rbf, err)
	_, err = repgeo.NewAngularCKA(repgeo.CKAConfig{LengthScale: 2})
	var oe *repgeo.OptionError
	fmt.Println(errors.As(err, &oe), oe.Option, "|", err)
	// Output:
	// angular-cka(kernel=linear,unbiased=false)
	// angular-cka(kernel=rbf,length-scale=median,unbiased=true) <nil>
	// true length-scale | repgeo: option length-scale is not used by angular-cka with kernel linear
}

// By name, NewMetric rejects the options the metric does not use.
func ExampleNewMetric_unusedOptions() {
	o := repgeo.DefaultOptions()
	shape, err := repgeo.NewMetric("angular-shape", o)
	fmt.Println(shape, err)
	o.Kernel = repgeo.RBFKernel
	_, err = repgeo.NewMetric("angular-shape", o)
	fmt.Println(err)
	uses, _ := repgeo.MetricOptions("angular-shape")
	fmt.Println(uses)
	// Output:
	// angular-shape(alpha=1,whitening=netrep,p=0) <nil>
	// repgeo: option kernel is not used by angular-shape
	// [alpha whitening p]
}

// The zero Options are the defaults of every metric; the shape metrics'
// whitening is Whiten = 1 - alpha, so that zero means none.
func ExampleOptions() {
	for _, name := range []string{"angular-shape", "air"} {
		m, err := repgeo.NewMetric(name, repgeo.Options{})
		fmt.Println(m, err)
	}
	half, err := repgeo.NewMetric("angular-shape", repgeo.Options{Whiten: 0.5})
	fmt.Println(half, err)
	// Output:
	// angular-shape(alpha=1,whitening=netrep,p=0) <nil>
	// air(mode=gram,eps=0.1) <nil>
	// angular-shape(alpha=0.5,whitening=netrep,p=0) <nil>
}

// The error of one representation among several names its index and wraps
// the sentinel of its cause.
func ExampleIndexError() {
	x := mat.NewDense(4, 2, []float64{0, 1, 1, 0, 2, 3, 5, 1})
	constant := mat.NewDense(4, 2, []float64{1, 1, 1, 1, 1, 1, 1, 1})
	_, err := repgeo.Pairwise(&repgeo.AngularCKA{}, []mat.Matrix{x, x, constant}, nil)
	var ie *repgeo.IndexError
	fmt.Println(errors.As(err, &ie), ie.Index, errors.Is(err, repgeo.ErrConstant))
	fmt.Println(err)
	// Output:
	// true 2 true
	// repgeo: representation 2: angular-cka: the centred kernel matrix is zero (a constant representation: every row is the same)
}

// A setting can be unused by a metric's configuration even at its default;
// CheckOptionUsed tells, for callers whose users set options explicitly.
func ExampleCheckOptionUsed() {
	shape := &repgeo.ShapeMetric{} // alpha 1: no whitening
	fmt.Println(repgeo.CheckOptionUsed(shape, repgeo.OptionWhitening))
	fmt.Println(repgeo.CheckOptionUsed(shape, repgeo.OptionP))
	// Output:
	// repgeo: option whitening is not used by angular-shape without whitening (alpha 1)
	// <nil>
}
