package npy

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// Expected values of the fixtures written by testdata/make_fixtures.py,
// as a function of the C-order index k.
func floatValue(k int) float64 { return float64(k)*0.25 - 1.5 }
func intValue(k int) float64   { return float64(k) - 3 }
func uintValue(k int) float64  { return float64(k) }
func boolValue(k int) float64 {
	if k%3 == 0 {
		return 1
	}
	return 0
}

// checkValues asserts that a's data holds want(k) at C-order index k.
func checkValues(t *testing.T, a Array, want func(int) float64) {
	t.Helper()
	r, c := a.Data.Dims()
	if r != a.Shape[0] {
		t.Fatalf("%s: %d rows, shape %v", a.Name, r, a.Shape)
	}
	n := 1
	for _, d := range a.Shape {
		n *= d
	}
	if r*c != n {
		t.Fatalf("%s: %d×%d matrix for shape %v", a.Name, r, c, a.Shape)
	}
	for i := 0; i < r; i++ {
		for j := 0; j < c; j++ {
			if got, w := a.Data.At(i, j), want(i*c+j); got != w {
				t.Fatalf("%s: element (%d, %d) = %v, want %v", a.Name, i, j, got, w)
			}
		}
	}
}

func TestReadNumpyFixtures(t *testing.T) {
	// Files written by numpy 1.24 (testdata/make_fixtures.py); all values
	// are exact in every dtype used, so comparisons are exact.
	for _, tc := range []struct {
		file  string
		shape []int
		want  func(int) float64
	}{
		{"f4_c.npy", []int{4, 3}, floatValue},
		{"f8_c.npy", []int{5, 2}, floatValue},
		{"f8_fortran.npy", []int{3, 4}, floatValue},
		{"f4_fortran_rank3.npy", []int{2, 3, 4}, floatValue},
		{"f8_rank4.npy", []int{2, 3, 2, 2}, floatValue},
		{"f8_fortran_rank4.npy", []int{2, 3, 2, 2}, floatValue},
		{"f8_big.npy", []int{3, 2}, floatValue},
		{"f4_big.npy", []int{3, 2}, floatValue},
		{"f2.npy", []int{3, 2}, floatValue},
		{"f8_v2.npy", []int{3, 2}, floatValue},
		{"f8_v3.npy", []int{3, 2}, floatValue},
		{"i4.npy", []int{3, 2}, intValue},
		{"i8_big.npy", []int{3, 2}, intValue},
		{"u1.npy", []int{3, 2}, uintValue},
		{"bool.npy", []int{3, 2}, boolValue},
	} {
		t.Run(tc.file, func(t *testing.T) {
			arrays, err := ReadFile(filepath.Join("testdata", tc.file))
			if err != nil {
				t.Fatal(err)
			}
			if len(arrays) != 1 {
				t.Fatalf("got %d arrays, want 1", len(arrays))
			}
			a := arrays[0]
			if want := strings.TrimSuffix(tc.file, ".npy"); a.Name != want {
				t.Errorf("name %q, want %q", a.Name, want)
			}
			if !slices.Equal(a.Shape, tc.shape) {
				t.Fatalf("shape %v, want %v", a.Shape, tc.shape)
			}
			checkValues(t, a, tc.want)
		})
	}
}

func TestReadNumpyNPZ(t *testing.T) {
	// numpy.savez (stored) and numpy.savez_compressed (deflated) archives of
	// conv1 (4, 3) float32, block2 (4, 2, 2) float64, fc (4, 5) Fortran order.
	for _, file := range []string{"layers.npz", "layers_compressed.npz"} {
		t.Run(file, func(t *testing.T) {
			arrays, err := ReadFile(filepath.Join("testdata", file))
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, a := range arrays {
				names = append(names, a.Name)
				checkValues(t, a, floatValue)
			}
			if want := []string{"conv1", "block2", "fc"}; !slices.Equal(names, want) {
				t.Fatalf("names %v, want %v", names, want)
			}
			for i, shape := range [][]int{{4, 3}, {4, 2, 2}, {4, 5}} {
				if !slices.Equal(arrays[i].Shape, shape) {
					t.Errorf("%s: shape %v, want %v", arrays[i].Name, arrays[i].Shape, shape)
				}
			}
		})
	}
}

