package models_test

import (
	"fmt"
	"log"
	"os"
	"path/filepath"

	"gonum.org/v1/gonum/mat"

	"github.com/repgeo/repgeo/models"
)

// Write the activations of two taps on three inputs with their one-hot
// target, and read them back: the taps keep their path order and the labels
// come back from the target.
func ExampleWriteActivations() {
	dir, err := os.MkdirTemp("", "acts")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "acts.npz")
	acts := &models.Activations{
		Taps: []string{"01_stem", "00_input"},
		Layers: []*mat.Dense{
			mat.NewDense(3, 2, []float64{1, 2, 3, 4, 5, 6}),
			mat.NewDense(3, 1, []float64{7, 8, 9}),
		},
		Target: mat.NewDense(3, 2, []float64{0, 1, 1, 0, 0, 1}),
	}
	if err := models.WriteActivations(path, acts); err != nil {
		log.Fatal(err)
	}
	back, err := models.ReadActivations(path)
	if err != nil {
		log.Fatal(err)
	}
	names, _ := back.Path()
	fmt.Println("path:", names)
	fmt.Println("labels:", back.Labels)
	// Output:
	// path: [01_stem 00_input target]
	// labels: [1 0 1]
}
