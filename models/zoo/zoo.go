package zoo

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/gomlx/gomlx/backends"

	"github.com/repgeo/repgeo/data"
	"github.com/repgeo/repgeo/internal/atomicfile"
	"github.com/repgeo/repgeo/models"
)

// ManifestFile is the name of the manifest in a zoo directory.
const ManifestFile = "zoo.json"

// PartialDir is the directory, inside a zoo directory, holding the state of
// members in training.
const PartialDir = ".partial"

// EnvDir is the environment variable that, when set, names the zoo
// directory of Fashion-MNIST (and its cifar10 subdirectory that of CIFAR-10).
const EnvDir = "REPGEO_ZOO"

// ErrNotTrained is wrapped by the errors of Zoo.Load and Zoo.LoadSnapshot
// for a member that the manifest does not list as finished, and by those of
// Zoo.Remove for a member the zoo holds nothing of.
var ErrNotTrained = errors.New("member not trained")

// ErrCorrupt is wrapped by the errors about a manifest or member directory
// that does not match what it should hold.
var ErrCorrupt = errors.New("corrupt zoo")

// ErrStale is wrapped by the errors of Zoo.Current and Zoo.Train for a
// finished member that was trained with another spec (model, width, seed,
// recipe or snapshots) than the one the list declares now.
var ErrStale = errors.New("stale member")

// Manifest is the content of zoo.json.
type Manifest struct {
	// Dataset is the dataset every member was trained on.
	Dataset string `json:"dataset"`
	// Members holds the finished members by name.
	Members map[string]*Entry `json:"members"`
}

// Entry records one finished member.
type Entry struct {
	// Spec is the member as declared when it was trained.
	Spec Member `json:"spec"`
	// Files maps the path of every file of the member's directory (relative
	// to it, with forward slashes) to its sha256 in hex.
	Files map[string]string `json:"files"`
	// TestAccuracy and TestLoss are measured on TestImages test images (the
	// full test split).
	TestAccuracy float64 `json:"test_accuracy"`
	TestLoss     float64 `json:"test_loss"`
	TestImages   int     `json:"test_images"`
	// QuickCheck is the evaluation on the first QuickCheckImages test
	// images, which make test repeats.
	QuickCheck Evaluation `json:"quick_check"`
	// Curve is the training curve: a point at every snapshot and epoch end.
	Curve []CurvePoint `json:"curve"`
	// Epochs (fractional) and Steps done; SnapshotSteps are the steps kept.
	Epochs        float64 `json:"epochs"`
	Steps         int     `json:"steps"`
	SnapshotSteps []int   `json:"snapshot_steps,omitempty"`
	// WallSeconds is the wall time of training (summed over resumed runs,
	// evaluations included) and ImagesPerSecond the training throughput.
	WallSeconds     float64 `json:"wall_seconds"`
	ImagesPerSecond float64 `json:"images_per_second"`
	// Backend names the GoMLX backend and CPU the processor and its kernel
	// path of the last run.
	Backend string  `json:"backend"`
	CPU     CPUInfo `json:"cpu"`
	// Commit is the git commit of the code of the last run ("-dirty" if it
	// had changes outside the zoo directory), or "unknown".
	Commit string `json:"commit"`
	// Runs are the uninterrupted runs the training took, oldest first, with
	// the processor, GOMAXPROCS and commit of each: weights are bit-exact
	// only if every run used the same kernel path and GOMAXPROCS (docs/zoo.md).
	Runs []Run `json:"runs,omitempty"`
	// Finished is when training finished (UTC, RFC 3339).
	Finished string `json:"finished"`
}

// FinalTrainLoss returns the training loss of the curve's last point (the
// mean batch loss of the last steps, up to the final one), and false if the
// curve has no such point (it is empty, or ends at step 0).
func (e *Entry) FinalTrainLoss() (float64, bool) {
	if len(e.Curve) == 0 {
		return 0, false
	}
	last := e.Curve[len(e.Curve)-1]
	if last.TrainLoss == nil {
		return 0, false
	}
	return *last.TrainLoss, true
}

