package ui

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Module is the path of the Go module whose root Root looks for.
const Module = "github.com/repgeo/repgeo"

// Environment variables read by the notebooks.
const (
	// EnvSize selects the notebook size: Smoke or Full (the default).
	EnvSize = "REPGEO_SIZE"
	// EnvFigures names the directory figures are saved to (default docs/figures).
	EnvFigures = "REPGEO_FIGURES"
	// EnvRuns names the directory of cached models and activations (default runs).
	EnvRuns = "REPGEO_RUNS"
)

// Notebook sizes.
const (
	// Smoke runs tiny models on few inputs: the whole set of notebooks takes minutes.
	Smoke = "smoke"
	// Full runs the models and sizes of the published figures.
	Full = "full"
)

// Size returns the notebook size named by REPGEO_SIZE, Full when it is unset,
// and an error for any other value.
func Size() (string, error) {
	switch s := os.Getenv(EnvSize); s {
	case "", Full:
		return Full, nil
	case Smoke:
		return Smoke, nil
	default:
		return "", fmt.Errorf("ui: %s=%q: want %q or %q", EnvSize, s, Smoke, Full)
	}
}

// Root returns the repository's root: the nearest directory, from the working
// directory up, whose go.mod declares the module Module.
func Root() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("ui: %w", err)
	}
	for {
		if isModuleRoot(filepath.Join(dir, "go.mod")) {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("ui: no go.mod of module " + Module + " in the working directory or above it; run the notebook from the repository's notebooks folder")
		}
		dir = parent
	}
}

// isModuleRoot reports whether the go.mod file at path declares Module.
func isModuleRoot(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if fields := strings.Fields(sc.Text()); len(fields) == 2 && fields[0] == "module" {
			return strings.Trim(fields[1], `"`) == Module
		}
	}
	return false
}

// dirFromEnv returns the directory named by the environment variable env,
// or def under the repository's root, creating it if needed.
func dirFromEnv(env string, def ...string) (string, error) {
	dir := os.Getenv(env)
	if dir == "" {
		root, err := Root()
		if err != nil {
			return "", err
		}
		dir = filepath.Join(append([]string{root}, def...)...)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("ui: %w", err)
	}
	return dir, nil
}

// FiguresDir returns the directory figures are saved to: REPGEO_FIGURES, or
// docs/figures in the repository. It creates the directory if needed.
func FiguresDir() (string, error) { return dirFromEnv(EnvFigures, "docs", "figures") }

// RunsDir returns the directory of cached models and activations:
// REPGEO_RUNS, or runs in the repository. It creates the directory if needed.
func RunsDir() (string, error) { return dirFromEnv(EnvRuns, "runs") }

// Must returns v, or panics with err when it is not nil. It is meant for
// notebook cells, where a panic stops the cell and shows the message.
func Must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// Check panics with err when it is not nil, for notebook cells.
func Check(err error) {
	if err != nil {
		panic(err)
	}
}
