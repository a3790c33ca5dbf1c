package zoo

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"time"

	"github.com/gomlx/gomlx/backends"

	"github.com/repgeo/repgeo/data"
	"github.com/repgeo/repgeo/internal/atomicfile"
	"github.com/repgeo/repgeo/models"
)

// ErrStopped is returned by Zoo.Train when it was stopped through
// TrainOptions.Stop, after saving the member's state.
var ErrStopped = errors.New("zoo: training stopped (state saved; run again to resume)")

// DefaultSaveEvery is how often the state of a member in training is saved.
const DefaultSaveEvery = 5 * time.Minute

// TrainOptions configures Zoo.Train.
type TrainOptions struct {
	// Backend runs the training (required).
	Backend backends.Backend
	// Set is the dataset; its Name must be the zoo's dataset.
	Set *data.Set
	// SaveEvery is how often (wall time) the state is saved (default
	// DefaultSaveEvery); it is also saved when Stop is closed.
	SaveEvery time.Duration
	// Stop, when closed, makes Train save the state after the current step
	// and return ErrStopped.
	Stop <-chan struct{}
	// StopAt, if positive, stops training after that global step as Stop
	// does (saving the state, returning ErrStopped), with the member's recipe
	// and schedule unchanged: to compare the weights of a retrained member
	// with a committed snapshot. It must lie after the saved state's step
	// and before the member's last step, and is meant for scratch zoos: a
	// finished member is an error.
	StopAt int
	// TestLimit, if positive, evaluates the curve and the final accuracy on
	// only the first TestLimit test images (for short test runs; the zoo
	// uses the full test split).
	TestLimit int
	// Progress, if not nil, is called after every step.
	Progress func(Progress)
}

// Progress describes a member's training after a step.
type Progress struct {
	// Member is the member's name; Step is the global step reached of Steps.
	Member      string
	Step, Steps int
	// Start is the step this run started from (non-zero when resumed).
	Start int
	// Epoch is the fractional epoch and Loss the batch loss of the step.
	Epoch, Loss float64
	// ImagesPerSecond is the training throughput of this run.
	ImagesPerSecond float64
}

// state is the progress of a member in training, saved beside its
// checkpoint (weights and optimizer state) in the partial directory.
type state struct {
	Spec  Member       `json:"spec"`
	Step  int          `json:"step"`
	Steps int          `json:"steps"`
	Curve []CurvePoint `json:"curve"`
	// LossSum and LossCount accumulate the batch losses since the last curve point.
	LossSum   float64 `json:"loss_sum"`
	LossCount int     `json:"loss_count"`
	// WallSeconds and TrainSeconds sum the wall time and the time spent in
	// training steps of the previous runs.
	WallSeconds  float64 `json:"wall_seconds"`
	TrainSeconds float64 `json:"train_seconds"`
	TrainedSteps int     `json:"trained_steps"`
	// Runs are the runs up to the saved step, oldest first, the current
	// one last.
	Runs []Run `json:"runs,omitempty"`
}

const (
	stateSub   = ".state"
	stateFile  = "progress.json"
	pendingExt = ".entry.json"
)

func (z *Zoo) partialDir(name string) string { return filepath.Join(z.Dir, PartialDir, name) }

// Finished reports whether the manifest lists the named member.
func (z *Zoo) Finished(name string) (bool, error) {
	_, err := z.Entry(name)
	if errors.Is(err, ErrNotTrained) {
		return false, nil
	}
	return err == nil, err
}

