package experiment

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"

	"github.com/repgeo/repgeo/data"
	"github.com/repgeo/repgeo/models"
	"github.com/repgeo/repgeo/repgeo"
)

// Snapshot is a network's representations at one step of its training.
type Snapshot struct {
	// Step is the number of training steps done (0: the initialization).
	Step int
	// Accuracy is the test accuracy at that step.
	Accuracy float64
	// Acts holds the activations on the probe inputs.
	Acts *models.Activations
}

// snapshotInfo is the cached record of a snapshot series.
type snapshotInfo struct {
	Steps    []int     `json:"steps"`
	Accuracy []float64 `json:"accuracy"`
}

// TinySnapshots trains the model of s, keeping its weights every s.Steps/n
// steps (n+1 snapshots, from the initialization to the end), and returns each
// snapshot's activations on s.Probes test images chosen with probeSeed and its
// accuracy on the first s.TestLimit test images. Snapshots are taken at the
// end of epochs, so training uses only the first s.BatchSize·s.Steps/n
// training images (each "epoch" is s.Steps/n steps): meant for small,
// quickly trained models. Results are cached under runs.
func TinySnapshots(runs string, s Spec, n int, probeSeed uint64, log io.Writer) ([]Snapshot, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	if n < 1 || s.Steps < n {
		return nil, fmt.Errorf("experiment: %d snapshots of %d steps: need 1 ≤ snapshots ≤ steps", n, s.Steps)
	}
	every := s.Steps / n
	dir := filepath.Join(runs, "snapshots", s.Key()+"-n"+strconv.Itoa(n))
	infoPath := filepath.Join(dir, "snapshots.json")
	var info snapshotInfo
	if raw, err := os.ReadFile(infoPath); err == nil {
		if err := json.Unmarshal(raw, &info); err != nil || len(info.Steps) != n+1 || len(info.Accuracy) != n+1 {
			return nil, fmt.Errorf("experiment: %w: %s (delete %s to redo)", ErrCache, infoPath, dir)
		}
	} else {
		var err error
		if info, err = trainSnapshots(s, n, every, dir, log); err != nil {
			return nil, err
		}
		if err := writeAtomic(infoPath, mustJSON(info)); err != nil {
			return nil, err
		}
		logf(log, "%s: %d snapshots, steps %v, test accuracy %.3f → %.3f\n", s.Name(), n+1, info.Steps, info.Accuracy[0], info.Accuracy[n])
	}
	b, err := sharedBackend()
	if err != nil {
		return nil, fmt.Errorf("experiment: backend: %w", err)
	}
	out := make([]Snapshot, n+1)
	for k := range out {
		sub := filepath.Join(dir, "model", "snapshots", fmt.Sprintf("epoch-%03d", k))
		path := filepath.Join(dir, fmt.Sprintf("activations-v%d-%03d-probes%d.npz", CacheVersion, k, probeSeed))
		var acts *models.Activations
		if _, err := os.Stat(path); err == nil {
			if acts, err = readActivations(path); err != nil {
				return nil, err
			}
		} else {
			net, err := models.Load(b, sub)
			if err != nil {
				return nil, fmt.Errorf("experiment: %w: snapshot %d: %v (delete %s to redo)", ErrCache, k, err, dir)
			}
			if acts, err = probeActivations(net, s.Dataset, s.Probes, probeSeed, path); err != nil {
				return nil, err
			}
		}
		out[k] = Snapshot{Step: info.Steps[k], Accuracy: info.Accuracy[k], Acts: acts}
	}
	return out, nil
}

// trainSnapshots trains s for n epochs of every steps each, keeping a
// snapshot at each epoch, and measures each snapshot's test accuracy.
func trainSnapshots(s Spec, n, every int, dir string, log io.Writer) (snapshotInfo, error) {
	var info snapshotInfo
	b, err := sharedBackend()
	if err != nil {
		return info, fmt.Errorf("experiment: backend: %w", err)
	}
	set, err := data.Load(s.Dataset, "")
	if err != nil {
		return info, fmt.Errorf("experiment: %w", err)
	}
	keep := every * s.BatchSize
	if keep > set.Train.Len() {
		return info, fmt.Errorf("experiment: %d steps of %d images between snapshots need %d training images, %s has %d", every, s.BatchSize, keep, s.Dataset, set.Train.Len())
	}
	small := *set
	size := set.ImageSize()
	small.Train = data.Split{Pixels: set.Train.Pixels[:keep*size], Labels: set.Train.Labels[:keep]}
	cfg := models.Config{Model: s.Model, Width: s.Width, Dataset: s.Dataset,
		InputShape: [3]int{set.Height, set.Width, set.Channels}, Classes: set.Classes}
	net, err := models.New(b, cfg, s.Seed)
	if err != nil {
		return info, fmt.Errorf("experiment: %w", err)
	}
	modelDir := filepath.Join(dir, "model")
	if err := os.RemoveAll(modelDir); err != nil { // an interrupted run starts over
		return info, fmt.Errorf("experiment: %w", err)
	}
	epochs := make([]int, n+1)
	for k := range epochs {
		epochs[k] = k
	}
	logf(log, "%s: training %d steps on %d %s images, a snapshot every %d steps\n", s.Name(), n*every, keep, s.Dataset, every)
	if _, err := models.Train(net, &small, models.TrainOptions{
		Optimizer: s.Optimizer, LearningRate: s.LearningRate, BatchSize: s.BatchSize, Steps: n * every,
		Seed: s.Seed, Dir: modelDir, Keep: 1, Snapshots: epochs, TestLimit: -1,
	}); err != nil {
		return info, fmt.Errorf("experiment: training %s: %w", s.Name(), err)
	}
	for k := 0; k <= n; k++ {
		snap, err := models.Load(b, filepath.Join(modelDir, "snapshots", fmt.Sprintf("epoch-%03d", k)))
		if err != nil {
			return info, fmt.Errorf("experiment: snapshot %d of %s: %w", k, s.Name(), err)
		}
		acc, err := models.Accuracy(snap, set, s.TestLimit)
		if err != nil {
			return info, fmt.Errorf("experiment: accuracy of snapshot %d of %s: %w", k, s.Name(), err)
		}
		info.Steps = append(info.Steps, k*every)
		info.Accuracy = append(info.Accuracy, acc)
	}
	return info, nil
}

