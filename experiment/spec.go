package experiment

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/repgeo/repgeo/data"
	"github.com/repgeo/repgeo/models"
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

// Study returns the specifications of the two models of a notebook size:
// a ResNet-20 and a VGG-11 trained on Fashion-MNIST. The full size is chosen
// so that both train in minutes on two CPU cores with the pure-Go backend
// (25,600 images each, about 0.4 epoch).
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
		return []Spec{
			{Model: "resnet20", Width: 0.5, Dataset: data.FashionMNIST, Optimizer: models.Adam, LearningRate: 2e-3,
				BatchSize: 64, Steps: 400, Seed: 1, Probes: 500, TestLimit: 2000},
			{Model: "vgg11", Width: 0.25, Dataset: data.FashionMNIST, Optimizer: models.Adam, LearningRate: 2e-3,
				BatchSize: 64, Steps: 400, Seed: 1, Probes: 500, TestLimit: 2000},
		}, nil
	default:
		return nil, fmt.Errorf("experiment: unknown size %q (want %q or %q)", size, Smoke, Full)
	}
}

// Validate reports whether s names a known model and dataset with positive sizes.
func (s Spec) Validate() error {
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

// Name returns a short readable name of the model, such as "resnet20 ×0.5".
func (s Spec) Name() string {
	return s.Model + " ×" + strconv.FormatFloat(s.Width, 'g', -1, 64)
}

// Key returns the name of the spec's cache directory: the model, its width
// and a hash of the whole spec, so that any change of the spec gets a fresh cache.
func (s Spec) Key() string {
	b, err := json.Marshal(s)
	if err != nil {
		panic(errors.New("experiment: Spec does not marshal: " + err.Error()))
	}
	h := sha256.Sum256(b)
	return fmt.Sprintf("%s-w%s-%s", s.Model, strconv.FormatFloat(s.Width, 'g', -1, 64), hex.EncodeToString(h[:])[:10])
}
