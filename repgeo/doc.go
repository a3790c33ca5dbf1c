// Package repgeo provides the representational geometry of neural networks:
// metrics between layer representations, geodesics, angles, projections,
// path measures, all-pairs distance matrices and embeddings.
//
// A representation is an m×d matrix, each row the response of one layer to one
// of m fixed inputs. A Metric maps it to a Point of its space once (ToPoint) and
// then measures distances between points. Metrics whose spaces have geodesics
// implement Geodesic; those with log and exp maps implement Riemannian, and the
// geometric operations of this package work on any of them.
//
// # Metrics and their configurations
//
// Each metric has its own type and typed configuration, whose zero value is
// the documented default or is rejected: AngularCKA (CKAConfig, with a
// Kernel), ShapeMetric (ShapeConfig, with a Whitening convention), AIR
// (AIRConfig, with an AIRMode) and Stress. The constructors (NewAngularCKA,
// NewAngularShape, NewEuclideanShape, NewAIR) reject settings the metric
// does not use with an *OptionError. NewMetric builds a registered metric by
// name from the shared Options, for the command line and the notebooks, and
// rejects the options the named metric does not use (MetricOptions lists
// those it does). A metric's String gives its full configuration; caches of
// results key on it and on AlgorithmVersion.
//
// # Errors
//
// Errors wrap the package's sentinel errors (ErrTooFewRows, ErrNonFinite,
// ErrInputMismatch, ErrConstant, ErrSingular, ErrCoincide, ErrForeignPoint,
// ...), for errors.Is; the error of one representation among several is an
// *IndexError naming its index, for errors.As.
//
// # BLAS
//
// Importing the package does not change gonum's BLAS. UseFastBLAS installs
// the fastest BLAS of the build (see BLASImplementation) for the whole
// program, which the repgeo command and the experiment package do; without
// it the results are the same to rounding, and slower.
//
// The conventions follow Lange et al., "Neural Networks as Paths through the
// Space of Representations" (arXiv:2206.10999), and the Python libraries
// repsim and netrep, whose numbers the tests reproduce.
package repgeo
