// Package ui shows the figures of repgeo's notebooks: it displays the PNG
// images that package figure draws (heat maps of distance matrices, maps of
// representational paths, line plots of per-layer measures) in a GoNB
// notebook and saves them under docs/figures.
//
// It is the only package of the module that imports GoNB's user interface;
// outside a notebook the display calls do nothing and the figures are still
// saved. The plotting names of package figure are repeated here (Heat,
// PathMap, Lines, Spread, Clump, Azimuthal, ...) so that notebooks need one
// import. It also locates the repository's directories and reads the
// notebook size from REPGEO_SIZE, so that notebooks stay a few lines per
// cell.
package ui
