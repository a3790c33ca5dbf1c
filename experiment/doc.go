// Package experiment runs the study the notebooks show: it loads a ResNet and
// a VGG from the trained model zoo (full size) or trains small stand-ins
// (smoke size), extracts their activations on fixed probe images, maps
// each model's path (input, every tap, logits, one-hot target) into the space
// of a metric, and returns its layer×layer distance matrix and path measures.
//
// Every stage is cached on disk under a runs directory, keyed by the
// specification that produced it, so re-running a notebook neither retrains
// nor recomputes: a model is trained once (resuming from its checkpoints if
// interrupted), its activations extracted once, and each path measured once.
// Caches are written atomically; a corrupt one is reported, not trusted.
//
// The comparisons of many networks (notebooks 04-07) take each network as a
// Source, its activations on shared probe inputs, whatever trained it: a
// model of a Spec (ActivationsOn), a narrow stand-in for a zoo member in
// smoke size (SmokeSource), a snapshot during training (TinySnapshots), or a
// member of the trained model zoo (ZooSource, and ZooSnapshots for the
// snapshots it keeps; both read the zoo and never train, reporting a missing
// member with ErrNotTrained and one trained with another spec than the list
// declares with zoo.ErrStale). Members are named as in package models/zoo
// (zoo.Lookup). MeasurePaths maps their paths
// into one metric's space (PathSet, with Subset for some of them and Compare
// for two, whose layers MatchLayers pairs by their role in the network);
// TrainingDynamics follows a network's snapshots; SampleSweep measures how the
// answers depend on the number of probe inputs.
//
// The caches of distances are keyed also by the metric's full configuration
// and by the versions of the algorithms and caches (repgeo.AlgorithmVersion,
// CacheVersion), and the log says when one is reused.
//
// The functions that compute activations or distances (Activations,
// ActivationsOn, ZooSource, ZooSnapshots, Path, Joint, MeasurePaths and
// SampleSweep) install repgeo's fast BLAS for the whole program
// (repgeo.UseFastBLAS).
package experiment
