package backend

import (
	"fmt"
	"math"
	"reflect"
	"sync"
	"testing"
	"unsafe"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/backends/simplego"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/repgeo/repgeo/backend/benchnet"
)

// countOps runs fn with the pure-Go executor table wrapped to count the
// nodes executed, by op type for the pure-Go backend's ops and by Go type
// (with "+bcast" for chains reading a broadcast operand) for custom ops.
func countOps(t *testing.T, fn func()) map[string]int {
	t.Helper()
	if hookErr != nil {
		t.Skipf("custom ops off: %v", hookErr)
	}
	f, ok := reflect.TypeOf(simplego.Node{}).FieldByName("opType")
	if !ok || f.Type != reflect.TypeOf(backends.OpType(0)) {
		t.Fatalf("simplego.Node has no opType field of type backends.OpType")
	}
	var mu sync.Mutex
	counts := map[string]int{}
	table, err := linkedExecutors()
	if err != nil {
		t.Fatal(err)
	}
	saved := *table
	defer func() { *table = saved }()
	for i, exec := range saved {
		if exec == nil {
			continue
		}
		table[i] = func(be *simplego.Backend, n *simplego.Node, in []*simplego.Buffer, owned []bool) (*simplego.Buffer, error) {
			key := (*(*backends.OpType)(unsafe.Add(unsafe.Pointer(n), f.Offset))).String()
			if cn, ok := (*nodeData(n)).(*customNode); ok {
				key = fmt.Sprintf("%T", cn.op)
				if ch, ok := cn.op.(*chainOp); ok && ch.scratch(1) != nil {
					key += "+bcast"
				}
			}
			mu.Lock()
			counts[key]++
			mu.Unlock()
			return exec(be, n, in, owned)
		}
	}
	fn()
	return counts
}

// TestVGGUsesCustomOps checks which ops a training step and an inference
// pass of VGG-11-BN /4 (batch 4) run: its five max pools as reduceMaxChainOp
// (in inference without writing out the ReLU before them), their gradients
// as chains reading the broadcast maxima and upstream gradients,
// the reversed and transposed kernels as strided copies, and, in either,
// none of the pure-Go backend's ReduceMax, Transpose or Gather.
func TestVGGUsesCustomOps(t *testing.T) {
	be := newTestBackend(t)
	train := countOps(t, func() {
		tr := benchnet.NewTrainer(be, benchnet.VGG11Narrow, 4, 1)
		if _, err := tr.Step(); err != nil {
			t.Fatal(err)
		}
	})
	infer := countOps(t, func() {
		if _, err := benchnet.MeasureInference(be, "vgg11n", 4, 1); err != nil {
			t.Fatal(err)
		}
	})
	for _, c := range []struct {
		what   string
		counts map[string]int
		op     string
		lo, hi int
	}{
		{"training", train, "*backend.reduceMaxChainOp", 5, 5},
		{"training", train, "*backend.reduceMaxOp", 1, 1}, // the softmax's maximum
		{"training", train, "*backend.chainOp+bcast", 5, 1000},
		{"training", train, "*backend.viewCopyOp", 7, 1000}, // 7 reversed kernels, their transposes
		{"training", train, "ReduceMax", 0, 0},
		{"training", train, "Transpose", 0, 0},
		{"training", train, "Gather", 0, 0},
		{"inference", infer, "*backend.reduceMaxChainOp", 10, 10}, // warm-up and timed pass
		{"inference", infer, "ReduceMax", 0, 0},
		{"inference", infer, "*backend.viewCopyOp", 1, 1000}, // its transposes
		{"inference", infer, "Transpose", 0, 0},
		{"inference", infer, "Gather", 0, 0},
	} {
		if n := c.counts[c.op]; n < c.lo || n > c.hi {
			t.Errorf("%s ran %s %d times, want %d to %d", c.what, c.op, n, c.lo, c.hi)
		}
	}
	if t.Failed() {
		t.Logf("training: %v", train)
		t.Logf("inference: %v", infer)
	}
}

