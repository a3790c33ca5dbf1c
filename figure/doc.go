// Package figure draws repgeo's pictures with gonum/plot: labelled heat maps
// of distance matrices, two-dimensional maps of representational paths
// (PathMap, EmbeddingMap, with the azimuthal equidistant projection of
// spherical embeddings), line and bar plots of per-layer measures, lines of
// means with a band of their spread, clump diagrams of where a path's steps
// bunch together, laid out in rows of panels and rendered to PNG.
//
// It has no notion of a notebook: the command line's `repgeo embed --png`
// and the notebooks (through package ui, which displays and saves what this
// package renders) draw the same embedding the same way.
package figure
