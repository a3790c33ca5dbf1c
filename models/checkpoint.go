package models

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/gomlx/gomlx/pkg/ml/context/checkpoints"
)

// Checkpoint files are GoMLX's (checkpoints package): a JSON file of
// metadata and hyperparameters and a binary file of the variables, with
// the base name "checkpoint-nNNNNNNN-step-SSSSSSSS". GoMLX writes them in
// place; Checkpointer has it write into a staging directory and then renames
// the binary file and, last, the JSON file (which is what marks a checkpoint
// as present) into the checkpoint directory, so a crash never leaves a
// listed, partial checkpoint.

var checkpointName = regexp.MustCompile(`^checkpoint-n(\d+)-.*\.json$`)

// listCheckpoints returns the base names of the checkpoints of dir, oldest
// first, and the largest sequence number among them (-1 if none).
func listCheckpoints(dir string) ([]string, int, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, -1, err
	}
	var names []string
	last := -1
	for _, e := range entries {
		m := checkpointName.FindStringSubmatch(e.Name())
		if e.IsDir() || m == nil {
			continue
		}
		names = append(names, strings.TrimSuffix(e.Name(), checkpoints.JsonNameSuffix))
		if n, err := strconv.Atoi(m[1]); err == nil && n > last {
			last = n
		}
	}
	slices.Sort(names)
	return names, last, nil
}

// loadWeights loads the latest checkpoint of dir into net's context,
// immediately, after checking its files (readCheckpoint), the Config it
// stores (if any) against net's, and its weights against those of net's
// model, in both directions.
func loadWeights(net *Net, dir string) error {
	names, _, err := listCheckpoints(dir)
	if err != nil {
		return fmt.Errorf("models: %w: %v", ErrCheckpoint, err)
	}
	if len(names) == 0 {
		return fmt.Errorf("models: %w: no checkpoint files (checkpoint-*.json) in %s", ErrCheckpoint, dir)
	}
	ck, err := readCheckpoint(filepath.Join(dir, names[len(names)-1]))
	if err != nil {
		return err
	}
	if err := ck.checkConfig(net.Config); err != nil {
		return err
	}
	if err := ck.checkWeights(net.Backend, net.Config); err != nil {
		return err
	}
	return ck.load(net.Context)
}

// Checkpointer saves a Net's variables into a checkpoint directory,
// atomically, keeping the last Keep checkpoints. Create it with
// NewCheckpointer and call Close when done.
type Checkpointer struct {
	net          *Net
	dir, staging string
	keep         int
}

// NewCheckpointer prepares dir (creating it if needed) to hold the
// checkpoints of net: it writes net's Config to ConfigFile (atomically) and
// keeps the last keep checkpoints (all if keep < 1).
func NewCheckpointer(net *Net, dir string, keep int) (*Checkpointer, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("models: checkpoint directory: %w", err)
	}
	if err := writeJSON(filepath.Join(dir, ConfigFile), net.Config); err != nil {
		return nil, fmt.Errorf("models: writing %s: %w", ConfigFile, err)
	}
	staging, err := os.MkdirTemp(dir, ".staging-")
	if err != nil {
		return nil, fmt.Errorf("models: checkpoint staging directory: %w", err)
	}
	return &Checkpointer{net: net, dir: dir, staging: staging, keep: keep}, nil
}

// Save writes a checkpoint of the current variables (sorted by name) and
// the Config, labelled with the global step, and removes the oldest beyond
// the number kept. It returns the base path of the new checkpoint (without
// .json/.bin).
func (c *Checkpointer) Save(step int64) (string, error) {
	// An empty staging directory: GoMLX would load a checkpoint left there.
	if err := os.RemoveAll(c.staging); err != nil {
		return "", fmt.Errorf("models: saving checkpoint: %w", err)
	}
	if err := os.Mkdir(c.staging, 0o700); err != nil {
		return "", fmt.Errorf("models: saving checkpoint: %w", err)
	}
	staged, err := stageCheckpoint(c.net, c.staging, false)
	if err != nil {
		return "", err
	}
	_, last, err := listCheckpoints(c.dir)
	if err != nil {
		return "", fmt.Errorf("models: saving checkpoint: %w", err)
	}
	base := fmt.Sprintf("checkpoint-n%07d-step-%08d", last+1, step)
	from := filepath.Join(c.staging, staged)
	to := filepath.Join(c.dir, base)
	for _, suffix := range []string{checkpoints.BinDataSuffix, checkpoints.JsonNameSuffix} {
		if err := syncFile(from + suffix); err != nil {
			return "", fmt.Errorf("models: saving checkpoint: %w", err)
		}
		if err := os.Rename(from+suffix, to+suffix); err != nil {
			return "", fmt.Errorf("models: saving checkpoint: %w", err)
		}
	}
	return to, c.prune()
}