func TestReadRejectsNumpyFiles(t *testing.T) {
	for _, tc := range []struct{ file, want string }{
		{"rank1.npy", "need at least 2 axes"},
		{"rank0.npy", "need at least 2 axes"},
		{"empty.npy", "array is empty"},
		{"complex.npy", `unsupported dtype "<c8"`},
		{"structured.npy", "structured arrays are not supported"},
		{"strings.npy", `unsupported dtype "<U1"`},
	} {
		t.Run(tc.file, func(t *testing.T) {
			path := filepath.Join("testdata", tc.file)
			_, err := ReadFile(path)
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.HasPrefix(err.Error(), path+": ") || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %q, want the file name and %q", err, tc.want)
			}
			checkKind(t, err, ErrUnsupported)
		})
	}
}

// encodeNPY builds a .npy file with any header, for tests: values are
// written in the given dtype ("<f4", ">f4", "<f8", ">f8") in file order, which
// is C or Fortran order as the header says.
func encodeNPY(t testing.TB, version byte, descr string, fortran bool, shape []int, values []float64) []byte {
	t.Helper()
	dims := make([]string, len(shape))
	for i, d := range shape {
		dims[i] = fmt.Sprint(d)
	}
	tuple := "(" + strings.Join(dims, ", ")
	if len(shape) == 1 {
		tuple += ","
	}
	tuple += ")"
	order := "False"
	if fortran {
		order = "True"
	}
	dict := fmt.Sprintf("{'descr': '%s', 'fortran_order': %s, 'shape': %s, }\n", descr, order, tuple)
	var b bytes.Buffer
	b.WriteString(magic)
	b.WriteByte(version)
	b.WriteByte(0)
	if version == 1 {
		binary.Write(&b, binary.LittleEndian, uint16(len(dict)))
	} else {
		binary.Write(&b, binary.LittleEndian, uint32(len(dict)))
	}
	b.WriteString(dict)
	var bo binary.ByteOrder = binary.LittleEndian
	if descr[0] == '>' {
		bo = binary.BigEndian
	}
	for _, v := range values {
		switch descr[1:] {
		case "f4":
			binary.Write(&b, bo, float32(v))
		case "f8":
			binary.Write(&b, bo, v)
		default:
			t.Fatalf("encodeNPY: dtype %s", descr)
		}
	}
	return b.Bytes()
}

// fileOrder returns the values of an array whose C-order element k is
// floatValue(k), in C or Fortran file order.
func fileOrder(shape []int, fortran bool) []float64 {
	n := 1
	for _, d := range shape {
		n *= d
	}
	out := make([]float64, n)
	for k := range out {
		out[k] = floatValue(k)
	}
	if !fortran {
		return out
	}
	// Fortran position of C index k: reverse the roles of the axes.
	f := make([]float64, n)
	idx := make([]int, len(shape))
	for k := 0; k < n; k++ {
		rem := k
		for a := len(shape) - 1; a >= 0; a-- {
			idx[a] = rem % shape[a]
			rem /= shape[a]
		}
		pos, stride := 0, 1
		for a := 0; a < len(shape); a++ {
			pos += idx[a] * stride
			stride *= shape[a]
		}
		f[pos] = out[k]
	}
	return f
}

