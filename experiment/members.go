package experiment

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/repgeo/repgeo/data"
	"github.com/repgeo/repgeo/models"
	"github.com/repgeo/repgeo/models/zoo"
)

// SmokeScale is the factor by which SmokeSpec narrows a zoo member.
const SmokeScale = 0.125

// SmokeSpec returns the specification of a small stand-in for the zoo member
// name (see zoo.Members), quick to train: the same architecture at
// SmokeScale times its width, trained for steps steps of 32 Fashion-MNIST
// images with the member's seed, probed on probes test images.
func SmokeSpec(name string, steps, probes int) (Spec, error) {
	m, err := zoo.Lookup(name)
	if err != nil {
		return Spec{}, fmt.Errorf("experiment: %w", err)
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

// zooMember returns the Fashion-MNIST zoo (zoo.DefaultDir), the manifest
// entry of its finished member name and the member's Spec probed on probes
// test images. A member the zoo lacks gives an error wrapping ErrNotTrained
// (and zoo.ErrNotTrained) that names it and how to train it, one trained
// with another spec than the list declares an error wrapping zoo.ErrStale:
// unlike Net, the functions reading the zoo never train.
func zooMember(name string, probes int) (*zoo.Zoo, *zoo.Entry, Spec, error) {
	s, err := ZooSpec(name, data.FashionMNIST, probes)
	if err != nil {
		return nil, nil, Spec{}, err
	}
	if err := s.Validate(); err != nil {
		return nil, nil, Spec{}, err
	}
	m, err := zoo.Lookup(name)
	if err != nil {
		return nil, nil, Spec{}, fmt.Errorf("experiment: %w", err)
	}
	z, err := zoo.Open("", data.FashionMNIST)
	if err != nil {
		return nil, nil, Spec{}, fmt.Errorf("experiment: %w", err)
	}
	e, err := currentEntry(z, m)
	if errors.Is(err, zoo.ErrNotTrained) {
		return nil, nil, Spec{}, fmt.Errorf("experiment: zoo member %s %w, or `repgeo zoo --members=%s` to train only it (%w)",
			name, ErrNotTrained, name, err)
	}
	if err != nil {
		return nil, nil, Spec{}, fmt.Errorf("experiment: %w", err)
	}
	return z, e, s, nil
}

// currentEntry returns the manifest entry of the member m of z if it was
// trained as m declares (zoo.Zoo.Current); with trialRecipes, whatever its
// recipe.
func currentEntry(z *zoo.Zoo, m zoo.Member) (*zoo.Entry, error) {
	if trialRecipes {
		if e, err := z.Entry(m.Name); err == nil {
			m.Recipe = e.Spec.Recipe
		}
	}
	return z.Current(m)
}

// trialRecipes, set only by tests, lets the functions reading the zoo accept
// a member trained with a recipe other than the list's (a few steps, into a
// scratch zoo); its model, width, seed and snapshots must still match.
var trialRecipes bool

// zooActivations returns the activations of the member's weights loaded by
// load on probes chosen with probeSeed: read from path, or extracted and
// cached there. verify is called before the weights are first read.
func zooActivations(path string, s Spec, probeSeed uint64, verify func() error, load func() (*models.Net, error)) (*models.Activations, bool, error) {
	if _, err := os.Stat(path); err == nil {
		acts, err := readActivations(path)
		return acts, true, err
	}
	if err := verify(); err != nil {
		return nil, false, fmt.Errorf("experiment: %w", err)
	}
	net, err := load()
	if err != nil {
		return nil, false, fmt.Errorf("experiment: %w", err)
	}
	acts, err := probeActivations(net, s.Dataset, s.Probes, probeSeed, path)
	return acts, false, err
}

// verifier returns a function that checks the member's files against the
// zoo's manifest (zoo.Zoo.Verify) the first time it is called.
func verifier(z *zoo.Zoo, name string) func() error {
	var done bool
	return func() error {
		if done {
			return nil
		}
		done = true
		return z.Verify(name)
	}
}

// ZooSource returns a Source for the zoo member name (see zoo.Members): its
// final weights from the Fashion-MNIST zoo (zoo.DefaultDir: zoo/ of the
// repository or $REPGEO_ZOO), probed on probes test images chosen with
// probeSeed. The activations are cached under runs, keyed by the member's
// files in the zoo's manifest, so retraining the member extracts them again.
// A member the zoo lacks is not trained here: the error wraps ErrNotTrained
// and names the member and the command that trains it. A member trained
// with another spec than the list declares gives an error wrapping
// zoo.ErrStale.
func ZooSource(runs, name string, probes int, probeSeed uint64, log io.Writer) (Source, error) {
	z, e, s, err := zooMember(name, probes)
	if err != nil {
		return Source{}, err
	}
	b, err := sharedBackend()
	if err != nil {
		return Source{}, fmt.Errorf("experiment: backend: %w", err)
	}
	useFastBLAS()
	path := filepath.Join(Dir(runs, s), probeActivationsFile(probeSeed))
	acts, cached, err := zooActivations(path, s, probeSeed, verifier(z, name),
		func() (*models.Net, error) { return z.Load(b, name) })
	if err != nil {
		return Source{}, err
	}
	how := "extracted"
	if cached {
		how = "loaded from the cache"
	}
	logf(log, "%s: zoo member (%d steps, test accuracy %.4f), activations of %d taps on %d probes %s\n",
		name, e.Steps, e.TestAccuracy, len(acts.Taps), probes, how)
	return Source{Name: name, Acts: acts}, nil
}

// ZooSnapshots returns the snapshots kept while training the zoo member
// name, in step order from the initialization (step 0) to the final weights:
// each one's test accuracy from the member's training curve and its
// activations on probes test images chosen with probeSeed (cached under
// runs like ZooSource's). Only the members with Snapshots > 0 keep
// snapshots; a member the zoo lacks gives an error wrapping ErrNotTrained,
// one trained with another spec than the list declares zoo.ErrStale.
func ZooSnapshots(runs, name string, probes int, probeSeed uint64, log io.Writer) ([]Snapshot, error) {
	m, err := zoo.Lookup(name)
	if err != nil {
		return nil, fmt.Errorf("experiment: %w", err)
	}
	if m.Snapshots == 0 {
		var with []string
		for _, o := range zoo.Members() {
			if o.Snapshots > 0 {
				with = append(with, o.Name)
			}
		}
		return nil, fmt.Errorf("experiment: zoo member %s keeps no snapshots (those that do: %s)", name, strings.Join(with, ", "))
	}
	z, e, s, err := zooMember(name, probes)
	if err != nil {
		return nil, err
	}
	steps := e.SnapshotSteps
	if len(steps) < 2 || steps[0] != 0 || steps[len(steps)-1] != e.Steps {
		return nil, fmt.Errorf("experiment: %w: zoo member %s keeps snapshots at steps %v of %d, want step 0 to the last", zoo.ErrCorrupt, name, steps, e.Steps)
	}
	accuracy := map[int]float64{}
	for _, p := range e.Curve {
		if p.Snapshot {
			accuracy[p.Step] = p.TestAccuracy
		}
	}
	b, err := sharedBackend()
	if err != nil {
		return nil, fmt.Errorf("experiment: backend: %w", err)
	}
	useFastBLAS()
	verify := verifier(z, name)
	out := make([]Snapshot, len(steps))
	extracted := 0
	for k, step := range steps {
		if k > 0 && step <= steps[k-1] {
			return nil, fmt.Errorf("experiment: %w: zoo member %s keeps snapshots at steps %v, not increasing", zoo.ErrCorrupt, name, steps)
		}
		acc, ok := accuracy[step]
		if !ok {
			return nil, fmt.Errorf("experiment: %w: zoo member %s has no point of its training curve at snapshot step %d", zoo.ErrCorrupt, name, step)
		}
		path := filepath.Join(Dir(runs, s), "snapshots", fmt.Sprintf("activations-v%d-step%08d-probes%d.npz", CacheVersion, step, probeSeed))
		acts, cached, err := zooActivations(path, s, probeSeed, verify,
			func() (*models.Net, error) { return z.LoadSnapshot(b, name, step) })
		if err != nil {
			return nil, fmt.Errorf("experiment: snapshot at step %d of %s: %w", step, name, err)
		}
		if !cached {
			extracted++
		}
		out[k] = Snapshot{Step: step, Accuracy: acc, Acts: acts}
	}
	logf(log, "%s: %d snapshots from the zoo (steps %v, test accuracy %.3f → %.3f), activations on %d probes (%d extracted, %d from the cache)\n",
		name, len(out), steps, out[0].Accuracy, out[len(out)-1].Accuracy, probes, extracted, len(out)-extracted)
	return out, nil
}
