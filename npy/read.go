package npy

import (
	"archive/zip"
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"gonum.org/v1/gonum/mat"
)

// Array is one array read from a .npy file or an .npz entry.
type Array struct {
	// Name is the file's base name without extension for a .npy file, and
	// the entry's key (its name without ".npy") for an .npz entry.
	Name string
	// Shape is the array's shape as stored in the file, at least 2 axes.
	Shape []int
	// Data holds the values as a Shape[0]×(Shape[1]·Shape[2]·...) matrix in
	// C order: row i is element i of the first axis, flattened.
	Data *mat.Dense
}

// ErrCorrupt is wrapped by the errors of Read and ReadFile for a file that
// is not a well-formed .npy file or .npz archive: bad magic, a truncated or
// garbled header, missing or extra data, a damaged zip archive or entry.
var ErrCorrupt = errors.New("corrupt .npy or .npz file")

// ErrUnsupported is wrapped by the errors of Read and ReadFile for a
// well-formed file this package does not read as matrices: a dtype that is
// not a float, integer or bool type, an array of fewer than two axes or none
// of its elements, an archive without arrays, a format version other than 1,
// 2 and 3, or a zip compression method other than store and deflate.
var ErrUnsupported = errors.New("unsupported .npy or .npz file")

// kindError adds a sentinel (such as ErrCorrupt or ErrUnsupported) to an
// error without changing its message.
type kindError struct {
	err  error
	kind error
}

func (e *kindError) Error() string   { return e.err.Error() }
func (e *kindError) Unwrap() []error { return []error{e.kind, e.err} }

// errorf formats an error as fmt.Errorf does and, unless kind is nil, makes
// it wrap kind too.
func errorf(kind error, format string, args ...any) error {
	err := fmt.Errorf(format, args...)
	if kind == nil {
		return err
	}
	return &kindError{err: err, kind: kind}
}

// readKind classifies an error met while reading a file's contents: a
// failing read of the file itself (an *os.PathError) is neither corrupt nor
// unsupported, an unknown zip compression method is unsupported, and every
// other error (a zip or deflate format error, a checksum mismatch, an
// unexpected end) is corrupt.
func readKind(err error) error {
	var pe *os.PathError
	switch {
	case errors.As(err, &pe):
		return nil
	case errors.Is(err, zip.ErrAlgorithm):
		return ErrUnsupported
	}
	return ErrCorrupt
}

const (
	magic = "\x93NUMPY"
	// maxHeaderLen bounds the header dictionary; numpy's own limit is 10000
	// bytes unless overridden.
	maxHeaderLen = 1 << 20
	// maxElements bounds the number of elements of one array (2^40, 8 TiB
	// as float64), so that size arithmetic cannot overflow.
	maxElements = 1 << 40
	// chunkSize is the number of bytes converted at a time.
	chunkSize = 1 << 20
	// maxPrealloc is the number of elements allocated up front when the
	// stream's true length is not known; beyond it the slice grows with
	// the data actually read.
	maxPrealloc = 1 << 17
)

// ReadFile reads the arrays of a .npy or .npz file. A .npy file gives one
// array named after the file's base name without extension; an .npz archive
// gives one array per entry, in the archive's order, named by key. Files with
// another extension are recognised by their first bytes.
func ReadFile(path string) ([]Array, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, unwrapPathError(err))
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, unwrapPathError(err))
	}
	if st.IsDir() {
		return nil, fmt.Errorf("%s: is a directory", path)
	}
	if !st.Mode().IsRegular() {
		// A pipe or device: its size is unknown and it cannot seek.
		data, err := io.ReadAll(f)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, unwrapPathError(err))
		}
		return Read(path, data)
	}
	size := st.Size()
	var head [6]byte
	n, _ := io.ReadFull(f, head[:])
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if isNPZ(path, head[:n]) {
		zr, err := zip.NewReader(f, size)
		if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
			return nil, errorf(readKind(err), "%s: not a valid .npz (zip) archive: %w", path, err)
		}
		return readZip(path, zr)
	}
	a, err := decode(path, bufio.NewReaderSize(f, 1<<16), size, true)
	if err != nil {
		return nil, err
	}
	a.Name = baseName(path)
	return []Array{a}, nil
}

