package models

import (
	"bytes"
	"cmp"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strings"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive // GoMLX's idiom for graph code.
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/context/checkpoints"
	"github.com/gomlx/gomlx/pkg/ml/train/optimizers"
)

// This file reads and checks GoMLX checkpoint files before GoMLX loads them,
// and writes them with the variables in a fixed order.
//
// A checkpoint is a JSON file listing the context's parameters and, for
// every variable, its name, shape and byte range in the binary file; the
// binary file holds the variables' bytes back to back, uncompressed or
// (GoMLX's default) gzip-compressed after a short header. GoMLX allocates
// each variable from the shape the JSON file gives before reading its
// bytes, so a corrupt shape could ask for terabytes: readCheckpoint checks
// the index against the data first.

// ParamConfig is the context parameter under which checkpoints store the
// Config of their model (as JSON), so that Load can tell whether ConfigFile
// still describes the weights beside it.
const ParamConfig = "repgeo_config"

// GoMLX's header of a compressed weights file: gomlxBinHeader, one byte
// giving the length of the compression's name, and that name ("gzip").
const (
	gomlxBinHeader = "gomlx_checkpoints"
	gomlxGzip      = "gzip"
)

// storedVar is the entry of one variable in a checkpoint's JSON file.
type storedVar struct {
	ParameterName string
	Dimensions    []int
	DType         dtypes.DType
	Pos, Length   int
}

// storedCheckpoint is a checkpoint read and checked by readCheckpoint.
type storedCheckpoint struct {
	// base is the path of its files without suffix.
	base string
	// meta and bin are the contents of its JSON and weights files.
	meta, bin []byte
	// vars are the variables in the order of the file.
	vars []storedVar
	// config is the Config stored under ParamConfig, nil in checkpoints
	// written before it was stored.
	config *Config
}

// readCheckpoint reads the checkpoint base (its path without .json/.bin)
// and checks that its JSON file locates every variable inside the weights
// file: valid names listed once, supported dtypes, positive dimensions,
// lengths that match the shapes, consecutive positions, and data exactly as
// long as the variables together. A failure wraps ErrCheckpoint and names
// the file and the variable.
func readCheckpoint(base string) (*storedCheckpoint, error) {
	jsonName, binName := base+checkpoints.JsonNameSuffix, base+checkpoints.BinDataSuffix
	fail := func(format string, args ...any) error {
		return fmt.Errorf("models: %w: %s", ErrCheckpoint, fmt.Sprintf(format, args...))
	}
	ck := &storedCheckpoint{base: base}
	var err error
	if ck.meta, err = os.ReadFile(jsonName); err != nil {
		return nil, fail("%v", err)
	}
	var meta struct {
		Params []struct {
			Scope, Key string
			Value      any
		}
		Variables []storedVar
	}
	if err := json.Unmarshal(ck.meta, &meta); err != nil {
		return nil, fail("%s: corrupt checkpoint file: %v", jsonName, err)
	}
	for _, p := range meta.Params {
		if p.Scope != context.RootScope || p.Key != ParamConfig {
			continue
		}
		s, ok := p.Value.(string)
		var cfg Config
		if !ok || json.Unmarshal([]byte(s), &cfg) != nil {
			return nil, fail("%s: corrupt parameter %s: %v", jsonName, ParamConfig, p.Value)
		}
		ck.config = &cfg
	}
	ck.vars = meta.Variables
	seen := make(map[string]bool, len(ck.vars))
	total := 0
	for _, v := range ck.vars {
		name := strings.TrimPrefix(v.ParameterName, context.VariableParameterPrefix)
		if _, n := context.VariableScopeAndNameFromParameterName(v.ParameterName); n == "" {
			return nil, fail("%s: invalid variable name %q", jsonName, v.ParameterName)
		}
		if seen[v.ParameterName] {
			return nil, fail("%s: %s: listed twice", jsonName, name)
		}
		seen[v.ParameterName] = true
		size := dtypeSize(v.DType)
		if size < 1 {
			return nil, fail("%s: %s: unsupported dtype %s", jsonName, name, v.DType)
		}
		elements := 1
		for _, d := range v.Dimensions {
			if d < 1 {
				return nil, fail("%s: %s: dimension %d in %v", jsonName, name, d, v.Dimensions)
			}
			if elements > math.MaxInt/size/d {
				return nil, fail("%s: %s: dimensions %v too large", jsonName, name, v.Dimensions)
			}
			elements *= d
		}
		if v.Length != elements*size {
			return nil, fail("%s: %s: %d elements of %s take %d bytes, not %d",
				jsonName, name, elements, v.DType, elements*size, v.Length)
		}
		if v.Pos != total {
			return nil, fail("%s: %s: at byte %d, want %d (right after the previous variable)", jsonName, name, v.Pos, total)
		}
		if total > math.MaxInt-v.Length {
			return nil, fail("%s: %s: the variables are too large", jsonName, name)
		}
		total += v.Length
	}

	if ck.bin, err = os.ReadFile(binName); err != nil {
		return nil, fail("missing weights file: %v", err)
	}
	size, err := dataSize(ck.bin, total)
	if err != nil {
		return nil, fail("%s: %v", binName, err)
	}
	for _, v := range ck.vars {
		if v.Pos+v.Length > size {
			return nil, fail("%s: %s: bytes %d to %d lie past the end of the data (%d bytes) in %s",
				jsonName, strings.TrimPrefix(v.ParameterName, context.VariableParameterPrefix), v.Pos, v.Pos+v.Length, size, binName)
		}
	}
	if size > total {
		return nil, fail("%s: more than the %d bytes its %d variables take", binName, total, len(ck.vars))
	}
	return ck, nil
}

