package npy_test

import (
	"fmt"
	"log"
	"os"
	"path/filepath"

	"gonum.org/v1/gonum/mat"

	"github.com/repgeo/repgeo/npy"
)

// Write two layers' activations to an .npz archive and read them back, as
// numpy.load would see them: one array per layer, keyed by name.
func ExampleWriteNPZ() {
	dir, err := os.MkdirTemp("", "npy")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "activations.npz")

	conv := mat.NewDense(3, 2, []float64{1, 2, 3, 4, 5, 6})
	logits := mat.NewDense(3, 1, []float64{0.5, -0.5, 0})
	if err := npy.WriteNPZ(path, []string{"conv", "logits"}, []mat.Matrix{conv, logits}); err != nil {
		log.Fatal(err)
	}

	arrays, err := npy.ReadFile(path)
	if err != nil {
		log.Fatal(err)
	}
	for _, a := range arrays {
		fmt.Println(a.Name, a.Shape, a.Data.RawMatrix().Data)
	}
	// Output:
	// conv [3 2] [1 2 3 4 5 6]
	// logits [3 1] [0.5 -0.5 0]
}

// Arrays with more than two axes, such as convolutional activations of
// shape (inputs, channels, height, width), are read as matrices with one
// row per input.
func ExampleReadFile() {
	arrays, err := npy.ReadFile(filepath.Join("testdata", "f8_rank4.npy"))
	if err != nil {
		log.Fatal(err)
	}
	a := arrays[0]
	r, c := a.Data.Dims()
	fmt.Printf("%s: shape %v read as %d×%d\n", a.Name, a.Shape, r, c)

	_, err = npy.ReadFile(filepath.Join("testdata", "rank1.npy"))
	fmt.Println(err)
	// Output:
	// f8_rank4: shape [2 3 2 2] read as 2×12
	// testdata/rank1.npy: need at least 2 axes (inputs × features), header shape is (6,)
}
