package repgeo

import (
	"gonum.org/v1/gonum/mat"
)

// PointMatrix returns the m×m matrix a point stands for, to look at: the unit
// norm centred kernel matrix of angular CKA, the Gram matrix A Aᵀ of the
// preprocessed representation of a shape metric, or the distance matrix
// between inputs of stress. It returns an error for points of other metrics.
func PointMatrix(p Point) (*mat.SymDense, error) {
	switch p := p.(type) {
	case *ckaPoint:
		full := p.fullMatrix()
		s := mat.NewSymDense(p.m, nil)
		for i := 0; i < p.m; i++ {
			for j := i; j < p.m; j++ {
				s.SetSym(i, j, full.At(i, j))
			}
		}
		return s, nil
	case *shapePoint:
		s := mat.NewSymDense(p.m, nil)
		s.SymOuterK(1, p.c)
		return s, nil
	case *stressPoint:
		s := mat.NewSymDense(p.m, nil)
		for i := 0; i < p.m; i++ {
			for j := i + 1; j < p.m; j++ {
				s.SetSym(i, j, p.d[stressRowOff(p.m, i)+j-i-1])
			}
		}
		return s, nil
	default:
		return nil, errorf("PointMatrix does not know points of type %T", p)
	}
}
