package main

import (
	"errors"
	"fmt"
	"io"
	"math"
	"slices"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/tensors"

	"github.com/repgeo/repgeo/backend"
	"github.com/repgeo/repgeo/models"
)

func init() {
	commands["weightdiff"] = command{
		summary: "compare the weights of two checkpoints: bitwise equal, largest differences",
		run:     runWeightDiff,
	}
}

// weightDiff is the comparison of two checkpoints' weights; its JSON keys
// are the --json output's contract.
type weightDiff struct {
	// Variables and Weights count the weight variables and their elements.
	Variables int `json:"variables"`
	Weights   int `json:"weights"`
	// Differing counts the elements whose bits differ; BitwiseEqual is
	// Differing == 0.
	Differing    int  `json:"differing"`
	BitwiseEqual bool `json:"bitwise_equal"`
	// MaxAbs is the largest |a−b| and MaxAbsVariable its variable.
	MaxAbs         jsonFloat `json:"max_abs_diff"`
	MaxAbsVariable string    `json:"max_abs_variable"`
	// MaxRel is the largest |a−b| / max(|a|, |b|) of an element and
	// MaxRelVariable its variable.
	MaxRel         jsonFloat `json:"max_rel_diff"`
	MaxRelVariable string    `json:"max_rel_variable"`
	// RelNorm is ‖a−b‖ / ‖a‖ over all weights.
	RelNorm jsonFloat `json:"rel_norm_diff"`
}

func runWeightDiff(args []string, stdout io.Writer) error {
	fs := newCommandFlags("weightdiff", "[--json] [--exact] DIR_A DIR_B",
		"Compares the weights (trainable variables and batch norm's running\n"+
			"averages; no optimizer state) of two checkpoint directories of the same\n"+
			"architecture, such as a zoo member's snapshot and the same member\n"+
			"retrained by repgeo zoo --stop-at: whether they are bitwise equal, how\n"+
			"many elements differ, the largest absolute and relative difference of\n"+
			"an element and the relative difference of all weights in norm.")
	asJSON := fs.Bool("json", false, "print the comparison as one line of JSON")
	exact := fs.Bool("exact", false, "exit with status 1 unless the weights are bitwise equal")
	if err := parseCommandFlags(fs, args, stdout); err != nil {
		return err
	}
	if fs.NArg() != 2 {
		return badInput("weightdiff takes two checkpoint directories, got %d arguments", fs.NArg())
	}
	a, err := readWeights(fs.Arg(0))
	if err != nil {
		return err
	}
	b, err := readWeights(fs.Arg(1))
	if err != nil {
		return err
	}
	if a.cfg != b.cfg {
		return badInput("%s holds %+v, %s holds %+v: not the same architecture", fs.Arg(0), a.cfg, fs.Arg(1), b.cfg)
	}
	d, err := compareWeights(a.values, b.values)
	if err != nil {
		return badInput("%s and %s: %v", fs.Arg(0), fs.Arg(1), err)
	}
	if *asJSON {
		err = emitJSON(stdout, d)
	} else {
		t := newTable(stdout)
		yes := map[bool]string{true: "yes", false: "no"}
		t.row("bitwise_equal", yes[d.BitwiseEqual])
		t.row("differing", fmt.Sprintf("%d of %d weights (%d variables)", d.Differing, d.Weights, d.Variables))
		where := func(name string) string {
			if name == "" {
				return ""
			}
			return " (" + name + ")"
		}
		t.row("max_abs_diff", fmt.Sprintf("%.3g%s", float64(d.MaxAbs), where(d.MaxAbsVariable)))
		t.row("max_rel_diff", fmt.Sprintf("%.3g%s", float64(d.MaxRel), where(d.MaxRelVariable)))
		t.row("rel_norm_diff", fmt.Sprintf("%.3g", float64(d.RelNorm)))
		err = t.flush()
	}
	if err != nil {
		return err
	}
	if *exact && !d.BitwiseEqual {
		return fmt.Errorf("%d of %d weights differ", d.Differing, d.Weights)
	}
	return nil
}

// checkpointWeights is the configuration and the float32 weights, by
// variable, of a checkpoint directory.
type checkpointWeights struct {
	cfg    models.Config
	values map[string][]float32
}

// readWeights loads the weights of the checkpoint directory dir.
func readWeights(dir string) (*checkpointWeights, error) {
	b, err := backend.New()
	if err != nil {
		return nil, err
	}
	defer b.Finalize()
	net, err := models.Load(b, dir)
	if errors.Is(err, models.ErrCheckpoint) {
		return nil, badInput("%v", err)
	}
	if err != nil {
		return nil, err
	}
	out := &checkpointWeights{cfg: net.Config, values: map[string][]float32{}}
	for v := range net.Context.IterVariables() {
		if !models.IsWeight(v) {
			continue
		}
		val, err := v.Value()
		if err != nil {
			return nil, fmt.Errorf("%s: variable %s: %w", dir, v.ScopeAndName(), err)
		}
		if val.DType() != dtypes.Float32 {
			return nil, badInput("%s: variable %s is %s, not float32", dir, v.ScopeAndName(), val.DType())
		}
		out.values[v.ScopeAndName()] = tensors.MustCopyFlatData[float32](val)
	}
	if len(out.values) == 0 {
		return nil, badInput("%s holds no weights", dir)
	}
	return out, nil
}

// compareWeights compares the weights a and b by variable; they must have
// the same variables of the same sizes. A NaN or infinite difference
// counts as an infinite one.
func compareWeights(a, b map[string][]float32) (weightDiff, error) {
	names := make([]string, 0, len(a))
	for name := range a {
		names = append(names, name)
	}
	slices.Sort(names)
	for name := range b {
		if _, ok := a[name]; !ok {
			return weightDiff{}, fmt.Errorf("variable %s only in the second", name)
		}
	}
	var d weightDiff
	var diff2, norm2 float64
	for _, name := range names {
		x, y := a[name], b[name]
		if y == nil {
			return weightDiff{}, fmt.Errorf("variable %s only in the first", name)
		}
		if len(x) != len(y) {
			return weightDiff{}, fmt.Errorf("variable %s has %d elements against %d", name, len(x), len(y))
		}
		d.Variables++
		d.Weights += len(x)
		for i := range x {
			norm2 += float64(x[i]) * float64(x[i])
			if math.Float32bits(x[i]) == math.Float32bits(y[i]) {
				continue
			}
			d.Differing++
			abs := math.Abs(float64(x[i]) - float64(y[i]))
			if math.IsNaN(abs) {
				abs = math.Inf(1)
			}
			diff2 += abs * abs
			rel := 0.0 // +0 against −0
			if abs > 0 {
				rel = abs / max(math.Abs(float64(x[i])), math.Abs(float64(y[i])))
			}
			if math.IsNaN(rel) {
				rel = math.Inf(1)
			}
			if abs > float64(d.MaxAbs) || d.MaxAbsVariable == "" {
				d.MaxAbs, d.MaxAbsVariable = jsonFloat(abs), name
			}
			if rel > float64(d.MaxRel) || d.MaxRelVariable == "" {
				d.MaxRel, d.MaxRelVariable = jsonFloat(rel), name
			}
		}
	}
	d.BitwiseEqual = d.Differing == 0
	switch {
	case diff2 == 0:
		d.RelNorm = 0
	case norm2 == 0:
		d.RelNorm = jsonFloat(math.Inf(1))
	default:
		d.RelNorm = jsonFloat(math.Sqrt(diff2 / norm2))
	}
	return d, nil
}
