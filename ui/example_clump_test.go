package ui_test

import (
	"fmt"

	"github.com/repgeo/repgeo/repgeo"
	"github.com/repgeo/repgeo/ui"
)

// A clump diagram of two paths from their step lengths: the first takes
// three short steps and one long one, the second two even steps.
func ExampleClump() {
	p, err := ui.Clump("where the steps clump", "radians",
		ui.ClumpPath{Name: "net A", Cumulative: repgeo.CumulativeLengths([]float64{0.1, 0.1, 0.2, 1.2})},
		ui.ClumpPath{Name: "net B", Cumulative: repgeo.CumulativeLengths([]float64{0.7, 0.7})})
	if err != nil {
		fmt.Println(err)
		return
	}
	png, err := ui.Render(ui.Row{Height: 2 * 72, Panels: []ui.Panel{{Plot: p, Width: 4 * 72}}})
	fmt.Println(err, string(png[1:4]))
	// Output:
	// <nil> PNG
}
