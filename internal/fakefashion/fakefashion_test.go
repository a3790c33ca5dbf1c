package fakefashion

import (
	"bytes"
	"testing"

	"github.com/repgeo/repgeo/data"
)

// TestWrite writes look-alikes and reads them back as Fashion-MNIST: the
// sizes and labels asked for, the same images for the same seed, other
// images for another; sizes below one image are refused.
func TestWrite(t *testing.T) {
	load := func(train, test int, seed uint64) *data.Set {
		t.Helper()
		dir := t.TempDir()
		if err := Write(dir, train, test, seed); err != nil {
			t.Fatal(err)
		}
		s, err := data.Load(data.FashionMNIST, dir)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	a, b, c := load(30, 12, 5), load(30, 12, 5), load(30, 12, 6)
	if a.Train.Len() != 30 || a.Test.Len() != 12 || a.Test.Labels[11] != 1 || a.Train.Labels[29] != 9 {
		t.Errorf("%d training and %d test images, labels %v", a.Train.Len(), a.Test.Len(), a.Test.Labels)
	}
	if !bytes.Equal(a.Train.Pixels, b.Train.Pixels) || bytes.Equal(a.Train.Pixels, c.Train.Pixels) {
		t.Error("the images do not follow the seed")
	}
	for _, n := range [][2]int{{0, 5}, {5, 0}} {
		if err := Write(t.TempDir(), n[0], n[1], 1); err == nil {
			t.Errorf("Write of %d and %d images: no error", n[0], n[1])
		}
	}
}
