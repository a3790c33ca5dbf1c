package experiment

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/repgeo/repgeo/data"
	"github.com/repgeo/repgeo/models"
	"github.com/repgeo/repgeo/models/zoo"
)

// Sizes of a study, as read from REPGEO_SIZE by the notebooks.
const (
	// Smoke trains tiny models for a few steps and probes few inputs.
	Smoke = "smoke"
	// Full trains the models of the published figures.
	Full = "full"
)

// Metrics are the metrics whose paths the notebooks compare, the two of the paper.
var Metrics = []string{"angular-cka", "angular-shape"}

// Spec specifies one trained model and the probe inputs its path is measured on.
type Spec struct {
	// Zoo, if set, names the zoo member (see package models/zoo) that is the
	// model: it is loaded from the committed zoo, or trained into it by the
	// zoo's driver when missing. Model, Width, Seed and the training fields
	// then repeat the member's (ZooSpec fills them in).
	Zoo string `json:"zoo,omitempty"`
	// Model is the architecture (see models.Names) and Width its channel multiplier.
	Model string  `json:"model"`
	Width float64 `json:"width"`
	// Dataset is the dataset trained and probed on (see data.Names).
	Dataset string `json:"dataset"`
	// Optimizer, LearningRate, BatchSize and Steps configure training (see models.TrainOptions).
	Optimizer    string  `json:"optimizer"`
	LearningRate float64 `json:"learning_rate"`
	BatchSize    int     `json:"batch_size"`
	Steps        int     `json:"steps"`
	// Seed seeds the weights, the data order and the choice of probes.
	Seed uint64 `json:"seed"`
	// Probes is m, the number of test images (balanced over classes) the
	// representations are computed on.
	Probes int `json:"probes"`
	// TestLimit is the number of test images the accuracy is measured on.
	TestLimit int `json:"test_limit"`
}

// FullProbes is m, the number of probe images, of the full size.
const FullProbes = 1000

// Study returns the specifications of the two models of a notebook size: a
// ResNet-20 and a VGG-11 trained on Fashion-MNIST. The full size uses the
// zoo's members resnet20-w1-s1 and vgg11-w0.25-s1 (trained to convergence,
// committed under zoo/) probed on FullProbes test images; the smoke size
// trains tiny models for a few steps.
func Study(size string) ([]Spec, error) {
	switch size {
	case Smoke:
		return []Spec{
			{Model: "resnet20", Width: 0.125, Dataset: data.FashionMNIST, Optimizer: models.Adam, LearningRate: 2e-3,
				BatchSize: 32, Steps: 8, Seed: 1, Probes: 40, TestLimit: 200},
			{Model: "vgg11", Width: 0.125, Dataset: data.FashionMNIST, Optimizer: models.Adam, LearningRate: 2e-3,
				BatchSize: 32, Steps: 8, Seed: 1, Probes: 40, TestLimit: 200},
		}, nil
	case Full:
		var out []Spec
		for _, name := range []string{"resnet20-w1-s1", "vgg11-w0.25-s1"} {
			s, err := ZooSpec(name, data.FashionMNIST, FullProbes)
			if err != nil {
				return nil, err
			}
			out = append(out, s)
		}
		return out, nil
	default:
		return nil, fmt.Errorf("experiment: unknown size %q (want %q or %q)", size, Smoke, Full)
	}
}

// ZooSpec returns the Spec of the named zoo member on dataset, probed on m
// test images (chosen with the member's seed); its accuracy is measured on
// the whole test split.
func ZooSpec(member, dataset string, m int) (Spec, error) {
	z, err := zoo.Lookup(member)
	if err != nil {
		return Spec{}, fmt.Errorf("experiment: %w", err)
	}
	n := fashionTrainImages
	if dataset == data.CIFAR10 {
		n = cifarTrainImages
	}
	return Spec{Zoo: z.Name, Model: z.Model, Width: z.Width, Dataset: dataset, Optimizer: z.Recipe.Optimizer,
		LearningRate: z.Recipe.LearningRate, BatchSize: z.Recipe.BatchSize, Steps: z.TotalSteps(n),
		Seed: z.Seed, Probes: m}, nil
}

