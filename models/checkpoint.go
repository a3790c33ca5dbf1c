package models

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/gomlx/gomlx/pkg/ml/context"
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

// loadWeights loads the latest checkpoint of dir into ctx, immediately.
func loadWeights(ctx *context.Context, dir string) (err error) {
	names, _, err := listCheckpoints(dir)
	if err != nil {
		return fmt.Errorf("models: %w: %v", ErrCheckpoint, err)
	}
	if len(names) == 0 {
		return fmt.Errorf("models: %w: no checkpoint files (checkpoint-*.json) in %s", ErrCheckpoint, dir)
	}
	latest := names[len(names)-1]
	if _, err := os.Stat(filepath.Join(dir, latest+checkpoints.BinDataSuffix)); err != nil {
		return fmt.Errorf("models: %w: %s: missing weights file: %v", ErrCheckpoint, latest, err)
	}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("models: %w: %s: %v", ErrCheckpoint, filepath.Join(dir, latest), r)
		}
	}()
	if _, err := checkpoints.Load(ctx).Dir(dir).Immediate().Done(); err != nil {
		return fmt.Errorf("models: %w: %s: %v", ErrCheckpoint, filepath.Join(dir, latest), err)
	}
	return nil
}

// Checkpointer saves a Net's variables into a checkpoint directory,
// atomically, keeping the last Keep checkpoints. Create it with
// NewCheckpointer and call Close when done.
type Checkpointer struct {
	dir, staging string
	keep         int
	handler      *checkpoints.Handler
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
	h, err := checkpoints.Build(net.Context).Dir(staging).Keep(-1).Done()
	if err != nil {
		os.RemoveAll(staging)
		return nil, fmt.Errorf("models: checkpoint handler: %w", err)
	}
	return &Checkpointer{dir: dir, staging: staging, keep: keep, handler: h}, nil
}

// Save writes a checkpoint of the current variables, labelled with the
// global step, and removes the oldest beyond the number kept. It returns the
// base path of the new checkpoint (without .json/.bin).
func (c *Checkpointer) Save(step int64) (string, error) {
	if err := c.handler.Save(); err != nil {
		return "", fmt.Errorf("models: saving checkpoint: %w", err)
	}
	staged, _, err := listCheckpoints(c.staging)
	if err != nil || len(staged) != 1 {
		return "", fmt.Errorf("models: saving checkpoint: staging holds %d checkpoints (%v)", len(staged), err)
	}
	_, last, err := listCheckpoints(c.dir)
	if err != nil {
		return "", fmt.Errorf("models: saving checkpoint: %w", err)
	}
	base := fmt.Sprintf("checkpoint-n%07d-step-%08d", last+1, step)
	from := filepath.Join(c.staging, staged[0])
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
// replacing it atomically, so that it can be loaded on its own with Load.
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
	if err := os.RemoveAll(target); err != nil {
		return fmt.Errorf("models: snapshot: %w", err)
	}
	if err := os.Rename(tmp, target); err != nil {
		return fmt.Errorf("models: snapshot: %w", err)
	}
	return nil
}

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
