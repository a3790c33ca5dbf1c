package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDocsOutput compares the output blocks of the documentation that need
// no input file with what the command prints, so that a command's summary
// or list cannot drift from its documentation. A block is a fenced code
// block whose first line is "$ repgeo ARGS"; the rest of it is the output.
func TestDocsOutput(t *testing.T) {
	for _, tc := range []struct {
		doc  string
		args []string
	}{
		{"cli.md", []string{"help"}},
	} {
		want, err := docBlock(filepath.Join("..", "..", "docs", tc.doc), "$ repgeo "+strings.Join(tc.args, " "))
		if err != nil {
			t.Errorf("%s: %v", tc.doc, err)
			continue
		}
		code, stdout, stderr := geoRun(tc.args...)
		if code != 0 || stderr != "" {
			t.Errorf("repgeo %s: exit %d, stderr %q", strings.Join(tc.args, " "), code, stderr)
		}
		if stdout != want {
			t.Errorf("docs/%s: the block of repgeo %s differs from its output:\n--- docs\n%s--- output\n%s",
				tc.doc, strings.Join(tc.args, " "), want, stdout)
		}
	}
}

// docBlock returns the lines after the line prompt in the fenced code block
// of the Markdown file path that starts with it, each ending in a newline.
// It fails unless exactly one block starts with prompt.
func docBlock(path, prompt string) (string, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	var blocks []string
	var cur *strings.Builder   // the block being read, nil outside it
	inFence, start := false, 0 // start: the line of the block's prompt
	lines := strings.Split(string(raw), "\n")
	for i, l := range lines {
		switch {
		case strings.HasPrefix(l, "```") && !inFence:
			inFence = true
			if i+1 < len(lines) && lines[i+1] == prompt {
				cur, start = &strings.Builder{}, i+1
			}
		case strings.HasPrefix(l, "```"):
			inFence = false
			if cur != nil {
				blocks = append(blocks, cur.String())
				cur = nil
			}
		case cur != nil && i > start:
			cur.WriteString(l + "\n")
		}
	}
	if cur != nil {
		return "", fmt.Errorf("the block of %q is not closed", prompt)
	}
	if len(blocks) != 1 {
		return "", fmt.Errorf("%d fenced blocks start with %q, want 1", len(blocks), prompt)
	}
	return blocks[0], nil
}
