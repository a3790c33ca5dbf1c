package models

import (
	"fmt"
	"math"
	"slices"
	"strings"

	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive // GoMLX's idiom for graph code.
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/layers"
	"github.com/gomlx/gomlx/pkg/ml/layers/activations"

	"github.com/repgeo/repgeo/data"
)

// Config identifies a model and the images it takes. It is stored as JSON
// beside the weights of a checkpoint, so a checkpoint needs no other flags.
type Config struct {
	// Model is the architecture's name, one of Names().
	Model string `json:"model"`
	// Width multiplies every channel count (1 for the standard network);
	// each layer keeps at least one channel.
	Width float64 `json:"width"`
	// Dataset names the data the model is trained on (see package data);
	// Validate requires it.
	Dataset string `json:"dataset"`
	// InputShape is the height, width and channels of one image.
	InputShape [3]int `json:"input_shape"`
	// Classes is the number of output classes.
	Classes int `json:"classes"`
}

// Validate reports whether c names a known model with a positive width, a
// dataset, a valid input shape and at least two classes. The dataset is
// required because every Config written by this module names one (the
// field is as old as Config), and Train and Evaluate check the data given
// against it.
func (c Config) Validate() error {
	if _, ok := architectures[c.Model]; !ok {
		return fmt.Errorf("models: unknown model %q (known: %s)", c.Model, strings.Join(Names(), ", "))
	}
	if !(c.Width > 0) || math.IsInf(c.Width, 0) || c.Width > 64 {
		return fmt.Errorf("models: width %g must be in (0, 64]", c.Width)
	}
	if strings.TrimSpace(c.Dataset) == "" {
		return fmt.Errorf("models: %s names no dataset (Config.Dataset, \"dataset\" in %s): give the name of the data it is trained on, such as %q",
			c.Model, ConfigFile, data.FashionMNIST)
	}
	h, w, ch := c.InputShape[0], c.InputShape[1], c.InputShape[2]
	if h < 8 || w < 8 || h > 64 || w > 64 || ch < 1 || ch > 4 {
		return fmt.Errorf("models: input shape %v (want H and W in [8, 64], 1 to 4 channels)", c.InputShape)
	}
	if c.Classes < 2 {
		return fmt.Errorf("models: %d classes (want at least 2)", c.Classes)
	}
	return nil
}

// channels returns the channel count c scaled by the width multiplier.
func (c Config) channels(n int) int {
	return max(1, int(math.Round(float64(n)*c.Width)))
}

// architecture describes one named model: ResNet stages or VGG stages.
type architecture struct {
	kind string // "resnet" or "vgg"
	// stem is the ResNet stem's channel count.
	stem int
	// stages lists, for a ResNet, the channels of each stage and its number
	// of basic blocks; for a VGG, the channels of each conv layer.
	stages []stage
	desc   string
}

type stage struct {
	channels int
	blocks   int   // ResNet: basic blocks in the stage.
	convs    []int // VGG: channels of the stage's conv layers.
}

func cifarResNet(n int) architecture {
	return architecture{kind: "resnet", stem: 16,
		stages: []stage{{channels: 16, blocks: n}, {channels: 32, blocks: n}, {channels: 64, blocks: n}},
		desc:   fmt.Sprintf("CIFAR ResNet-%d: 3x3 stem, 3 stages of %d basic blocks (16/32/64 channels)", 6*n+2, n)}
}

func vgg(desc string, cfg ...[]int) architecture {
	a := architecture{kind: "vgg", desc: desc}
	for _, convs := range cfg {
		a.stages = append(a.stages, stage{channels: convs[len(convs)-1], convs: convs})
	}
	return a
}

var architectures = map[string]architecture{
	"resnet20": cifarResNet(3),
	"resnet32": cifarResNet(5),
	"resnet56": cifarResNet(9),
	"resnet18": {kind: "resnet", stem: 64,
		stages: []stage{{channels: 64, blocks: 2}, {channels: 128, blocks: 2}, {channels: 256, blocks: 2}, {channels: 512, blocks: 2}},
		desc:   "ResNet-18 for 32x32: 3x3 stride-1 stem, no max-pool, 4 stages of 2 basic blocks (64/128/256/512)"},
	"vgg11": vgg("VGG-11 with batch norm, one linear layer after the last pool",
		[]int{64}, []int{128}, []int{256, 256}, []int{512, 512}, []int{512, 512}),
	"vgg13": vgg("VGG-13 with batch norm, one linear layer after the last pool",
		[]int{64, 64}, []int{128, 128}, []int{256, 256}, []int{512, 512}, []int{512, 512}),
	"vgg16": vgg("VGG-16 with batch norm, one linear layer after the last pool",
		[]int{64, 64}, []int{128, 128}, []int{256, 256, 256}, []int{512, 512, 512}, []int{512, 512, 512}),
	"vgg19": vgg("VGG-19 with batch norm, one linear layer after the last pool",
		[]int{64, 64}, []int{128, 128}, []int{256, 256, 256, 256}, []int{512, 512, 512, 512}, []int{512, 512, 512, 512}),
}