// TestReshapeReadInPlace checks custom ops fed by Reshape nodes: they read
// the source, also in place over it, and give outputs of their own shape; a
// Reshape that a pure-Go op also reads still runs, before or after a custom
// op writes over its source. Outputs match the pure-Go backend bit for bit,
// with ±0, ±Inf, NaNs with payloads and subnormals among the inputs.
func TestReshapeReadInPlace(t *testing.T) {
	stock, err := backends.NewWithConfig("go")
	if err != nil {
		t.Fatal(err)
	}
	x := tensors.MustCopyFlatData[float32](randSpecialTensor(9, []int{8, 16, 16}, specialValues...))
	copy(x[len(x)-len(specialValues):], specialValues)
	fn := func(x *graph.Node) []*graph.Node {
		y := graph.MulScalar(x, 3)
		// A chain on the reshaped y; y is an output, so z gets a buffer of its own.
		z := graph.AddScalar(graph.Reshape(y, 128, 16), 1)
		w := graph.Sub(graph.Reshape(x, 8, 256), graph.Reshape(y, 8, 256))
		q := graph.MulScalar(x, 2) // read only through a Reshape: written over by z2
		z2 := graph.AddScalar(graph.Reshape(q, 128, 16), 1)
		// q2 is read by a pure-Go Exp through a Reshape, which runs (a copy,
		// q2 still being needed), and then by a chain that writes over it.
		q2 := graph.MulScalar(x, 5)
		e2 := graph.Exp(graph.Reshape(q2, 16, 128))
		z3 := graph.AddScalar(graph.Reshape(q2, 128, 16), 1)
		// The other order: the chain reads q3 first (not in place, the
		// Reshape still needs it), then the Reshape runs on it.
		q3 := graph.MulScalar(x, 7)
		z4 := graph.AddScalar(graph.Reshape(q3, 128, 16), 1)
		e4 := graph.Exp(graph.Reshape(q3, 16, 128))
		return []*graph.Node{z, w, graph.ReduceMax(graph.Reshape(y, 8, 4, 4, 4, 4), 2, 4), y, z2, e2, z3, z4, e4}
	}
	run := func(be backends.Backend) []*tensors.Tensor {
		exec, err := graph.NewExec(be, fn)
		if err != nil {
			t.Fatal(err)
		}
		out, err := exec.Exec(tensors.FromFlatDataAndDimensions(x, 8, 16, 16))
		if err != nil {
			t.Fatalf("%s: %v", be, err)
		}
		return out
	}
	want := run(stock)
	// Sequential execution fixes the order of the ops, and so which custom
	// ops write in place; the default (parallel) order must give the same
	// results.
	for _, config := range []string{"ops_sequential", ""} {
		t.Run("config="+config, func(t *testing.T) {
			fast, err := NewDecorated(config)
			if err != nil {
				t.Fatal(err)
			}
			var got []*tensors.Tensor
			before := customInPlace.Load()
			counts := countOps(t, func() { got = run(fast) })
			inPlace := customInPlace.Load() - before
			// The Reshapes feeding the two Exp run, and no other; the Exp
			// are the pure-Go op, y, z, w, q, q2, q3 and z2-z4 custom chains.
			if counts["Reshape"] != 2 || counts["Exp"] != 2 || counts["*backend.chainOp"] != 9 ||
				counts["*backend.reduceMaxChainOp"] != 1 || len(counts) != 4 {
				t.Errorf("ops run: %v, want 2 Reshape, 2 Exp, 9 chainOp, 1 reduceMaxChainOp", counts)
			}
			if config == "ops_sequential" && inPlace != 2 {
				t.Errorf("%d custom ops wrote in place, want 2 (z2 over q, z3 over q2)", inPlace)
			}
			for k := range want {
				if !got[k].Shape().Equal(want[k].Shape()) {
					t.Errorf("output %d: shape %s, want %s", k, got[k].Shape(), want[k].Shape())
					continue
				}
				g, w := tensors.MustCopyFlatData[float32](got[k]), tensors.MustCopyFlatData[float32](want[k])
				if i := sameBits(g, w); i >= 0 {
					t.Errorf("output %d, element %d: %v (%#x), want %v (%#x)", k, i, g[i], math.Float32bits(g[i]),
						w[i], math.Float32bits(w[i]))
				}
			}
		})
	}
}
