package npy

import (
	"os"
	"path/filepath"
	"testing"
)

// benchmarkRead measures ReadFile on a 2000×4096 array (a layer's
// activations on 2000 inputs) of the given dtype and order.
func benchmarkRead(b *testing.B, descr string, fortran bool) {
	shape := []int{2000, 4096}
	values := make([]float64, shape[0]*shape[1])
	for i := range values {
		values[i] = float64(i%1000) * 0.25
	}
	data := encodeNPY(b, 1, descr, fortran, shape, values)
	path := filepath.Join(b.TempDir(), "x.npy")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for range b.N {
		if _, err := ReadFile(path); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkReadFloat32(b *testing.B)        { benchmarkRead(b, "<f4", false) }
func BenchmarkReadFloat64(b *testing.B)        { benchmarkRead(b, "<f8", false) }
func BenchmarkReadFloat32Fortran(b *testing.B) { benchmarkRead(b, "<f4", true) }
