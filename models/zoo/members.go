package zoo

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/repgeo/repgeo/data"
	"github.com/repgeo/repgeo/models"
)

// Recipe is how a member is trained (see models.TrainOptions).
type Recipe struct {
	Optimizer    string  `json:"optimizer"`
	LearningRate float64 `json:"learning_rate"`
	Momentum     float64 `json:"momentum"`
	WeightDecay  float64 `json:"weight_decay"`
	BatchSize    int     `json:"batch_size"`
	// Schedule is the learning-rate schedule (models.ScheduleStep: ×0.1 at
	// 50 % and 75 % of the steps).
	Schedule string `json:"schedule"`
	// Augment applies random crops (4-pixel zero padding) and horizontal flips.
	Augment bool `json:"augment"`
	// Epochs is the length of training; Steps, if positive, overrides it
	// (used for short test runs).
	Epochs int `json:"epochs"`
	Steps  int `json:"steps,omitempty"`
}

// Epochs is the number of epochs every member trains for: chosen so that the
// whole zoo fits the training budget (see docs/zoo.md).
const Epochs = 8

// SnapshotCount is the number of log-spaced steps, besides step 0, at which
// the snapshot members keep their weights.
const SnapshotCount = 12

// Standard is the recipe of every member: SGD with momentum 0.9, learning
// rate 0.1 divided by 10 at 50 % and 75 % of training, weight decay 1e-4,
// batch 128, random crops and flips, Epochs epochs.
var Standard = Recipe{Optimizer: models.SGD, LearningRate: 0.1, Momentum: 0.9, WeightDecay: 1e-4,
	BatchSize: 128, Schedule: models.ScheduleStep, Augment: true, Epochs: Epochs}

// Member is one model of the zoo.
type Member struct {
	// Name is the short name, Name(Model, Width, Seed).
	Name string `json:"name"`
	// Model is the architecture (see models.Names) and Width its multiplier.
	Model string  `json:"model"`
	Width float64 `json:"width"`
	// Seed seeds the weights, the data order and the augmentation.
	Seed uint64 `json:"seed"`
	// Recipe is how the member is trained.
	Recipe Recipe `json:"recipe"`
	// Snapshots is the number of log-spaced steps (besides step 0) whose
	// weights are kept; 0 keeps only the final weights. See SnapshotSteps.
	Snapshots int `json:"snapshots"`
}

// VGGWidth is the width multiplier of the zoo's VGGs.
const VGGWidth = 0.25

// Members returns the zoo's members, in training order: the two snapshot
// members first (the figures need them), then the rest from the cheapest.
func Members() []Member {
	var ms []Member
	add := func(model string, width float64, seed uint64, snapshots int) {
		ms = append(ms, Member{Name: Name(model, width, seed), Model: model, Width: width, Seed: seed,
			Recipe: Standard, Snapshots: snapshots})
	}
	add("resnet20", 1, 1, SnapshotCount)
	add("vgg11", VGGWidth, 1, SnapshotCount)
	for _, seed := range []uint64{2, 3} {
		add("resnet20", 1, seed, 0)
		add("vgg11", VGGWidth, seed, 0)
	}
	for _, v := range []string{"vgg13", "vgg16", "vgg19"} {
		add(v, VGGWidth, 1, 0)
	}
	for _, r := range []string{"resnet20", "resnet32", "resnet56"} {
		add(r, 0.5, 1, 0)
	}
	add("resnet32", 1, 1, 0)
	add("resnet56", 1, 1, 0)
	add("resnet20", 2, 1, 0)
	return ms
}

// TargetAccuracy returns the test accuracy, on the full test set, that m
// is to reach on dataset, and whether the zoo sets one there: on
// Fashion-MNIST at least 0.92 for ResNet-20 ×1 and 0.90 for every other
// member; on other datasets no target. It is not part of the member's
// spec, so changing it makes no member stale.
func (m Member) TargetAccuracy(dataset string) (float64, bool) {
	if dataset != data.FashionMNIST {
		return 0, false
	}
	if m.Model == "resnet20" && m.Width == 1 {
		return 0.92, true
	}
	return 0.90, true
}

// Name returns a member's short name: the architecture, "-w" and the width,
// "-s" and the seed, such as "resnet20-w1-s1" or "vgg11-w0.25-s2".
func Name(model string, width float64, seed uint64) string {
	return fmt.Sprintf("%s-w%s-s%d", model, strconv.FormatFloat(width, 'g', -1, 64), seed)
}

// Lookup returns the member of the zoo with the given short name.
func Lookup(name string) (Member, error) {
	for _, m := range Members() {
		if m.Name == name {
			return m, nil
		}
	}
	return Member{}, fmt.Errorf("zoo: no member named %q (members: %s)", name, strings.Join(Names(), ", "))
}

// Names returns the short names of the members, in the order of Members.
func Names() []string {
	var out []string
	for _, m := range Members() {
		out = append(out, m.Name)
	}
	return out
}

// Validate reports whether m is a well-formed member.
func (m Member) Validate() error {
	if !slices.Contains(models.Names(), m.Model) {
		return fmt.Errorf("zoo: member %q: unknown model %q", m.Name, m.Model)
	}
	if m.Name == "" || strings.ContainsAny(m.Name, `/\ `) || strings.HasPrefix(m.Name, ".") {
		return fmt.Errorf("zoo: member name %q must be non-empty, without slashes, spaces or a leading dot", m.Name)
	}
	r := m.Recipe
	if r.BatchSize < 1 || (r.Epochs < 1 && r.Steps < 1) || !(r.LearningRate > 0) {
		return fmt.Errorf("zoo: member %q: recipe %+v needs a positive batch, learning rate and length", m.Name, r)
	}
	if m.Snapshots < 0 {
		return fmt.Errorf("zoo: member %q: %d snapshots", m.Name, m.Snapshots)
	}
	return nil
}

// TotalSteps returns the number of training steps of m on a training split
// of n images: Recipe.Steps, or Recipe.Epochs whole batches per epoch (0
// when n is 0).
func (m Member) TotalSteps(n int) int {
	if m.Recipe.Steps > 0 {
		return m.Recipe.Steps
	}
	if n <= 0 {
		return 0
	}
	return m.Recipe.Epochs * (n / min(m.Recipe.BatchSize, n))
}

// SnapshotSteps returns the steps whose weights m keeps in a run of total
// steps: none if m.Snapshots is 0, otherwise step 0 and the m.Snapshots
// steps round(total^(k/m.Snapshots)), k = 1..m.Snapshots, made strictly
// increasing (the last is total, whose snapshot is the final weights).
func (m Member) SnapshotSteps(total int) []int {
	if m.Snapshots == 0 || total < 1 {
		return nil
	}
	steps := []int{0}
	for k := 1; k <= m.Snapshots; k++ {
		s := int(math.Round(math.Pow(float64(total), float64(k)/float64(m.Snapshots))))
		s = min(max(s, steps[len(steps)-1]+1), total)
		if s > steps[len(steps)-1] {
			steps = append(steps, s)
		}
	}
	return steps
}
