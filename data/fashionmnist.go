package data

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// Fashion-MNIST file names, as published and as Debian installs them.
var fashionFiles = [4]string{
	"train-images-idx3-ubyte", "train-labels-idx1-ubyte",
	"t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte",
}

// Fashion-MNIST statistics of the training split (0..1 scale).
var (
	fashionMean = []float32{0.2860}
	fashionStd  = []float32{0.3530}
)

// LoadFashionMNIST reads Fashion-MNIST from the four IDX files in dir
// (train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte,
// t10k-labels-idx1-ubyte), each gzip-compressed with a .gz suffix or plain.
func LoadFashionMNIST(dir string) (*Set, error) {
	s := &Set{Name: FashionMNIST, Height: 28, Width: 28, Channels: 1, Classes: 10, Mean: fashionMean, Std: fashionStd}
	for i, sp := range []*Split{&s.Train, &s.Test} {
		imgs, dims, err := readIDXFile(dir, fashionFiles[2*i])
		if err != nil {
			return nil, err
		}
		if len(dims) != 3 || dims[1] != 28 || dims[2] != 28 {
			return nil, fmt.Errorf("data: fashion-mnist: %s: %w: images of dimensions %v, want N×28×28",
				fashionFiles[2*i], ErrCorrupt, dims)
		}
		labels, ldims, err := readIDXFile(dir, fashionFiles[2*i+1])
		if err != nil {
			return nil, err
		}
		if len(ldims) != 1 || ldims[0] != dims[0] {
			return nil, fmt.Errorf("data: fashion-mnist: %s: %w: labels of dimensions %v for %d images",
				fashionFiles[2*i+1], ErrCorrupt, ldims, dims[0])
		}
		for j, l := range labels {
			if l > 9 {
				return nil, fmt.Errorf("data: fashion-mnist: %s: %w: label %d of image %d (want 0..9)",
					fashionFiles[2*i+1], ErrCorrupt, l, j)
			}
		}
		sp.Pixels, sp.Labels = imgs, labels
	}
	return s, nil
}

// readIDXFile reads dir/base.gz or, failing that, dir/base.
func readIDXFile(dir, base string) ([]uint8, []int, error) {
	name := filepath.Join(dir, base+".gz")
	raw, err := os.ReadFile(name)
	if os.IsNotExist(err) {
		name = filepath.Join(dir, base)
		raw, err = os.ReadFile(name)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("data: fashion-mnist: %w", err)
	}
	var r io.Reader = bytes.NewReader(raw)
	size := int64(len(raw))
	if strings.HasSuffix(name, ".gz") {
		gz, err := gzip.NewReader(r)
		if err != nil {
			return nil, nil, fmt.Errorf("data: fashion-mnist: %s: %w: %v", name, ErrCorrupt, err)
		}
		r, size = gz, -1
	}
	values, dims, err := readIDX(r, size)
	if err != nil {
		return nil, nil, fmt.Errorf("data: fashion-mnist: %s: %w", name, err)
	}
	return values, dims, nil
}

// idxChunk is the number of values ReadIDX reads at a time: memory grows
// with the data actually read, not with the size the header claims.
const idxChunk = 1 << 20

// ReadIDX reads an IDX file of unsigned bytes (type code 0x08): a 4-byte
// magic number (0, 0, 0x08, number of dimensions), the dimensions as
// big-endian uint32, then the values. It returns the values and dimensions.
// It reads r to its end, so that a gzip reader verifies its checksum, and
// returns an error wrapping ErrCorrupt for a malformed, truncated or
// over-long file or a failing read.
func ReadIDX(r io.Reader) ([]uint8, []int, error) {
	return readIDX(r, -1)
}

// readIDX is ReadIDX for a stream of size bytes, or of unknown size when
// size < 0; a known size is checked against the header before any value is
// read.
func readIDX(r io.Reader, size int64) ([]uint8, []int, error) {
	var magic [4]byte
	if _, err := io.ReadFull(r, magic[:]); err != nil {
		return nil, nil, fmt.Errorf("%w: IDX header: %v", ErrCorrupt, err)
	}
	if magic[0] != 0 || magic[1] != 0 {
		return nil, nil, fmt.Errorf("%w: not an IDX file (magic % x)", ErrCorrupt, magic)
	}
	if magic[2] != 0x08 {
		return nil, nil, fmt.Errorf("%w: IDX type 0x%02x, want unsigned bytes (0x08)", ErrCorrupt, magic[2])
	}
	nd := int(magic[3])
	if nd < 1 || nd > 4 {
		return nil, nil, fmt.Errorf("%w: IDX with %d dimensions", ErrCorrupt, nd)
	}
	dims := make([]int, nd)
	total := 1
	for i := range dims {
		var d uint32
		if err := binary.Read(r, binary.BigEndian, &d); err != nil {
			return nil, nil, fmt.Errorf("%w: IDX dimensions: %v", ErrCorrupt, err)
		}
		if d == 0 || d > 1<<24 {
			return nil, nil, fmt.Errorf("%w: IDX dimension %d", ErrCorrupt, d)
		}
		dims[i] = int(d)
		total *= int(d)
		if total > 1<<31 {
			return nil, nil, fmt.Errorf("%w: IDX of dimensions %v is too large", ErrCorrupt, dims[:i+1])
		}
	}
	if size >= 0 {
		header := int64(4 + 4*nd)
		if have := size - header; have != int64(total) {
			what := "truncated"
			if have > int64(total) {
				what = "over-long"
			}
			return nil, nil, fmt.Errorf("%w: IDX %s: dimensions %v need %d values, the file holds %d after its %d-byte header",
				ErrCorrupt, what, dims, total, have, header)
		}
	}
	// Of a stream of unknown size, read in chunks, doubling the buffer as
	// the data arrive: a header claiming more values than the stream holds
	// costs no more memory than the values actually there.
	initial := total
	if size < 0 {
		initial = min(total, idxChunk)
	}
	values := make([]uint8, 0, initial)
	for len(values) < total {
		k := len(values)
		step := min(idxChunk, total-k)
		if k+step > cap(values) {
			grown := make([]uint8, k, min(total, max(2*cap(values), k+step)))
			copy(grown, values)
			values = grown
		}
		values = values[:k+step]
		if n, err := io.ReadFull(r, values[k:]); err != nil {
			return nil, nil, fmt.Errorf("%w: IDX truncated: %d of %d values: %v", ErrCorrupt, k+n, total, err)
		}
	}
	// Read to the end: a gzip stream reports a checksum mismatch or a
	// truncated trailer only there.
	extra, err := io.Copy(io.Discard, r)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: IDX: after its %d values: %v", ErrCorrupt, total, err)
	}
	if extra > 0 {
		return nil, nil, fmt.Errorf("%w: IDX has %d bytes of data after its %d values", ErrCorrupt, extra, total)
	}
	return values, dims, nil
}
