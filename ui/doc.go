// Package ui draws and shows the figures of repgeo's notebooks: labelled
// heat maps of distance matrices, two-dimensional maps of representational
// paths and line plots of per-layer measures, rendered to PNG with gonum/plot,
// saved under docs/figures and displayed in a GoNB notebook.
//
// It is the only package of the module that imports GoNB's user interface;
// outside a notebook the display calls do nothing and the figures are still
// saved. It also locates the repository's directories and reads the notebook
// size from REPGEO_SIZE, so that notebooks stay a few lines per cell.
package ui
