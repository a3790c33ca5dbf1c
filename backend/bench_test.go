package backend

import (
	"fmt"
	"math"
	"syscall"
	"testing"
	"time"

	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/repgeo/repgeo/backend/benchnet"
)

// benchmarkTrain measures training steps of a benchmark model on config.
func benchmarkTrain(b *testing.B, config, model string, batch int) {
	be, err := newWithConfig(config)
	if err != nil {
		b.Fatal(err)
	}
	defer be.Finalize()
	tr := benchnet.NewTrainer(be, benchnet.Models[model], batch, 1)
	if _, err := tr.Step(); err != nil { // compile
		b.Fatal(err)
	}
	b.ResetTimer()
	cpu := cpuSeconds()
	for range b.N {
		if _, err := tr.Step(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(batch*b.N)/b.Elapsed().Seconds(), "images/s")
	b.ReportMetric((cpuSeconds()-cpu)*1e3/float64(b.N), "cpu-ms/step")
}

// cpuSeconds returns the CPU time (user and system) used by this process:
// on a shared machine, CPU time per step varies less than wall time.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

func BenchmarkTrainResNet20(b *testing.B) { benchmarkTrain(b, Name, "resnet20", 64) }

func BenchmarkTrainResNet20Stock(b *testing.B) { benchmarkTrain(b, "go", "resnet20", 64) }

func BenchmarkTrainResNet20Batch128(b *testing.B) { benchmarkTrain(b, Name, "resnet20", 128) }

func BenchmarkTrainVGG11Narrow(b *testing.B) { benchmarkTrain(b, Name, "vgg11n", 64) }

// TestBenchModels runs the benchmark networks for a step on a tiny batch, so
// that the benchmarks and bench/trainstep are known to work.
func TestBenchModels(t *testing.T) {
	be := newTestBackend(t)
	for name := range benchnet.Models {
		t.Run(name, func(t *testing.T) {
			r, err := benchnet.MeasureTraining(be, name, 2, 1)
			if err != nil {
				t.Fatalf("training: %v", err)
			}
			if !(r.ImagesPerSec > 0) || r.Steps != 1 || r.Batch != 2 {
				t.Errorf("training result %+v", r)
			}
			if _, err := benchnet.MeasureInference(be, name, 2, 1); err != nil {
				t.Fatalf("inference: %v", err)
			}
			tr := benchnet.NewTrainer(be, benchnet.Models[name], 2, 3)
			loss, err := tr.Step()
			if err != nil || math.IsNaN(float64(loss)) || math.IsInf(float64(loss), 0) || loss <= 0 {
				t.Errorf("loss %v, error %v", loss, err)
			}
		})
	}
	if _, err := benchnet.MeasureTraining(be, "no-such-model", 2, 1); err == nil {
		t.Errorf("unknown model accepted")
	}
}

// benchmarkInfer measures inference (batch norm in inference mode) of a
// benchmark model at the given batch size on repgeo-go.
func benchmarkInfer(b *testing.B, model string, batch int) {
	be, err := newWithConfig(Name)
	if err != nil {
		b.Fatal(err)
	}
	defer be.Finalize()
	if _, err := benchnet.MeasureInference(be, model, batch, 1); err != nil { // compile and warm up
		b.Fatal(err)
	}
	b.ResetTimer()
	r, err := benchnet.MeasureInference(be, model, batch, b.N)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(r.ImagesPerSec, "images/s")
	b.ReportMetric(r.CPUCores*r.Seconds*1e3/float64(b.N), "cpu-ms/step")
}

// BenchmarkInferResNet20 measures ResNet-20 inference at batch 256.
func BenchmarkInferResNet20(b *testing.B) { benchmarkInfer(b, "resnet20", 256) }

// BenchmarkInferVGG11Narrow measures VGG-11-BN /4 inference at batch 256.
func BenchmarkInferVGG11Narrow(b *testing.B) { benchmarkInfer(b, "vgg11n", 256) }

// BenchmarkConvLayers times a convolution with both gradients on the
// ResNet-20 layer shapes (batch 64), with the ops that read the input in
// place ("direct") and with the im2col blocks ("im2col"), for A/B
// comparisons in one process.
func BenchmarkConvLayers(b *testing.B) {
	shapes := []convCase{
		{n: 64, h: 32, w: 32, cin: 16, cout: 16, k: 3, stride: 1, same: true},
		{n: 64, h: 16, w: 16, cin: 32, cout: 32, k: 3, stride: 1, same: true},
		{n: 64, h: 8, w: 8, cin: 64, cout: 64, k: 3, stride: 1, same: true},
		{n: 64, h: 32, w: 32, cin: 16, cout: 32, k: 3, stride: 2, same: true},
	}
	be, err := newWithConfig(Name)
	if err != nil {
		b.Fatal(err)
	}
	defer be.Finalize()
	defer func(v bool) { useDirectConv = v }(useDirectConv)
	for _, c := range shapes {
		for _, direct := range []bool{true, false} {
			name := "im2col"
			if direct {
				name = "direct"
			}
			b.Run(fmt.Sprintf("%s/%s", c, name), func(b *testing.B) {
				useDirectConv = direct
				exec, err := graph.NewExec(be, func(x, k *graph.Node) []*graph.Node {
					y := graph.Convolve(x, k).Strides(c.stride).PadSame().Done()
					g := graph.Gradient(graph.ReduceAllSum(graph.Mul(y, y)), x, k)
					return []*graph.Node{g[0], g[1]}
				})
				if err != nil {
					b.Fatal(err)
				}
				x := randTensor(1, c.n, c.h, c.w, c.cin)
				k := randTensor(2, c.k, c.k, c.cin, c.cout)
				if _, err := exec.Exec(x, k); err != nil {
					b.Fatal(err)
				}
				b.ResetTimer()
				cpu := cpuSeconds()
				for range b.N {
					out, err := exec.Exec(x, k)
					if err != nil {
						b.Fatal(err)
					}
					for _, t := range out {
						t.FinalizeAll()
					}
				}
				b.ReportMetric((cpuSeconds()-cpu)*1e3/float64(b.N), "cpu-ms/op")
			})
		}
	}
}

// BenchmarkGemmJ measures the in-place convolution micro-kernels on one core,
// in GFLOP per CPU second (less sensitive to other processes than wall
// time): C[m×n] = A·B with the contraction of a 3x3 convolution of 64
// channels (k = 576) read as three runs, as the forward convolution does.
func BenchmarkGemmJ(b *testing.B) {
	for _, sz := range [][2]int{{8, 16}, {4, 32}, {4, 64}} {
		m, n := sz[0], sz[1]
		b.Run(fmt.Sprintf("m%d_n%d", m, n), func(b *testing.B) {
			const c, w = 64, 34 // channels, padded row length
			a := jView{data: make([]float32, 3*w*c+m*c), row: c, step: 1, k2: 3 * c, k1: 3, jump: w*c - 3*c}
			bm := make([]float32, 9*c*n)
			cm := make([]float32, m*n)
			for i := range a.data {
				a.data[i] = float32(i%7) * 0.1
			}
			for i := range bm {
				bm[i] = float32(i%5) * 0.1
			}
			const tiles = 256
			b.ResetTimer()
			cpu := cpuSeconds()
			for range b.N {
				for range tiles {
					gemmJ(m, n, &a, bm, 0, n, cm, 0, n, false)
				}
			}
			b.ReportMetric(float64(2*m*n*9*c*tiles*b.N)/(cpuSeconds()-cpu)/1e9, "GFLOP/cpu-s")
		})
	}
}
