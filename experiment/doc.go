// Package experiment runs the study the notebooks show: it trains (or loads)
// a ResNet and a VGG, extracts their activations on fixed probe images, maps
// each model's path (input, every tap, logits, one-hot target) into the space
// of a metric, and returns its layer×layer distance matrix and path measures.
//
// Every stage is cached on disk under a runs directory, keyed by the
// specification that produced it, so re-running a notebook neither retrains
// nor recomputes: a model is trained once (resuming from its checkpoints if
// interrupted), its activations extracted once, and each path measured once.
// Caches are written atomically; a corrupt one is reported, not trusted.
// The caches of distances are keyed also by the metric's full configuration
// and by the versions of the algorithms and caches (repgeo.AlgorithmVersion,
// CacheVersion), and the log says when one is reused.
//
// Activations, Path and Joint install repgeo's fast BLAS for the whole
// program (repgeo.UseFastBLAS).
package experiment