// Dynamics describes how a network's path changes over training, one entry
// per snapshot, in the space of one metric.
type Dynamics struct {
	// Steps and Accuracy are each snapshot's training step and test accuracy.
	Steps    []int
	Accuracy []float64
	// Labels names the points of every path (the same taps at every step).
	Labels []string
	// Length, Tortuosity and LogitsToTarget are each snapshot's path length,
	// tortuosity and distance from the logits (the last tap) to the target.
	Length, Tortuosity, LogitsToTarget []float64
	// Progress[k][i] is the progress of point i along the input→target
	// geodesic at snapshot k (see repgeo.PathMeasures).
	Progress [][]float64
	// Paths holds every snapshot's path, named by step, with the distances
	// between all their points (for a joint embedding).
	Paths *PathSet
}

// TrainingDynamics measures the path of every snapshot in the space of met.
// The snapshots must be of one network on the same probe inputs, in order of
// training.
func TrainingDynamics(met repgeo.Metric, snaps []Snapshot) (*Dynamics, error) {
	return trainingDynamics(snaps, func(srcs []Source) (*PathSet, error) { return MeasurePaths(met, srcs) })
}

// CachedTrainingDynamics is TrainingDynamics with the snapshots' path set
// cached under runs (see CachedMeasurePaths, which key is passed to).
func CachedTrainingDynamics(runs, key string, met repgeo.Metric, snaps []Snapshot) (*Dynamics, error) {
	return trainingDynamics(snaps, func(srcs []Source) (*PathSet, error) { return CachedMeasurePaths(runs, key, met, srcs) })
}

// trainingDynamics is TrainingDynamics with the path set made by measure.
func trainingDynamics(snaps []Snapshot, measure func([]Source) (*PathSet, error)) (*Dynamics, error) {
	if len(snaps) < 2 {
		return nil, fmt.Errorf("experiment: TrainingDynamics needs at least 2 snapshots, got %d", len(snaps))
	}
	srcs := make([]Source, len(snaps))
	for k, s := range snaps {
		if k > 0 && s.Step <= snaps[k-1].Step {
			return nil, fmt.Errorf("experiment: snapshot %d at step %d follows step %d: snapshots must be in training order", k, s.Step, snaps[k-1].Step)
		}
		if s.Acts == nil {
			return nil, fmt.Errorf("experiment: snapshot %d at step %d has no activations", k, s.Step)
		}
		if k > 0 && len(s.Acts.Taps) != len(snaps[0].Acts.Taps) {
			return nil, fmt.Errorf("experiment: snapshot %d has %d taps, snapshot 0 has %d", k, len(s.Acts.Taps), len(snaps[0].Acts.Taps))
		}
		srcs[k] = Source{Name: "step " + strconv.Itoa(s.Step), Acts: s.Acts}
	}
	ps, err := measure(srcs)
	if err != nil {
		return nil, err
	}
	d := &Dynamics{Labels: ps.Labels[0], Paths: ps}
	for k, s := range snaps {
		ms := ps.Measures[k]
		n := len(ms.EndDistances)
		d.Steps = append(d.Steps, s.Step)
		d.Accuracy = append(d.Accuracy, s.Accuracy)
		d.Length = append(d.Length, ms.TotalLength)
		d.Tortuosity = append(d.Tortuosity, ms.Tortuosity)
		d.LogitsToTarget = append(d.LogitsToTarget, ms.EndDistances[n-2])
		d.Progress = append(d.Progress, ms.Progress)
	}
	return d, nil
}

// Settled returns, for each point of the path, the first snapshot index from
// which its progress stays within tol of its value at the last snapshot.
func (d *Dynamics) Settled(tol float64) ([]int, error) {
	if !(tol >= 0) || math.IsInf(tol, 0) {
		return nil, errors.New("experiment: Settled: tolerance must be finite and ≥ 0")
	}
	if len(d.Progress) == 0 {
		return nil, errors.New("experiment: Settled: no snapshots")
	}
	last := d.Progress[len(d.Progress)-1]
	out := make([]int, len(last))
	for i := range last {
		k := len(d.Progress) - 1
		for k > 0 && math.Abs(d.Progress[k-1][i]-last[i]) <= tol {
			k--
		}
		out[i] = k
	}
	return out, nil
}
