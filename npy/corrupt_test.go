package npy

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// withHeader returns a v1 .npy file with the given raw header dictionary
// followed by data.
func withHeader(dict string, data []byte) []byte {
	var b bytes.Buffer
	b.WriteString(magic)
	b.Write([]byte{1, 0})
	binary.Write(&b, binary.LittleEndian, uint16(len(dict)))
	b.WriteString(dict)
	b.Write(data)
	return b.Bytes()
}

// zipOf returns a zip archive with the given entries, stored or deflated.
func zipOf(t *testing.T, method uint16, names []string, contents [][]byte) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for i, n := range names {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: n, Method: method})
		if err != nil {
			t.Fatal(err)
		}
		w.Write(contents[i])
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestReadCorrupt(t *testing.T) {
	good := encodeNPY(t, 1, "<f4", false, []int{64, 10}, make([]float64, 640))
	hdr := len(good) - 2560
	goodF8 := encodeNPY(t, 1, "<f8", false, []int{3, 2}, make([]float64, 6))
	deflated := zipOf(t, zip.Deflate, []string{"a.npy"}, [][]byte{goodF8})
	// Flip a byte of the compressed data (which follows the 30-byte local
	// header and the 5-byte name): either the inflater or the checksum fails.
	badDeflate := bytes.Clone(deflated)
	badDeflate[30+5+10] ^= 0xff
	stored := zipOf(t, zip.Store, []string{"a.npy"}, [][]byte{goodF8})
	// An entry stored with method 12 (bzip2), which archive/zip cannot read.
	var bz bytes.Buffer
	bzw := zip.NewWriter(&bz)
	bzw.RegisterCompressor(12, func(w io.Writer) (io.WriteCloser, error) { return nopCloser{w}, nil })
	if w, err := bzw.CreateHeader(&zip.FileHeader{Name: "a.npy", Method: 12}); err != nil {
		t.Fatal(err)
	} else {
		w.Write(goodF8)
	}
	if err := bzw.Close(); err != nil {
		t.Fatal(err)
	}
	bzip2Entry := bz.Bytes()
	badCRC := bytes.Clone(stored)
	badCRC[30+5+len(goodF8)-1] ^= 0x01

	for _, tc := range []struct {
		name string
		file string
		data []byte
		want string
		kind error // ErrCorrupt or ErrUnsupported
	}{
		{"truncated data", "file.npy", good[:hdr+1000], "file.npy: truncated: header says 64x10 float32 (2560 bytes), found 1000", ErrCorrupt},
		{"empty file", "e.npy", nil, "e.npy: bad magic", ErrCorrupt},
		{"bad magic", "m.npy", append([]byte("\x93NUMPX"), good[6:]...), "m.npy: bad magic", ErrCorrupt},
		{"zip named npy", "z.npy", stored, "looks like a zip (.npz) archive", ErrCorrupt},
		{"text file", "t.npy", []byte("hello, world\n"), "bad magic", ErrCorrupt},
		{"preamble cut", "p.npy", good[:7], "truncated: file ends inside the .npy preamble", ErrCorrupt},
		{"length cut", "l.npy", good[:9], "truncated: file ends inside the .npy preamble", ErrCorrupt},
		{"header cut", "h.npy", good[:20], "truncated: header length is", ErrCorrupt},
		{"version 4", "v.npy", append([]byte("\x93NUMPY\x04\x00"), good[8:]...), "unsupported .npy format version 4.0", ErrUnsupported},
		{"absurd header length", "a.npy", append([]byte("\x93NUMPY\x02\x00\xff\xff\xff\x7f"), make([]byte, 100)...), "header length 2147483647 is absurd", ErrCorrupt},
		{"trailing data", "x.npy", append(bytes.Clone(good), 1, 2, 3), "3 bytes after the data", ErrCorrupt},
		{"lying shape", "big.npy", withHeader("{'descr': '<f8', 'fortran_order': False, 'shape': (1000000000, 1000), }", make([]byte, 64)),
			"big.npy: truncated: header says 1000000000x1000 float64 (8000000000000 bytes), found 64", ErrCorrupt},
		{"overflowing shape", "o.npy", withHeader("{'descr': '<f8', 'fortran_order': False, 'shape': (4294967296, 4294967296, 4294967296), }", nil), "absurdly large", ErrCorrupt},
		{"int64 overflow", "o2.npy", withHeader("{'descr': '<f8', 'fortran_order': False, 'shape': (99999999999999999999, 2), }", nil), "bad integer", ErrCorrupt},
		{"negative dim", "n.npy", withHeader("{'descr': '<f8', 'fortran_order': False, 'shape': (-3, 2), }", nil), "invalid dimension", ErrCorrupt},
		{"float dim", "f.npy", withHeader("{'descr': '<f8', 'fortran_order': False, 'shape': (3.5, 2), }", nil), "bad header", ErrCorrupt},
		{"shape not tuple", "s.npy", withHeader("{'descr': '<f8', 'fortran_order': False, 'shape': 3, }", nil), "not a tuple", ErrCorrupt},
		{"zero dim", "z.npy", withHeader("{'descr': '<f8', 'fortran_order': False, 'shape': (3, 0), }", nil), "array is empty", ErrUnsupported},
		{"rank 1", "r.npy", withHeader("{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }", make([]byte, 24)), "need at least 2 axes", ErrUnsupported},
		{"missing key", "k.npy", withHeader("{'descr': '<f8', 'shape': (3, 2), }", make([]byte, 48)), `missing key "fortran_order"`, ErrCorrupt},
		{"extra key", "k2.npy", withHeader("{'descr': '<f8', 'fortran_order': False, 'shape': (3, 2), 'x': 1}", make([]byte, 48)), `unexpected key "x"`, ErrCorrupt},
		{"duplicate key", "k3.npy", withHeader("{'descr': '<f8', 'descr': '<f8', 'fortran_order': False, 'shape': (3, 2)}", make([]byte, 48)), `key "descr" twice`, ErrCorrupt},
		{"fortran not bool", "b.npy", withHeader("{'descr': '<f8', 'fortran_order': 0, 'shape': (3, 2), }", make([]byte, 48)), "fortran_order is 0", ErrCorrupt},
		{"unknown dtype", "d.npy", withHeader("{'descr': '<f16', 'fortran_order': False, 'shape': (3, 2), }", make([]byte, 96)), `unsupported dtype "<f16"`, ErrUnsupported},
		{"object dtype", "d2.npy", withHeader("{'descr': '|O', 'fortran_order': False, 'shape': (3, 2), }", make([]byte, 48)), `unsupported dtype "|O"`, ErrUnsupported},
		{"not a dict", "d3.npy", withHeader("[1, 2]", nil), "header is not a dictionary", ErrCorrupt},
		{"unclosed dict", "d4.npy", withHeader("{'descr': '<f8'", nil), "bad header", ErrCorrupt},
		{"garbage header", "g.npy", withHeader("\xff\xfe\x00", nil), "bad header", ErrCorrupt},
		{"deep nesting", "n2.npy", withHeader(strings.Repeat("(", 1000), nil), "nested too deeply", ErrCorrupt},
		{"npz not zip", "n.npz", good, "n.npz: not a valid .npz (zip) archive", ErrCorrupt},
		{"npz truncated", "t.npz", stored[:len(stored)-10], "t.npz: not a valid .npz (zip) archive", ErrCorrupt},
		{"npz bad deflate", "c.npz", badDeflate, `c.npz: entry "a.npy"`, ErrCorrupt},
		{"npz bad checksum", "c2.npz", badCRC, `c2.npz: entry "a.npy": zip: checksum error`, ErrCorrupt},
		{"npz empty", "e.npz", zipOf(t, zip.Store, nil, nil), "e.npz: archive holds no arrays", ErrUnsupported},
		{"npz entry truncated", "u.npz", zipOf(t, zip.Deflate, []string{"ok.npy", "a.npy"}, [][]byte{goodF8, good[:hdr+1000]}),
			`u.npz: entry "a.npy": truncated: header says 64x10 float32 (2560 bytes), found 1000`, ErrCorrupt},
		{"escaped string", "esc.npy", withHeader("{'descr': '<f8', 'fortran_order': False, 'shape': (3, 2), 'x\\n': 1}", make([]byte, 48)),
			"bad header: escape sequences in header strings are not supported", ErrUnsupported},
		{"npz bzip2 entry", "bz.npz", bzip2Entry, `bz.npz: entry "a.npy": zip: unsupported compression algorithm`, ErrUnsupported},
		{"npz entry not npy", "v.npz", zipOf(t, zip.Store, []string{"notes.txt"}, [][]byte{[]byte("hello")}), `v.npz: entry "notes.txt": bad magic`, ErrCorrupt},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Read(tc.file, tc.data)
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.HasPrefix(err.Error(), tc.file+": ") || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %q\nwant the file name and %q", err, tc.want)
			}
			checkKind(t, err, tc.kind)
			// ReadFile gives the same error for the same bytes on disk.
			path := filepath.Join(t.TempDir(), tc.file)
			if err := os.WriteFile(path, tc.data, 0o644); err != nil {
				t.Fatal(err)
			}
			_, ferr := ReadFile(path)
			if ferr == nil || strings.TrimPrefix(ferr.Error(), path) != strings.TrimPrefix(err.Error(), tc.file) {
				t.Fatalf("ReadFile error %q, Read error %q", ferr, err)
			}
			checkKind(t, ferr, tc.kind)
		})
	}
}

