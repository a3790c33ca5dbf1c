package figure

import (
	"errors"
	"fmt"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/plot"
)

// EmbeddingMap draws the n points of an embedding as one path, labelled and
// joined in order (see PathMap). Without spherical, x is an n×k classical MDS
// configuration and its first two columns are drawn; with spherical, the rows
// of x are unit vectors (spherical MDS on S²) drawn in the azimuthal
// equidistant projection (see Azimuthal), in radians. The command line's
// `repgeo embed --png` draws with it, so its picture is the notebooks'.
func EmbeddingMap(title string, labels []string, x mat.Matrix, spherical bool) (*plot.Plot, error) {
	if x == nil {
		return nil, errors.New("figure: EmbeddingMap of no points")
	}
	xy := x
	if spherical {
		if _, k := x.Dims(); k != 3 {
			return nil, fmt.Errorf("figure: EmbeddingMap draws spherical embeddings on S² (3 columns), got %d columns", k)
		}
		a, err := Azimuthal(x)
		if err != nil {
			return nil, err
		}
		xy = a
	}
	return PathMap(title, PathXY{XY: xy, Labels: labels})
}
