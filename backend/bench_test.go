package backend

import (
	"math"
	"syscall"
	"testing"
	"time"

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
	cpu0 := cpuSeconds()
	for range b.N {
		if _, err := tr.Step(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(batch*b.N)/b.Elapsed().Seconds(), "images/s")
	// CPU time per step is steadier than wall time when other jobs share
	// the machine (but includes contention for caches and memory).
	b.ReportMetric(1000*(cpuSeconds()-cpu0)/float64(b.N), "cpu-ms/step")
}

// cpuSeconds returns the CPU time (user and system) used by this process.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

func BenchmarkTrainResNet20(b *testing.B) { benchmarkTrain(b, Name, "resnet20", 64) }

func BenchmarkTrainResNet20Stock(b *testing.B) { benchmarkTrain(b, "go", "resnet20", 64) }

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

// BenchmarkInferResNet20 measures inference (batch norm in inference mode)
// at batch 256 on repgeo-go.
func BenchmarkInferResNet20(b *testing.B) {
	be, err := newWithConfig(Name)
	if err != nil {
		b.Fatal(err)
	}
	defer be.Finalize()
	if _, err := benchnet.MeasureInference(be, "resnet20", 256, 1); err != nil { // compile and warm up
		b.Fatal(err)
	}
	b.ResetTimer()
	cpu0 := cpuSeconds()
	r, err := benchnet.MeasureInference(be, "resnet20", 256, b.N)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(r.ImagesPerSec, "images/s")
	b.ReportMetric(1000*(cpuSeconds()-cpu0)/float64(b.N), "cpu-ms/step")
}
