package ui

// The notebooks' rendering (scripts/render_notebooks.py) is tested here,
// beside the display code whose outputs it renders.

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// renderScript is the script that renders executed notebooks.
const renderScript = "../scripts/render_notebooks.py"

// notebook returns a notebook (nbformat 4) with a Markdown cell of text and
// a code cell of code that printed "printed 42".
func notebook(text, code string) []byte {
	nb := map[string]any{
		"nbformat": 4, "nbformat_minor": 5, "metadata": map[string]any{},
		"cells": []any{
			map[string]any{"cell_type": "markdown", "id": "a1", "metadata": map[string]any{}, "source": text},
			map[string]any{"cell_type": "code", "id": "b2", "metadata": map[string]any{}, "execution_count": 1, "source": code,
				"outputs": []any{map[string]any{"output_type": "stream", "name": "stdout", "text": "printed 42\n"}}},
		},
	}
	b, err := json.Marshal(nb)
	if err != nil {
		panic(err)
	}
	return b
}

func TestRenderTextFrom(t *testing.T) {
	const python = "/usr/bin/python3"
	if _, err := os.Stat(python); err != nil {
		t.Fatalf("%s is needed (make setup installs it with nbconvert): %v", python, err)
	}
	// srcCode is the source's code cell; "" writes no source notebook.
	tests := []struct {
		name    string
		srcCode string
		ok      bool
		refusal string // what the script says when it refuses
	}{
		{"same code: the text is taken from the source", "fmt.Println(42)", true, ""},
		{"other code: refused", "fmt.Println(43)", false, "not rendered: code cell 1 differs"},
		{"no source notebook: refused", "", false, "not rendered: no source notebook"},
	}
	for _, tc := range tests {
		dir := t.TempDir()
		for _, d := range []string{"src", "exec", "out"} {
			if err := os.Mkdir(filepath.Join(dir, d), 0o755); err != nil {
				t.Fatal(err)
			}
		}
		executed := filepath.Join(dir, "exec", "nb.ipynb")
		if err := os.WriteFile(executed, notebook("# Old conclusions", "fmt.Println(42)"), 0o644); err != nil {
			t.Fatal(err)
		}
		if tc.srcCode != "" {
			if err := os.WriteFile(filepath.Join(dir, "src", "nb.ipynb"), notebook("# New conclusions", tc.srcCode), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		out, err := exec.Command(python, renderScript, "--text-from", filepath.Join(dir, "src"), filepath.Join(dir, "out"), executed).CombinedOutput()
		md, _ := os.ReadFile(filepath.Join(dir, "out", "nb.md"))
		saved, _ := os.ReadFile(executed)
		if !tc.ok {
			if err == nil || !strings.Contains(string(out), tc.refusal) || len(md) > 0 || !strings.Contains(string(saved), "Old conclusions") {
				t.Errorf("%s: error %v, output %q, rendering %q", tc.name, err, out, md)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v\n%s", tc.name, err, out)
		}
		for _, want := range []string{"# New conclusions", "printed 42"} {
			if !strings.Contains(string(md), want) {
				t.Errorf("%s: rendering lacks %q:\n%s", tc.name, want, md)
			}
		}
		if strings.Contains(string(md), "Old conclusions") || !strings.Contains(string(saved), "New conclusions") {
			t.Errorf("%s: old text kept: rendering %q, executed notebook %q", tc.name, md, saved)
		}
	}
}