// Train trains the member m into the zoo, unless the manifest lists it
// already (then it returns its entry, or an error wrapping ErrStale if it
// was trained with another spec than m), resuming from its saved state if a
// previous run was stopped. When done it installs the member's directory,
// adds it to the manifest and removes the state.
func (z *Zoo) Train(m Member, opt TrainOptions) (*Entry, error) {
	if err := m.Validate(); err != nil {
		return nil, err
	}
	if opt.Backend == nil || opt.Set == nil {
		return nil, errors.New("zoo: Train needs a backend and a dataset")
	}
	if opt.Set.Name != z.Dataset {
		return nil, fmt.Errorf("zoo: the zoo %s is of %q, the dataset given is %q", z.Dir, z.Dataset, opt.Set.Name)
	}
	if opt.Set.Train.Len() == 0 {
		return nil, fmt.Errorf("zoo: the training split of %q is empty", opt.Set.Name)
	}
	if opt.SaveEvery <= 0 {
		opt.SaveEvery = DefaultSaveEvery
	}
	unlock, err := z.lock()
	if err != nil {
		return nil, err
	}
	defer unlock()
	man, err := z.Manifest()
	if err != nil {
		return nil, err
	}
	if e, err := z.current(man, m); err == nil {
		if opt.StopAt > 0 {
			return nil, fmt.Errorf("zoo: %s is finished in %s: StopAt trains only members a scratch zoo lacks", m.Name, z.Dir)
		}
		if err := z.removeStalePending(m); err != nil {
			return nil, err
		}
		return e, nil
	} else if !errors.Is(err, ErrNotTrained) {
		return nil, err
	}
	if e, err := z.install(man, m); e != nil || err != nil {
		return e, err
	}
	return z.train(man, m, opt)
}

// removeStalePending removes the pending entry of the finished member m
// left by a crash between the manifest's write and the entry's removal.
func (z *Zoo) removeStalePending(m Member) error {
	pending := z.partialDir(m.Name) + pendingExt
	var e Entry
	if err := readJSON(pending, &e); err != nil || !sameSpec(e.Spec, m) {
		return nil // none, or not this member's: install reports it on a retraining
	}
	if err := os.Remove(pending); err != nil {
		return fmt.Errorf("zoo: %w", err)
	}
	return nil
}

func sameSpec(a, b Member) bool {
	ra, _ := json.Marshal(a)
	rb, _ := json.Marshal(b)
	return string(ra) == string(rb)
}

// install finishes the installation of a member whose training ended (its
// pending entry exists): moves its directory into place and adds it to the
// manifest. It returns a nil entry when there is nothing pending.
func (z *Zoo) install(man *Manifest, m Member) (*Entry, error) {
	p := z.partialDir(m.Name)
	raw, err := os.ReadFile(p + pendingExt)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("zoo: %w", err)
	}
	var e Entry
	if err := json.Unmarshal(raw, &e); err != nil || !sameSpec(e.Spec, m) {
		return nil, fmt.Errorf("zoo: %w: %s: not the pending entry of %q (%v): delete it and %s to retrain",
			ErrCorrupt, p+pendingExt, m.Name, err, p)
	}
	for _, st := range []string{stateSub, stateSub + ".old"} {
		if err := os.RemoveAll(filepath.Join(p, st)); err != nil {
			return nil, fmt.Errorf("zoo: %w", err)
		}
	}
	if err := removeTransient(p); err != nil {
		return nil, err
	}
	dir := z.MemberDir(m.Name)
	if _, err := os.Stat(p); err == nil {
		if err := os.RemoveAll(dir); err != nil {
			return nil, fmt.Errorf("zoo: %w", err)
		}
		if err := os.Rename(p, dir); err != nil {
			return nil, fmt.Errorf("zoo: installing %s: %w", m.Name, err)
		}
	}
	if err := verifyFiles(m.Name, dir, e.Files); err != nil {
		return nil, err
	}
	man.Members[m.Name] = &e
	if err := z.writeManifest(man); err != nil {
		return nil, err
	}
	if err := os.Remove(p + pendingExt); err != nil {
		return nil, fmt.Errorf("zoo: %w", err)
	}
	return &e, nil
}

