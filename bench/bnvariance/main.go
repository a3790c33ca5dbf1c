// Command bnvariance measures how precise batch norm's one-pass batch
// variance, E[x²] − E[x]² in float32 (models.BatchNorm in training mode),
// is on a trained zoo member's real activations. It runs the member in
// training mode on a batch of test images, takes the input of every batch
// norm (the convolution outputs, including the ResNet shortcuts'), and
// compares per channel the one-pass variance, computed on the backend with
// the same graph ops as models.BatchNorm, with a two-pass float64 reference.
//
//	go run ./bench/bnvariance -member=resnet20-w1-s1 -images=128
//
// It prints, per batch norm, the largest and median |mean|/std of a channel
// and the largest relative errors of the one-pass variance ("1p") and, for
// comparison, of a two-pass float32 variance E[(x − E[x])²] on the same
// backend ("2p"), then the worst channels overall. The variance's relative error e changes the normalized output
// by about e/2 (through 1/√(variance+ε)).
package main

import (
	"flag"
	"fmt"
	"math"
	"os"
	"slices"
	"sort"
	"strings"

	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive // GoMLX's idiom for graph code.
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/layers"

	"github.com/repgeo/repgeo/backend"
	"github.com/repgeo/repgeo/data"
	"github.com/repgeo/repgeo/models"
	"github.com/repgeo/repgeo/models/zoo"
)

// channel is the measurement of one channel of one batch norm's input.
type channel struct {
	layer   string
	c       int
	mean    float64 // two-pass float64
	std     float64 // two-pass float64, biased
	ratio   float64 // |mean| / std
	relErr  float64 // |var1 − var| / var
	relErr2 float64 // the same for the two-pass float32 variance
	clamped bool    // the one-pass variance is 0 (clamped) for a non-zero variance
}

func main() {
	member := flag.String("member", "resnet20-w1-s1", "zoo member")
	n := flag.Int("images", 128, "batch size: the first N test images")
	offset := flag.Int("offset", 0, "index of the first test image")
	train := flag.Bool("train", true, "run the member in training mode (batch statistics, as when the one-pass variance is computed); false: inference mode")
	worst := flag.Int("worst", 10, "number of worst channels listed")
	step := flag.Int("step", -1, "use the member's snapshot at this step (-1: the final weights)")
	flag.Parse()
	if err := run(*member, *step, *n, *offset, *train, *worst); err != nil {
		fmt.Fprintln(os.Stderr, "bnvariance:", err)
		os.Exit(1)
	}
}