// Read reads the arrays of a .npy or .npz file held in data, as ReadFile
// does; name decides the format (an extension other than .npy or .npz is
// recognised by the first bytes) and names the arrays and errors.
func Read(name string, data []byte) ([]Array, error) {
	if isNPZ(name, data) {
		zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
		if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
			return nil, errorf(readKind(err), "%s: not a valid .npz (zip) archive: %w", name, err)
		}
		return readZip(name, zr)
	}
	a, err := decode(name, bytes.NewReader(data), int64(len(data)), true)
	if err != nil {
		return nil, err
	}
	a.Name = baseName(name)
	return []Array{a}, nil
}

// isNPZ reports whether a file is to be read as an .npz archive: by its
// extension, or for other extensions by the zip signature.
func isNPZ(name string, head []byte) bool {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".npz":
		return true
	case ".npy":
		return false
	}
	return bytes.HasPrefix(head, []byte("PK"))
}

func baseName(path string) string {
	b := filepath.Base(path)
	return strings.TrimSuffix(b, filepath.Ext(b))
}

// unwrapPathError drops the path from an *os.PathError, which the caller
// already prints.
func unwrapPathError(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

func readZip(name string, zr *zip.Reader) ([]Array, error) {
	var out []Array
	for _, f := range zr.File {
		if strings.HasSuffix(f.Name, "/") {
			continue // a directory entry
		}
		entry := fmt.Sprintf("%s: entry %q", name, f.Name)
		rc, err := f.Open()
		if err != nil {
			return nil, errorf(readKind(err), "%s: %w", entry, err)
		}
		declared := int64(-1)
		if f.UncompressedSize64 <= math.MaxInt64 {
			declared = int64(f.UncompressedSize64)
		}
		a, err := decode(entry, rc, declared, false)
		rc.Close()
		if err != nil {
			return nil, err
		}
		a.Name = strings.TrimSuffix(f.Name, ".npy")
		out = append(out, a)
	}
	if len(out) == 0 {
		return nil, errorf(ErrUnsupported, "%s: archive holds no arrays", name)
	}
	return out, nil
}

// dtype is an element type of a .npy array.
type dtype struct {
	kind byte // 'f', 'i', 'u' or 'b'
	size int  // bytes per element
	big  bool // big-endian
}

func (t dtype) String() string {
	var s string
	switch t.kind {
	case 'f':
		s = "float" + strconv.Itoa(8*t.size)
	case 'i':
		s = "int" + strconv.Itoa(8*t.size)
	case 'u':
		s = "uint" + strconv.Itoa(8*t.size)
	case 'b':
		s = "bool"
	}
	if t.big && t.size > 1 {
		s += " big-endian"
	}
	return s
}

// parseDescr parses a dtype descriptor such as '<f4'.
func parseDescr(v pyValue) (dtype, error) {
	s, ok := v.(string)
	if !ok {
		return dtype{}, fmt.Errorf("unsupported dtype %s (structured arrays are not supported)", describe(v))
	}
	bad := fmt.Errorf("unsupported dtype %q (want a float, integer or bool type)", s)
	if len(s) < 3 {
		return dtype{}, bad
	}
	var t dtype
	switch s[0] {
	case '<', '|', '=':
	case '>':
		t.big = true
	default:
		return dtype{}, bad
	}
	t.kind = s[1]
	size, err := strconv.Atoi(s[2:])
	if err != nil {
		return dtype{}, bad
	}
	t.size = size
	switch t.kind {
	case 'f':
		ok = size == 2 || size == 4 || size == 8
	case 'i', 'u':
		ok = size == 1 || size == 2 || size == 4 || size == 8
	case 'b':
		ok = size == 1
	default:
		ok = false
	}
	if !ok {
		return dtype{}, bad
	}
	return t, nil
}

// describe renders a header value for an error message.
func describe(v pyValue) string {
	switch v := v.(type) {
	case string:
		return strconv.Quote(v)
	case []pyValue:
		parts := make([]string, len(v))
		for i, x := range v {
			parts[i] = describe(x)
		}
		if len(parts) == 1 {
			return "(" + parts[0] + ",)"
		}
		return "(" + strings.Join(parts, ", ") + ")"
	case map[string]pyValue:
		return "{...}"
	case nil:
		return "None"
	default:
		return fmt.Sprint(v)
	}
}

// convert converts the elements in src to float64 into dst, which holds
// len(src)/t.size elements. The common float types have their own loops.
func (t dtype) convert(dst []float64, src []byte) {
	switch {
	case t.kind == 'f' && t.size == 4 && !t.big:
		for i := range dst {
			dst[i] = float64(math.Float32frombits(binary.LittleEndian.Uint32(src[4*i:])))
		}
	case t.kind == 'f' && t.size == 8 && !t.big:
		for i := range dst {
			dst[i] = math.Float64frombits(binary.LittleEndian.Uint64(src[8*i:]))
		}
	default:
		conv := t.converter()
		for i := range dst {
			dst[i] = conv(src[i*t.size : (i+1)*t.size])
		}
	}
}

// converter returns a function converting one element's bytes to float64.
func (t dtype) converter() func([]byte) float64 {
	var bo binary.ByteOrder = binary.LittleEndian
	if t.big {
		bo = binary.BigEndian
	}
	switch t.kind {
	case 'f':
		switch t.size {
		case 2:
			return func(b []byte) float64 { return float16(bo.Uint16(b)) }
		case 4:
			return func(b []byte) float64 { return float64(math.Float32frombits(bo.Uint32(b))) }
		default:
			return func(b []byte) float64 { return math.Float64frombits(bo.Uint64(b)) }
		}
	case 'i':
		switch t.size {
		case 1:
			return func(b []byte) float64 { return float64(int8(b[0])) }
		case 2:
			return func(b []byte) float64 { return float64(int16(bo.Uint16(b))) }
		case 4:
			return func(b []byte) float64 { return float64(int32(bo.Uint32(b))) }
		default:
			return func(b []byte) float64 { return float64(int64(bo.Uint64(b))) }
		}
	case 'u':
		switch t.size {
		case 1:
			return func(b []byte) float64 { return float64(b[0]) }
		case 2:
			return func(b []byte) float64 { return float64(bo.Uint16(b)) }
		case 4:
			return func(b []byte) float64 { return float64(bo.Uint32(b)) }
		default:
			return func(b []byte) float64 { return float64(bo.Uint64(b)) }
		}
	default: // bool
		return func(b []byte) float64 {
			if b[0] != 0 {
				return 1
			}
			return 0
		}
	}
}

// float16 converts IEEE 754 half-precision bits to float64.
func float16(h uint16) float64 {
	sign := 1.0
	if h&0x8000 != 0 {
		sign = -1
	}
	exp := int(h>>10) & 0x1f
	frac := float64(h & 0x3ff)
	switch exp {
	case 0:
		return sign * math.Ldexp(frac, -24)
	case 0x1f:
		if frac != 0 {
			return math.NaN()
		}
		return math.Inf(int(sign))
	}
	return sign * math.Ldexp(1+frac/1024, exp-15)
}

// errNotMatrix is wrapped by the errors of parseShape for a well-formed
// shape that is not that of a matrix of observations.
var errNotMatrix = errors.New("not a matrix")

// parseShape checks a header shape and returns it with its element count.
func parseShape(v pyValue) ([]int, int64, error) {
	items, ok := v.([]pyValue)
	if !ok {
		return nil, 0, fmt.Errorf("header shape %s is not a tuple", describe(v))
	}
	shape := make([]int, len(items))
	count := int64(1)
	for i, it := range items {
		d, ok := it.(int64)
		if !ok || d < 0 {
			return nil, 0, fmt.Errorf("header shape %s has an invalid dimension", describe(v))
		}
		if d > maxElements || (d > 0 && count > maxElements/d) {
			return nil, 0, fmt.Errorf("header shape %s is absurdly large (more than 2^40 elements)", describe(v))
		}
		count *= d
		shape[i] = int(d)
	}
	if len(shape) < 2 {
		return nil, 0, errorf(errNotMatrix, "need at least 2 axes (inputs × features), header shape is %s", describe(v))
	}
	if count == 0 {
		return nil, 0, errorf(errNotMatrix, "array is empty: header shape is %s", describe(v))
	}
	return shape, count, nil
}

func shapeString(shape []int) string {
	parts := make([]string, len(shape))
	for i, d := range shape {
		parts[i] = strconv.Itoa(d)
	}
	return strings.Join(parts, "x")
}

// decode reads one .npy stream. size is the stream's total length in bytes,
// or -1 if unknown; trusted says whether size is known to be true (a file's
// or a buffer's length) rather than declared by an archive.
func decode(name string, r io.Reader, size int64, trusted bool) (Array, error) {
	fail := func(kind error, format string, args ...any) (Array, error) {
		return Array{}, errorf(kind, "%s: "+format, append([]any{name}, args...)...)
	}
	var pre [8]byte
	n, err := io.ReadFull(r, pre[:])
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return fail(readKind(err), "%w", err)
	}
	if n < len(magic) || string(pre[:len(magic)]) != magic {
		if bytes.HasPrefix(pre[:n], []byte("PK")) {
			return fail(ErrCorrupt, "bad magic: this looks like a zip (.npz) archive, not a .npy file")
		}
		return fail(ErrCorrupt, "bad magic: not a .npy file (want \\x93NUMPY, found %q)", pre[:n])
	}
	if n < len(pre) {
		return fail(ErrCorrupt, "truncated: file ends inside the .npy preamble")
	}
	major, minor := pre[6], pre[7]
	var hlen int64
	var lenBytes int
	switch major {
	case 1:
		var b [2]byte
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return fail(ErrCorrupt, "truncated: file ends inside the .npy preamble")
		}
		hlen, lenBytes = int64(binary.LittleEndian.Uint16(b[:])), 2
	case 2, 3:
		var b [4]byte
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return fail(ErrCorrupt, "truncated: file ends inside the .npy preamble")
		}
		hlen, lenBytes = int64(binary.LittleEndian.Uint32(b[:])), 4
	default:
		return fail(ErrUnsupported, "unsupported .npy format version %d.%d (want 1.0, 2.0 or 3.0)", major, minor)
	}
	preamble := int64(len(pre)+lenBytes) + hlen
	if hlen > maxHeaderLen {
		return fail(ErrCorrupt, "header length %d is absurd (limit %d)", hlen, maxHeaderLen)
	}
	if size >= 0 && preamble > size {
		return fail(ErrCorrupt, "truncated: header length is %d bytes, but the file holds %d after the preamble", hlen, size-int64(len(pre)+lenBytes))
	}
	hbuf := make([]byte, hlen)
	if got, err := io.ReadFull(r, hbuf); err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
			return fail(ErrCorrupt, "truncated: header length is %d bytes, found %d", hlen, got)
		}
		return fail(readKind(err), "%w", err)
	}
	dict, err := parseHeaderDict(string(hbuf))
	if err != nil {
		kind := ErrCorrupt
		if errors.Is(err, errEscape) {
			kind = ErrUnsupported
		}
		return fail(kind, "bad header: %v", err)
	}
	for k := range dict {
		if k != "descr" && k != "fortran_order" && k != "shape" {
			return fail(ErrCorrupt, "bad header: unexpected key %q", k)
		}
	}
	for _, k := range []string{"descr", "fortran_order", "shape"} {
		if _, ok := dict[k]; !ok {
			return fail(ErrCorrupt, "bad header: missing key %q", k)
		}
	}
	dt, err := parseDescr(dict["descr"])
	if err != nil {
		return fail(ErrUnsupported, "%v", err)
	}
	fortran, ok := dict["fortran_order"].(bool)
	if !ok {
		return fail(ErrCorrupt, "bad header: fortran_order is %s, want True or False", describe(dict["fortran_order"]))
	}
	shape, count, err := parseShape(dict["shape"])
	if err != nil {
		kind := ErrCorrupt
		if errors.Is(err, errNotMatrix) {
			kind = ErrUnsupported
		}
		return fail(kind, "%v", err)
	}
	want := count * int64(dt.size)
	if size >= 0 {
		have := size - preamble
		if have < want {
			return fail(ErrCorrupt, "truncated: header says %s %s (%d bytes), found %d", shapeString(shape), dt, want, have)
		}
		if have > want && trusted {
			return fail(ErrCorrupt, "%d bytes after the data: header says %s %s (%d bytes), found %d", have-want, shapeString(shape), dt, want, have)
		}
	}

	var data []float64
	if trusted && size >= 0 {
		data = make([]float64, 0, count)
	} else {
		data = make([]float64, 0, min(count, maxPrealloc))
	}
	buf := make([]byte, min(int64(chunkSize), want))
	var read int64
	for read < want {
		chunk := buf[:min(int64(len(buf)), want-read)]
		got, err := io.ReadFull(r, chunk)
		read += int64(got)
		if err != nil {
			if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
				return fail(ErrCorrupt, "truncated: header says %s %s (%d bytes), found %d", shapeString(shape), dt, want, read)
			}
			return fail(readKind(err), "%w", err)
		}
		k := len(data)
		data = slices.Grow(data, got/dt.size)[:k+got/dt.size]
		dt.convert(data[k:], chunk[:got])
	}
	// Read to the end: this makes an archive verify the entry's checksum
	// and finds data beyond what the header describes.
	extra, err := io.Copy(io.Discard, r)
	if err != nil {
		return fail(readKind(err), "%w", err)
	}
	if extra > 0 {
		return fail(ErrCorrupt, "%d bytes after the data: header says %s %s (%d bytes)", extra, shapeString(shape), dt, want)
	}

	if fortran {
		data = fortranToC(data, shape)
	}
	rows := shape[0]
	return Array{Shape: shape, Data: mat.NewDense(rows, int(count)/rows, data)}, nil
}

