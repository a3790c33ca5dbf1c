// Package backend selects the GoMLX backend that repgeo's models run on, and
// provides "repgeo-go": the pure-Go backend with its gaps filled and its
// convolutions lowered to matrix products.
//
// New honours GOMLX_BACKEND (for example "xla:cpu" or "xla:cuda" where the XLA
// plugin is installed); without it, the pure-Go backend is decorated and used.
package backend