func run(member string, step, n, offset int, train bool, worst int) error {
	if worst < 0 {
		return fmt.Errorf("-worst=%d must not be negative", worst)
	}
	m, err := zoo.Lookup(member)
	if err != nil {
		return err
	}
	set, err := data.Load(data.FashionMNIST, "")
	if err != nil {
		return err
	}
	if n < 2 || offset < 0 || offset+n > set.Test.Len() {
		return fmt.Errorf("images %d from %d: want at least 2 within the %d test images", n, offset, set.Test.Len())
	}
	b, err := backend.New()
	if err != nil {
		return err
	}
	defer b.Finalize()
	z, err := zoo.Open("", data.FashionMNIST)
	if err != nil {
		return err
	}
	if _, err := z.Current(m); err != nil {
		return err
	}
	var net *models.Net
	if step < 0 {
		net, err = z.Load(b, m.Name)
	} else {
		net, err = z.LoadSnapshot(b, m.Name, step)
	}
	if err != nil {
		return err
	}
	images := make([]float32, n*set.ImageSize())
	labels := make([]int32, n)
	idx := make([]int, n)
	for i := range idx {
		idx[i] = offset + i
	}
	set.Batch(false, idx, images, labels)

	names, inputs, err := bnInputs(net, images, n, set, train)
	if err != nil {
		return err
	}
	var all []channel
	at := "final weights"
	if step >= 0 {
		at = fmt.Sprintf("snapshot at step %d", step)
	}
	fmt.Printf("%s (%s), %d test images from %d, %s mode, CPU: %s\n", m.Name, at, n, offset,
		map[bool]string{true: "training", false: "inference"}[train], cpuName())
	fmt.Printf("%-28s %5s %9s %11s %11s %11s %11s %7s\n", "batch norm input", "ch", "samples", "max|m|/std", "med|m|/std",
		"rel err 1p", "rel err 2p", "clamped")
	onePass, err := NewExec(b, func(x *Node) *Node {
		axes := []int{0, 1, 2}
		mean := ReduceMean(x, axes...)
		onePass := Max(Sub(ReduceMean(Square(x), axes...), Square(mean)), ZerosLike(mean))
		twoPass := ReduceMean(Square(Sub(x, InsertAxes(mean, 0, 0, 0))), axes...)
		return Concatenate([]*Node{onePass, twoPass}, 0)
	})
	if err != nil {
		return err
	}
	defer onePass.Finalize()
	for i, x := range inputs {
		if x.Shape().Rank() != 4 {
			return fmt.Errorf("%s: shape %s, want NHWC", names[i], x.Shape())
		}
		v1, err := onePass.Exec(x)
		if err != nil {
			return err
		}
		v := tensors.MustCopyFlatData[float32](v1[0])
		chs := measure(names[i], x, v[:len(v)/2], v[len(v)/2:])
		ratios := make([]float64, len(chs))
		maxErr, maxErr2, clamped := 0.0, 0.0, 0
		for j, c := range chs {
			ratios[j] = c.ratio
			maxErr = max(maxErr, c.relErr)
			maxErr2 = max(maxErr2, c.relErr2)
			if c.clamped {
				clamped++
			}
		}
		slices.Sort(ratios)
		dims := x.Shape().Dimensions
		fmt.Printf("%-28s %5d %9d %11.3g %11.3g %11.3g %11.3g %7d\n", names[i], len(chs), x.Shape().Size()/dims[len(dims)-1],
			ratios[len(ratios)-1], ratios[len(ratios)/2], maxErr, maxErr2, clamped)
		all = append(all, chs...)
	}
	if len(all) == 0 {
		return fmt.Errorf("%s: no batch-norm inputs found", member)
	}
	sort.Slice(all, func(i, j int) bool { return all[i].relErr > all[j].relErr })
	fmt.Printf("\nworst %d channels by relative error of the one-pass variance:\n", worst)
	fmt.Printf("%-28s %4s %12s %12s %12s %12s\n", "batch norm input", "c", "mean", "std", "|m|/std", "rel err")
	for _, c := range all[:min(worst, len(all))] {
		fmt.Printf("%-28s %4d %12.4g %12.4g %12.3g %12.3g\n", c.layer, c.c, c.mean, c.std, c.ratio, c.relErr)
	}
	sort.Slice(all, func(i, j int) bool { return all[i].ratio > all[j].ratio })
	fmt.Printf("\nworst %d channels by |mean|/std:\n", worst)
	for _, c := range all[:min(worst, len(all))] {
		fmt.Printf("%-28s %4d %12.4g %12.4g %12.3g %12.3g\n", c.layer, c.c, c.mean, c.std, c.ratio, c.relErr)
	}
	// Over all channels: the relative error against (|mean|/std)², which
	// the cancellation multiplies the rounding of E[x²] by.
	sort.Slice(all, func(i, j int) bool {
		return all[i].relErr/(1+all[i].ratio*all[i].ratio) > all[j].relErr/(1+all[j].ratio*all[j].ratio)
	})
	c := all[0]
	fmt.Printf("\nlargest rel err / (1 + (|m|/std)²): %.3g (%s channel %d)\n", c.relErr/(1+c.ratio*c.ratio), c.layer, c.c)
	return nil
}

