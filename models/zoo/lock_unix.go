//go:build unix

package zoo

import (
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// lock takes an exclusive advisory lock on the zoo directory (the file
// .lock in it), so that two trainings never write one zoo at once. The
// lock dies with the process.
func (z *Zoo) lock() (unlock func(), err error) {
	if err := os.MkdirAll(z.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("zoo: %w", err)
	}
	f, err := os.OpenFile(filepath.Join(z.Dir, ".lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("zoo: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return nil, fmt.Errorf("zoo: %s is being trained by another process (%v)", z.Dir, err)
	}
	return func() { f.Close() }, nil
}
