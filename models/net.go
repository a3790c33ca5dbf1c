package models

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/repgeo/repgeo/internal/atomicfile"
)

// ConfigFile is the name of the JSON file holding a checkpoint's Config,
// beside GoMLX's checkpoint files.
const ConfigFile = "model.json"

// ErrCheckpoint is wrapped by the errors of Load for a missing, incomplete
// or corrupt checkpoint directory.
var ErrCheckpoint = errors.New("bad checkpoint")

// Net is a model with its weights: its Config and the GoMLX context holding
// its variables, on a backend.
type Net struct {
	// Config identifies the architecture and its input.
	Config Config
	// Context holds the variables (weights, batch-norm averages, optimizer
	// state) and hyperparameters.
	Context *context.Context
	// Backend runs the graphs.
	Backend backends.Backend
}

// New returns a model of the given configuration with fresh weights, drawn
// (when first used) from the context's random generator seeded with seed.
func New(backend backends.Backend, cfg Config, seed uint64) (*Net, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if backend == nil {
		return nil, errors.New("models: nil backend")
	}
	ctx := context.New().Checked(false)
	ctx.SetParam(context.ParamInitialSeed, int64(seed))
	return &Net{Config: cfg, Context: ctx, Backend: backend}, nil
}

// Load reads the model saved in the checkpoint directory dir: its Config
// from ConfigFile and the weights of the latest checkpoint. A missing or
// corrupt directory, configuration or weight file gives an error wrapping
// ErrCheckpoint, and so does a checkpoint that does not hold exactly the
// weights of that Config: one missing, left over or of another shape, or a
// Config stored in the checkpoint (ParamConfig) that differs from
// ConfigFile's.
func Load(backend backends.Backend, dir string) (*Net, error) {
	cfg, err := ReadConfig(dir)
	if err != nil {
		return nil, err
	}
	net, err := New(backend, cfg, 0)
	if err != nil {
		return nil, fmt.Errorf("models: %w: %s: %v", ErrCheckpoint, dir, err)
	}
	if err := loadWeights(net, dir); err != nil {
		return nil, err
	}
	return net, nil
}

// ReadConfig reads and validates the Config stored in the checkpoint
// directory dir.
func ReadConfig(dir string) (Config, error) {
	var cfg Config
	fi, err := os.Stat(dir)
	if err != nil {
		return cfg, fmt.Errorf("models: %w: %v", ErrCheckpoint, err)
	}
	if !fi.IsDir() {
		return cfg, fmt.Errorf("models: %w: %s is not a directory", ErrCheckpoint, dir)
	}
	raw, err := os.ReadFile(filepath.Join(dir, ConfigFile))
	if err != nil {
		return cfg, fmt.Errorf("models: %w: %s has no readable %s (not a checkpoint directory?): %v",
			ErrCheckpoint, dir, ConfigFile, err)
	}
	if err := json.Unmarshal(raw, &cfg); err != nil {
		return cfg, fmt.Errorf("models: %w: %s: corrupt %s: %v", ErrCheckpoint, dir, ConfigFile, err)
	}
	if err := cfg.Validate(); err != nil {
		return cfg, fmt.Errorf("models: %w: %s: %s: %v", ErrCheckpoint, dir, ConfigFile, err)
	}
	return cfg, nil
}

// writeJSON writes v as indented JSON to path atomically.
func writeJSON(path string, v any) error {
	raw, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(path, append(raw, '\n'))
}

// readJSON reads the JSON file path into v.
func readJSON(path string, v any) error {
	raw, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	return json.Unmarshal(raw, v)
}