// Run is one uninterrupted run of a member's training, from a fresh start
// or a resumed state until it finished or was stopped.
type Run struct {
	// FromStep and ToStep are the steps the run started and stopped at.
	FromStep int `json:"from_step"`
	ToStep   int `json:"to_step"`
	// CPU is the processor of the run; nil for a run saved before the
	// zoo recorded runs.
	CPU *CPUInfo `json:"cpu,omitempty"`
	// Procs is GOMAXPROCS of the run: the backend splits some sums into
	// one part per proc, so it decides the rounding too.
	Procs int `json:"gomaxprocs,omitempty"`
	// WallSeconds is the run's wall time and Commit its code's commit.
	WallSeconds float64 `json:"wall_seconds"`
	Commit      string  `json:"commit,omitempty"`
}

// Evaluation is an evaluation on the first Images test images.
type Evaluation struct {
	Images       int     `json:"images"`
	TestAccuracy float64 `json:"test_accuracy"`
	TestLoss     float64 `json:"test_loss"`
}

// QuickCheckImages is the number of test images of Entry.QuickCheck.
const QuickCheckImages = 500

// CurvePoint is one point of a training curve.
type CurvePoint struct {
	// Step is the global step and Epoch the fractional epoch.
	Step  int     `json:"step"`
	Epoch float64 `json:"epoch"`
	// TrainLoss is the mean batch loss of the steps since the previous point
	// (null at step 0).
	TrainLoss *float64 `json:"train_loss"`
	// TestAccuracy and TestLoss are measured on the curve's test images.
	TestAccuracy float64 `json:"test_accuracy"`
	TestLoss     float64 `json:"test_loss"`
	// Snapshot is set when the weights of this step are kept.
	Snapshot bool `json:"snapshot,omitempty"`
}

// Zoo is a zoo directory of one dataset.
type Zoo struct {
	// Dir is the directory and Dataset the dataset of its members.
	Dir, Dataset string
}

// Open returns the zoo of dataset in dir; an empty dir means DefaultDir.
func Open(dir, dataset string) (*Zoo, error) {
	if !slices.Contains([]string{data.FashionMNIST, data.CIFAR10}, dataset) {
		return nil, fmt.Errorf("zoo: dataset %q has no zoo (want %s or %s)", dataset, data.FashionMNIST, data.CIFAR10)
	}
	if dir == "" {
		var err error
		if dir, err = DefaultDir(dataset); err != nil {
			return nil, err
		}
	}
	return &Zoo{Dir: dir, Dataset: dataset}, nil
}

// DefaultDir returns the zoo directory of dataset: $REPGEO_ZOO if set,
// otherwise the directory zoo at the root of the repository holding the
// working directory (found by walking up to the go.mod of the module); for
// CIFAR-10 its subdirectory cifar10.
func DefaultDir(dataset string) (string, error) {
	dir := os.Getenv(EnvDir)
	if dir == "" {
		root, err := repoRoot()
		if err != nil {
			return "", err
		}
		dir = filepath.Join(root, "zoo")
	}
	if dataset == data.CIFAR10 {
		dir = filepath.Join(dir, "cifar10")
	}
	return dir, nil
}

// modulePath is the module whose root holds the zoo.
const modulePath = "github.com/repgeo/repgeo"

func repoRoot() (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("zoo: %w", err)
	}
	for d := wd; ; d = filepath.Dir(d) {
		if raw, err := os.ReadFile(filepath.Join(d, "go.mod")); err == nil {
			first, _, _ := strings.Cut(string(raw), "\n")
			if strings.TrimSpace(first) == "module "+modulePath {
				return d, nil
			}
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("zoo: no %s checkout above %s: set $%s to the zoo directory", modulePath, wd, EnvDir)
		}
	}
}

// MemberDir returns the directory of the named member.
func (z *Zoo) MemberDir(name string) string { return filepath.Join(z.Dir, name) }

// SnapshotDir returns the directory of the snapshot of the named member at step.
func (z *Zoo) SnapshotDir(name string, step int) string {
	return filepath.Join(z.MemberDir(name), snapshotSub(step))
}

// PartialSnapshotDir returns the directory of the snapshot at step of the
// named member while it is in training (under PartialDir).
func (z *Zoo) PartialSnapshotDir(name string, step int) string {
	return filepath.Join(z.partialDir(name), snapshotSub(step))
}