func TestReadLayouts(t *testing.T) {
	// Files written here in every supported layout; values exact in float32.
	for _, tc := range []struct {
		descr   string
		fortran bool
		shape   []int
		version byte
	}{
		{"<f4", false, []int{4, 3}, 1},
		{"<f4", true, []int{4, 3}, 1},
		{">f4", true, []int{3, 2, 5}, 2},
		{"<f8", false, []int{2, 3, 4}, 1},
		{"<f8", true, []int{2, 3, 4}, 3},
		{">f8", false, []int{2, 3, 2, 2}, 1},
		{"<f8", true, []int{2, 3, 2, 2}, 1},
		{"<f4", true, []int{3, 1, 2, 1, 2}, 2},
	} {
		name := fmt.Sprintf("%s_%v_%v_v%d", tc.descr[1:], tc.fortran, tc.shape, tc.version)
		t.Run(name, func(t *testing.T) {
			data := encodeNPY(t, tc.version, tc.descr, tc.fortran, tc.shape, fileOrder(tc.shape, tc.fortran))
			path := filepath.Join(t.TempDir(), "x.npy")
			if err := os.WriteFile(path, data, 0o644); err != nil {
				t.Fatal(err)
			}
			for _, read := range []func() ([]Array, error){
				func() ([]Array, error) { return ReadFile(path) },
				func() ([]Array, error) { return Read("x.npy", data) },
			} {
				arrays, err := read()
				if err != nil {
					t.Fatal(err)
				}
				if a := arrays[0]; a.Name != "x" || !slices.Equal(a.Shape, tc.shape) {
					t.Fatalf("name %q shape %v, want x %v", a.Name, a.Shape, tc.shape)
				}
				checkValues(t, arrays[0], floatValue)
			}
		})
	}
}

func TestWriteRoundTrip(t *testing.T) {
	dir := t.TempDir()
	tiny := math.SmallestNonzeroFloat64
	for _, tc := range []struct {
		name string
		x    mat.Matrix
	}{
		{"dense", mat.NewDense(3, 4, []float64{1, -2, 3.5, 1e-300, 5, 6, 7, 8, 9, 10, 11, tiny})},
		{"column", mat.NewDense(5, 1, []float64{1, 2, 3, 4, 5})},
		{"transposed", mat.NewDense(2, 3, []float64{1, 2, 3, 4, 5, 6}).T()},
		{"view", mat.NewDense(4, 4, []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}).Slice(1, 4, 1, 3)},
		{"special", mat.NewDense(1, 3, []float64{math.Inf(1), math.Inf(-1), math.MaxFloat64})},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, tc.name+".npy")
			if err := WriteNPY(path, tc.x); err != nil {
				t.Fatal(err)
			}
			raw, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			r, c := tc.x.Dims()
			// numpy aligns the data to 64 bytes.
			if pre := len(raw) - 8*r*c; pre%64 != 0 {
				t.Errorf("preamble of %d bytes is not a multiple of 64", pre)
			}
			arrays, err := ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			a := arrays[0]
			if a.Name != tc.name || !slices.Equal(a.Shape, []int{r, c}) {
				t.Fatalf("name %q shape %v, want %s [%d %d]", a.Name, a.Shape, tc.name, r, c)
			}
			if !mat.Equal(a.Data, tc.x) {
				t.Fatalf("read back %v, want %v", mat.Formatted(a.Data), mat.Formatted(tc.x))
			}
		})
	}
}

func TestWriteNPZRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "acts.npz")
	names := []string{"layer_2", "input", "layer_1"}
	xs := []mat.Matrix{
		mat.NewDense(3, 2, []float64{1, 2, 3, 4, 5, 6}),
		mat.NewDense(3, 1, []float64{-1, 0, 1}),
		mat.NewDense(3, 3, []float64{0.5, 0, 0, 0, 0.25, 0, 0, 0, 0.125}),
	}
	if err := WriteNPZ(path, names, xs); err != nil {
		t.Fatal(err)
	}
	arrays, err := ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(arrays) != len(xs) {
		t.Fatalf("%d arrays, want %d", len(arrays), len(xs))
	}
	for i, a := range arrays {
		if a.Name != names[i] || !mat.Equal(a.Data, xs[i]) {
			t.Errorf("entry %d: %q %v, want %q %v", i, a.Name, mat.Formatted(a.Data), names[i], mat.Formatted(xs[i]))
		}
	}
	// The archive's entries are named <name>.npy, as numpy.savez writes them.
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	for i, f := range zr.File {
		if f.Name != names[i]+".npy" {
			t.Errorf("entry %d is %q, want %q", i, f.Name, names[i]+".npy")
		}
	}
}

