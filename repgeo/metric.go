package repgeo

import "gonum.org/v1/gonum/mat"

// Point is a representation mapped into the space of one metric.
// Points are only meaningful to the metric that made them.
type Point interface {
	// Inputs returns m, the number of inputs the point describes.
	Inputs() int
}

// Metric maps representations to points and measures distances between them.
type Metric interface {
	// Name returns the metric's registered name, such as "angular-cka".
	Name() string
	// String returns the name with the metric's full configuration, such
	// as "angular-cka(kernel=linear,unbiased=false)": two metrics with the
	// same String give the same numbers. Caches of results key on it.
	String() string
	// ToPoint maps an m×d representation, one row per input, to a point.
	// It returns an error for too few rows, NaN or Inf entries, or a
	// numerical failure.
	ToPoint(x mat.Matrix) (Point, error)
	// Distance returns the distance between two points made by this metric.
	// It returns an error when the points describe different numbers of inputs.
	Distance(p, q Point) (float64, error)
}

// Geodesic is a Metric whose space has computable shortest paths.
type Geodesic interface {
	Metric
	// Geodesic returns the point a fraction t of the way along the geodesic
	// from p to q. Values of t outside [0, 1] extrapolate where the space allows.
	Geodesic(p, q Point, t float64) (Point, error)
}

// Riemannian is a Geodesic metric with log and exp maps. Tangent vectors are
// matrices in the ambient coordinates of the metric's points.
type Riemannian interface {
	Geodesic
	// Log returns the tangent vector at p pointing to q, with length d(p, q).
	Log(p, q Point) (*mat.Dense, error)
	// Exp follows the geodesic from p in the direction v for length |v|.
	Exp(p Point, v *mat.Dense) (Point, error)
	// Inner returns the inner product of two tangent vectors at p.
	Inner(p Point, v, w *mat.Dense) float64
	// Transport moves the tangent vector v at p in parallel along the
	// geodesic from p to q.
	Transport(p, q Point, v *mat.Dense) (*mat.Dense, error)
}