// StateDir returns the directory of the saved state (a checkpoint of the
// weights and the optimizer's state) of the named member in training.
func (z *Zoo) StateDir(name string) string { return filepath.Join(z.partialDir(name), stateSub) }

func snapshotSub(step int) string { return filepath.Join("snapshots", fmt.Sprintf("step-%08d", step)) }

// Manifest reads zoo.json; a zoo without one has an empty manifest.
func (z *Zoo) Manifest() (*Manifest, error) {
	m := &Manifest{Dataset: z.Dataset, Members: map[string]*Entry{}}
	raw, err := os.ReadFile(filepath.Join(z.Dir, ManifestFile))
	if errors.Is(err, os.ErrNotExist) {
		return m, nil
	}
	if err != nil {
		return nil, fmt.Errorf("zoo: %w", err)
	}
	if err := json.Unmarshal(raw, m); err != nil {
		return nil, fmt.Errorf("zoo: %w: %s: %v", ErrCorrupt, filepath.Join(z.Dir, ManifestFile), err)
	}
	if m.Dataset != z.Dataset {
		return nil, fmt.Errorf("zoo: %w: %s is the zoo of %q, not %q", ErrCorrupt, z.Dir, m.Dataset, z.Dataset)
	}
	if m.Members == nil {
		m.Members = map[string]*Entry{}
	}
	for name, e := range m.Members {
		if e == nil || e.Spec.Name != name {
			return nil, fmt.Errorf("zoo: %w: manifest entry %q does not describe that member", ErrCorrupt, name)
		}
	}
	return m, nil
}

// writeManifest writes m to zoo.json atomically.
func (z *Zoo) writeManifest(m *Manifest) error {
	raw, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return fmt.Errorf("zoo: %w", err)
	}
	if err := os.MkdirAll(z.Dir, 0o755); err != nil {
		return fmt.Errorf("zoo: %w", err)
	}
	return atomicfile.WriteFile(filepath.Join(z.Dir, ManifestFile), append(raw, '\n'))
}

// Entry returns the manifest entry of the named finished member, wrapping
// ErrNotTrained if there is none. It does not compare the member with the
// list: Current does.
func (z *Zoo) Entry(name string) (*Entry, error) {
	m, err := z.Manifest()
	if err != nil {
		return nil, err
	}
	e, ok := m.Members[name]
	if !ok {
		return nil, z.notTrained(name)
	}
	return e, nil
}

// Current returns the manifest entry of the finished member m if it was
// trained as m declares. A member the manifest lacks gives an error wrapping
// ErrNotTrained; one trained with another spec an error wrapping ErrStale
// that names the fields that differ and how to retrain it.
func (z *Zoo) Current(m Member) (*Entry, error) {
	man, err := z.Manifest()
	if err != nil {
		return nil, err
	}
	return z.current(man, m)
}

// current is Current on the manifest man of z.
func (z *Zoo) current(man *Manifest, m Member) (*Entry, error) {
	e, ok := man.Members[m.Name]
	if !ok {
		return nil, z.notTrained(m.Name)
	}
	if !sameSpec(e.Spec, m) {
		return nil, fmt.Errorf("zoo: %w: %q in %s was trained with %s: to retrain it, remove it with "+
			"repgeo zoo --remove --dataset=%s --dir=%s --members=%s (--remove --stale removes every stale member), "+
			"then train it again (the same command without --remove, or make zoo)",
			ErrStale, m.Name, z.Dir, specDiff(e.Spec, m), z.Dataset, z.Dir, m.Name)
	}
	return e, nil
}

func (z *Zoo) notTrained(name string) error {
	return fmt.Errorf("zoo: %w: %s has no finished member %q (run make zoo)", ErrNotTrained, z.Dir, name)
}

