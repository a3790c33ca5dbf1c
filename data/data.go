package data

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
)

// Names of the datasets known to Load.
const (
	CIFAR10       = "cifar10"
	FashionMNIST  = "fashion-mnist"
	Synthetic     = "synthetic"
	SyntheticGray = "synthetic-gray"
)

// EnvDataDir is the environment variable naming the directory of a dataset's
// files when no directory is given to Load.
const EnvDataDir = "REPGEO_DATA"

// DefaultFashionMNISTDir is where Debian's dataset-fashion-mnist package
// installs the Fashion-MNIST IDX files.
const DefaultFashionMNISTDir = "/usr/share/datasets/fashion-mnist"

// ErrUnknownDataset is returned by Load for a name it does not know.
var ErrUnknownDataset = errors.New("unknown dataset")

// ErrCorrupt is wrapped by the errors of loaders that find a malformed,
// truncated or inconsistent file.
var ErrCorrupt = errors.New("corrupt dataset file")

// Split is one part (train or test) of a dataset: N images of raw 8-bit
// pixels in height×width×channels order, one after the other, and N labels.
type Split struct {
	Pixels []uint8
	Labels []uint8
}

// Len returns the number of images of the split.
func (s *Split) Len() int { return len(s.Labels) }

// Set is a labelled image dataset with a training and a test split.
type Set struct {
	// Name is the dataset's name, such as "cifar10".
	Name string
	// Height, Width and Channels give the shape of one image.
	Height, Width, Channels int
	// Classes is the number of classes; labels are in [0, Classes).
	Classes int
	// Mean and Std hold, per channel, the statistics (on the 0..1 pixel
	// scale) that Batch uses to normalize images.
	Mean, Std []float32
	// Train and Test are the two splits.
	Train, Test Split
}

// ImageSize returns the number of values of one image (height×width×channels).
func (s *Set) ImageSize() int { return s.Height * s.Width * s.Channels }

// Names returns the names of the datasets known to Load.
func Names() []string { return []string{CIFAR10, FashionMNIST, Synthetic, SyntheticGray} }

// Load returns the dataset of the given name. Its files are read from dir
// when given; otherwise from $REPGEO_DATA or its subdirectory named after the
// dataset ("cifar10", "fashion-mnist"), and for Fashion-MNIST finally from
// DefaultFashionMNISTDir. The synthetic datasets take no files.
func Load(name, dir string) (*Set, error) {
	switch name {
	case CIFAR10:
		d, err := findDir(name, dir, cifarTestFile, filepath.Join("cifar-10-batches-bin", cifarTestFile))
		if err != nil {
			return nil, err
		}
		return LoadCIFAR10(d)
	case FashionMNIST:
		d, err := findDir(name, dir, fashionFiles[2]+".gz", fashionFiles[2])
		if err != nil {
			return nil, err
		}
		return LoadFashionMNIST(d)
	case Synthetic:
		return NewSynthetic(SyntheticOptions{Height: 32, Width: 32, Channels: 3})
	case SyntheticGray:
		return NewSynthetic(SyntheticOptions{Height: 28, Width: 28, Channels: 1})
	}
	return nil, fmt.Errorf("data: %w %q (known: %s)", ErrUnknownDataset, name, strings.Join(Names(), ", "))
}

// findDir returns dir if given, else the first candidate directory holding
// one of the marker files.
func findDir(name, dir string, markers ...string) (string, error) {
	if dir != "" {
		return dir, nil
	}
	var candidates []string
	if env := os.Getenv(EnvDataDir); env != "" {
		candidates = append(candidates, env, filepath.Join(env, name))
	}
	if name == FashionMNIST {
		candidates = append(candidates, DefaultFashionMNISTDir)
	}
	for _, c := range candidates {
		for _, m := range markers {
			if _, err := os.Stat(filepath.Join(c, m)); err == nil {
				return c, nil
			}
		}
	}
	if len(candidates) == 0 {
		return "", fmt.Errorf("data: no directory for %s: pass one or set %s", name, EnvDataDir)
	}
	return "", fmt.Errorf("data: %s not found in %s (pass its directory or set %s)",
		name, strings.Join(candidates, ", "), EnvDataDir)
}

// InputShape returns the height, width and channels of the images of the
// named dataset without loading it.
func InputShape(name string) (h, w, c int, err error) {
	switch name {
	case CIFAR10, Synthetic:
		return 32, 32, 3, nil
	case FashionMNIST, SyntheticGray:
		return 28, 28, 1, nil
	}
	return 0, 0, 0, fmt.Errorf("data: %w %q (known: %s)", ErrUnknownDataset, name, strings.Join(Names(), ", "))
}

// split returns the split named "train" or "test".
func (s *Set) split(train bool) *Split {
	if train {
		return &s.Train
	}
	return &s.Test
}

// Batch writes the normalized images of the rows idx of the training split
// (train true) or the test split into dst (len(idx)×H×W×C float32, NHWC) and
// their labels into labels (len(idx) int32). It panics if an index is out of
// range or a destination has the wrong length.
func (s *Set) Batch(train bool, idx []int, dst []float32, labels []int32) {
	s.batch(s.split(train), idx, dst, labels, nil)
}

// AugmentedBatch is Batch with the standard CIFAR augmentation: each image is
// padded by pad pixels (zeros after normalization), cropped back to its size
// at a random offset, and flipped horizontally with probability 1/2, drawing
// from rng.
func (s *Set) AugmentedBatch(idx []int, dst []float32, labels []int32, pad int, rng *rand.Rand) {
	s.batch(&s.Train, idx, dst, labels, &augment{pad: pad, rng: rng})
}

type augment struct {
	pad int
	rng *rand.Rand
}

func (s *Set) batch(sp *Split, idx []int, dst []float32, labels []int32, aug *augment) {
	h, w, c := s.Height, s.Width, s.Channels
	size := h * w * c
	if len(dst) != len(idx)*size || len(labels) != len(idx) {
		panic(fmt.Sprintf("data: batch of %d images needs dst of %d and labels of %d, got %d and %d",
			len(idx), len(idx)*size, len(idx), len(dst), len(labels)))
	}
	scale := make([]float32, c)
	shift := make([]float32, c)
	for ch := range c {
		scale[ch] = 1 / (255 * s.Std[ch])
		shift[ch] = -s.Mean[ch] / s.Std[ch]
	}
	for b, i := range idx {
		if i < 0 || i >= sp.Len() {
			panic(fmt.Sprintf("data: image index %d out of range [0, %d)", i, sp.Len()))
		}
		labels[b] = int32(sp.Labels[i])
		src := sp.Pixels[i*size : (i+1)*size]
		out := dst[b*size : (b+1)*size]
		if aug == nil {
			for p, v := range src {
				ch := p % c
				out[p] = float32(v)*scale[ch] + shift[ch]
			}
			continue
		}
		dy, dx := 0, 0
		if aug.pad > 0 {
			dy = aug.rng.IntN(2*aug.pad+1) - aug.pad
			dx = aug.rng.IntN(2*aug.pad+1) - aug.pad
		}
		flip := aug.rng.IntN(2) == 1
		for y := range h {
			sy := y + dy
			for x := range w {
				sx := x + dx
				if flip {
					sx = w - 1 - x + dx
				}
				o := (y*w + x) * c
				if sy < 0 || sy >= h || sx < 0 || sx >= w {
					for ch := range c {
						out[o+ch] = 0
					}
					continue
				}
				q := (sy*w + sx) * c
				for ch := range c {
					out[o+ch] = float32(src[q+ch])*scale[ch] + shift[ch]
				}
			}
		}
	}
}
