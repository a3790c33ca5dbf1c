package backend

import (
	"testing"

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
	for range b.N {
		if _, err := tr.Step(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(batch*b.N)/b.Elapsed().Seconds(), "images/s")
}

func BenchmarkTrainResNet20(b *testing.B) { benchmarkTrain(b, Name, "resnet20", 64) }

func BenchmarkTrainResNet20Stock(b *testing.B) { benchmarkTrain(b, "go", "resnet20", 64) }

func BenchmarkTrainVGG11Narrow(b *testing.B) { benchmarkTrain(b, Name, "vgg11n", 64) }
