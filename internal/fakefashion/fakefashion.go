// Package fakefashion writes small Fashion-MNIST look-alikes for tests: the
// four IDX files of the dataset, holding random 28×28 images whose labels
// cycle through the 10 classes, for code that needs Fashion-MNIST by name
// (the zoo, the experiment's zoo members) without the real files.
package fakefashion

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
)

// Write writes train training and test test images, drawn with seed, as the
// uncompressed IDX files of Fashion-MNIST into dir, which data.Load reads.
func Write(dir string, train, test int, seed uint64) error {
	if train < 1 || test < 1 {
		return fmt.Errorf("fakefashion: %d training and %d test images: both must be positive", train, test)
	}
	rng := rand.New(rand.NewPCG(seed, seed+1))
	write := func(name string, magic uint32, dims []uint32, body []byte) error {
		var hdr []byte
		hdr = binary.BigEndian.AppendUint32(hdr, magic)
		for _, d := range dims {
			hdr = binary.BigEndian.AppendUint32(hdr, d)
		}
		if err := os.WriteFile(filepath.Join(dir, name), append(hdr, body...), 0o644); err != nil {
			return fmt.Errorf("fakefashion: %w", err)
		}
		return nil
	}
	for _, split := range []struct {
		prefix string
		n      int
	}{{"train", train}, {"t10k", test}} {
		pixels := make([]byte, split.n*28*28)
		for i := range pixels {
			pixels[i] = byte(rng.IntN(256))
		}
		labels := make([]byte, split.n)
		for i := range labels {
			labels[i] = byte(i % 10)
		}
		if err := write(split.prefix+"-images-idx3-ubyte", 0x803, []uint32{uint32(split.n), 28, 28}, pixels); err != nil {
			return err
		}
		if err := write(split.prefix+"-labels-idx1-ubyte", 0x801, []uint32{uint32(split.n)}, labels); err != nil {
			return err
		}
	}
	return nil
}