type nopCloser struct{ io.Writer }

func (nopCloser) Close() error { return nil }

// checkKind checks that err wraps kind and not the other sentinel.
func checkKind(t *testing.T, err, kind error) {
	t.Helper()
	for _, k := range []error{ErrCorrupt, ErrUnsupported} {
		if errors.Is(err, k) != (k == kind) {
			t.Errorf("error %q: errors.Is(err, %v) = %v", err, k, errors.Is(err, k))
		}
	}
}

func TestReadFileErrors(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct{ path, want string }{
		{filepath.Join(dir, "missing.npy"), "no such file or directory"},
		{dir, "is a directory"},
	} {
		_, err := ReadFile(tc.path)
		if err == nil || !strings.HasPrefix(err.Error(), tc.path+": ") || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ReadFile(%q) error %v, want %q", tc.path, err, tc.want)
		}
		// A file that cannot be read is neither corrupt nor unsupported.
		checkKind(t, err, nil)
	}
	if _, err := ReadFile(filepath.Join(dir, "missing.npz")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: error %v, want os.ErrNotExist", err)
	}
}

func TestReadSniffsUnknownExtension(t *testing.T) {
	f8 := encodeNPY(t, 1, "<f8", false, []int{3, 2}, fileOrder([]int{3, 2}, false))
	for _, tc := range []struct {
		name  string
		data  []byte
		names []string
	}{
		{"acts.bin", f8, []string{"acts"}},
		{"acts", zipOf(t, zip.Store, []string{"p.npy", "q.npy"}, [][]byte{f8, f8}), []string{"p", "q"}},
	} {
		arrays, err := Read(tc.name, tc.data)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if len(arrays) != len(tc.names) {
			t.Fatalf("%s: %d arrays, want %d", tc.name, len(arrays), len(tc.names))
		}
		for i, a := range arrays {
			if a.Name != tc.names[i] {
				t.Errorf("%s: array %d named %q, want %q", tc.name, i, a.Name, tc.names[i])
			}
			checkValues(t, a, floatValue)
		}
	}
}