// bnInputs runs net on the n images and returns the input of every batch
// norm, named after its convolution, in path order: the fine taps of the
// convolutions, and for ResNet blocks with a projection shortcut its 1×1
// convolution recomputed with the block's own variables.
func bnInputs(net *models.Net, images []float32, n int, set *data.Set, train bool) ([]string, []*tensors.Tensor, error) {
	cfg := net.Config
	tapNames, err := models.TapNames(cfg.Model, models.Fine)
	if err != nil {
		return nil, nil, err
	}
	var names []string
	exec, err := context.NewExec(net.Backend, net.Context, func(ctx *context.Context, x *Node) []*Node {
		g := x.Graph()
		ctx.SetTraining(g, train)
		t := models.NewTaps(models.Fine)
		models.Model(ctx, cfg, x, t)
		var outs []*Node
		names = names[:0]
		nodes := t.Nodes()
		for i, name := range tapNames {
			_, bare, _ := strings.Cut(name, "_")
			if strings.Contains(bare, "_conv") {
				names = append(names, bare)
				// A new node: SimpleGo (GoMLX v0.26) fails with an index out
				// of range when an output precedes an unused parameter (such
				// as a later layer's variables) in the graph.
				outs = append(outs, Identity(nodes[i]))
			}
			// A block whose first convolution changes the shape has a
			// projection shortcut on its input (the previous tap).
			if strings.HasSuffix(bare, "_conv1") && strings.HasPrefix(bare, "stage") && i > 0 &&
				!slices.Equal(nodes[i].Shape().Dimensions, nodes[i-1].Shape().Dimensions) {
				block := strings.TrimSuffix(bare, "_conv1")
				sep := context.ScopeSeparator
				if ctx.InspectVariable(sep+block+sep+"shortcut_conv"+sep+"conv", "weights") != nil {
					y := layers.Convolution(ctx.In(block).In("shortcut_conv"), nodes[i-1]).Channels(nodes[i].Shape().Dimensions[3]).KernelSize(1).
						Strides(2).PadSame().UseBias(false).Done()
					names = append(names, block+"_shortcut_conv")
					outs = append(outs, y)
				}
			}
		}
		return outs
	})
	if err != nil {
		return nil, nil, err
	}
	defer exec.Finalize()
	outs, err := exec.Exec(tensors.FromFlatDataAndDimensions(images, n, set.Height, set.Width, set.Channels))
	if err != nil {
		return nil, nil, err
	}
	return names, outs, nil
}

// measure compares, per channel of x (NHWC, float32), the one-pass
// variance v1 (computed on the backend as models.BatchNorm does) and the
// two-pass float32 one v2 (backend too) with the two-pass float64 one.
func measure(layer string, x *tensors.Tensor, v1, v2 []float32) []channel {
	dims := x.Shape().Dimensions
	rank := len(dims)
	flat := tensors.MustCopyFlatData[float32](x)
	c := dims[rank-1]
	rows := len(flat) / c
	out := make([]channel, c)
	for j := range c {
		var s float64
		for r := range rows {
			s += float64(flat[r*c+j])
		}
		mean := s / float64(rows)
		var q float64
		for r := range rows {
			d := float64(flat[r*c+j]) - mean
			q += d * d
		}
		v := q / float64(rows)
		ch := channel{layer: layer, c: j, mean: mean, std: math.Sqrt(v)}
		if v > 0 {
			ch.ratio = math.Abs(mean) / ch.std
			ch.relErr = math.Abs(float64(v1[j])-v) / v
			ch.relErr2 = math.Abs(float64(v2[j])-v) / v
			ch.clamped = v1[j] == 0
		}
		out[j] = ch
	}
	return out
}

// cpuName returns the model name and family of the CPU.
func cpuName() string {
	raw, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "unknown"
	}
	var model, family string
	for _, line := range strings.Split(string(raw), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		switch strings.TrimSpace(k) {
		case "model name":
			if model == "" {
				model = strings.TrimSpace(v)
			}
		case "cpu family":
			if family == "" {
				family = strings.TrimSpace(v)
			}
		}
	}
	return fmt.Sprintf("%s (cpu family %s)", model, family)
}