// dtypeSize returns the size in bytes of an element of dt, 0 for a dtype
// that has no whole number of bytes per element or is not known here.
func dtypeSize(dt dtypes.DType) int {
	switch dt {
	case dtypes.Bool, dtypes.Int8, dtypes.Int16, dtypes.Int32, dtypes.Int64,
		dtypes.Uint8, dtypes.Uint16, dtypes.Uint32, dtypes.Uint64,
		dtypes.Float16, dtypes.BFloat16, dtypes.Float32, dtypes.Float64,
		dtypes.Complex64, dtypes.Complex128:
		return dt.Size()
	}
	return 0
}

// dataSize returns the number of bytes of variables in the weights file bin,
// decompressing it if needed, but counting no further than limit+1.
func dataSize(bin []byte, limit int) (int, error) {
	if !bytes.HasPrefix(bin, []byte(gomlxBinHeader)) {
		return len(bin), nil // Uncompressed, as GoMLX wrote up to v0.24.1.
	}
	rest := bin[len(gomlxBinHeader):]
	if len(rest) < 1 || len(rest) < 1+int(rest[0]) {
		return 0, fmt.Errorf("truncated header")
	}
	if name := string(rest[1 : 1+rest[0]]); name != gomlxGzip {
		return 0, fmt.Errorf("unsupported compression %q", name)
	}
	r, err := gzip.NewReader(bytes.NewReader(rest[1+rest[0]:]))
	if err != nil {
		return 0, fmt.Errorf("corrupt compressed data: %v", err)
	}
	// Below the limit, the copy ends at the end of the compressed stream,
	// which gzip checks (its checksum, and that nothing but another
	// complete stream follows).
	n, err := io.Copy(io.Discard, io.LimitReader(r, int64(limit)+1))
	if err != nil {
		return 0, fmt.Errorf("corrupt compressed data: %v", err)
	}
	return int(n), nil
}

// checkConfig reports an error if the checkpoint stores a Config other than
// cfg (which ConfigFile gave).
func (ck *storedCheckpoint) checkConfig(cfg Config) error {
	if ck.config == nil || *ck.config == cfg {
		return nil
	}
	return fmt.Errorf("models: %w: %s describes %s, but %s was saved from %s",
		ErrCheckpoint, ConfigFile, describeConfig(cfg), ck.base, describeConfig(*ck.config))
}

func describeConfig(c Config) string {
	return fmt.Sprintf("%s at width %g on %s (%d×%d×%d images, %d classes)",
		c.Model, c.Width, c.Dataset, c.InputShape[0], c.InputShape[1], c.InputShape[2], c.Classes)
}

// modelWeights returns the names (as Variable.ParameterName) and shapes of
// the weights of the model cfg, from its graph built in an empty context.
func modelWeights(backend backends.Backend, cfg Config) (weights map[string]shapes.Shape, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("models: building %s: %v", cfg.Model, r)
		}
	}()
	ctx := context.New().Checked(false)
	g := NewGraph(backend, "weights")
	defer g.Finalize()
	h, w, c := cfg.InputShape[0], cfg.InputShape[1], cfg.InputShape[2]
	Model(ctx, cfg, Parameter(g, "x", shapes.Make(dtypes.Float32, 1, h, w, c)), nil)
	weights = map[string]shapes.Shape{}
	for v := range ctx.IterVariables() {
		if IsWeight(v) {
			weights[v.ParameterName()] = v.Shape()
		}
	}
	return weights, nil
}

