package onnxmodel

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/repgeo/repgeo/internal/tapnum"
)

// Tap presets understood by Model.Taps.
const (
	// PresetBlocks taps every residual block of a torchvision ResNet
	// (layer1.0, layer1.1, ...) or every convolution (its ReLU) of a VGG,
	// between the input, the stem or pooled features, and the output; for a
	// torchvision Vision Transformer, the input, the embedding (TapEmbedding),
	// every encoder block, the final norm and the output of the head.
	PresetBlocks = "blocks"
	// PresetStages taps every stage of a torchvision ResNet (layer1 ...
	// layer4) or every max-pool ending a convolution stage of a VGG.
	PresetStages = "stages"
	// PresetFine taps the input, every activation (ReLU, clipped ReLU) and
	// pooling operator, and the output: the finest path through the
	// nonlinearities of any convolutional network.
	PresetFine = "fine"
	// PresetModules taps the output of every top-level module, containers
	// (such as nn.Sequential, with no operator of their own) expanded into
	// their children, for any model exported from PyTorch.
	PresetModules = "modules"
)

// TapEmbedding names the input of a Vision Transformer's first encoder
// block: the patch embedding with the class token prepended and the
// position embedding added.
const TapEmbedding = "embedding"

// Tap is one representation to extract: a tensor of the graph.
type Tap struct {
	// Name labels the tap, such as "layer1.0", "input" or "output"; it is
	// free of slashes so that it can name an .npz entry.
	Name string
	// Tensor is the name of the ONNX tensor holding the representation.
	Tensor string
}

var (
	resnetBlock = regexp.MustCompile(`^(layer\d+)\.\d+`)
	resnetStage = regexp.MustCompile(`^layer\d+`)
	vggFeature  = regexp.MustCompile(`^features\.\d+$`)
	vggHidden   = regexp.MustCompile(`^classifier\.\d+$`)
	vitBlock    = regexp.MustCompile(`^encoder\.layers\.encoder_layer_\d+`)
)

// Layout returns "resnet", "vgg" or "vit" when the graph has the module
// names of torchvision's ResNet (blocks layerN.M), VGG (a plain sequence of
// layers features.K including convolutions, which AlexNet shares) or
// VisionTransformer (blocks encoder.layers.encoder_layer_K), and ""
// otherwise.
func (m *Model) Layout() string {
	for _, n := range m.nodes {
		if resnetBlock.MatchString(n.Module) {
			return "resnet"
		}
		if vitBlock.MatchString(n.Module) {
			return "vit"
		}
	}
	conv := false
	for _, n := range m.nodes {
		if strings.HasPrefix(n.Module, "features.") && !vggFeature.MatchString(n.Module) {
			return "" // blocks inside features (SqueezeNet's Fire, MobileNet's)
		}
		conv = conv || (n.Op == "Conv" && vggFeature.MatchString(n.Module))
	}
	if conv {
		return "vgg"
	}
	return ""
}

// DefaultTaps returns the taps of PresetBlocks for the torchvision ResNet,
// VGG and Vision Transformer layouts, and of PresetModules otherwise.
func (m *Model) DefaultTaps() []Tap {
	preset := PresetModules
	if m.Layout() != "" {
		preset = PresetBlocks
	}
	taps, err := m.Taps(preset)
	if err != nil {
		panic(err) // Presets resolve on every model they are chosen for.
	}
	return taps
}

// Taps resolves tap specifications into tensors of the graph. A
// specification is "input" (the image input), "output" (the model's
// output), TapEmbedding for a Vision Transformer, a preset (PresetBlocks,
// PresetStages, PresetModules, PresetFine),
// the name of a tensor or of a node (its first output; slashes may be given
// as dots, as in tap names), or a PyTorch module path such as "layer2.1" or
// "features.14", which taps the last operator of the module.
// A name may carry the numeric prefix of extracted tap names ("03_layer1.1"),
// the tap's position in an extraction: a number the tap cannot have (larger
// than the number of tensors the graph computes up to it, "05_input"), two
// numbers for one tensor, or numbers out of path order, as no one
// extraction gives them, are errors (the rule of models.SelectTaps too).
// The taps are returned in path order (the graph's topological order, the
// input first); taps that name the same tensor are kept once.
func (m *Model) Taps(specs ...string) ([]Tap, error) {
	var taps []Tap
	seen := map[string]bool{}
	add := func(t Tap) {
		if !seen[t.Tensor] {
			seen[t.Tensor] = true
			taps = append(taps, t)
		}
	}
	// numbered holds the taps given with a numeric prefix.
	var numbered []tapnum.Tap
	for _, spec := range specs {
		spec = strings.TrimSpace(spec)
		switch spec {
		case "":
			return nil, fmt.Errorf("onnxmodel: empty tap name")
		case PresetBlocks, PresetStages, PresetModules, PresetFine:
			ts, err := m.preset(spec)
			if err != nil {
				return nil, err
			}
			for _, t := range ts {
				add(t)
			}
			continue
		}
		t, num, err := m.tap(spec)
		if err != nil {
			return nil, err
		}
		if num != nil {
			numbered = append(numbered, *num)
		}
		add(t)
	}
	if len(taps) == 0 {
		return nil, fmt.Errorf("onnxmodel: no taps given")
	}
	if err := tapnum.Check(numbered); err != nil {
		return nil, fmt.Errorf("onnxmodel: %w", err)
	}
	sort.SliceStable(taps, func(i, j int) bool { return m.position(taps[i].Tensor) < m.position(taps[j].Tensor) })
	return taps, nil
}

