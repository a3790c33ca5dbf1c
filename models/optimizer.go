package models

import (
	"fmt"
	"strings"

	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive // GoMLX's idiom for graph code.
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/context/initializers"
	"github.com/gomlx/gomlx/pkg/ml/train/optimizers"
)

// Hyperparameters of training, stored in the context (and so in checkpoints).
const (
	// ParamMomentum is the momentum of SGD (default 0.9).
	ParamMomentum = "repgeo_momentum"
	// ParamWeightDecay is the L2 weight decay added to every gradient for SGD
	// (PyTorch's convention) and the decoupled decay of Adam (default 1e-4).
	ParamWeightDecay = "repgeo_weight_decay"
)

// momentumScope is the absolute scope of SGD's velocity variables.
const momentumScope = "sgd_momentum"

// sgdMomentum is SGD with heavy-ball momentum and weight decay, as in
// PyTorch: v ← μ·v + (g + λ·w); w ← w − η·v. GoMLX v0.26's own SGD has
// neither. The learning rate η is the context's learning-rate variable (set
// each step by the cosine schedule).
type sgdMomentum struct {
	lr, momentum, weightDecay float64
}

// UpdateGraph implements optimizers.Interface.
func (o *sgdMomentum) UpdateGraph(ctx *context.Context, g *Graph, loss *Node) {
	if !loss.Shape().IsScalar() {
		panic(fmt.Sprintf("models: optimizer needs a scalar loss, got %s", loss.Shape()))
	}
	grads := ctx.BuildTrainableVariablesGradientsGraph(loss)
	dtype := loss.DType()
	lr := optimizers.LearningRateVar(ctx, dtype, o.lr).ValueGraph(g)
	optimizers.IncrementGlobalStepGraph(ctx, g, dtype)
	i := 0
	for v := range ctx.IterVariables() {
		if !v.Trainable || !v.InUseByGraph(g) {
			continue
		}
		if strings.HasPrefix(v.Scope(), context.ScopeSeparator+momentumScope) {
			panic("models: optimizer velocity variable marked trainable")
		}
		grad := grads[i]
		i++
		w := v.ValueGraph(g)
		if o.weightDecay > 0 {
			grad = Add(grad, MulScalar(w, o.weightDecay))
		}
		vel := ctx.Checked(false).InAbsPath(context.ScopeSeparator+momentumScope+v.Scope()).
			WithInitializer(initializers.Zero).VariableWithShape(v.Name(), v.Shape()).SetTrainable(false)
		velocity := Add(MulScalar(vel.ValueGraph(g), o.momentum), grad)
		vel.SetValueGraph(velocity)
		v.SetValueGraph(Sub(w, Mul(ConvertDType(lr, w.DType()), velocity)))
	}
	if i != len(grads) {
		panic(fmt.Sprintf("models: %d gradients for %d trainable variables", len(grads), i))
	}
}

// Clear implements optimizers.Interface, dropping the velocities.
func (o *sgdMomentum) Clear(ctx *context.Context) error {
	return ctx.InAbsPath(context.ScopeSeparator + momentumScope).DeleteVariablesInScope()
}