// train runs (or resumes) the training of m and installs it.
func (z *Zoo) train(man *Manifest, m Member, opt TrainOptions) (*Entry, error) {
	set := opt.Set
	b := opt.Backend
	p := z.partialDir(m.Name)
	stDir := filepath.Join(p, stateSub)
	total := m.TotalSteps(set.Train.Len())
	perEpoch := set.Train.Len() / min(m.Recipe.BatchSize, set.Train.Len())
	snaps := m.SnapshotSteps(total)
	st := state{Spec: m, Steps: total}
	var net *models.Net
	if _, err := os.Stat(stDir); errors.Is(err, os.ErrNotExist) {
		// A crash inside replaceDir leaves the previous state aside.
		if _, err := os.Stat(stDir + ".old"); err == nil {
			if err := os.Rename(stDir+".old", stDir); err != nil {
				return nil, fmt.Errorf("zoo: %w", err)
			}
		}
	}
	if err := removeTransient(p); err != nil {
		return nil, err
	}
	if _, err := os.Stat(filepath.Join(stDir, stateFile)); err == nil {
		if err := readJSON(filepath.Join(stDir, stateFile), &st); err != nil {
			return nil, fmt.Errorf("zoo: %w: %s: %v", ErrCorrupt, stDir, err)
		}
		if !sameSpec(st.Spec, m) || st.Steps != total {
			return nil, fmt.Errorf("zoo: %w: the saved state %s is of %+v (%d steps), not %+v (%d steps): delete it to start afresh",
				ErrCorrupt, stDir, st.Spec, st.Steps, m, total)
		}
		if net, err = models.Load(b, stDir); err != nil {
			return nil, fmt.Errorf("zoo: resuming %s: %w", m.Name, err)
		}
	} else {
		// Without a state, p holds at most the snapshots of a run killed
		// before its first save, which training again rewrites. Final
		// weights there mean a finished run whose state and pending entry
		// are both gone: wiping them is not this code's call.
		if _, err := os.Stat(filepath.Join(p, models.ConfigFile)); err == nil {
			return nil, fmt.Errorf("zoo: %w: %s holds the final weights of %q but neither its training state (%s) "+
				"nor its pending entry (%s): delete %s to retrain the member from scratch",
				ErrCorrupt, p, m.Name, stDir, p+pendingExt, p)
		}
		if err := os.RemoveAll(p); err != nil {
			return nil, fmt.Errorf("zoo: %w", err)
		}
		cfg := models.Config{Model: m.Model, Width: m.Width, Dataset: set.Name,
			InputShape: [3]int{set.Height, set.Width, set.Channels}, Classes: set.Classes}
		if net, err = models.New(b, cfg, m.Seed); err != nil {
			return nil, fmt.Errorf("zoo: %w", err)
		}
	}
	switch {
	case opt.StopAt < 0 || opt.StopAt >= total && opt.StopAt > 0:
		return nil, fmt.Errorf("zoo: %s: cannot stop at step %d: it must lie between 1 and %d, before the last step %d",
			m.Name, opt.StopAt, total-1, total)
	case opt.StopAt > 0 && opt.StopAt <= st.Step:
		return nil, fmt.Errorf("zoo: %s: cannot stop at step %d: the saved state in %s is at step %d already (delete %s to start afresh)",
			m.Name, opt.StopAt, stDir, st.Step, p)
	}
	runStart := time.Now()
	prevWall, prevTrain, prevSteps := st.WallSeconds, st.TrainSeconds, st.TrainedSteps
	if st.Step > 0 && len(st.Runs) == 0 {
		// A state saved before runs were recorded: its processor is unknown.
		st.Runs = []Run{{FromStep: 0, ToStep: st.Step, WallSeconds: st.WallSeconds}}
	}
	prevRuns := slices.Clip(st.Runs)
	cpu := thisCPU()
	thisRun := Run{FromStep: st.Step, CPU: &cpu, Procs: runtime.GOMAXPROCS(0), Commit: commit(z.Dir)}
	// endRun records this run up to step in st.Runs.
	endRun := func(step int) {
		thisRun.ToStep = step
		thisRun.WallSeconds = time.Since(runStart).Seconds()
		st.Runs = append(prevRuns, thisRun)
	}
	var trainDur time.Duration
	lastReturn := time.Time{}
	lastSave := time.Now()
	start := st.Step
	save := func(step int) error {
		st.Step = step
		st.WallSeconds = prevWall + time.Since(runStart).Seconds()
		st.TrainSeconds = prevTrain + trainDur.Seconds()
		st.TrainedSteps = prevSteps + step - start
		endRun(step)
		if err := z.saveState(net, stDir, &st); err != nil {
			return err
		}
		lastSave = time.Now()
		return nil
	}
	event := func(step int, initial bool) error {
		isSnap := slices.Contains(snaps, step)
		if !initial && step%perEpoch != 0 && !isSnap && step != total {
			return nil
		}
		if isSnap && step < total {
			if err := models.SaveWeights(net, filepath.Join(p, snapshotSub(step))); err != nil {
				return err
			}
		}
		ev, err := models.Evaluate(net, set, opt.TestLimit)
		if err != nil {
			return fmt.Errorf("zoo: evaluating %s at step %d: %w", m.Name, step, err)
		}
		pt := CurvePoint{Step: step, Epoch: float64(step) / float64(perEpoch), TestAccuracy: ev.Accuracy,
			TestLoss: ev.Loss, Snapshot: isSnap}
		if st.LossCount > 0 {
			l := st.LossSum / float64(st.LossCount)
			pt.TrainLoss = &l
		}
		st.Curve = append(st.Curve, pt)
		st.LossSum, st.LossCount = 0, 0
		return nil
	}
	// Throughput of this run: time in training steps only (not in
	// evaluations and saves), from its second step (the first compiles).
	var steadyDur time.Duration
	after := func(step int, loss float64) error {
		now := time.Now()
		if !lastReturn.IsZero() {
			trainDur += now.Sub(lastReturn)
			if step > start+1 {
				steadyDur += now.Sub(lastReturn)
			}
		}
		defer func() { lastReturn = time.Now() }()
		if math.IsNaN(loss) { // Before the first step of this run.
			if step == 0 && len(st.Curve) == 0 {
				return event(0, true)
			}
			return nil
		}
		st.LossSum += loss
		st.LossCount++
		if err := event(step, false); err != nil {
			return err
		}
		if opt.Progress != nil {
			ips := 0.0
			if d := steadyDur.Seconds(); d > 0 {
				ips = float64((step-start-1)*m.Recipe.BatchSize) / d
			}
			opt.Progress(Progress{Member: m.Name, Step: step, Steps: total, Start: start,
				Epoch: float64(step) / float64(perEpoch), Loss: loss, ImagesPerSecond: ips})
		}
		stopNow := opt.StopAt > 0 && step == opt.StopAt
		select {
		case <-opt.Stop:
			stopNow = true
		default:
		}
		if stopNow {
			if err := save(step); err != nil {
				return err
			}
			return ErrStopped
		}
		if step < total && time.Since(lastSave) >= opt.SaveEvery {
			return save(step)
		}
		return nil
	}
	r := m.Recipe
	if _, err := models.Train(net, set, models.TrainOptions{Optimizer: r.Optimizer, LearningRate: r.LearningRate,
		Momentum: r.Momentum, WeightDecay: r.WeightDecay, BatchSize: r.BatchSize, Steps: total, Seed: m.Seed,
		Augment: r.Augment, Schedule: r.Schedule, TestLimit: -1, AfterStep: after}); err != nil {
		return nil, err
	}
	if len(st.Curve) == 0 || st.Curve[len(st.Curve)-1].Step != total {
		return nil, fmt.Errorf("zoo: %s: training ended without its final evaluation", m.Name)
	}
	st.Step = total
	st.WallSeconds = prevWall + time.Since(runStart).Seconds()
	st.TrainSeconds = prevTrain + trainDur.Seconds()
	st.TrainedSteps = prevSteps + total - start
	endRun(total)
	if err := models.SaveWeights(net, p); err != nil {
		return nil, err
	}
	// The state stays until install has the pending entry: a crash before
	// that resumes from it.
	if testHookFinalWeights != nil {
		if err := testHookFinalWeights(); err != nil {
			return nil, err
		}
	}
	quick, err := models.Evaluate(net, set, min(QuickCheckImages, testLimit(opt.TestLimit, set)))
	if err != nil {
		return nil, fmt.Errorf("zoo: evaluating %s: %w", m.Name, err)
	}
	files, err := hashDir(p, stateSub)
	if err != nil {
		return nil, err
	}
	last := st.Curve[len(st.Curve)-1]
	e := &Entry{Spec: m, Files: files, TestAccuracy: last.TestAccuracy, TestLoss: last.TestLoss,
		TestImages: testLimit(opt.TestLimit, set),
		QuickCheck: Evaluation{Images: quick.Images, TestAccuracy: quick.Accuracy, TestLoss: quick.Loss},
		Curve:      st.Curve, Epochs: float64(total) / float64(perEpoch), Steps: total, SnapshotSteps: snaps,
		WallSeconds: st.WallSeconds, Backend: b.Name(), CPU: cpu, Commit: thisRun.Commit, Runs: st.Runs,
		Finished: time.Now().UTC().Format(time.RFC3339)}
	if st.TrainSeconds > 0 {
		e.ImagesPerSecond = float64(st.TrainedSteps*m.Recipe.BatchSize) / st.TrainSeconds
	}
	if len(e.SnapshotSteps) > 0 && e.SnapshotSteps[len(e.SnapshotSteps)-1] != total {
		return nil, fmt.Errorf("zoo: %s: last snapshot step %d is not the last step %d", m.Name, e.SnapshotSteps[len(e.SnapshotSteps)-1], total)
	}
	raw, err := json.MarshalIndent(e, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("zoo: %w", err)
	}
	if err := atomicfile.WriteFile(p+pendingExt, append(raw, '\n')); err != nil {
		return nil, fmt.Errorf("zoo: %w", err)
	}
	return z.install(man, m)
}

