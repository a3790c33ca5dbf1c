package data

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/md5"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// cifarRecords returns n records of the binary format: label i%10 and
// pixel values chosen so the test can check the CHW to HWC conversion.
func cifarRecords(n, offset int) []byte {
	var b []byte
	for i := range n {
		b = append(b, byte((i+offset)%10))
		for ch := range 3 {
			for p := range 1024 {
				b = append(b, byte((p+ch*7+i+offset)%256))
			}
		}
	}
	return b
}

func writeCIFAR(t *testing.T, dir string, perFile int) {
	t.Helper()
	for k, f := range append(slices.Clone(cifarTrainFiles), cifarTestFile) {
		if err := os.WriteFile(filepath.Join(dir, f), cifarRecords(perFile, k*perFile), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestLoadCIFAR10(t *testing.T) {
	dir := t.TempDir()
	writeCIFAR(t, dir, 4)
	s, err := LoadCIFAR10(dir)
	if err != nil {
		t.Fatal(err)
	}
	if s.Train.Len() != 20 || s.Test.Len() != 4 {
		t.Fatalf("%d train and %d test images, want 20 and 4", s.Train.Len(), s.Test.Len())
	}
	if len(s.Train.Pixels) != 20*3072 {
		t.Fatalf("%d train pixels", len(s.Train.Pixels))
	}
	// Image i of the training split, pixel p, channel ch was (p+7ch+i) mod 256.
	for _, i := range []int{0, 5, 19} {
		if s.Train.Labels[i] != uint8(i%10) {
			t.Errorf("label %d = %d, want %d", i, s.Train.Labels[i], i%10)
		}
		for _, p := range []int{0, 33, 1023} {
			for ch := range 3 {
				got := s.Train.Pixels[i*3072+p*3+ch]
				if want := uint8((p + ch*7 + i) % 256); got != want {
					t.Fatalf("image %d pixel %d channel %d = %d, want %d", i, p, ch, got, want)
				}
			}
		}
	}
	// The archive's subdirectory is found too.
	sub := filepath.Join(t.TempDir(), "cifar-10-batches-bin")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	writeCIFAR(t, sub, 1)
	if _, err := LoadCIFAR10(filepath.Dir(sub)); err != nil {
		t.Errorf("loading from the parent of cifar-10-batches-bin: %v", err)
	}
}

func TestLoadCIFAR10Errors(t *testing.T) {
	for _, tc := range []struct {
		name    string
		mutate  func(dir string) error
		corrupt bool
	}{
		{"missing file", func(dir string) error { return os.Remove(filepath.Join(dir, "data_batch_3.bin")) }, false},
		{"truncated", func(dir string) error {
			return os.Truncate(filepath.Join(dir, cifarTestFile), 2*cifarRecord-100)
		}, true},
		{"empty", func(dir string) error { return os.Truncate(filepath.Join(dir, "data_batch_1.bin"), 0) }, true},
		{"bad label", func(dir string) error {
			b := cifarRecords(2, 0)
			b[cifarRecord] = 200
			return os.WriteFile(filepath.Join(dir, "data_batch_2.bin"), b, 0o644)
		}, true},
	} {
		dir := t.TempDir()
		writeCIFAR(t, dir, 2)
		if err := tc.mutate(dir); err != nil {
			t.Fatal(err)
		}
		_, err := LoadCIFAR10(dir)
		if err == nil {
			t.Errorf("%s: no error", tc.name)
			continue
		}
		if errors.Is(err, ErrCorrupt) != tc.corrupt {
			t.Errorf("%s: error %q, corrupt=%v, want %v", tc.name, err, errors.Is(err, ErrCorrupt), tc.corrupt)
		}
	}
}

// cifarArchive builds a gzip-compressed tar like the official one, at the
// given compression level.
func cifarArchive(t *testing.T, skip string, level int) []byte {
	t.Helper()
	var buf bytes.Buffer
	gz, err := gzip.NewWriterLevel(&buf, level)
	if err != nil {
		t.Fatal(err)
	}
	tw := tar.NewWriter(gz)
	add := func(name string, body []byte) {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(body)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write(body); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.WriteHeader(&tar.Header{Name: "cifar-10-batches-bin/", Mode: 0o755, Typeflag: tar.TypeDir}); err != nil {
		t.Fatal(err)
	}
	for k, f := range append(slices.Clone(cifarTrainFiles), cifarTestFile) {
		if f != skip {
			add("cifar-10-batches-bin/"+f, cifarRecords(2, k))
		}
	}
	add("cifar-10-batches-bin/batches.meta.txt", []byte("airplane\n"))
	add("cifar-10-batches-bin/readme.html", []byte("<html>"))
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := gz.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func md5hex(b []byte) string {
	s := md5.Sum(b)
	return hex.EncodeToString(s[:])
}

func TestExtractCIFAR10(t *testing.T) {
	good := cifarArchive(t, "", gzip.DefaultCompression)
	dir := t.TempDir()
	if err := ExtractCIFAR10(bytes.NewReader(good), md5hex(good), dir); err != nil {
		t.Fatal(err)
	}
	s, err := LoadCIFAR10(dir)
	if err != nil {
		t.Fatalf("loading the extracted files: %v", err)
	}
	if s.Train.Len() != 10 || s.Test.Len() != 2 {
		t.Errorf("%d/%d images, want 10/2", s.Train.Len(), s.Test.Len())
	}
	if _, err := os.Stat(filepath.Join(dir, "readme.html")); !os.IsNotExist(err) {
		t.Error("extracted a file that is not part of the binary data set")
	}

	// A wrong checksum leaves nothing behind.
	dir2 := t.TempDir()
	err = ExtractCIFAR10(bytes.NewReader(good), CIFAR10MD5, dir2)
	if !errors.Is(err, ErrChecksum) {
		t.Errorf("wrong checksum: error %v, want ErrChecksum", err)
	}
	if entries, _ := os.ReadDir(dir2); len(entries) != 0 {
		t.Errorf("wrong checksum left %d files", len(entries))
	}
	// A corrupt gzip stream with a matching checksum, and an archive missing
	// a batch, are reported as corrupt.
	bad := slices.Clone(good)
	bad[len(bad)/2] ^= 0xff
	if err := ExtractCIFAR10(bytes.NewReader(bad), md5hex(bad), t.TempDir()); !errors.Is(err, ErrCorrupt) {
		t.Errorf("corrupt archive: error %v, want ErrCorrupt", err)
	}
	short := cifarArchive(t, "data_batch_4.bin", gzip.DefaultCompression)
	if err := ExtractCIFAR10(bytes.NewReader(short), md5hex(short), t.TempDir()); !errors.Is(err, ErrCorrupt) {
		t.Errorf("archive missing a batch: error %v, want ErrCorrupt", err)
	}
}

// TestExtractCIFAR10GzipChecksum flips a byte of a batch file inside an
// uncompressed gzip stream, which only the stream's checksum at its end
// reveals: the archive is reported as corrupt and no file is left behind.
func TestExtractCIFAR10GzipChecksum(t *testing.T) {
	good := cifarArchive(t, "", gzip.NoCompression)
	// The stored blocks hold the tar verbatim: find a record of the test
	// batch (labels 6, 7 and its pixels) and change one pixel.
	rec := cifarRecords(2, 6)
	at := bytes.Index(good, rec[:200])
	if at < 0 {
		t.Fatal("test batch not found in the uncompressed archive")
	}
	for _, tc := range []struct {
		name    string
		archive []byte
	}{
		{"flipped byte", func() []byte { b := slices.Clone(good); b[at+100] ^= 0x01; return b }()},
		{"truncated trailer", good[:len(good)-4]},
	} {
		dir := t.TempDir()
		err := ExtractCIFAR10(bytes.NewReader(tc.archive), md5hex(tc.archive), dir)
		if !errors.Is(err, ErrCorrupt) {
			t.Errorf("%s: error %v, want ErrCorrupt", tc.name, err)
		}
		if entries, _ := os.ReadDir(dir); len(entries) != 0 {
			t.Errorf("%s: a corrupt archive left %d files", tc.name, len(entries))
		}
	}
	if err := ExtractCIFAR10(bytes.NewReader(good), md5hex(good), t.TempDir()); err != nil {
		t.Errorf("the intact uncompressed archive: %v", err)
	}
}

// idx encodes an IDX file of unsigned bytes.
func idx(dims []int, values []byte) []byte {
	b := []byte{0, 0, 8, byte(len(dims))}
	for _, d := range dims {
		b = binary.BigEndian.AppendUint32(b, uint32(d))
	}
	return append(b, values...)
}

func gz(t *testing.T, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	if _, err := w.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func writeFashion(t *testing.T, dir string, nTrain, nTest int, compress bool) {
	t.Helper()
	files := map[string][]byte{}
	for _, sp := range []struct {
		prefix string
		n      int
	}{{"train", nTrain}, {"t10k", nTest}} {
		px := make([]byte, sp.n*784)
		lb := make([]byte, sp.n)
		for i := range px {
			px[i] = byte(i % 251)
		}
		for i := range lb {
			lb[i] = byte((i * 3) % 10)
		}
		files[sp.prefix+"-images-idx3-ubyte"] = idx([]int{sp.n, 28, 28}, px)
		files[sp.prefix+"-labels-idx1-ubyte"] = idx([]int{sp.n}, lb)
	}
	for name, b := range files {
		if compress {
			name, b = name+".gz", gz(t, b)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestLoadFashionMNIST(t *testing.T) {
	for _, compress := range []bool{true, false} {
		dir := t.TempDir()
		writeFashion(t, dir, 30, 12, compress)
		s, err := LoadFashionMNIST(dir)
		if err != nil {
			t.Fatalf("compress=%v: %v", compress, err)
		}
		if s.Train.Len() != 30 || s.Test.Len() != 12 || s.Height != 28 || s.Channels != 1 {
			t.Fatalf("compress=%v: %d/%d images of %d×%d×%d", compress, s.Train.Len(), s.Test.Len(), s.Height, s.Width, s.Channels)
		}
		if s.Train.Pixels[1000] != byte(1000%251) || s.Test.Labels[5] != 5 {
			t.Errorf("compress=%v: wrong values", compress)
		}
	}
}

func TestLoadFashionMNISTErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		file string
		body func(t *testing.T) []byte
	}{
		{"truncated images", "train-images-idx3-ubyte.gz", func(t *testing.T) []byte {
			return gz(t, idx([]int{30, 28, 28}, make([]byte, 30*784-5)))
		}},
		{"bad magic", "t10k-images-idx3-ubyte.gz", func(t *testing.T) []byte { return gz(t, []byte{1, 2, 3, 4, 5, 6, 7, 8}) }},
		{"not gzip", "train-labels-idx1-ubyte.gz", func(t *testing.T) []byte { return []byte("plain text") }},
		{"label count", "train-labels-idx1-ubyte.gz", func(t *testing.T) []byte { return gz(t, idx([]int{29}, make([]byte, 29))) }},
		{"label range", "t10k-labels-idx1-ubyte.gz", func(t *testing.T) []byte {
			lb := make([]byte, 12)
			lb[3] = 10
			return gz(t, idx([]int{12}, lb))
		}},
		{"image size", "t10k-images-idx3-ubyte.gz", func(t *testing.T) []byte {
			return gz(t, idx([]int{12, 27, 29}, make([]byte, 12*27*29)))
		}},
		{"trailing data", "t10k-labels-idx1-ubyte.gz", func(t *testing.T) []byte { return gz(t, idx([]int{12}, make([]byte, 13))) }},
	} {
		dir := t.TempDir()
		writeFashion(t, dir, 30, 12, true)
		if err := os.WriteFile(filepath.Join(dir, tc.file), tc.body(t), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := LoadFashionMNIST(dir)
		if !errors.Is(err, ErrCorrupt) {
			t.Errorf("%s: error %v, want ErrCorrupt", tc.name, err)
		}
	}
	if _, err := LoadFashionMNIST(t.TempDir()); err == nil || errors.Is(err, ErrCorrupt) {
		t.Errorf("missing files: error %v, want a not-found error", err)
	}
}

// TestLoadFashionMNISTGzipIntegrity damages the end of a gzip stream,
// which only the last read reports: the checksum of a changed pixel, a cut
// trailer and data after the stream are all errors, not silently loaded.
func TestLoadFashionMNISTGzipIntegrity(t *testing.T) {
	raw := idx([]int{30, 28, 28}, make([]byte, 30*784))
	var buf bytes.Buffer
	w, err := gzip.NewWriterLevel(&buf, gzip.NoCompression)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(raw)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	stored := buf.Bytes() // the pixels verbatim, then the 8-byte trailer
	for _, tc := range []struct {
		name string
		body []byte
		ok   bool
	}{
		{"intact", stored, true},
		{"flipped pixel", func() []byte { b := slices.Clone(stored); b[len(b)-8-100] ^= 0x7f; return b }(), false},
		{"cut trailer", stored[:len(stored)-4], false},
		{"no trailer", stored[:len(stored)-8], false},
		{"garbage after the stream", append(slices.Clone(stored), "junk"...), false},
	} {
		dir := t.TempDir()
		writeFashion(t, dir, 30, 12, true)
		if err := os.WriteFile(filepath.Join(dir, "train-images-idx3-ubyte.gz"), tc.body, 0o644); err != nil {
			t.Fatal(err)
		}
		s, err := LoadFashionMNIST(dir)
		if tc.ok {
			if err != nil {
				t.Errorf("%s: %v", tc.name, err)
			} else if slices.ContainsFunc(s.Train.Pixels, func(v uint8) bool { return v != 0 }) {
				t.Errorf("%s: nonzero pixels", tc.name)
			}
			continue
		}
		if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "train-images-idx3-ubyte.gz") {
			t.Errorf("%s: error %v, want ErrCorrupt naming the file", tc.name, err)
		}
	}
}

// TestReadIDXClaimsTooMuch gives headers claiming 2^31 values (2 GiB) with
// no values after them: the error comes before that memory is allocated.
func TestReadIDXClaimsTooMuch(t *testing.T) {
	header := idx([]int{2048, 1024, 1024}, nil)
	for _, tc := range []struct {
		name, file string
		body       []byte
		want       string
	}{
		{"plain", "train-images-idx3-ubyte", header, "need 2147483648 values, the file holds 0 after its 16-byte header"},
		{"plain, some values", "train-images-idx3-ubyte", append(slices.Clone(header), make([]byte, 1000)...), "the file holds 1000"},
		{"gzip", "train-images-idx3-ubyte.gz", gz(t, header), "IDX truncated: 0 of 2147483648 values"},
		{"gzip, some values", "train-images-idx3-ubyte.gz", gz(t, append(slices.Clone(header), make([]byte, 3<<20)...)), "IDX truncated: 3145728 of 2147483648 values"},
		{"plain, over-long", "train-labels-idx1-ubyte", append(idx([]int{30}, make([]byte, 30)), 1), "over-long: dimensions [30] need 30 values, the file holds 31"},
	} {
		dir := t.TempDir()
		writeFashion(t, dir, 30, 12, false)
		if err := os.WriteFile(filepath.Join(dir, tc.file), tc.body, 0o644); err != nil {
			t.Fatal(err)
		}
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		_, err := LoadFashionMNIST(dir)
		runtime.ReadMemStats(&after)
		if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want ErrCorrupt containing %q", tc.name, err, tc.want)
		}
		// The files themselves take about 60 KB, the chunks read 1 MiB
		// each, doubling: far below the 2 GiB claimed.
		if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 64<<20 {
			t.Errorf("%s: allocated %d MiB", tc.name, alloc>>20)
		}
	}
	// ReadIDX on a stream of unknown length does the same.
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, _, err := ReadIDX(bytes.NewReader(header))
	runtime.ReadMemStats(&after)
	if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "IDX truncated: 0 of 2147483648 values") {
		t.Errorf("ReadIDX: error %v", err)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 64<<20 {
		t.Errorf("ReadIDX: allocated %d MiB", alloc>>20)
	}
}

func TestLoad(t *testing.T) {
	if _, err := Load("mnist", ""); !errors.Is(err, ErrUnknownDataset) {
		t.Errorf("unknown dataset: %v", err)
	}
	t.Setenv(EnvDataDir, "")
	if _, err := Load(CIFAR10, ""); err == nil {
		t.Error("cifar10 without a directory: no error")
	}
	dir := t.TempDir()
	writeCIFAR(t, dir, 1)
	t.Setenv(EnvDataDir, dir)
	if s, err := Load(CIFAR10, ""); err != nil || s.Test.Len() != 1 {
		t.Errorf("cifar10 from $%s: %v", EnvDataDir, err)
	}
	root := t.TempDir()
	if err := os.Mkdir(filepath.Join(root, FashionMNIST), 0o755); err != nil {
		t.Fatal(err)
	}
	writeFashion(t, filepath.Join(root, FashionMNIST), 10, 7, true)
	t.Setenv(EnvDataDir, root)
	if s, err := Load(FashionMNIST, ""); err != nil || s.Test.Len() != 7 {
		t.Errorf("fashion-mnist from $%s/%s: %v", EnvDataDir, FashionMNIST, err)
	}
	if _, err := Load(CIFAR10, ""); err == nil || !strings.Contains(err.Error(), "not found") {
		t.Errorf("cifar10 absent from $%s: %v", EnvDataDir, err)
	}
	for _, name := range []string{Synthetic, SyntheticGray} {
		s, err := Load(name, "")
		if err != nil {
			t.Fatal(err)
		}
		h, w, c, _ := InputShape(name)
		if s.Height != h || s.Width != w || s.Channels != c || s.Name != name {
			t.Errorf("%s: %s %d×%d×%d, InputShape says %d×%d×%d", name, s.Name, s.Height, s.Width, s.Channels, h, w, c)
		}
	}
}

func TestSynthetic(t *testing.T) {
	o := SyntheticOptions{Height: 28, Width: 28, Channels: 1, Train: 50, Test: 20, Seed: 3}
	a, err := NewSynthetic(o)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := NewSynthetic(o)
	if !slices.Equal(a.Train.Pixels, b.Train.Pixels) || !slices.Equal(a.Test.Labels, b.Test.Labels) {
		t.Error("same options gave different datasets")
	}
	o.Seed = 4
	c, _ := NewSynthetic(o)
	if slices.Equal(a.Train.Pixels, c.Train.Pixels) {
		t.Error("different seeds gave the same images")
	}
	counts := make([]int, 10)
	for _, l := range a.Train.Labels {
		counts[l]++
	}
	for k, n := range counts {
		if n != 5 {
			t.Errorf("class %d has %d of 50 training images, want 5", k, n)
		}
	}
	if _, err := NewSynthetic(SyntheticOptions{Height: 32, Width: 32, Channels: 2}); err == nil {
		t.Error("2 channels accepted")
	}
}

func TestStratifiedSample(t *testing.T) {
	labels := make([]uint8, 0, 103)
	for i := range 103 {
		labels = append(labels, uint8((i*7)%10))
	}
	labels[0] = 9 // Unbalance the classes a little.
	for _, tc := range []struct{ m, minPer, maxPer int }{{10, 1, 1}, {25, 2, 3}, {50, 5, 5}, {103, 9, 12}} {
		a, err := StratifiedSample(labels, 10, tc.m, 11)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := StratifiedSample(labels, 10, tc.m, 11)
		if !slices.Equal(a, b) {
			t.Errorf("m=%d: not deterministic", tc.m)
		}
		if len(a) != tc.m {
			t.Fatalf("m=%d: %d indices", tc.m, len(a))
		}
		seen := map[int]bool{}
		per := make([]int, 10)
		for k, i := range a {
			if seen[i] {
				t.Errorf("m=%d: index %d chosen twice", tc.m, i)
			}
			seen[i] = true
			per[labels[i]]++
			if k > 0 && labels[a[k-1]] > labels[i] {
				t.Errorf("m=%d: not sorted by class", tc.m)
			}
		}
		for c, n := range per {
			if n < tc.minPer || n > tc.maxPer {
				t.Errorf("m=%d: class %d has %d, want %d..%d", tc.m, c, n, tc.minPer, tc.maxPer)
			}
		}
	}
	a, _ := StratifiedSample(labels, 10, 20, 1)
	b, _ := StratifiedSample(labels, 10, 20, 2)
	if slices.Equal(a, b) {
		t.Error("different seeds chose the same images")
	}
	for _, m := range []int{0, 104} {
		if _, err := StratifiedSample(labels, 10, m, 1); err == nil {
			t.Errorf("m=%d accepted", m)
		}
	}
	if _, err := StratifiedSample([]uint8{1, 12}, 10, 1, 1); err == nil {
		t.Error("label out of range accepted")
	}
}

func TestBatchAndAugment(t *testing.T) {
	s, err := NewSynthetic(SyntheticOptions{Train: 10, Test: 10, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	size := s.ImageSize()
	x := make([]float32, 2*size)
	y := make([]int32, 2)
	s.Batch(true, []int{3, 7}, x, y)
	if y[0] != 3 || y[1] != 7 {
		t.Errorf("labels %v", y)
	}
	// Pixel 5, channel 1 of image 7, normalized.
	want := (float32(s.Train.Pixels[7*size+5*3+1])/255 - s.Mean[1]) / s.Std[1]
	if got := x[size+5*3+1]; got-want > 1e-5 || want-got > 1e-5 {
		t.Errorf("normalized value %g, want %g", got, want)
	}
	// With no padding, augmentation only flips: each row is the plain row
	// or its mirror image.
	a := make([]float32, 2*size)
	s.AugmentedBatch([]int{3, 7}, a, y, 0, rand.New(rand.NewPCG(1, 2)))
	for b := range 2 {
		same, mirrored := true, true
		for r := range s.Height {
			for c := range s.Width {
				for ch := range 3 {
					v := a[b*size+(r*s.Width+c)*3+ch]
					if v != x[b*size+(r*s.Width+c)*3+ch] {
						same = false
					}
					if v != x[b*size+(r*s.Width+s.Width-1-c)*3+ch] {
						mirrored = false
					}
				}
			}
		}
		if !same && !mirrored {
			t.Errorf("image %d: augmentation without padding is neither the image nor its mirror", b)
		}
	}
}