// Sizes of the training splits, which decide a zoo member's number of steps.
const (
	fashionTrainImages = 60000
	cifarTrainImages   = 50000
)

// Validate reports whether s names a known model and dataset with positive
// sizes and, for a zoo member, repeats the member's model, width and seed.
func (s Spec) Validate() error {
	if s.Zoo != "" {
		z, err := zoo.Lookup(s.Zoo)
		if err != nil {
			return fmt.Errorf("experiment: %w", err)
		}
		if z.Model != s.Model || z.Width != s.Width || z.Seed != s.Seed {
			return fmt.Errorf("experiment: spec of zoo member %s says %s ×%g seed %d, the member is %s ×%g seed %d (use ZooSpec)",
				s.Zoo, s.Model, s.Width, s.Seed, z.Model, z.Width, z.Seed)
		}
		if s.Dataset != data.FashionMNIST && s.Dataset != data.CIFAR10 {
			return fmt.Errorf("experiment: the zoo has no %q members", s.Dataset)
		}
	}
	known := false
	for _, n := range models.Names() {
		known = known || n == s.Model
	}
	switch {
	case !known:
		return fmt.Errorf("experiment: unknown model %q (known: %s)", s.Model, strings.Join(models.Names(), ", "))
	case !(s.Width > 0):
		return fmt.Errorf("experiment: width %v is not positive", s.Width)
	case s.Steps < 1 || s.BatchSize < 1:
		return fmt.Errorf("experiment: %d steps of batch %d: both must be positive", s.Steps, s.BatchSize)
	case s.Probes < 3:
		return fmt.Errorf("experiment: %d probes: need at least 3", s.Probes)
	}
	for _, n := range data.Names() {
		if n == s.Dataset {
			return nil
		}
	}
	return fmt.Errorf("experiment: unknown dataset %q (known: %s)", s.Dataset, strings.Join(data.Names(), ", "))
}

// Name returns a short readable name of the model, such as "resnet20 ×0.5",
// or its zoo name, such as "resnet20-w1-s1".
func (s Spec) Name() string {
	if s.Zoo != "" {
		return s.Zoo
	}
	return s.Model + " ×" + strconv.FormatFloat(s.Width, 'g', -1, 64)
}

// Key returns the name of the spec's cache directory: the model, its width
// and a hash of the whole spec, so that any change of the spec gets a fresh
// cache. For a zoo member it ends with a hash of the member's files in the
// zoo's manifest ("untrained" before it is, "stale" if it was trained with
// another spec than the list declares), so that retraining the member gets
// a fresh cache too.
func (s Spec) Key() string {
	b, err := json.Marshal(s)
	if err != nil {
		panic(errors.New("experiment: Spec does not marshal: " + err.Error()))
	}
	h := sha256.Sum256(b)
	key := fmt.Sprintf("%s-w%s-%s", s.Model, strconv.FormatFloat(s.Width, 'g', -1, 64), hex.EncodeToString(h[:])[:10])
	if s.Zoo != "" {
		key += "-" + zooTag(s)
	}
	return key
}

// zooTag returns the first 8 hex digits of a hash of the zoo member's files
// (names and sha256) as its manifest lists them, "untrained" or "stale".
func zooTag(s Spec) string {
	z, err := zoo.Open("", s.Dataset)
	if err != nil {
		return "untrained"
	}
	m, err := zoo.Lookup(s.Zoo)
	if err != nil {
		return "untrained"
	}
	e, err := currentEntry(z, m)
	if errors.Is(err, zoo.ErrStale) {
		return "stale"
	}
	if err != nil {
		return "untrained"
	}
	names := make([]string, 0, len(e.Files))
	for f := range e.Files {
		names = append(names, f)
	}
	sort.Strings(names)
	h := sha256.New()
	for _, f := range names {
		fmt.Fprintf(h, "%s %s\n", f, e.Files[f])
	}
	return hex.EncodeToString(h.Sum(nil))[:8]
}
