package zoo

import (
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/tensors"

	"github.com/repgeo/repgeo/backend"
	"github.com/repgeo/repgeo/data"
	"github.com/repgeo/repgeo/models"
)

func testBackend(t *testing.T) backends.Backend {
	t.Helper()
	b, err := backend.New()
	if err != nil {
		t.Fatalf("backend: %v", err)
	}
	return b
}

// tinySet is a small gray synthetic dataset: 128 training images, so an
// epoch of batch 16 is 8 steps.
func tinySet(t *testing.T) *data.Set {
	t.Helper()
	s, err := data.NewSynthetic(data.SyntheticOptions{Height: 28, Width: 28, Channels: 1, Train: 128, Test: 50, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// tinyMember trains a ResNet-20 ×0.125 for 12 steps of 16 images with the
// zoo's recipe otherwise, keeping snapshots at 0 and 4 log-spaced steps.
func tinyMember() Member {
	r := Standard
	r.BatchSize, r.Steps, r.LearningRate = 16, 12, 0.05
	return Member{Name: "tiny-resnet20", Model: "resnet20", Width: 0.125, Seed: 7, Recipe: r, Snapshots: 4}
}

// weights returns the values of every variable of net's weights (no
// optimizer state), by name.
func weights(t *testing.T, net *models.Net) map[string][]float32 {
	t.Helper()
	out := map[string][]float32{}
	for v := range net.Context.IterVariables() {
		if !models.IsWeight(v) {
			continue
		}
		val := v.MustValue()
		if val.DType().String() != "Float32" {
			t.Fatalf("variable %s has dtype %s, want float32", v.ScopeAndName(), val.DType())
		}
		out[v.ScopeAndName()] = tensors.MustCopyFlatData[float32](val)
	}
	return out
}

// sameWeights fails unless a and b hold bit-identical weights.
func sameWeights(t *testing.T, what string, a, b map[string][]float32) {
	t.Helper()
	if len(a) != len(b) || len(a) == 0 {
		t.Fatalf("%s: %d vs %d variables", what, len(a), len(b))
	}
	for name, x := range a {
		y, ok := b[name]
		if !ok || len(x) != len(y) {
			t.Fatalf("%s: variable %s missing or resized", what, name)
		}
		for i := range x {
			if math.Float32bits(x[i]) != math.Float32bits(y[i]) {
				t.Fatalf("%s: %s[%d] = %g vs %g", what, name, i, x[i], y[i])
			}
		}
	}
}

func trainTiny(t *testing.T, b backends.Backend, dir string, opt TrainOptions) (*Zoo, *Entry, error) {
	t.Helper()
	z := &Zoo{Dir: dir, Dataset: data.SyntheticGray}
	opt.Backend, opt.Set = b, tinySet(t)
	e, err := z.Train(tinyMember(), opt)
	return z, e, err
}

// TestTrainDeterministicAndResumable trains the tiny member three times: twice
// uninterrupted (the weights must be bit-identical) and once stopped after
// 5 steps and resumed (the weights must again be bit-identical, the curve
// the same, and the state removed at the end).
func TestTrainDeterministicAndResumable(t *testing.T) {
	b := testBackend(t)
	m := tinyMember()
	za, ea, err := trainTiny(t, b, t.TempDir(), TrainOptions{})
	if err != nil {
		t.Fatal(err)
	}
	zb, _, err := trainTiny(t, b, t.TempDir(), TrainOptions{})
	if err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	zc, _, err := trainTiny(t, b, t.TempDir(), TrainOptions{Stop: stop, Progress: func(p Progress) {
		if p.Step == 5 {
			close(stop)
		}
	}})
	if !errors.Is(err, ErrStopped) {
		t.Fatalf("stopped run: got %v, want ErrStopped", err)
	}
	if _, err := os.Stat(filepath.Join(zc.partialDir(m.Name), stateSub, stateFile)); err != nil {
		t.Fatalf("no saved state after the stop: %v", err)
	}
	if ok, _ := zc.Finished(m.Name); ok {
		t.Fatal("a stopped member is listed as finished")
	}
	var resumedFrom = -1
	_, ec, err := trainTiny(t, b, zc.Dir, TrainOptions{Progress: func(p Progress) { resumedFrom = p.Start }})
	if err != nil {
		t.Fatal(err)
	}
	if resumedFrom != 5 {
		t.Errorf("resumed from step %d, want 5", resumedFrom)
	}
	if _, err := os.Stat(zc.partialDir(m.Name)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("partial directory left after finishing: %v", err)
	}

	load := func(z *Zoo) map[string][]float32 {
		net, err := z.Load(b, m.Name)
		if err != nil {
			t.Fatal(err)
		}
		return weights(t, net)
	}
	wa := load(za)
	sameWeights(t, "two runs", wa, load(zb))
	sameWeights(t, "uninterrupted vs resumed", wa, load(zc))

	// Runs: one for the uninterrupted member, two (0-5, 5-12) for the
	// resumed one, each with this machine's processor.
	checkRuns := func(what string, runs []Run, bounds ...int) {
		t.Helper()
		if len(runs) != len(bounds)-1 {
			t.Fatalf("%s: %d runs %+v, want %d", what, len(runs), runs, len(bounds)-1)
		}
		for i, r := range runs {
			if r.FromStep != bounds[i] || r.ToStep != bounds[i+1] || r.CPU == nil || r.CPU.Cores != thisCPU().Cores ||
				r.Procs != runtime.GOMAXPROCS(0) || r.WallSeconds <= 0 {
				t.Errorf("%s: run %d is %+v, want steps %d-%d on this CPU", what, i, r, bounds[i], bounds[i+1])
			}
		}
	}
	checkRuns("uninterrupted", ea.Runs, 0, 12)
	checkRuns("resumed", ec.Runs, 0, 5, 12)

	wantSnaps := m.SnapshotSteps(12)
	if !slices.Equal(wantSnaps, []int{0, 2, 3, 6, 12}) { // round(12^(k/4)), k = 1..4
		t.Errorf("snapshot steps %v", wantSnaps)
	}
	if !slices.Equal(ea.SnapshotSteps, wantSnaps) || !slices.Equal(ec.SnapshotSteps, wantSnaps) {
		t.Errorf("snapshot steps %v and %v, want %v", ea.SnapshotSteps, ec.SnapshotSteps, wantSnaps)
	}
	for _, s := range wantSnaps[:len(wantSnaps)-1] {
		na, err := za.LoadSnapshot(b, m.Name, s)
		if err != nil {
			t.Fatal(err)
		}
		nc, err := zc.LoadSnapshot(b, m.Name, s)
		if err != nil {
			t.Fatal(err)
		}
		sameWeights(t, "snapshot", weights(t, na), weights(t, nc))
	}
	if _, err := za.LoadSnapshot(b, m.Name, 5); err == nil {
		t.Error("LoadSnapshot of a step without snapshot: no error")
	}
	// Curve: step 0, the snapshots, the epoch end (8) and the end (12).
	var steps []int
	for _, p := range ea.Curve {
		steps = append(steps, p.Step)
	}
	want := append(slices.Clone(wantSnaps), 8)
	slices.Sort(want)
	want = slices.Compact(want)
	if !slices.Equal(steps, want) {
		t.Errorf("curve at steps %v, want %v", steps, want)
	}
	if ea.Curve[0].TrainLoss != nil || ea.Curve[1].TrainLoss == nil {
		t.Error("train loss should be null at step 0 only")
	}
	for i, p := range ec.Curve {
		q := ea.Curve[i]
		if p.Step != q.Step || p.TestAccuracy != q.TestAccuracy || *nz(p.TrainLoss) != *nz(q.TrainLoss) {
			t.Errorf("curve point %d: resumed %+v, uninterrupted %+v", i, p, q)
		}
	}
	if ea.TestAccuracy != ea.Curve[len(ea.Curve)-1].TestAccuracy || ea.TestImages != 50 || ea.Steps != 12 {
		t.Errorf("entry: accuracy %g, %d test images, %d steps", ea.TestAccuracy, ea.TestImages, ea.Steps)
	}
	for _, z := range []*Zoo{za, zc} {
		if err := z.Verify(m.Name); err != nil {
			t.Error(err)
		}
	}
	// What make test checks on the committed zoo, here on this one.
	checkZoo(t, za, func(string) (Member, error) { return m, nil }, func() (*data.Set, error) { return tinySet(t), nil })
	if ea.QuickCheck.Images != 50 || ea.QuickCheck.TestAccuracy != ea.TestAccuracy {
		t.Errorf("quick check %+v on the whole tiny test split, want the entry's accuracy %g", ea.QuickCheck, ea.TestAccuracy)
	}
	// No optimizer state in the member: its weights file holds float32
	// weights only (4 bytes each, plus GoMLX's header).
	n := 0
	for _, w := range wa {
		n += len(w)
	}
	bins, _ := filepath.Glob(filepath.Join(za.MemberDir(m.Name), "*.bin"))
	if len(bins) != 1 {
		t.Fatalf("member holds weight files %v, want one", bins)
	}
	if info, err := os.Stat(bins[0]); err != nil || info.Size() > int64(4*n+64) {
		t.Errorf("weights file %s: %v bytes for %d float32 weights (%v): optimizer state left in?", bins[0], info.Size(), n, err)
	}
	// Training again is a no-op returning the entry.
	_, again, err := trainTiny(t, b, za.Dir, TrainOptions{Progress: func(Progress) { t.Error("trained a finished member") }})
	if err != nil || again.Finished != ea.Finished {
		t.Errorf("second Train: %v", err)
	}
}

func nz(p *float64) *float64 {
	if p == nil {
		v := -1.0
		return &v
	}
	return p
}

// TestVerifyDetectsChanges corrupts a finished member's file and expects
// Verify to name it.
func TestVerifyDetectsChanges(t *testing.T) {
	b := testBackend(t)
	z, _, err := trainTiny(t, b, t.TempDir(), TrainOptions{})
	if err != nil {
		t.Fatal(err)
	}
	name := tinyMember().Name
	cfg := filepath.Join(z.MemberDir(name), models.ConfigFile)
	raw, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(cfg, append(raw, ' '), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := z.Verify(name); !errors.Is(err, ErrCorrupt) {
		t.Errorf("Verify after a change: %v, want ErrCorrupt", err)
	}
	if err := os.WriteFile(filepath.Join(z.MemberDir(name), "extra"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(cfg, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := z.Verify(name); !errors.Is(err, ErrCorrupt) {
		t.Errorf("Verify with an extra file: %v, want ErrCorrupt", err)
	}
}

// TestInstallRecovers simulates a crash between the pending entry and the
// manifest: the member's directory still under .partial, its entry pending,
// the manifest without it. The next Train completes the installation
// without training.
func TestInstallRecovers(t *testing.T) {
	b := testBackend(t)
	z, e, err := trainTiny(t, b, t.TempDir(), TrainOptions{})
	if err != nil {
		t.Fatal(err)
	}
	name := tinyMember().Name
	p := z.partialDir(name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(z.MemberDir(name), p); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(z.Dir, ManifestFile))
	if err != nil {
		t.Fatal(err)
	}
	if err := z.writeManifest(&Manifest{Dataset: z.Dataset, Members: map[string]*Entry{}}); err != nil {
		t.Fatal(err)
	}
	var m Manifest
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	pending, _ := json.Marshal(m.Members[name])
	if err := os.WriteFile(p+pendingExt, pending, 0o644); err != nil {
		t.Fatal(err)
	}
	// A leftover of an interrupted write is not installed with the member.
	if err := os.MkdirAll(filepath.Join(p, ".staging-x"), 0o755); err != nil {
		t.Fatal(err)
	}
	// A member directory that does not match the pending entry is not
	// installed in the manifest.
	cfg := filepath.Join(p, models.ConfigFile)
	good, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(cfg, append(slices.Clone(good), ' '), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := trainTiny(t, b, z.Dir, TrainOptions{Progress: func(Progress) { t.Error("trained again") }}); !errors.Is(err, ErrCorrupt) {
		t.Errorf("installing a changed member: %v, want ErrCorrupt", err)
	}
	if ok, err := z.Finished(name); ok || err != nil {
		t.Errorf("a member that failed verification is in the manifest (%v)", err)
	}
	if err := os.WriteFile(filepath.Join(z.MemberDir(name), models.ConfigFile), good, 0o644); err != nil {
		t.Fatal(err)
	}
	_, got, err := trainTiny(t, b, z.Dir, TrainOptions{Progress: func(Progress) { t.Error("trained again") }})
	if err != nil {
		t.Fatal(err)
	}
	if got.Finished != e.Finished {
		t.Errorf("recovered entry %+v, want %+v", got, e)
	}
	if _, err := os.Stat(filepath.Join(z.MemberDir(name), ".staging-x")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("leftover .staging-x installed with the member (%v)", err)
	}
	if err := z.Verify(name); err != nil {
		t.Error(err)
	}
	for _, gone := range []string{p, p + pendingExt} {
		if _, err := os.Stat(gone); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s left after recovery (%v)", gone, err)
		}
	}
}

// A pending entry of a member the manifest lists (a crash after the
// manifest's write) is removed by the next Train.
func TestStalePendingRemoved(t *testing.T) {
	b := testBackend(t)
	z, e, err := trainTiny(t, b, t.TempDir(), TrainOptions{})
	if err != nil {
		t.Fatal(err)
	}
	pending := z.partialDir(e.Spec.Name) + pendingExt
	raw, _ := json.Marshal(e)
	if err := os.MkdirAll(filepath.Dir(pending), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(pending, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := trainTiny(t, b, z.Dir, TrainOptions{Progress: func(Progress) { t.Error("trained again") }}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(pending); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("stale pending entry left (%v)", err)
	}
}

// TestKilledBeforePending simulates a crash after the final weights are
// saved and before the pending entry is written: the state must survive,
// and the next run resumes from it instead of starting afresh.
func TestKilledBeforePending(t *testing.T) {
	b := testBackend(t)
	killed := errors.New("killed")
	testHookFinalWeights = func() error { return killed }
	defer func() { testHookFinalWeights = nil }()
	dir := t.TempDir()
	if _, _, err := trainTiny(t, b, dir, TrainOptions{SaveEvery: time.Nanosecond}); !errors.Is(err, killed) {
		t.Fatalf("got %v, want the simulated kill", err)
	}
	testHookFinalWeights = nil
	z := &Zoo{Dir: dir, Dataset: data.SyntheticGray}
	p := z.partialDir(tinyMember().Name)
	if _, err := os.Stat(filepath.Join(p, stateSub, stateFile)); err != nil {
		t.Fatalf("state lost by the kill before the pending entry: %v", err)
	}
	from := -1
	_, e, err := trainTiny(t, b, dir, TrainOptions{Progress: func(p Progress) { from = p.Start }})
	if err != nil {
		t.Fatal(err)
	}
	if from != 11 {
		t.Errorf("resumed from step %d, want 11 (the last state saved)", from)
	}
	for f := range e.Files {
		if strings.HasPrefix(f, stateSub) {
			t.Errorf("the entry lists the state's file %s", f)
		}
	}
	if err := z.Verify(e.Spec.Name); err != nil {
		t.Error(err)
	}
}

// TestFreshStartKeepsFinalWeights: a partial directory holding final
// weights but neither state nor pending entry is not wiped.
func TestFreshStartKeepsFinalWeights(t *testing.T) {
	z := &Zoo{Dir: t.TempDir(), Dataset: data.SyntheticGray}
	p := z.partialDir(tinyMember().Name)
	if err := os.MkdirAll(p, 0o755); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(p, models.ConfigFile)
	if err := os.WriteFile(cfg, []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, _, err := trainTiny(t, testBackend(t), z.Dir, TrainOptions{Progress: func(Progress) { t.Fatal("trained over final weights") }})
	if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), p) {
		t.Errorf("got %v, want ErrCorrupt naming %s", err, p)
	}
	if _, err := os.Stat(cfg); err != nil {
		t.Errorf("final weights wiped: %v", err)
	}
}

// TestTransientLeftovers plants the temporary directories of interrupted
// writes in a stopped member's partial directory: the resumed run removes
// them and its entry lists none of them, so a clean clone (where
// .gitignore leaves them out) verifies.
func TestTransientLeftovers(t *testing.T) {
	b := testBackend(t)
	z := stoppedTiny(t, b, 5)
	name := tinyMember().Name
	p := z.partialDir(name)
	planted := []string{".state.tmp-x", ".state.old", ".staging-y", "snapshots/step-00000002/.staging-z"}
	for _, d := range planted {
		if err := os.MkdirAll(filepath.Join(p, d), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(p, d, "f"), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	_, e, err := trainTiny(t, b, z.Dir, TrainOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for f := range e.Files {
		for _, d := range planted {
			if strings.HasPrefix(f, d+"/") {
				t.Errorf("the entry lists the leftover %s", f)
			}
		}
	}
	for _, d := range planted {
		if _, err := os.Stat(filepath.Join(z.MemberDir(name), d)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("leftover %s installed with the member (%v)", d, err)
		}
	}
	// A leftover appearing later is ignored by Verify, as by git.
	if err := os.MkdirAll(filepath.Join(z.MemberDir(name), ".staging-late"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(z.MemberDir(name), ".staging-late", "f"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := z.Verify(name); err != nil {
		t.Error(err)
	}
}

// TestEmptyTrainingSplit expects an error naming the dataset, not a
// division by zero.
func TestEmptyTrainingSplit(t *testing.T) {
	set := tinySet(t)
	set.Train = data.Split{}
	z := &Zoo{Dir: t.TempDir(), Dataset: data.SyntheticGray}
	_, err := z.Train(tinyMember(), TrainOptions{Backend: testBackend(t), Set: set})
	if err == nil || !strings.Contains(err.Error(), data.SyntheticGray) {
		t.Errorf("got %v, want an error naming %s", err, data.SyntheticGray)
	}
	m := tinyMember()
	m.Recipe.Steps, m.Recipe.Epochs = 0, 3
	if n := m.TotalSteps(0); n != 0 {
		t.Errorf("TotalSteps(0) = %d, want 0", n)
	}
}

// TestResumeFromOldState simulates a crash inside the state's replacement
// (the previous state renamed aside, the new one not yet in place): the
// next run resumes from the previous state.
func TestResumeFromOldState(t *testing.T) {
	b := testBackend(t)
	z := stoppedTiny(t, b, 4)
	st := filepath.Join(z.partialDir(tinyMember().Name), stateSub)
	if err := os.Rename(st, st+".old"); err != nil {
		t.Fatal(err)
	}
	from := -1
	if _, _, err := trainTiny(t, b, z.Dir, TrainOptions{Progress: func(p Progress) { from = p.Start }}); err != nil {
		t.Fatal(err)
	}
	if from != 4 {
		t.Errorf("resumed from step %d, want 4", from)
	}
}

// TestResumeStateWithoutRuns resumes a state saved before the zoo recorded
// its runs: the earlier steps become one run of unknown processor.
func TestResumeStateWithoutRuns(t *testing.T) {
	b := testBackend(t)
	z := stoppedTiny(t, b, 4)
	file := filepath.Join(z.partialDir(tinyMember().Name), stateSub, stateFile)
	var raw map[string]any
	if err := readJSON(file, &raw); err != nil {
		t.Fatal(err)
	}
	if _, ok := raw["runs"]; !ok {
		t.Fatal("saved state has no runs")
	}
	delete(raw, "runs")
	buf, err := json.Marshal(raw)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, buf, 0o644); err != nil {
		t.Fatal(err)
	}
	_, e, err := trainTiny(t, b, z.Dir, TrainOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(e.Runs) != 2 || e.Runs[0].CPU != nil || e.Runs[0].ToStep != 4 || e.Runs[1].FromStep != 4 || e.Runs[1].CPU == nil {
		t.Errorf("runs %+v, want 0-4 of unknown processor and 4-12 on this one", e.Runs)
	}
}

// TestStopAt stops the tiny member at step 3 (a snapshot step), then at
// step 10 (after the learning rate's first drop at step 6), then finishes
// it: the snapshot at step 3 and the final weights must be bit-identical to
// an uninterrupted run's, so StopAt keeps the recipe's 12-step schedule.
// Steps outside the run or not after the saved state are refused.
func TestStopAt(t *testing.T) {
	b := testBackend(t)
	m := tinyMember()
	za, _, err := trainTiny(t, b, t.TempDir(), TrainOptions{})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, bad := range []int{-1, 12, 13} {
		if _, _, err := trainTiny(t, b, dir, TrainOptions{StopAt: bad}); err == nil || errors.Is(err, ErrStopped) ||
			!strings.Contains(err.Error(), "cannot stop at step") {
			t.Errorf("StopAt %d: got %v, want a refusal", bad, err)
		}
	}
	last := 0
	progress := func(p Progress) { last = p.Step }
	for _, at := range []int{3, 10} {
		z, _, err := trainTiny(t, b, dir, TrainOptions{StopAt: at, Progress: progress})
		if !errors.Is(err, ErrStopped) || last != at {
			t.Fatalf("StopAt %d: got %v after step %d, want ErrStopped after step %d", at, err, last, at)
		}
		var st state
		if err := readJSON(filepath.Join(z.StateDir(m.Name), stateFile), &st); err != nil {
			t.Fatal(err)
		}
		if st.Step != at || st.Steps != 12 {
			t.Errorf("StopAt %d: state at step %d of %d, want %d of 12", at, st.Step, st.Steps, at)
		}
	}
	if _, _, err := trainTiny(t, b, dir, TrainOptions{StopAt: 10}); err == nil || !strings.Contains(err.Error(), "at step 10 already") {
		t.Errorf("StopAt at the saved state's step: got %v, want a refusal", err)
	}
	snapA, err := za.LoadSnapshot(b, m.Name, 3)
	if err != nil {
		t.Fatal(err)
	}
	z := &Zoo{Dir: dir, Dataset: data.SyntheticGray}
	snapC, err := models.Load(b, z.PartialSnapshotDir(m.Name, 3))
	if err != nil {
		t.Fatal(err)
	}
	sameWeights(t, "snapshot at the stop", weights(t, snapA), weights(t, snapC))
	_, e, err := trainTiny(t, b, dir, TrainOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var bounds [][2]int
	for _, r := range e.Runs {
		bounds = append(bounds, [2]int{r.FromStep, r.ToStep})
	}
	if !slices.Equal(bounds, [][2]int{{0, 3}, {3, 10}, {10, 12}}) {
		t.Errorf("runs %v, want 0-3, 3-10, 10-12", bounds)
	}
	load := func(z *Zoo) map[string][]float32 {
		net, err := z.Load(b, m.Name)
		if err != nil {
			t.Fatal(err)
		}
		return weights(t, net)
	}
	sameWeights(t, "uninterrupted vs stopped twice", load(za), load(z))
	if _, _, err := trainTiny(t, b, dir, TrainOptions{StopAt: 5}); err == nil || !strings.Contains(err.Error(), "is finished") {
		t.Errorf("StopAt on a finished member: got %v, want a refusal", err)
	}
}

// stoppedTiny trains the tiny member in a new zoo and stops it (closing
// TrainOptions.Stop) after step, leaving its saved state.
func stoppedTiny(t *testing.T, b backends.Backend, step int) *Zoo {
	t.Helper()
	stop := make(chan struct{})
	z, _, err := trainTiny(t, b, t.TempDir(), TrainOptions{Stop: stop, Progress: func(p Progress) {
		if p.Step == step {
			close(stop)
		}
	}})
	if !errors.Is(err, ErrStopped) {
		t.Fatalf("got %v, want ErrStopped", err)
	}
	return z
}

// TestCurrent trains the tiny member and asks Current and Train about it as
// the list might declare it: the same (its entry), under another name (not
// trained), or with another spec (stale, naming the fields that differ and
// the command that removes it; Train refuses it without training). Once
// removed, it trains with the new spec.
func TestCurrent(t *testing.T) {
	b := testBackend(t)
	z, want, err := trainTiny(t, b, t.TempDir(), TrainOptions{})
	if err != nil {
		t.Fatal(err)
	}
	with := func(change func(*Member)) Member {
		m := tinyMember()
		change(&m)
		return m
	}
	for _, tc := range []struct {
		name string
		m    Member
		is   error    // nil: current
		says []string // in the error
	}{
		{"current", tinyMember(), nil, nil},
		{"missing", with(func(m *Member) { m.Name = "tiny-other" }), ErrNotTrained, []string{`"tiny-other"`}},
		{"epochs", with(func(m *Member) { m.Recipe.Epochs = 12 }), ErrStale,
			[]string{"recipe.epochs 8 where the list declares 12", `"tiny-resnet20"`}},
		{"steps", with(func(m *Member) { m.Recipe.Steps = 40 }), ErrStale,
			[]string{"recipe.steps 12 where the list declares 40"}},
		{"two fields", with(func(m *Member) { m.Recipe.Optimizer, m.Snapshots = models.Adam, 0 }), ErrStale,
			[]string{`recipe.optimizer "sgd" where the list declares "adam"`, "snapshots 4 where the list declares 0"}},
	} {
		e, err := z.Current(tc.m)
		if tc.is == nil {
			if err != nil || e == nil || e.Finished != want.Finished {
				t.Errorf("%s: got %v, %v; want the entry", tc.name, e, err)
			}
			continue
		}
		if !errors.Is(err, tc.is) || e != nil {
			t.Errorf("%s: got %v, %v; want an error wrapping %v", tc.name, e, err, tc.is)
			continue
		}
		if tc.is == ErrStale {
			tc.says = append(tc.says, "repgeo zoo --remove --dataset="+z.Dataset+" --dir="+z.Dir+" --members="+tc.m.Name)
			_, err := z.Train(tc.m, TrainOptions{Backend: b, Set: tinySet(t), Progress: func(Progress) { t.Errorf("%s: trained a stale member", tc.name) }})
			if !errors.Is(err, ErrStale) || err.Error() != mustErr(z.Current(tc.m)).Error() {
				t.Errorf("%s: Train of a stale member: %v, want Current's error", tc.name, err)
			}
		}
		t.Logf("%s: %v", tc.name, err)
		for _, s := range tc.says {
			if !strings.Contains(err.Error(), s) {
				t.Errorf("%s: error %q does not say %q", tc.name, err, s)
			}
		}
	}
	// The stale member is left as it was.
	if err := z.Verify(want.Spec.Name); err != nil {
		t.Error(err)
	}
	if e, err := z.Entry(want.Spec.Name); err != nil || e.Finished != want.Finished || !sameSpec(e.Spec, tinyMember()) {
		t.Errorf("entry after refused retrainings: %+v, %v", e, err)
	}
	if d := specDiff(tinyMember(), tinyMember()); d != "" {
		t.Errorf("specDiff of equal specs: %q", d)
	}
	// Removed, the stale member trains as the list now declares it.
	short := with(func(m *Member) { m.Recipe.Steps, m.Snapshots = 3, 0 })
	if _, err := z.Remove(short.Name); err != nil {
		t.Fatal(err)
	}
	if e, err := z.Train(short, TrainOptions{Backend: b, Set: tinySet(t)}); err != nil || e.Steps != 3 {
		t.Fatalf("Train after Remove: %+v, %v", e, err)
	}
	if e, err := z.Current(short); err != nil || e.Steps != 3 || e.Finished < want.Finished {
		t.Errorf("Current after retraining: %+v, %v", e, err)
	}
}

// mustErr returns the error of a call returning an entry and an error.
func mustErr(_ *Entry, err error) error { return err }

// tinyVariant is the tiny member under another name, trained for steps
// steps keeping no snapshot.
func tinyVariant(name string, steps int) Member {
	m := tinyMember()
	m.Name, m.Recipe.Steps, m.Snapshots = name, steps, 0
	return m
}

// TestRemove removes members of a zoo holding two finished members and one
// in training: a finished member loses its entry and directory, the one in
// training its state, and neither the manifest nor the other members
// change; Train then trains the removed ones from scratch, to the same
// weights. Names the zoo holds nothing of, and names of no member, are
// refused without removing anything.
func TestRemove(t *testing.T) {
	b := testBackend(t)
	m, other, partial := tinyMember(), tinyVariant("tiny-other", 3), tinyVariant("tiny-partial", 6)
	z, first, err := trainTiny(t, b, t.TempDir(), TrainOptions{})
	if err != nil {
		t.Fatal(err)
	}
	net, err := z.Load(b, m.Name)
	if err != nil {
		t.Fatal(err)
	}
	before := weights(t, net)
	set := tinySet(t)
	if _, err := z.Train(other, TrainOptions{Backend: b, Set: set}); err != nil {
		t.Fatal(err)
	}
	if _, err := z.Train(partial, TrainOptions{Backend: b, Set: set, StopAt: 2}); !errors.Is(err, ErrStopped) {
		t.Fatalf("stopping %s: %v, want ErrStopped", partial.Name, err)
	}
	// A directory that is no member's (here a zoo of another dataset) is never removed.
	foreign := filepath.Join(z.Dir, "cifar10")
	if err := os.MkdirAll(foreign, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(foreign, ManifestFile), []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	otherEntry, err := json.Marshal(mustEntry(t, z, other.Name))
	if err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		name    string
		entry   bool // the removed entry is returned
		partial bool
		dir     bool
	}{
		{m.Name, true, false, true},
		{partial.Name, false, true, false},
	} {
		r, err := z.Remove(tc.name)
		if err != nil {
			t.Fatalf("Remove(%q): %v", tc.name, err)
		}
		if (r.Entry != nil) != tc.entry || r.Entry != nil && r.Entry.Finished != first.Finished || r.Partial != tc.partial || r.Dir != tc.dir {
			t.Errorf("Remove(%q) = %+v, want entry %v, partial %v, dir %v", tc.name, r, tc.entry, tc.partial, tc.dir)
		}
		for _, gone := range []string{z.MemberDir(tc.name), z.partialDir(tc.name), z.partialDir(tc.name) + pendingExt} {
			if _, err := os.Stat(gone); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("Remove(%q) left %s (%v)", tc.name, gone, err)
			}
		}
		if _, err := z.Entry(tc.name); !errors.Is(err, ErrNotTrained) {
			t.Errorf("after Remove(%q), Entry: %v, want ErrNotTrained", tc.name, err)
		}
	}
	for _, tc := range []struct {
		name        string
		notTrained  bool // else an invalid name
		errContains string
	}{
		{m.Name, true, "neither a finished member nor one in training"},
		{partial.Name, true, "neither a finished member nor one in training"},
		{"tiny-never", true, `"tiny-never"`},
		{"cifar10", true, z.Dir},
		{"", false, "member name"},
		{"../" + filepath.Base(z.Dir), false, "member name"},
		{PartialDir, false, "member name"},
	} {
		r, err := z.Remove(tc.name)
		if r != nil || err == nil || errors.Is(err, ErrNotTrained) != tc.notTrained || !strings.Contains(err.Error(), tc.errContains) {
			t.Errorf("Remove(%q) = %+v, %v; want an error saying %q (ErrNotTrained: %v)", tc.name, r, err, tc.errContains, tc.notTrained)
		}
	}
	nowhere := &Zoo{Dir: filepath.Join(z.Dir, "nowhere"), Dataset: z.Dataset}
	if _, err := nowhere.Remove(m.Name); !errors.Is(err, ErrNotTrained) || !strings.Contains(err.Error(), "no zoo directory") {
		t.Errorf("Remove in a zoo directory that does not exist: %v, want ErrNotTrained", err)
	}
	if _, err := os.Stat(nowhere.Dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Remove created the zoo directory %s (%v)", nowhere.Dir, err)
	}
	if _, err := os.Stat(filepath.Join(foreign, ManifestFile)); err != nil {
		t.Errorf("Remove(\"cifar10\") touched that directory: %v", err)
	}
	if _, err := os.Stat(filepath.Join(z.Dir, PartialDir)); err != nil {
		t.Errorf("Remove(%q) removed the partial directory: %v", PartialDir, err)
	}

	// The manifest reads back with the other member's entry unchanged, and
	// its files verify.
	man, err := z.Manifest()
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := json.Marshal(man.Members[other.Name]); len(man.Members) != 1 || string(got) != string(otherEntry) {
		t.Errorf("manifest after the removals holds %d members, %s:\n%s\nwant only %s", len(man.Members), other.Name, got, otherEntry)
	}
	if err := z.Verify(other.Name); err != nil {
		t.Error(err)
	}

	// Both are trained again from step 0; the finished one to the same weights.
	for _, mm := range []Member{m, partial} {
		from := -1
		e, err := z.Train(mm, TrainOptions{Backend: b, Set: set, Progress: func(p Progress) {
			if from < 0 {
				from = p.Start
			}
		}})
		if err != nil {
			t.Fatal(err)
		}
		if from != 0 || e.Steps != mm.Recipe.Steps || len(e.Runs) != 1 {
			t.Errorf("%s trained again from step %d to %d in runs %+v, want one run from 0 to %d", mm.Name, from, e.Steps, e.Runs, mm.Recipe.Steps)
		}
		if err := z.Verify(mm.Name); err != nil {
			t.Error(err)
		}
	}
	net, err = z.Load(b, m.Name)
	if err != nil {
		t.Fatal(err)
	}
	sameWeights(t, "trained before and after the removal", before, weights(t, net))
}

// TestRemoveInterrupted covers what an interrupted Remove leaves: a member's
// directory without its manifest entry, which Train replaces by the member
// it trains and a second Remove removes (for a member the list declares),
// and a partial directory holding final weights without their pending
// entry, which Remove removes.
func TestRemoveInterrupted(t *testing.T) {
	b := testBackend(t)
	m := tinyMember()
	z, _, err := trainTiny(t, b, t.TempDir(), TrainOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// Cut short after the manifest's write: the directory is left, with a
	// file no member holds.
	if err := z.writeManifest(&Manifest{Dataset: z.Dataset, Members: map[string]*Entry{}}); err != nil {
		t.Fatal(err)
	}
	junk := filepath.Join(z.MemberDir(m.Name), "junk")
	if err := os.WriteFile(junk, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	trained := false
	if _, e, err := trainTiny(t, b, z.Dir, TrainOptions{Progress: func(Progress) { trained = true }}); err != nil || !trained {
		t.Fatalf("Train over a directory without entry: trained %v, %+v, %v", trained, e, err)
	}
	if err := z.Verify(m.Name); err != nil {
		t.Errorf("the retrained member does not verify: %v", err)
	}
	if _, err := os.Stat(junk); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the left directory's file survived the retraining (%v)", err)
	}

	// The directory of a declared member without entry is removed.
	declared := Members()[0].Name
	left := filepath.Join(z.MemberDir(declared), "snapshots")
	if err := os.MkdirAll(left, 0o755); err != nil {
		t.Fatal(err)
	}
	if r, err := z.Remove(declared); err != nil || r.Entry != nil || r.Partial || !r.Dir {
		t.Errorf("Remove(%q) of a directory without entry: %+v, %v", declared, r, err)
	}
	if _, err := os.Stat(z.MemberDir(declared)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("%s left (%v)", z.MemberDir(declared), err)
	}

	// Final weights in a partial directory without pending entry (cut
	// short after the pending entry's removal): Train refuses them, Remove
	// removes them.
	p := z.partialDir("tiny-final")
	if err := os.MkdirAll(p, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(p, models.ConfigFile), []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	if r, err := z.Remove("tiny-final"); err != nil || r.Entry != nil || !r.Partial || r.Dir {
		t.Errorf("Remove of final weights in training: %+v, %v", r, err)
	}
	if _, err := os.Stat(p); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("%s left (%v)", p, err)
	}
	if _, err := z.Entry(m.Name); err != nil {
		t.Errorf("the retrained member lost its entry: %v", err)
	}
}

// mustEntry returns the manifest entry of the named member of z.
func mustEntry(t *testing.T, z *Zoo, name string) *Entry {
	t.Helper()
	e, err := z.Entry(name)
	if err != nil {
		t.Fatal(err)
	}
	return e
}