// fortranToC reorders the elements of an array of the given shape from
// column-major (first index fastest) to row-major (last index fastest).
func fortranToC(src []float64, shape []int) []float64 {
	dst := make([]float64, len(src))
	n0 := shape[0]
	rest := len(src) / n0
	// The source is n0 × rest in column-major order, its columns running
	// over the other axes in Fortran order; coff[col] is the offset of
	// column col within a row of the C layout.
	k := len(shape)
	cstride := make([]int, k)
	stride := 1
	for a := k - 1; a >= 1; a-- {
		cstride[a] = stride
		stride *= shape[a]
	}
	coff := make([]int, rest)
	idx := make([]int, k)
	off := 0
	for col := range coff {
		coff[col] = off
		for a := 1; a < k; a++ {
			idx[a]++
			off += cstride[a]
			if idx[a] < shape[a] {
				break
			}
			off -= idx[a] * cstride[a]
			idx[a] = 0
		}
	}
	// Transpose in blocks of columns, reading each column sequentially.
	const block = 16
	for c0 := 0; c0 < rest; c0 += block {
		c1 := min(c0+block, rest)
		for i := range n0 {
			row := dst[i*rest : (i+1)*rest]
			for col := c0; col < c1; col++ {
				row[coff[col]] = src[col*n0+i]
			}
		}
	}
	return dst
}