// checkWeights compares the weights the checkpoint holds (the variables
// IsWeight accepts; optimizer state is left out) with those of the model
// cfg, in both directions: a weight missing, left over or of another shape
// is an error wrapping ErrCheckpoint that names them.
func (ck *storedCheckpoint) checkWeights(backend backends.Backend, cfg Config) error {
	want, err := modelWeights(backend, cfg)
	if err != nil {
		return err
	}
	var extra, missing, reshaped []string
	has := map[string]bool{}
	for _, v := range ck.vars {
		if scope, name := context.VariableScopeAndNameFromParameterName(v.ParameterName); !isWeight(scope, name) {
			continue
		}
		has[v.ParameterName] = true
		short := strings.TrimPrefix(v.ParameterName, context.VariableParameterPrefix)
		s, ok := want[v.ParameterName]
		got := shapes.Make(v.DType, v.Dimensions...)
		switch {
		case !ok:
			extra = append(extra, short)
		case !got.Equal(s):
			reshaped = append(reshaped, fmt.Sprintf("%s is %s, want %s", short, got, s))
		}
	}
	for _, name := range sortedKeys(want) {
		if !has[name] {
			missing = append(missing, strings.TrimPrefix(name, context.VariableParameterPrefix))
		}
	}
	var problems []string
	for _, p := range []struct {
		what  string
		names []string
	}{{"extra weights", extra}, {"missing", missing}, {"of another shape", reshaped}} {
		if len(p.names) > 0 {
			problems = append(problems, fmt.Sprintf("%d %s (%s)", len(p.names), p.what, listSome(p.names, 3)))
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("models: %w: %s does not hold the weights of %s: %s",
			ErrCheckpoint, ck.base, describeConfig(cfg), strings.Join(problems, "; "))
	}
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// listSome joins the first n names, saying how many more there are.
func listSome(names []string, n int) string {
	if len(names) <= n {
		return strings.Join(names, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(names[:n], ", "), len(names)-n)
}

// load loads the checkpoint's variables into ctx, creating those ctx lacks
// in the order of the file, and its parameters.
func (ck *storedCheckpoint) load(ctx *context.Context) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("models: %w: %s: %v", ErrCheckpoint, ck.base, r)
		}
	}()
	// The handler sets the variables ctx has already and becomes ctx's
	// loader for the others, which GetVariableByScopeAndName then creates.
	if _, err := checkpoints.Build(ctx).FromEmbed(string(ck.meta), ck.bin).Done(); err != nil {
		return fmt.Errorf("models: %w: %s: %v", ErrCheckpoint, ck.base, err)
	}
	for _, v := range ck.vars {
		scope, name := context.VariableScopeAndNameFromParameterName(v.ParameterName)
		if ctx.GetVariableByScopeAndName(scope, name) == nil {
			return fmt.Errorf("models: %w: %s: variable %s not loaded", ErrCheckpoint, ck.base, v.ParameterName)
		}
	}
	return nil
}

// stageCheckpoint writes a checkpoint of net (its weights only if
// weightsOnly, else every variable of its context) into the empty directory
// staging and returns its base name. The variables are written sorted by
// name and net's Config is stored under ParamConfig: the files of a weights
// checkpoint depend only on the weights and the Config, not on the order in
// which the variables were created or loaded. (A full checkpoint also holds
// the trainer's metrics, which GoMLX names with random identifiers.)
func stageCheckpoint(net *Net, staging string, weightsOnly bool) (base string, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("models: saving checkpoint: %v", r)
		}
	}()
	// A context of its own holds the variables in that order, sharing
	// their values with net's.
	tmp := context.New().Checked(false)
	net.Context.EnumerateParams(func(scope, key string, value any) {
		tmp.InAbsPath(scope).SetParam(key, value)
	})
	raw, err := json.Marshal(net.Config)
	if err != nil {
		return "", fmt.Errorf("models: saving checkpoint: %w", err)
	}
	tmp.SetParam(ParamConfig, string(raw))
	vars := slices.SortedFunc(net.Context.IterVariables(), func(a, b *context.Variable) int {
		return cmp.Compare(a.ParameterName(), b.ParameterName())
	})
	for _, v := range vars {
		if weightsOnly && !IsWeight(v) {
			continue
		}
		value, err := v.Value()
		if err != nil {
			return "", fmt.Errorf("models: saving checkpoint: %w", err)
		}
		tmp.InAbsPath(v.Scope()).VariableWithValue(v.Name(), value).SetTrainable(v.Trainable)
	}
	var exclude []*context.Variable
	if weightsOnly {
		// Saving reads the global step, creating the variable if needed.
		exclude = append(exclude, optimizers.GetGlobalStepVar(tmp))
	}
	h, err := checkpoints.Build(tmp).Dir(staging).Keep(-1).ExcludeVars(exclude...).Done()
	if err != nil {
		return "", fmt.Errorf("models: saving checkpoint: %w", err)
	}
	if err := h.Save(); err != nil {
		return "", fmt.Errorf("models: saving checkpoint: %w", err)
	}
	staged, _, err := listCheckpoints(staging)
	if err != nil || len(staged) != 1 {
		return "", fmt.Errorf("models: saving checkpoint: staging holds %d checkpoints (%v)", len(staged), err)
	}
	return staged[0], nil
}
