package atomicfile

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestWrite(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out.txt")
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	tests := []struct {
		name    string
		write   func(io.Writer) error
		want    string // file content afterwards
		wantErr error
	}{
		{"failure keeps the old file", func(w io.Writer) error {
			io.WriteString(w, "half")
			return boom
		}, "old", boom},
		{"success replaces it", func(w io.Writer) error {
			_, err := io.WriteString(w, "new")
			return err
		}, "new", nil},
	}
	for _, tc := range tests {
		err := Write(path, tc.write)
		if !errors.Is(err, tc.wantErr) {
			t.Errorf("%s: err = %v, want %v", tc.name, err, tc.wantErr)
		}
		if err != nil && !strings.Contains(err.Error(), path) {
			t.Errorf("%s: error %q does not name %s", tc.name, err, path)
		}
		got, _ := os.ReadFile(path)
		if string(got) != tc.want {
			t.Errorf("%s: content %q, want %q", tc.name, got, tc.want)
		}
		entries, _ := os.ReadDir(dir)
		if len(entries) != 1 {
			t.Errorf("%s: %d files in the directory, want 1 (temporary file left behind)", tc.name, len(entries))
		}
	}
}

func TestWriteFileMissingDir(t *testing.T) {
	path := filepath.Join(t.TempDir(), "no", "such", "dir", "f.bin")
	err := WriteFile(path, []byte("x"))
	if err == nil || !strings.Contains(err.Error(), path) {
		t.Fatalf("err = %v, want an error naming %s", err, path)
	}
}