// specDiff describes how the member spec got differs from want, field by
// field under their JSON names, such as "recipe.epochs 8 where the list
// declares 12"; it returns "" when they are the same.
func specDiff(got, want Member) string {
	if sameSpec(got, want) {
		return ""
	}
	var parts []string
	var walk func(prefix string, a, b reflect.Value)
	walk = func(prefix string, a, b reflect.Value) {
		for i := range a.NumField() {
			f := a.Type().Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "" {
				name = f.Name
			}
			name = prefix + name
			x, y := a.Field(i), b.Field(i)
			if f.Type.Kind() == reflect.Struct {
				walk(name+".", x, y)
				continue
			}
			if !reflect.DeepEqual(x.Interface(), y.Interface()) {
				parts = append(parts, fmt.Sprintf("%s %s where the list declares %s", name, specValue(x), specValue(y)))
			}
		}
	}
	walk("", reflect.ValueOf(got), reflect.ValueOf(want))
	if len(parts) == 0 { // Equal fields whose JSON differs: show it all.
		return fmt.Sprintf("%+v where the list declares %+v", got, want)
	}
	return strings.Join(parts, ", ")
}

// specValue formats a field of a Member for specDiff: strings quoted.
func specValue(v reflect.Value) string {
	if v.Kind() == reflect.String {
		return strconv.Quote(v.String())
	}
	return fmt.Sprint(v.Interface())
}

// Load returns the final weights of the named finished member, whatever
// spec it was trained with (Current checks it against the list).
func (z *Zoo) Load(b backends.Backend, name string) (*models.Net, error) {
	if _, err := z.Entry(name); err != nil {
		return nil, err
	}
	return models.Load(b, z.MemberDir(name))
}

// LoadSnapshot returns the weights of the named finished member at step:
// a kept snapshot, or the final weights when step is the last one.
func (z *Zoo) LoadSnapshot(b backends.Backend, name string, step int) (*models.Net, error) {
	e, err := z.Entry(name)
	if err != nil {
		return nil, err
	}
	if step == e.Steps {
		return models.Load(b, z.MemberDir(name))
	}
	if !slices.Contains(e.SnapshotSteps, step) {
		return nil, fmt.Errorf("zoo: member %q keeps no snapshot at step %d (it keeps %v)", name, step, e.SnapshotSteps)
	}
	return models.Load(b, z.SnapshotDir(name, step))
}

// Verify checks that the directory of the named finished member holds
// exactly the files of its manifest entry, with their sha256.
func (z *Zoo) Verify(name string) error {
	e, err := z.Entry(name)
	if err != nil {
		return err
	}
	return verifyFiles(name, z.MemberDir(name), e.Files)
}

// verifyFiles checks that dir, the directory of the named member, holds
// exactly files, with their sha256.
func verifyFiles(name, dir string, files map[string]string) error {
	got, err := hashDir(dir)
	if err != nil {
		return err
	}
	for f, h := range files {
		g, ok := got[f]
		switch {
		case !ok:
			return fmt.Errorf("zoo: %w: member %q lacks its file %s", ErrCorrupt, name, f)
		case g != h:
			return fmt.Errorf("zoo: %w: member %q: %s has sha256 %s, the manifest says %s", ErrCorrupt, name, f, g, h)
		}
	}
	for f := range got {
		if _, ok := files[f]; !ok {
			return fmt.Errorf("zoo: %w: member %q holds %s, which the manifest does not list", ErrCorrupt, name, f)
		}
	}
	return nil
}

// hashDir returns the sha256 of every regular file under dir, by path
// relative to dir with forward slashes. It leaves out the transient
// directories of interrupted writes (see transient), which .gitignore keeps
// out of the repository, and the directories named skip directly in dir.
func hashDir(dir string, skip ...string) (map[string]string, error) {
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if path != dir && (transient(d.Name()) || filepath.Dir(path) == dir && slices.Contains(skip, d.Name())) {
				return filepath.SkipDir
			}
			return nil
		}
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		h := sha256.New()
		if _, err := io.Copy(h, f); err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, path)
		if err != nil {
			return err
		}
		out[filepath.ToSlash(rel)] = hex.EncodeToString(h.Sum(nil))
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("zoo: hashing %s: %w", dir, err)
	}
	return out, nil
}

// transient reports whether name is that of a temporary directory of an
// interrupted write: saveState's .state.tmp-*, replaceDir's .state.old and
// the .staging-* of models' checkpoints. They are listed in .gitignore.
func transient(name string) bool {
	return strings.HasPrefix(name, stateSub+".tmp-") || name == stateSub+".old" || strings.HasPrefix(name, ".staging-")
}
