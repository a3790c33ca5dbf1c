package zoo

import (
	"errors"
	"fmt"
	"os"
	"strings"
)

// Removed says what Zoo.Remove removed of a member.
type Removed struct {
	// Entry is the member's manifest entry, nil if the manifest did not list it.
	Entry *Entry
	// Partial is set if the member was in training: its partial directory
	// or its pending entry was removed.
	Partial bool
	// Dir is set if the member's directory was removed: that of a finished
	// member, or one left without a manifest entry by an interrupted removal.
	Dir bool
}

// Remove removes the named member from the zoo, so that Train trains it
// again from scratch: its manifest entry and directory if it is finished
// (whatever spec it was trained with, so a stale member too), and its state
// if it is in training. A member that is neither gives an error wrapping
// ErrNotTrained. It takes the zoo's lock, so it fails while the zoo is
// being trained.
//
// The manifest is rewritten (atomically) before anything it lists is
// deleted, so that an interruption never leaves an entry without its files:
// at worst it leaves the member's directory or state without an entry,
// which Train replaces or resumes and a second Remove removes. The
// directory of a declared member (Lookup) is removed even when the manifest
// lacks it, for that reason.
func (z *Zoo) Remove(name string) (*Removed, error) {
	if name == "" || strings.ContainsAny(name, `/\ `) || strings.HasPrefix(name, ".") {
		return nil, fmt.Errorf("zoo: cannot remove %q: a member name is non-empty, without slashes, spaces or a leading dot", name)
	}
	if info, err := os.Stat(z.Dir); err != nil || !info.IsDir() { // Not created by the lock for nothing.
		return nil, fmt.Errorf("zoo: cannot remove %q: %w: there is no zoo directory %s", name, ErrNotTrained, z.Dir)
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
	p := z.partialDir(name)
	pending := p + pendingExt
	dir := z.MemberDir(name)
	r := &Removed{Entry: man.Members[name], Partial: exists(p) || exists(pending)}
	_, declared := Lookup(name)
	// A directory of this name is the member's if the manifest lists it, if
	// its pending entry names it (an installation cut short), or if the list
	// declares the name; any other (a dataset's subdirectory, say) is kept.
	r.Dir = isDir(dir) && (r.Entry != nil || exists(pending) || declared == nil)
	if r.Entry == nil && !r.Partial && !r.Dir {
		return nil, fmt.Errorf("zoo: cannot remove %q: %w: %s has neither a finished member nor one in training of that name",
			name, ErrNotTrained, z.Dir)
	}
	// The pending entry goes first: with it, Train would install the member again.
	if err := os.Remove(pending); err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("zoo: %w", err)
	}
	if r.Entry != nil {
		delete(man.Members, name)
		if err := z.writeManifest(man); err != nil {
			return nil, err
		}
	}
	if err := os.RemoveAll(p); err != nil {
		return nil, fmt.Errorf("zoo: removing the state of %q: %w", name, err)
	}
	if r.Dir {
		if err := os.RemoveAll(dir); err != nil {
			return nil, fmt.Errorf("zoo: removing the directory of %q: %w", name, err)
		}
	}
	return r, nil
}

// exists reports whether path exists.
func exists(path string) bool {
	_, err := os.Lstat(path)
	return err == nil
}

// isDir reports whether path is a directory (not a link to one).
func isDir(path string) bool {
	info, err := os.Lstat(path)
	return err == nil && info.IsDir()
}
