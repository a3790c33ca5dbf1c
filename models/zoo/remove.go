package zoo

import (
	"errors"
	"fmt"
	"os"
	"strings"
)

// Holdings says what a zoo holds of a member, which is what Zoo.Remove
// removes of it.
type Holdings struct {
	// Entry is the member's manifest entry, nil if the manifest does not list it.
	Entry *Entry
	// Partial is set if the member is in training: the zoo holds its
	// partial directory, or its pending entry (a training that finished but
	// whose installation was cut short, which Train completes).
	Partial bool
	// Dir is set if the zoo holds the member's directory: that of a
	// finished member, or one left without a manifest entry by an
	// interrupted removal or installation.
	Dir bool
}

// Any reports whether the zoo holds anything of the member.
func (h *Holdings) Any() bool { return h.Entry != nil || h.Partial || h.Dir }

// Removed says what Zoo.Remove removed of a member: what the zoo held of it.
type Removed = Holdings

// Holds returns what the zoo holds of the named member: what Remove would
// remove. It does not take the zoo's lock, so while the zoo trains the
// answer can be out of date as soon as it is returned. A zoo whose
// directory does not exist holds nothing.
func (z *Zoo) Holds(name string) (*Holdings, error) {
	if err := checkName(name); err != nil {
		return nil, fmt.Errorf("zoo: %q is no member name: %w", name, err)
	}
	man, err := z.Manifest()
	if err != nil {
		return nil, err
	}
	return z.holdings(man, name), nil
}

// holdings is Holds on the manifest man of z.
func (z *Zoo) holdings(man *Manifest, name string) *Holdings {
	p := z.partialDir(name)
	pending := p + pendingExt
	_, lookupErr := Lookup(name)
	declared := lookupErr == nil
	h := &Holdings{Entry: man.Members[name], Partial: exists(p) || exists(pending)}
	// A directory of this name is the member's if the manifest lists it, if
	// its pending entry names it (an installation cut short), or if the list
	// declares the name; any other (a dataset's subdirectory, say) is kept.
	h.Dir = isDir(z.MemberDir(name)) && (h.Entry != nil || exists(pending) || declared)
	return h
}

// checkName returns an error unless name can name a member's directory.
func checkName(name string) error {
	if name == "" || strings.ContainsAny(name, `/\ `) || strings.HasPrefix(name, ".") {
		return errors.New("a member name is non-empty, without slashes, spaces or a leading dot")
	}
	return nil
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
	if err := checkName(name); err != nil {
		return nil, fmt.Errorf("zoo: cannot remove %q: %w", name, err)
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
	r := z.holdings(man, name)
	if !r.Any() {
		return nil, fmt.Errorf("zoo: cannot remove %q: %w: %s has neither a finished member nor one in training of that name",
			name, ErrNotTrained, z.Dir)
	}
	p := z.partialDir(name)
	pending := p + pendingExt
	dir := z.MemberDir(name)
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
