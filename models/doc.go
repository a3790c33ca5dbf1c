// Package models builds, trains, checkpoints and probes the ResNets and VGGs
// whose representational paths repgeo measures, on GoMLX.
//
// Models run on any GoMLX backend: the pure-Go backend by default (through the
// backend package, which fills its gaps and speeds up convolutions), or XLA on
// CPU or GPU where its plugin is installed, selected with GOMLX_BACKEND.
package models