// Names returns the names of the known models, sorted.
func Names() []string {
	names := make([]string, 0, len(architectures))
	for n := range architectures {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// Describe returns a one-line description of the named model, or "" if it
// is unknown.
func Describe(model string) string { return architectures[model].desc }

// Grain selects which intermediate representations a model exposes as taps.
type Grain int

const (
	// Coarse taps the input, the stem, every block (ResNet) or every conv
	// stage (VGG), the pooled features and the logits.
	Coarse Grain = iota
	// Fine taps, in addition, every operation inside the stem and the blocks:
	// convolution, batch norm, ReLU, and for ResNet blocks the shortcut add.
	// The output of each block or stage keeps its coarse name.
	Fine
)

// String returns "all" for Coarse and "fine" for Fine, the names the
// command line uses.
func (g Grain) String() string {
	if g == Fine {
		return "fine"
	}
	return "all"
}

// Taps records named intermediate nodes of a model in path order while the
// graph is built. A nil *Taps records nothing.
type Taps struct {
	grain Grain
	names []string
	nodes []*Node
}

// NewTaps returns a recorder of the taps of the given grain.
func NewTaps(g Grain) *Taps { return &Taps{grain: g} }

// record adds x under name if the grain wants it: coarse taps are recorded
// in both grains, fine-only ones (coarse false) only in Fine.
func (t *Taps) record(name string, coarse bool, x *Node) {
	if t == nil || (!coarse && t.grain != Fine) {
		return
	}
	t.names = append(t.names, name)
	t.nodes = append(t.nodes, x)
}

// Names returns the recorded tap names, each prefixed by its position in
// path order ("00_input", "01_stem", ...; three digits past 100 taps).
func (t *Taps) Names() []string { return numbered(t.names) }

// Nodes returns the recorded nodes, in the order of Names.
func (t *Taps) Nodes() []*Node { return t.nodes }

func numbered(names []string) []string {
	digits := 2
	if len(names) > 100 {
		digits = len(fmt.Sprint(len(names) - 1))
	}
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = fmt.Sprintf("%0*d_%s", digits, i, n)
	}
	return out
}

// TapNames returns the numbered tap names of the model cfg.Model at grain g,
// in path order, without building a graph.
func TapNames(model string, g Grain) ([]string, error) {
	a, ok := architectures[model]
	if !ok {
		return nil, fmt.Errorf("models: unknown model %q (known: %s)", model, strings.Join(Names(), ", "))
	}
	t := NewTaps(g)
	add := func(name string, coarse bool) { t.record(name, coarse, nil) }
	add("input", true)
	switch a.kind {
	case "resnet":
		add("stem_conv", false)
		add("stem_bn", false)
		add("stem", true)
		for s, st := range a.stages {
			for b := range st.blocks {
				name := fmt.Sprintf("stage%d_block%d", s+1, b+1)
				for _, op := range blockOps {
					add(name+"_"+op, false)
				}
				add(name, true)
			}
		}
	case "vgg":
		for s, st := range a.stages {
			for k := range st.convs {
				name := fmt.Sprintf("stage%d", s+1)
				add(fmt.Sprintf("%s_conv%d", name, k+1), false)
				add(fmt.Sprintf("%s_bn%d", name, k+1), false)
				if k < len(st.convs)-1 {
					add(fmt.Sprintf("%s_relu%d", name, k+1), false)
				} else {
					add(name, true)
				}
			}
			if s < len(a.stages)-1 {
				add(fmt.Sprintf("stage%d_pool", s+1), false)
			}
		}
	}
	add("pool", true)
	add("logits", true)
	return t.Names(), nil
}

// blockOps names the fine taps inside a basic block before its final ReLU.
var blockOps = []string{"conv1", "bn1", "relu1", "conv2", "bn2", "add"}

// Model builds the logits of the architecture cfg.Model for the NHWC images
// x (shape [batch, H, W, C] as in cfg.InputShape), recording its taps into t
// (which may be nil). Batch norm trains on batch statistics when the
// context's graph is in training mode and uses its running averages
// otherwise. It panics on a bad configuration or input shape (graph code).
func Model(ctx *context.Context, cfg Config, x *Node, t *Taps) *Node {
	if err := cfg.Validate(); err != nil {
		panic(err)
	}
	h, w, c := cfg.InputShape[0], cfg.InputShape[1], cfg.InputShape[2]
	batch := x.Shape().Dimensions[0]
	x.AssertDims(batch, h, w, c)
	t.record("input", true, x)
	a := architectures[cfg.Model]
	var features *Node
	switch a.kind {
	case "resnet":
		features = resNet(ctx, cfg, a, x, t)
	case "vgg":
		features = vggNet(ctx, cfg, a, x, t)
	}
	t.record("pool", true, features)
	logits := layers.DenseWithBias(ctx.In("logits"), features, cfg.Classes)
	logits.AssertDims(batch, cfg.Classes)
	t.record("logits", true, logits)
	return logits
}

// conv is a bias-free convolution with "same" padding.
func conv(ctx *context.Context, x *Node, channels, kernel, stride int) *Node {
	return layers.Convolution(ctx, x).Channels(channels).KernelSize(kernel).
		Strides(stride).PadSame().UseBias(false).Done()
}

// resNet builds the stem and stages of a ResNet and returns the globally
// average-pooled features.
func resNet(ctx *context.Context, cfg Config, a architecture, x *Node, t *Taps) *Node {
	batch := x.Shape().Dimensions[0]
	sctx := ctx.In("stem")
	x = conv(sctx, x, cfg.channels(a.stem), 3, 1)
	t.record("stem_conv", false, x)
	x = BatchNorm(sctx, x)
	t.record("stem_bn", false, x)
	x = activations.Relu(x)
	t.record("stem", true, x)
	for s, st := range a.stages {
		for b := range st.blocks {
			stride := 1
			if s > 0 && b == 0 {
				stride = 2
			}
			name := fmt.Sprintf("stage%d_block%d", s+1, b+1)
			x = basicBlock(ctx.In(name), x, cfg.channels(st.channels), stride, name, t)
		}
	}
	x = globalAvgPool(x)
	x.AssertDims(batch, cfg.channels(a.stages[len(a.stages)-1].channels))
	return x
}

// basicBlock is a ResNet basic block: two 3×3 convolutions with batch norm,
// added to the input (through a 1×1 projection with batch norm when the
// shape changes), then a ReLU.
func basicBlock(ctx *context.Context, x *Node, channels, stride int, name string, t *Taps) *Node {
	dims := x.Shape().Dimensions
	shortcut := x
	y := conv(ctx.In("conv1"), x, channels, 3, stride)
	t.record(name+"_conv1", false, y)
	y = BatchNorm(ctx.In("bn1"), y)
	t.record(name+"_bn1", false, y)
	y = activations.Relu(y)
	t.record(name+"_relu1", false, y)
	y = conv(ctx.In("conv2"), y, channels, 3, 1)
	t.record(name+"_conv2", false, y)
	y = BatchNorm(ctx.In("bn2"), y)
	t.record(name+"_bn2", false, y)
	if stride != 1 || dims[3] != channels {
		shortcut = conv(ctx.In("shortcut_conv"), x, channels, 1, stride)
		shortcut = BatchNorm(ctx.In("shortcut_bn"), shortcut)
	}
	y = Add(y, shortcut)
	t.record(name+"_add", false, y)
	y = activations.Relu(y)
	oh, ow := (dims[1]+stride-1)/stride, (dims[2]+stride-1)/stride
	y.AssertDims(dims[0], oh, ow, channels)
	t.record(name, true, y)
	return y
}

// vggInput is the spatial size VGG's five 2×2 pools reduce to 1×1; smaller
// inputs (such as 28×28 Fashion-MNIST) are zero-padded to it.
const vggInput = 32

// vggNet builds the conv stages of a VGG and returns the flattened output
// of the last max-pool.
func vggNet(ctx *context.Context, cfg Config, a architecture, x *Node, t *Taps) *Node {
	dims := x.Shape().Dimensions
	batch := dims[0]
	x = padSpatialTo(x, max(dims[1], vggInput), max(dims[2], vggInput))
	for s, st := range a.stages {
		name := fmt.Sprintf("stage%d", s+1)
		for k, ch := range st.convs {
			lctx := ctx.In(fmt.Sprintf("%s_conv%d", name, k+1))
			x = conv(lctx, x, cfg.channels(ch), 3, 1)
			t.record(fmt.Sprintf("%s_conv%d", name, k+1), false, x)
			x = BatchNorm(lctx, x)
			t.record(fmt.Sprintf("%s_bn%d", name, k+1), false, x)
			x = activations.Relu(x)
			if k < len(st.convs)-1 {
				t.record(fmt.Sprintf("%s_relu%d", name, k+1), false, x)
			} else {
				t.record(name, true, x)
			}
		}
		x = maxPool2x2(x)
		if s < len(a.stages)-1 {
			t.record(name+"_pool", false, x)
		}
	}
	d := x.Shape().Dimensions
	x = Reshape(x, batch, d[1]*d[2]*d[3])
	return x
}
