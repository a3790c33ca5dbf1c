package data

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// SyntheticOptions configures NewSynthetic. Zero fields take the defaults
// noted on each.
type SyntheticOptions struct {
	// Height, Width and Channels give the image shape (default 32×32×3).
	Height, Width, Channels int
	// Train and Test are the sizes of the splits (default 2000 and 500).
	Train, Test int
	// Seed seeds the generator; the same options give the same images.
	Seed uint64
	// Noise is the standard deviation of the pixel noise on the 0..1 scale
	// (default 0.15).
	Noise float64
}

// NewSynthetic generates a small, learnable 10-class image dataset: each
// class is a grating of its own orientation and frequency (and, with three
// channels, its own tint), drawn with a random phase, contrast and offset
// plus Gaussian pixel noise. Classes are balanced and interleaved.
func NewSynthetic(o SyntheticOptions) (*Set, error) {
	if o.Height == 0 && o.Width == 0 && o.Channels == 0 {
		o.Height, o.Width, o.Channels = 32, 32, 3
	}
	if o.Height < 4 || o.Width < 4 || (o.Channels != 1 && o.Channels != 3) {
		return nil, fmt.Errorf("data: synthetic: shape %d×%d×%d (want at least 4×4, 1 or 3 channels)",
			o.Height, o.Width, o.Channels)
	}
	if o.Train == 0 {
		o.Train = 2000
	}
	if o.Test == 0 {
		o.Test = 500
	}
	if o.Train < 0 || o.Test < 0 {
		return nil, fmt.Errorf("data: synthetic: negative split size %d/%d", o.Train, o.Test)
	}
	if o.Noise == 0 {
		o.Noise = 0.15
	}
	name := Synthetic
	if o.Channels == 1 {
		name = SyntheticGray
	}
	s := &Set{Name: name, Height: o.Height, Width: o.Width, Channels: o.Channels, Classes: 10}
	s.Mean = make([]float32, o.Channels)
	s.Std = make([]float32, o.Channels)
	for c := range o.Channels {
		s.Mean[c], s.Std[c] = 0.5, 0.25
	}
	rng := rand.New(rand.NewPCG(o.Seed, 0x5eed))
	s.Train = synthSplit(o, o.Train, rng)
	s.Test = synthSplit(o, o.Test, rng)
	return s, nil
}

func synthSplit(o SyntheticOptions, n int, rng *rand.Rand) Split {
	h, w, ch := o.Height, o.Width, o.Channels
	sp := Split{Pixels: make([]uint8, n*h*w*ch), Labels: make([]uint8, n)}
	for i := range n {
		class := i % 10
		sp.Labels[i] = uint8(class)
		theta := float64(class%5) * math.Pi / 5
		freq := 2 * math.Pi / float64(max(h, w)) * float64(2+2*(class/5))
		kx, ky := freq*math.Cos(theta), freq*math.Sin(theta)
		phase := rng.Float64() * 2 * math.Pi
		contrast := 0.25 + 0.15*rng.Float64()
		offset := 0.5 + 0.1*(rng.Float64()-0.5)
		img := sp.Pixels[i*h*w*ch : (i+1)*h*w*ch]
		for y := range h {
			for x := range w {
				g := math.Sin(kx*float64(x) + ky*float64(y) + phase)
				for c := range ch {
					tint := 1.0
					if ch == 3 {
						tint = 0.6 + 0.4*math.Cos(float64(class)+2*math.Pi*float64(c)/3)
					}
					v := offset + contrast*tint*g + o.Noise*rng.NormFloat64()
					img[(y*w+x)*ch+c] = uint8(math.Round(255 * min(1, max(0, v))))
				}
			}
		}
	}
	return sp
}
