package repgeo

import (
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
)

// This file holds the storage shared by the m×m metrics (angular CKA and
// stress): symmetric matrices packed by rows of their upper triangle, as
// blas64.SymmetricPacked stores them, and Gram matrices computed by row
// blocks so that no m×m temporary is ever needed.

// pkdLen returns the length of an m×m symmetric matrix packed with its diagonal.
func pkdLen(m int) int { return m * (m + 1) / 2 }

// pkdRowOff returns the offset of element (i, i) in the packed upper triangle.
func pkdRowOff(m, i int) int { return i*m - i*(i-1)/2 }

// pkdDot returns the Frobenius inner product <A, B> of two packed symmetric
// m×m matrices.
func pkdDot(m int, a, b []float64) float64 {
	s := 2 * floats.Dot(a, b)
	for i := 0; i < m; i++ {
		o := pkdRowOff(m, i)
		s -= a[o] * b[o]
	}
	return s
}

// pkdUnpack returns the packed symmetric m×m matrix a as a dense matrix.
func pkdUnpack(m int, a []float64) *mat.Dense {
	out := mat.NewDense(m, m, nil)
	raw := out.RawMatrix()
	for i := 0; i < m; i++ {
		o := pkdRowOff(m, i)
		row := a[o : o+m-i]
		copy(raw.Data[i*raw.Stride+i:i*raw.Stride+m], row)
		for k, v := range row[1:] {
			raw.Data[(i+1+k)*raw.Stride+i] = v
		}
	}
	return out
}

// gramBlockRows is the number of rows of the Gram matrix computed at once:
// 128 suits gonum's pure-Go matrix product, OpenBLAS prefers more (see
// blas_openblas.go).
var gramBlockRows = 128

// gramBlocks computes the upper triangle of the Gram matrix A Aᵀ of the
// m×k matrix a by blocks of rows, with matrix products that gonum's BLAS (or
// the one installed with blas64.Use) runs in parallel. For each block of rows
// i0 ≤ i < i1 it calls visit with blk holding rows i0..i1-1 and columns
// i0..m-1 of A Aᵀ: row i of the upper triangle is blk row i-i0 from column
// i-i0 on. blk is reused between calls. The work is m²k/2 multiply-adds plus
// at most gramBlockRows·m·k/2, and the memory gramBlockRows·m values.
func gramBlocks(a blas64.General, visit func(i0, i1 int, blk blas64.General)) {
	m := a.Rows
	b := gramBlockRows
	if b > m {
		b = m
	}
	buf := make([]float64, b*m)
	for i0 := 0; i0 < m; i0 += b {
		i1 := min(i0+b, m)
		n := m - i0
		top := blas64.General{Rows: i1 - i0, Cols: a.Cols, Stride: a.Stride, Data: a.Data[i0*a.Stride:]}
		rest := blas64.General{Rows: n, Cols: a.Cols, Stride: a.Stride, Data: a.Data[i0*a.Stride:]}
		blk := blas64.General{Rows: i1 - i0, Cols: n, Stride: n, Data: buf[:(i1-i0)*n]}
		blas64.Gemm(blas.NoTrans, blas.Trans, 1, top, rest, 0, blk)
		visit(i0, i1, blk)
	}
}

// pkdGram returns the upper triangle of a Aᵀ, packed.
func pkdGram(a blas64.General) []float64 {
	m := a.Rows
	out := make([]float64, pkdLen(m))
	gramBlocks(a, func(i0, i1 int, blk blas64.General) {
		for i := i0; i < i1; i++ {
			r := i - i0
			o := pkdRowOff(m, i)
			copy(out[o:o+m-i], blk.Data[r*blk.Stride+r:r*blk.Stride+blk.Cols])
		}
	})
	return out
}

// pkdDotGram returns <P, Z Zᵀ> for the packed symmetric m×m matrix p and
// the m×r matrix z, without forming Z Zᵀ in full.
func pkdDotGram(p []float64, z blas64.General) float64 {
	m := z.Rows
	var s float64
	gramBlocks(z, func(i0, i1 int, blk blas64.General) {
		for i := i0; i < i1; i++ {
			r := i - i0
			o := pkdRowOff(m, i)
			row := blk.Data[r*blk.Stride+r : r*blk.Stride+blk.Cols]
			s += 2*floats.Dot(p[o:o+m-i], row) - p[o]*row[0]
		}
	})
	return s
}

// pkdCentred returns x as a float64 matrix with each column's mean removed,
// with the squared Frobenius norms of x and of the centred copy.
func pkdCentred(x mat.Matrix) (xc *mat.Dense, ssX, ssXc float64) {
	m, d := x.Dims()
	xc = mat.NewDense(m, d, nil)
	xc.Copy(x)
	raw := xc.RawMatrix()
	mean := make([]float64, d)
	for i := 0; i < m; i++ {
		row := raw.Data[i*raw.Stride : i*raw.Stride+d]
		floats.Add(mean, row)
		ssX += floats.Dot(row, row)
	}
	floats.Scale(1/float64(m), mean)
	for i := 0; i < m; i++ {
		row := raw.Data[i*raw.Stride : i*raw.Stride+d]
		floats.Sub(row, mean)
		ssXc += floats.Dot(row, row)
	}
	return xc, ssX, ssXc
}