// prune removes the oldest checkpoints beyond c.keep: JSON file first, so a
// listed checkpoint always has its weights.
func (c *Checkpointer) prune() error {
	if c.keep < 1 {
		return nil
	}
	names, _, err := listCheckpoints(c.dir)
	if err != nil {
		return err
	}
	for len(names) > c.keep {
		for _, suffix := range []string{checkpoints.JsonNameSuffix, checkpoints.BinDataSuffix} {
			if err := os.Remove(filepath.Join(c.dir, names[0]+suffix)); err != nil && !os.IsNotExist(err) {
				return fmt.Errorf("models: removing old checkpoint: %w", err)
			}
		}
		names = names[1:]
	}
	return nil
}

// Snapshot copies the latest checkpoint and the Config into the directory
// sub (relative to the checkpoint directory, such as "snapshots/epoch-002"),
// so that it can be loaded on its own with Load. The copy is made under a
// temporary name; an existing snapshot of that name is renamed aside
// (.NAME.old), the copy renamed into place, and only then the old one
// removed. A crash never leaves a partial snapshot; between the two renames
// it leaves the old one aside, which the next Snapshot of the name removes.
func (c *Checkpointer) Snapshot(sub string) error {
	names, _, err := listCheckpoints(c.dir)
	if err != nil || len(names) == 0 {
		return fmt.Errorf("models: snapshot %s: no checkpoint to copy (%v)", sub, err)
	}
	target := filepath.Join(c.dir, sub)
	if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
		return fmt.Errorf("models: snapshot: %w", err)
	}
	tmp, err := os.MkdirTemp(filepath.Dir(target), "."+filepath.Base(target)+".tmp-")
	if err != nil {
		return fmt.Errorf("models: snapshot: %w", err)
	}
	defer os.RemoveAll(tmp)
	if err := os.Chmod(tmp, 0o755); err != nil {
		return fmt.Errorf("models: snapshot: %w", err)
	}
	latest := names[len(names)-1]
	files := []string{ConfigFile, latest + checkpoints.BinDataSuffix, latest + checkpoints.JsonNameSuffix}
	for _, f := range files {
		if err := copyFile(filepath.Join(c.dir, f), filepath.Join(tmp, f)); err != nil {
			return fmt.Errorf("models: snapshot: %w", err)
		}
	}
	old := filepath.Join(filepath.Dir(target), "."+filepath.Base(target)+".old")
	if err := os.RemoveAll(old); err != nil {
		return fmt.Errorf("models: snapshot: %w", err)
	}
	if err := renameDir(target, old); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("models: snapshot: %w", err)
	}
	if err := renameDir(tmp, target); err != nil {
		if rerr := renameDir(old, target); rerr != nil && !errors.Is(rerr, os.ErrNotExist) {
			return fmt.Errorf("models: snapshot: %w (and restoring the previous snapshot from %s: %v)", err, old, rerr)
		}
		return fmt.Errorf("models: snapshot: %w", err)
	}
	if err := os.RemoveAll(old); err != nil {
		return fmt.Errorf("models: snapshot: %w", err)
	}
	return nil
}

// renameDir renames a directory; tests replace it to simulate failures.
var renameDir = os.Rename

// Close removes the staging directory.
func (c *Checkpointer) Close() error { return os.RemoveAll(c.staging) }

func syncFile(name string) error {
	f, err := os.OpenFile(name, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func copyFile(from, to string) error {
	src, err := os.Open(from)
	if err != nil {
		return err
	}
	defer src.Close()
	dst, err := os.Create(to)
	if err != nil {
		return err
	}
	if _, err := io.Copy(dst, src); err != nil {
		dst.Close()
		return err
	}
	if err := dst.Sync(); err != nil {
		dst.Close()
		return err
	}
	return dst.Close()
}