func TestWriteErrorsLeaveNoFile(t *testing.T) {
	x := mat.NewDense(2, 2, []float64{1, 2, 3, 4})
	for _, tc := range []struct {
		name  string
		write func(path string) error
		want  string
	}{
		{"npy missing dir", func(p string) error { return WriteNPY(filepath.Join(p, "no", "x.npy"), x) }, "no such file"},
		{"npy nil", func(p string) error { return WriteNPY(filepath.Join(p, "x.npy"), nil) }, "nil matrix"},
		{"npz count", func(p string) error { return WriteNPZ(filepath.Join(p, "x.npz"), []string{"a"}, nil) }, "1 names for 0 matrices"},
		{"npz empty", func(p string) error { return WriteNPZ(filepath.Join(p, "x.npz"), nil, nil) }, "no matrices"},
		{"npz duplicate", func(p string) error {
			return WriteNPZ(filepath.Join(p, "x.npz"), []string{"a", "a"}, []mat.Matrix{x, x})
		}, `"a" used twice`},
		{"npz slash", func(p string) error {
			return WriteNPZ(filepath.Join(p, "x.npz"), []string{"a/b"}, []mat.Matrix{x})
		}, "slash"},
		{"npz empty name", func(p string) error {
			return WriteNPZ(filepath.Join(p, "x.npz"), []string{""}, []mat.Matrix{x})
		}, "empty name"},
		{"npz missing dir", func(p string) error {
			return WriteNPZ(filepath.Join(p, "no", "x.npz"), []string{"a"}, []mat.Matrix{x})
		}, "no such file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			err := tc.write(dir)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			}
			entries, _ := os.ReadDir(dir)
			if len(entries) != 0 {
				t.Fatalf("directory holds %d entries after a failed write: %v", len(entries), entries[0].Name())
			}
		})
	}
}

func TestWriteReplacesAtomically(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "x.npy")
	old := mat.NewDense(2, 2, []float64{1, 2, 3, 4})
	if err := WriteNPY(path, old); err != nil {
		t.Fatal(err)
	}
	// A failed write keeps the old file intact.
	if err := WriteNPZ(path, []string{"a", "a"}, []mat.Matrix{old, old}); err == nil {
		t.Fatal("no error for duplicate names")
	}
	newer := mat.NewDense(3, 1, []float64{7, 8, 9})
	if err := WriteNPY(path, newer); err != nil {
		t.Fatal(err)
	}
	arrays, err := ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !mat.Equal(arrays[0].Data, newer) {
		t.Fatalf("read %v, want %v", mat.Formatted(arrays[0].Data), mat.Formatted(newer))
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Fatalf("directory holds %d entries, want only x.npy", len(entries))
	}
}

func TestWriteMatchesNumpy(t *testing.T) {
	// numpy.save of a float64 C-order array and WriteNPY of the same values
	// produce the same bytes (testdata/f8_c.npy, numpy 1.24).
	want, err := os.ReadFile(filepath.Join("testdata", "f8_c.npy"))
	if err != nil {
		t.Fatal(err)
	}
	x := mat.NewDense(5, 2, nil)
	for k := range 10 {
		x.Set(k/2, k%2, floatValue(k))
	}
	path := filepath.Join(t.TempDir(), "f8_c.npy")
	if err := WriteNPY(path, x); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("WriteNPY wrote\n%q\nnumpy wrote\n%q", got, want)
	}
}

func TestReadFilePipe(t *testing.T) {
	// A pipe has no size and cannot seek; ReadFile reads it whole.
	for _, file := range []string{"f4_c.npy", "layers.npz"} {
		data, err := os.ReadFile(filepath.Join("testdata", file))
		if err != nil {
			t.Fatal(err)
		}
		want, err := Read(file, data)
		if err != nil {
			t.Fatal(err)
		}
		r, w, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		go func() {
			w.Write(data)
			w.Close()
		}()
		path := fmt.Sprintf("/dev/fd/%d", r.Fd())
		got, err := ReadFile(path)
		r.Close()
		if err != nil {
			t.Fatalf("%s through a pipe: %v", file, err)
		}
		if len(got) != len(want) {
			t.Fatalf("%s through a pipe: %d arrays, want %d", file, len(got), len(want))
		}
		for i := range got {
			if !mat.Equal(got[i].Data, want[i].Data) || !slices.Equal(got[i].Shape, want[i].Shape) {
				t.Errorf("%s through a pipe: array %d differs", file, i)
			}
		}
	}
}
