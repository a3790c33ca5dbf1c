package models

import (
	"testing"

	"github.com/repgeo/repgeo/backend"
	"github.com/repgeo/repgeo/data"
)

// benchNet returns a fresh model at width 0.25 and a synthetic dataset of
// the model's input shape.
func benchNet(b *testing.B, model string, gray bool) (*Net, *data.Set) {
	b.Helper()
	o := data.SyntheticOptions{Height: 32, Width: 32, Channels: 3, Train: 512, Test: 512, Seed: 1}
	if gray {
		o.Height, o.Width, o.Channels = 28, 28, 1
	}
	s, err := data.NewSynthetic(o)
	if err != nil {
		b.Fatal(err)
	}
	be, err := backend.New()
	if err != nil {
		b.Fatal(err)
	}
	net, err := New(be, configFor(model, 0.25, s), 1)
	if err != nil {
		b.Fatal(err)
	}
	return net, s
}

// BenchmarkExtract measures inference throughput of Extract (coarse taps,
// batch 100) on 500 probe images; it reports images/s.
func BenchmarkExtract(b *testing.B) {
	for _, model := range []string{"resnet20", "vgg11"} {
		b.Run(model, func(b *testing.B) {
			net, s := benchNet(b, model, false)
			images, labels, err := Probes(s, 500, 1)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := Extract(net, images[:s.ImageSize()], labels[:1], ExtractOptions{}); err != nil {
				b.Fatal(err) // Initializes the variables.
			}
			b.ResetTimer()
			for range b.N {
				if _, err := Extract(net, images, labels, ExtractOptions{BatchSize: 100}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(500*b.N)/b.Elapsed().Seconds(), "images/s")
		})
	}
}

// BenchmarkTrain measures the steady-state training throughput (batch 64,
// SGD) that Train reports.
func BenchmarkTrain(b *testing.B) {
	for _, model := range []string{"resnet20", "vgg11"} {
		b.Run(model, func(b *testing.B) {
			net, s := benchNet(b, model, false)
			steps := 4 * b.N
			res, err := Train(net, s, TrainOptions{BatchSize: 64, Steps: steps + 1, Augment: true, TestLimit: -1})
			if err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(res.ImagesPerSecond, "images/s")
		})
	}
}
