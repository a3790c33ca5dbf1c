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
// The conventions follow Lange et al., "Neural Networks as Paths through the
// Space of Representations" (arXiv:2206.10999), and the Python libraries
// repsim and netrep, whose numbers the tests reproduce.
package repgeo
