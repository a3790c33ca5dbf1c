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
	var mu sync.Mutex
	counts := map[string]int{}
	watchOps(t, fn, func(key string, _ customOp, _ [][]float32) {
		mu.Lock()
		counts[key]++
		mu.Unlock()
	})
	return counts
}

// watchOps runs fn with the pure-Go executor table wrapped to call visit
// before each node executes, with the key of countOps and, for custom ops,
// the op and its inputs.
func watchOps(t *testing.T, fn func(), visit func(key string, op customOp, inputs [][]float32)) {
	t.Helper()
	if hookErr != nil {
		t.Skipf("custom ops off: %v", hookErr)
	}
	f, ok := reflect.TypeOf(simplego.Node{}).FieldByName("opType")
	if !ok || f.Type != reflect.TypeOf(backends.OpType(0)) {
		t.Fatalf("simplego.Node has no opType field of type backends.OpType")
	}
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
			var op customOp
			var flats [][]float32
			if cn, ok := (*nodeData(n)).(*customNode); ok {
				op = cn.op
				key = fmt.Sprintf("%T", cn.op)
				if ch, ok := cn.op.(*chainOp); ok && ch.scratch(1) != nil {
					key += "+bcast"
				}
				for _, b := range in {
					var f []float32
					if b != nil {
						f, _ = (*bufferFlat(b)).([]float32)
					}
					flats = append(flats, f)
				}
			}
			visit(key, op, flats)
			return exec(be, n, in, owned)
		}
	}
	fn()
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

// TestVGGTrainingChainsInRegisters checks that the chains of a VGG-11-BN /4
// training step (batch 8) on rows of a multiple of 8 elements, except those
// reading a broadcast operand (the max-pool gradients), run in registers:
// among them the ReLU gradients, Sign(Sign(x)+1) times the upstream
// gradient, and the squares summed for the batch statistics. Each such
// chain's first 8 rows are computed by evalTiles from the step's inputs.
func TestVGGTrainingChainsInRegisters(t *testing.T) {
	if !haveElemAVX2 {
		t.Skip("no AVX2: chains run step by step in Go")
	}
	be := newTestBackend(t)
	var mu sync.Mutex
	var failures []string
	nonNeg, square, tiled := 0, 0, 0
	watchOps(t, func() {
		tr := benchnet.NewTrainer(be, benchnet.VGG11Narrow, 8, 1)
		if _, err := tr.Step(); err != nil {
			t.Fatal(err)
		}
	}, func(key string, op customOp, inputs [][]float32) {
		var ch *chainOp
		switch o := op.(type) {
		case *chainOp:
			ch = o
		case *reduceChainOp:
			ch = o.ch
		}
		if ch == nil || ch.c%8 != 0 || ch.scratch(1) != nil || len(ch.steps) == 0 || len(inputs[0]) < 8*ch.c {
			return
		}
		dst := make([]float32, 8*ch.c)
		done := ch.evalTiles(dst, inputs, 0)
		mu.Lock()
		defer mu.Unlock()
		if done != len(dst) {
			failures = append(failures, fmt.Sprintf("%s with steps %v: %d of %d elements in registers", key, ch.steps, done, len(dst)))
			return
		}
		tiled++
		for _, s := range ch.steps {
			switch {
			case s.op == opNonNeg && key == "*backend.chainOp":
				nonNeg++
			case s.op == opSquare && key == "*backend.reduceChainOp":
				square++
			}
		}
	})
	for _, f := range failures {
		t.Error(f)
	}
	// Eight convolutions with batch norm and ReLU: eight ReLU gradients and
	// eight sums of squares.
	if nonNeg < 8 || square < 8 {
		t.Errorf("%d chains in registers, %d with Sign(Sign(x)+1), %d sums of squares; want at least 8 of each", tiled, nonNeg, square)
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
