package npy

import (
	"archive/zip"
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"

	"github.com/repgeo/repgeo/internal/atomicfile"
	"gonum.org/v1/gonum/mat"
)

// WriteNPY writes x to path as a .npy file holding a float64 array of shape
// (rows, columns) in C order. The write is atomic.
func WriteNPY(path string, x mat.Matrix) error {
	if err := checkWritable(x); err != nil {
		return fmt.Errorf("npy: %s: %w", path, err)
	}
	return writeNPYAtomic(path, func(w io.Writer) error {
		return encode(w, x)
	})
}

// WriteNPZ writes the matrices xs to path as an uncompressed .npz archive
// (as numpy.savez does), one entry "<name>.npy" per matrix, in order. Names
// must be distinct, non-empty and free of slashes. The write is atomic.
func WriteNPZ(path string, names []string, xs []mat.Matrix) error {
	if len(names) != len(xs) {
		return fmt.Errorf("npy: %s: %d names for %d matrices", path, len(names), len(xs))
	}
	if len(xs) == 0 {
		return fmt.Errorf("npy: %s: no matrices to write", path)
	}
	seen := make(map[string]bool, len(names))
	for i, name := range names {
		switch {
		case name == "":
			return fmt.Errorf("npy: %s: matrix %d has an empty name", path, i)
		case strings.ContainsAny(name, `/\`):
			return fmt.Errorf("npy: %s: name %q contains a slash", path, name)
		case seen[name]:
			return fmt.Errorf("npy: %s: name %q used twice", path, name)
		}
		seen[name] = true
		if err := checkWritable(xs[i]); err != nil {
			return fmt.Errorf("npy: %s: %s: %w", path, name, err)
		}
	}
	return writeNPYAtomic(path, func(w io.Writer) error {
		zw := zip.NewWriter(w)
		for i, name := range names {
			fw, err := zw.CreateHeader(&zip.FileHeader{Name: name + ".npy", Method: zip.Store})
			if err != nil {
				return err
			}
			if err := encode(fw, xs[i]); err != nil {
				return err
			}
		}
		return zw.Close()
	})
}

// checkWritable rejects matrices that have no elements.
func checkWritable(x mat.Matrix) error {
	if x == nil {
		return errors.New("nil matrix")
	}
	r, c := x.Dims()
	if r == 0 || c == 0 {
		return fmt.Errorf("empty %d×%d matrix", r, c)
	}
	return nil
}

// header returns the complete .npy preamble (magic, version, header length,
// header dictionary, padding) for a float64 C-order array of the given shape.
// The total length is a multiple of 64, as numpy writes it.
func header(rows, cols int) []byte {
	dict := fmt.Sprintf("{'descr': '<f8', 'fortran_order': False, 'shape': (%d, %d), }", rows, cols)
	const pre = 10 // magic (6) + version (2) + uint16 length (2)
	total := pre + len(dict) + 1
	if rem := total % 64; rem != 0 {
		total += 64 - rem
	}
	hlen := total - pre
	b := make([]byte, 0, total)
	b = append(b, magic...)
	b = append(b, 1, 0)
	b = binary.LittleEndian.AppendUint16(b, uint16(hlen))
	b = append(b, dict...)
	for len(b) < total-1 {
		b = append(b, ' ')
	}
	return append(b, '\n')
}

// encode writes x as a float64 C-order .npy stream.
func encode(w io.Writer, x mat.Matrix) error {
	r, c := x.Dims()
	if _, err := w.Write(header(r, c)); err != nil {
		return err
	}
	bw := bufio.NewWriterSize(w, 1<<16)
	var buf [8]byte
	raw, isRaw := x.(mat.RawMatrixer)
	for i := 0; i < r; i++ {
		var row []float64
		if isRaw {
			rm := raw.RawMatrix()
			row = rm.Data[i*rm.Stride : i*rm.Stride+c]
		}
		for j := 0; j < c; j++ {
			var v float64
			if row != nil {
				v = row[j]
			} else {
				v = x.At(i, j)
			}
			binary.LittleEndian.PutUint64(buf[:], math.Float64bits(v))
			if _, err := bw.Write(buf[:]); err != nil {
				return err
			}
		}
	}
	return bw.Flush()
}

// writeNPYAtomic writes path through write atomically, prefixing errors with the package name.
func writeNPYAtomic(path string, write func(io.Writer) error) error {
	if err := atomicfile.Write(path, write); err != nil {
		return fmt.Errorf("npy: %w", err)
	}
	return nil
}
