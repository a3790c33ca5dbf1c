// Package atomicfile writes files so that a crash or an error never leaves a
// half-written file behind: data goes to a temporary file in the target's
// directory, which is synced and then renamed over the target.
package atomicfile

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// Write calls write on a temporary file in path's directory and renames it to
// path once write, sync and close have succeeded. On any failure the
// temporary file is removed, an existing file at path is untouched, and the
// error names path.
func Write(path string, write func(io.Writer) error) (err error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return fmt.Errorf("%s: %w", path, unwrapPathError(err))
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if err = write(f); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err = f.Chmod(0o644); err != nil {
		return fmt.Errorf("writing %s: %w", path, unwrapPathError(err))
	}
	if err = f.Sync(); err != nil {
		return fmt.Errorf("writing %s: %w", path, unwrapPathError(err))
	}
	if err = f.Close(); err != nil {
		return fmt.Errorf("writing %s: %w", path, unwrapPathError(err))
	}
	if err = os.Rename(tmp, path); err != nil {
		return fmt.Errorf("%s: %w", path, unwrapPathError(err))
	}
	return nil
}

// WriteFile writes data to path atomically, as Write does.
func WriteFile(path string, data []byte) error {
	return Write(path, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// unwrapPathError drops the *os.PathError wrapper, whose temporary file name
// would only confuse; the caller names the real path.
func unwrapPathError(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