// position returns the index of the node producing tensor, -1 for the input.
func (m *Model) position(tensor string) int {
	if tensor == m.input {
		return -1
	}
	return m.producer[tensor]
}

// maxNumber returns the largest position tensor can have among the taps of
// an extraction: the number of other tensors that can come before it in
// path order (the input and the outputs of its node and of earlier nodes).
func (m *Model) maxNumber(tensor string) int {
	if tensor == m.input {
		return 0
	}
	// The tensors computed up to the tensor's node, itself included, are
	// as many as the input and the tensors that can precede it.
	i := m.producer[tensor]
	count := 0
	for _, j := range m.producer {
		if j <= i {
			count++
		}
	}
	return count
}

// tap resolves one specification that is not a preset. For a numbered
// name ("03_layer1.1") that resolves only without its number it returns
// the number too, with its bound (maxNumber) for tapnum.Check; else nil.
func (m *Model) tap(spec string) (Tap, *tapnum.Tap, error) {
	if t, ok := m.resolve(spec); ok {
		return t, nil, nil
	}
	if num, name, ok := tapnum.Parse(spec); ok {
		if t, ok := m.resolve(name); ok {
			return t, &tapnum.Tap{Spec: spec, Name: name, Key: t.Tensor, Pos: m.position(t.Tensor),
				Num: num, Max: m.maxNumber(t.Tensor)}, nil
		}
	}
	return Tap{}, nil, fmt.Errorf("onnxmodel: no module, node or tensor named %q in the model (list them with Nodes; "+
		"a batch norm that torch.onnx.export folded into its convolution has no node of its own)", spec)
}

// resolve resolves a specification that is neither a preset nor numbered.
func (m *Model) resolve(spec string) (Tap, bool) {
	switch spec {
	case "input":
		return Tap{Name: "input", Tensor: m.input}, true
	case "output":
		return Tap{Name: "output", Tensor: m.output}, true
	case TapEmbedding:
		if t, ok := m.embeddingTap(); ok {
			return t, true
		}
	}
	if spec == m.input {
		return Tap{Name: "input", Tensor: m.input}, true
	}
	if _, ok := m.producer[spec]; ok {
		return Tap{Name: label(spec), Tensor: spec}, true
	}
	for _, n := range m.nodes {
		if (n.Name == spec || label(n.Name) == spec) && n.tappable() {
			return Tap{Name: label(n.Name), Tensor: n.Outputs[0]}, true
		}
	}
	return m.moduleTap(spec)
}

// lastOfModule returns the index of the last node with a first output
// belonging to the module path mod (the module itself or a submodule), or
// -1. A module called twice appears as two modules, the second with the
// suffix "_1" ("relu_1").
func (m *Model) lastOfModule(mod string) int {
	last := -1
	for i, n := range m.nodes {
		if n.tappable() && inModule(n.Module, mod) {
			last = i
		}
	}
	return last
}

// moduleTap returns the tap of module mod, the first output of its last
// node, and false when no node of the module has one.
func (m *Model) moduleTap(mod string) (Tap, bool) {
	i := m.lastOfModule(mod)
	if i < 0 {
		return Tap{}, false
	}
	return Tap{Name: mod, Tensor: m.nodes[i].Outputs[0]}, true
}

// tappable reports whether the node has a first output to tap (Parse
// rejects nodes without outputs; an omitted first output is "").
func (n Node) tappable() bool {
	return len(n.Outputs) > 0 && n.Outputs[0] != ""
}

func inModule(path, mod string) bool {
	return mod != "" && (path == mod || strings.HasPrefix(path, mod+"."))
}

// label turns a tensor or node name into a tap name free of slashes.
func label(name string) string {
	return strings.ReplaceAll(strings.Trim(name, "/"), "/", ".")
}

