package experiment

import (
	"fmt"
	"io"
	"regexp"
	"strconv"

	"github.com/repgeo/repgeo/data"
	"github.com/repgeo/repgeo/models"
)

// Member names a network of the model zoo: an architecture, a width
// multiplier and a seed, written "resnet20-w1-s1" or "vgg11-w0.25-s2".
type Member struct {
	Model string
	Width float64
	Seed  uint64
}

var memberName = regexp.MustCompile(`^([a-z]+[0-9]+)-w([0-9]*\.?[0-9]+)-s([0-9]+)$`)

// ParseMember parses a zoo member's name (see Member).
func ParseMember(name string) (Member, error) {
	g := memberName.FindStringSubmatch(name)
	if g == nil {
		return Member{}, fmt.Errorf("experiment: bad zoo member name %q (want model-wWIDTH-sSEED, such as resnet20-w1-s1)", name)
	}
	w, err := strconv.ParseFloat(g[2], 64)
	if err != nil || !(w > 0) {
		return Member{}, fmt.Errorf("experiment: zoo member %q: bad width %q", name, g[2])
	}
	seed, err := strconv.ParseUint(g[3], 10, 64)
	if err != nil {
		return Member{}, fmt.Errorf("experiment: zoo member %q: bad seed %q", name, g[3])
	}
	known := false
	for _, n := range models.Names() {
		known = known || n == g[1]
	}
	if !known {
		return Member{}, fmt.Errorf("experiment: zoo member %q: unknown model %q", name, g[1])
	}
	return Member{Model: g[1], Width: w, Seed: seed}, nil
}

// String returns the member's name, such as "resnet20-w1-s1".
func (m Member) String() string {
	return fmt.Sprintf("%s-w%s-s%d", m.Model, strconv.FormatFloat(m.Width, 'g', -1, 64), m.Seed)
}

// SmokeScale is the factor by which SmokeSpec narrows a zoo member.
const SmokeScale = 0.125

// SmokeSpec returns the specification of a small stand-in for the zoo member
// name, quick to train: the same architecture at SmokeScale times its width,
// trained for steps steps of 32 Fashion-MNIST images with the member's seed,
// probed on probes test images.
func SmokeSpec(name string, steps, probes int) (Spec, error) {
	m, err := ParseMember(name)
	if err != nil {
		return Spec{}, err
	}
	return Spec{Model: m.Model, Width: m.Width * SmokeScale, Dataset: data.FashionMNIST, Optimizer: models.Adam,
		LearningRate: 2e-3, BatchSize: 32, Steps: steps, Seed: m.Seed, Probes: probes, TestLimit: 200}, nil
}

// SmokeSource returns a Source for the zoo member name in smoke size: its
// SmokeSpec stand-in, trained if needed, probed on inputs chosen with
// probeSeed (shared by every member, so their paths can be compared).
func SmokeSource(runs, name string, steps, probes int, probeSeed uint64, log io.Writer) (Source, error) {
	s, err := SmokeSpec(name, steps, probes)
	if err != nil {
		return Source{}, err
	}
	acts, err := ActivationsOn(runs, s, probeSeed, log)
	if err != nil {
		return Source{}, err
	}
	return Source{Name: name, Acts: acts}, nil
}

// ZooSource returns a Source for the trained zoo member name, probed on
// probes test images chosen with probeSeed. The trained zoo is not wired in
// yet: for a well-formed name it returns an error wrapping ErrNotTrained.
func ZooSource(runs, name string, probes int, probeSeed uint64, log io.Writer) (Source, error) {
	if _, err := ParseMember(name); err != nil {
		return Source{}, err
	}
	return Source{}, fmt.Errorf("experiment: zoo member %s %w", name, ErrNotTrained)
}

// ZooSnapshots returns the snapshots kept while training the zoo member
// name, probed on probes test images chosen with probeSeed. The trained zoo
// is not wired in yet: for a well-formed name it returns an error wrapping
// ErrNotTrained.
func ZooSnapshots(runs, name string, probes int, probeSeed uint64, log io.Writer) ([]Snapshot, error) {
	if _, err := ParseMember(name); err != nil {
		return nil, err
	}
	return nil, fmt.Errorf("experiment: snapshots of zoo member %s %w", name, ErrNotTrained)
}
