package figure_test

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"

	"github.com/repgeo/repgeo/figure"
)

// Points of the unit sphere around the north pole keep, on the map, their
// angular distance to the centre of the projection.
func ExampleAzimuthal() {
	a := 0.5 // radians from the pole
	x := mat.NewDense(3, 3, []float64{
		0, 0, 1,
		math.Sin(a), 0, math.Cos(a),
		-math.Sin(a), 0, math.Cos(a),
	})
	xy, err := figure.Azimuthal(x)
	if err != nil {
		fmt.Println(err)
		return
	}
	for i := 0; i < 3; i++ {
		fmt.Printf("%.3f\n", math.Hypot(xy.At(i, 0), xy.At(i, 1)))
	}
	// Output:
	// 0.000
	// 0.500
	// 0.500
}

// A heat map of a distance matrix with labelled rows and columns, rendered
// to PNG (Show would also save it under docs/figures and display it).
func ExampleHeat() {
	d := mat.NewDense(3, 3, []float64{0, 1, 2, 1, 0, 1, 2, 1, 0})
	p, err := figure.Heat{Title: "distances", Z: d, Rows: []string{"a", "b", "c"}, Cols: []string{"a", "b", "c"}}.Plot()
	if err != nil {
		fmt.Println(err)
		return
	}
	png, err := figure.Render(figure.Row{Height: 2 * 72, Panels: []figure.Panel{{Plot: p, Width: 2 * 72}}})
	fmt.Println(err, string(png[1:4]))
	// Output:
	// <nil> PNG
}