// preset expands a preset into taps.
func (m *Model) preset(p string) ([]Tap, error) {
	if p == PresetFine {
		return m.fineTaps(), nil
	}
	layout := m.Layout()
	var mods []string
	switch {
	case p == PresetModules:
		// Top-level modules, with containers (modules all of whose
		// operators belong to two or more children, such as nn.Sequential)
		// expanded into their children. A module with operators of its own
		// (GoogLeNet's Inception concatenating parallel branches) is kept
		// whole.
		children := map[string]map[string]bool{}
		own := map[string]bool{}
		for _, n := range m.nodes {
			parts := strings.SplitN(n.Module, ".", 3)
			if len(parts) == 1 {
				own[parts[0]] = true
				continue
			}
			if children[parts[0]] == nil {
				children[parts[0]] = map[string]bool{}
			}
			children[parts[0]][parts[1]] = true
		}
		mods = m.orderedModules(func(mod string) string {
			parts := strings.SplitN(mod, ".", 3)
			if len(parts) >= 2 && len(children[parts[0]]) >= 2 && !own[parts[0]] {
				return parts[0] + "." + parts[1]
			}
			return parts[0]
		})
	case layout == "resnet":
		key := resnetBlock
		if p == PresetStages {
			key = resnetStage
		}
		first := -1
		for i, n := range m.nodes {
			if resnetStage.MatchString(n.Module) {
				first = i
				break
			}
		}
		// The stem: the top-level module that ends just before layer1.
		if first > 0 {
			for i := first - 1; i >= 0; i-- {
				if mod := m.nodes[i].Module; mod != "" {
					top, _, _ := strings.Cut(mod, ".")
					mods = append(mods, top)
					break
				}
			}
		}
		mods = append(mods, m.orderedModules(func(mod string) string { return key.FindString(mod) })...)
		if m.lastOfModule("avgpool") >= 0 {
			mods = append(mods, "avgpool")
		}
	case layout == "vit":
		if p == PresetStages {
			return nil, fmt.Errorf("onnxmodel: tap preset %q: a Vision Transformer has no stages; use %q", p, PresetBlocks)
		}
		taps := []Tap{{Name: "input", Tensor: m.input}}
		if t, ok := m.embeddingTap(); ok {
			taps = append(taps, t)
		}
		for _, mod := range m.orderedModules(func(mod string) string { return vitBlock.FindString(mod) }) {
			if t, ok := m.moduleTap(mod); ok {
				taps = append(taps, t)
			}
		}
		if t, ok := m.moduleTap("encoder.ln"); ok {
			taps = append(taps, t)
		}
		return append(taps, Tap{Name: "output", Tensor: m.output}), nil
	case layout == "vgg":
		want := "Relu"
		if p == PresetStages {
			want = "MaxPool"
		}
		for _, mod := range m.orderedModules(func(mod string) string { return vggFeature.FindString(mod) }) {
			if i := m.lastOfModule(mod); i >= 0 && m.nodes[i].Op == want {
				mods = append(mods, mod)
			}
		}
		for _, mod := range m.orderedModules(func(mod string) string { return vggHidden.FindString(mod) }) {
			if i := m.lastOfModule(mod); i >= 0 && m.nodes[i].Op == "Relu" {
				mods = append(mods, mod)
			}
		}
	default:
		return nil, fmt.Errorf("onnxmodel: tap preset %q needs the module names of torchvision's ResNet (layerN.M) or VGG (features.K); use %q or module names",
			p, PresetModules)
	}
	taps := []Tap{{Name: "input", Tensor: m.input}}
	for _, mod := range mods {
		if t, ok := m.moduleTap(mod); ok {
			taps = append(taps, t)
		}
	}
	if taps[len(taps)-1].Tensor != m.output {
		taps = append(taps, Tap{Name: "output", Tensor: m.output})
	}
	return taps, nil
}

// orderedModules returns the distinct non-empty keys of the nodes' modules,
// in graph order.
func (m *Model) orderedModules(key func(module string) string) []string {
	var out []string
	seen := map[string]bool{}
	for _, n := range m.nodes {
		k := key(n.Module)
		if k != "" && !seen[k] {
			seen[k] = true
			out = append(out, k)
		}
	}
	return out
}

// fineOps are the operators PresetFine taps (global average pooling is
// rewritten as ReduceMean, see rewriteOps).
var fineOps = map[string]bool{"Relu": true, "Clip": true, "MaxPool": true, "AveragePool": true, "GlobalAveragePool": true, "ReduceMean": true}

// fineTaps returns the taps of PresetFine, named by module where that is
// unambiguous and by node name otherwise.
func (m *Model) fineTaps() []Tap {
	taps := []Tap{{Name: "input", Tensor: m.input}}
	used := map[string]bool{"input": true, "output": true}
	for i, n := range m.nodes {
		if !fineOps[n.Op] || !n.tappable() {
			continue
		}
		name := n.Module
		if name == "" || used[name] || m.lastOfModule(name) != i {
			name = label(n.Name)
		}
		used[name] = true
		taps = append(taps, Tap{Name: name, Tensor: n.Outputs[0]})
	}
	if taps[len(taps)-1].Tensor != m.output {
		taps = append(taps, Tap{Name: "output", Tensor: m.output})
	}
	return taps
}

// embeddingTap returns the tap TapEmbedding of a Vision Transformer: the
// output of the last node of module "encoder" itself (the addition of the
// position embedding; dropout is not exported in eval mode) before the
// first encoder block.
func (m *Model) embeddingTap() (Tap, bool) {
	last := -1
	for i, n := range m.nodes {
		if vitBlock.MatchString(n.Module) {
			break
		}
		if (n.Module == "encoder" || n.Module == "encoder.dropout") && n.tappable() {
			last = i
		}
	}
	if last < 0 || m.Layout() != "vit" {
		return Tap{}, false
	}
	return Tap{Name: TapEmbedding, Tensor: m.nodes[last].Outputs[0]}, true
}
