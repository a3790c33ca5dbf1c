package backend

import (
	"fmt"
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
// the reversed and transposed kernels as strided copies, and none of the
// pure-Go backend's ReduceMax, Transpose or Gather.
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
// the source, also in place over it, and give outputs of their own shape.
func TestReshapeReadInPlace(t *testing.T) {
	fast := newTestBackend(t)
	stock, err := backends.NewWithConfig("go")
	if err != nil {
		t.Fatal(err)
	}
	x := tensors.MustCopyFlatData[float32](randSpecialTensor(9, []int{8, 16, 16}))
	fn := func(x *graph.Node) []*graph.Node {
		y := graph.MulScalar(x, 3)
		r := graph.Reshape(y, 128, 16)
		z := graph.AddScalar(r, 1) // a chain on the reshaped y, in place once y is done
		w := graph.Sub(graph.Reshape(x, 8, 256), graph.Reshape(y, 8, 256))
		q := graph.MulScalar(x, 2) // read only through a Reshape: written over by z2
		z2 := graph.AddScalar(graph.Reshape(q, 128, 16), 1)
		return []*graph.Node{z, w, graph.ReduceMax(graph.Reshape(y, 8, 4, 4, 4, 4), 2, 4), y, z2}
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
	var got []*tensors.Tensor
	counts := countOps(t, func() { got = run(fast) })
	if counts["Reshape"] != 0 {
		t.Errorf("%d Reshape ran, want none (%v)", counts["Reshape"], counts)
	}
	want := run(stock)
	for k := range want {
		if !got[k].Shape().Equal(want[k].Shape()) {
			t.Errorf("output %d: shape %s, want %s", k, got[k].Shape(), want[k].Shape())
			continue
		}
		if i := sameBits(tensors.MustCopyFlatData[float32](got[k]), tensors.MustCopyFlatData[float32](want[k])); i >= 0 {
			t.Errorf("output %d, element %d differs", k, i)
		}
	}
}
