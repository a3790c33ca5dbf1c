// Package npy reads and writes NumPy's .npy and .npz array files as gonum
// matrices.
//
// An array of shape (n, d1, d2, ...) is read as an n×(d1·d2·...) matrix, each
// row one observation, which is the layout of a layer's activations: n inputs
// by the flattened features of each. Reading accepts format versions 1, 2 and
// 3, little- and big-endian floating-point, integer and boolean dtypes, and C
// or Fortran order; every value is converted to float64. Malformed files give
// an error naming the file and the problem, and a header that claims more data
// than the file holds is rejected before the data is allocated. Such errors
// wrap ErrCorrupt for a damaged file (bad magic, a garbled header, missing or
// extra data, a zip checksum mismatch) and ErrUnsupported for a well-formed
// one this package does not read (complex, string or structured dtypes,
// arrays of fewer than two axes); a file that cannot be opened or read gives
// the wrapped os error, such as one matching os.ErrNotExist.
//
// Writing produces float64 arrays in C order (what numpy.load and
// torch.from_numpy read directly). Writes are atomic: the file is written to a
// temporary file in the same directory and renamed into place, so a failed
// write never leaves a partial file behind.
package npy