// testHookFinalWeights, when set by a test, is called once the final
// weights are saved, before the pending entry is written; an error it
// returns ends training there, as a crash would.
var testHookFinalWeights func() error

// removeTransient removes what an interrupted write leaves in the partial
// directory p of a member: saveState's temporary directories, the
// previous state set aside by replaceDir (once the state is in place), and
// the staging directories of models' checkpoints, at any depth. None of them
// is part of a member; .gitignore leaves them out of the repository.
func removeTransient(p string) error {
	if _, err := os.Stat(p); errors.Is(err, os.ErrNotExist) {
		return nil
	}
	var stale []string
	err := filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if path == p || !d.IsDir() {
			return nil
		}
		if transient(d.Name()) {
			stale = append(stale, path)
			return filepath.SkipDir
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("zoo: %w", err)
	}
	stDir := filepath.Join(p, stateSub)
	for _, dir := range stale {
		if dir == stDir+".old" {
			if _, err := os.Stat(stDir); err != nil {
				continue // the only state there is; recovered above
			}
		}
		if err := os.RemoveAll(dir); err != nil {
			return fmt.Errorf("zoo: %w", err)
		}
	}
	return nil
}

// saveState replaces the member's state directory stDir, atomically, by a
// checkpoint of net (weights and optimizer state) and st.
func (z *Zoo) saveState(net *models.Net, stDir string, st *state) error {
	if err := os.MkdirAll(filepath.Dir(stDir), 0o755); err != nil {
		return fmt.Errorf("zoo: %w", err)
	}
	tmp, err := os.MkdirTemp(filepath.Dir(stDir), stateSub+".tmp-")
	if err != nil {
		return fmt.Errorf("zoo: %w", err)
	}
	defer os.RemoveAll(tmp)
	prev := net.Context.Loader()
	defer net.Context.SetLoader(prev)
	ck, err := models.NewCheckpointer(net, tmp, 1)
	if err != nil {
		return err
	}
	_, err = ck.Save(int64(st.Step))
	ck.Close()
	if err != nil {
		return err
	}
	raw, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return fmt.Errorf("zoo: %w", err)
	}
	if err := atomicfile.WriteFile(filepath.Join(tmp, stateFile), append(raw, '\n')); err != nil {
		return fmt.Errorf("zoo: %w", err)
	}
	return replaceDir(tmp, stDir)
}

// replaceDir moves the directory tmp to dir, replacing what dir held: the
// old directory is renamed aside first and removed last, so that a crash
// leaves either the old or the new state (recovered by recoverDir).
func replaceDir(tmp, dir string) error {
	old := dir + ".old"
	if err := os.RemoveAll(old); err != nil {
		return fmt.Errorf("zoo: %w", err)
	}
	if err := os.Rename(dir, old); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("zoo: %w", err)
	}
	if err := os.Rename(tmp, dir); err != nil {
		return fmt.Errorf("zoo: %w", err)
	}
	if err := os.RemoveAll(old); err != nil {
		return fmt.Errorf("zoo: %w", err)
	}
	return nil
}

// testLimit returns the number of test images evaluated with the limit n
// (0: all).
func testLimit(n int, set *data.Set) int {
	if n > 0 {
		return min(n, set.Test.Len())
	}
	return set.Test.Len()
}

func readJSON(path string, v any) error {
	raw, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	return json.Unmarshal(raw, v)
}
