package figure_test

import (
	"fmt"

	"github.com/repgeo/repgeo/figure"
	"github.com/repgeo/repgeo/repgeo"
)

// A clump diagram of two paths from their step lengths: the first takes
// three short steps and one long one, the second two even steps.
func ExampleClump() {
	p, err := figure.Clump("where the steps clump", "radians",
		figure.ClumpPath{Name: "net A", Cumulative: repgeo.CumulativeLengths([]float64{0.1, 0.1, 0.2, 1.2})},
		figure.ClumpPath{Name: "net B", Cumulative: repgeo.CumulativeLengths([]float64{0.7, 0.7})})
	if err != nil {
		fmt.Println(err)
		return
	}
	png, err := figure.Render(figure.Row{Height: 2 * 72, Panels: []figure.Panel{{Plot: p, Width: 4 * 72}}})
	fmt.Println(err, string(png[1:4]))
	// Output:
	// <nil> PNG
}
