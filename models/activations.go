package models

import "gonum.org/v1/gonum/mat"

// Activations is the representation of every tap of a model for the same m
// probe inputs, in path order, ready for the repgeo package.
type Activations struct {
	// Taps names each representation in path order, such as "00_input".
	Taps []string
	// Layers holds one m×d matrix per tap, in the order of Taps; convolutional
	// maps are flattened per input.
	Layers []*mat.Dense
	// Target is the m×classes one-hot matrix of the probe labels, or nil when
	// the inputs came without labels.
	Target *mat.Dense
	// Labels holds the class of each probe input, or nil without labels.
	Labels []int
}
