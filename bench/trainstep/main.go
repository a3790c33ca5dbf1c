// Command trainstep measures ResNet-20-like training and inference
// throughput (images/s) of GoMLX backends. By default it compares the
// pure-Go backend with only its gaps filled ("repgeo-go:stockconv,nofast":
// the stock "go" backend cannot train conv nets in GoMLX v0.26, it lacks
// Reverse) with the decorated one ("repgeo-go").
//
//	go run ./bench/trainstep -backends='repgeo-go:stockconv,nofast;repgeo-go' -models=resnet20 -steps=3
//
// Backend configurations are separated by ";" (options after the colon are
// comma-separated).
//
// With -e2e it also runs models.Train, what "repgeo train
// --dataset=synthetic" runs (data pipeline, SGD with momentum and weight
// decay, cosine schedule), for the same steps, and reports it as kind
// "train-e2e" with its CPU cores, so that its CPU time per step can be
// compared with the bare step's on a shared machine. Its timed steps are
// those of repgeo train's images/s, which stop before the checkpoint written
// after the last step: it runs without a checkpoint directory, and takes
// fewer timed steps than the checkpoint interval (an epoch of the synthetic
// set, at most 200 steps), so that no checkpoint falls in repgeo train's
// timed steps either.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strings"
	"syscall"
	"time"

	"github.com/gomlx/gomlx/backends"
	"github.com/repgeo/repgeo/backend"
	"github.com/repgeo/repgeo/backend/benchnet"
	"github.com/repgeo/repgeo/data"
	"github.com/repgeo/repgeo/models"
)

// stockConfig is the pure-Go backend with its gaps filled but its own
// convolution and ops: the "before" of the decorator.
const stockConfig = backend.Name + ":stockconv,nofast"

func main() {
	var (
		backendList = flag.String("backends", stockConfig+";"+backend.Name, "GoMLX backend configurations to measure, separated by \";\"")
		models      = flag.String("models", "resnet20", "comma-separated models: resnet20, vgg11n")
		batch       = flag.Int("batch", 64, "training batch size")
		steps       = flag.Int("steps", 3, "timed training steps (after one warm-up step)")
		inferBatch  = flag.Int("infer-batch", 256, "inference batch size")
		inferSteps  = flag.Int("infer-steps", 2, "timed inference passes (after one warm-up pass); 0 skips inference")
		jsonOut     = flag.Bool("json", false, "print one JSON object per measurement instead of text")
		e2e         = flag.Bool("e2e", false, "also measure models.Train (repgeo train) on synthetic data, after the bare step")
	)
	flag.Parse()
	if *batch < 1 || *steps < 1 || *inferBatch < 1 || *inferSteps < 0 {
		fmt.Fprintln(os.Stderr, "trainstep: batch sizes and steps must be positive")
		os.Exit(2)
	}
	if *e2e {
		set, err := data.NewSynthetic(data.SyntheticOptions{})
		if err == nil {
			err = checkE2ESteps(set, *batch, *steps)
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "trainstep: %v\n", err)
			os.Exit(2)
		}
	}
	enc := json.NewEncoder(os.Stdout)
	for _, model := range strings.Split(*models, ",") {
		if _, ok := benchnet.Models[model]; !ok {
			fmt.Fprintf(os.Stderr, "trainstep: unknown model %q\n", model)
			os.Exit(2)
		}
		for _, cfg := range strings.Split(*backendList, ";") {
			be, err := backends.NewWithConfig(cfg)
			if err != nil {
				fmt.Fprintf(os.Stderr, "trainstep: backend %q: %v\n", cfg, err)
				os.Exit(1)
			}
			report := func(kind string, r benchnet.Result, err error) {
				r.Backend = cfg
				if err != nil {
					fmt.Fprintf(os.Stderr, "trainstep: %s %s on %s: %v\n", kind, model, cfg, err)
					os.Exit(1)
				}
				if *jsonOut {
					_ = enc.Encode(map[string]any{"kind": kind, "result": r})
					return
				}
				fmt.Printf("%-9s %-9s %-10s batch=%-4d steps=%d  %8.2f images/s  (%.2f CPU cores; first step %.1fs)\n",
					kind, model, cfg, r.Batch, r.Steps, r.ImagesPerSec, r.CPUCores, r.FirstStepSeconds)
			}
			r, err := benchnet.MeasureTraining(be, model, *batch, *steps)
			report("train", r, err)
			if *e2e {
				r, err = measureTrain(be, model, *batch, *steps)
				report("train-e2e", r, err)
			}
			if *inferSteps > 0 {
				r, err = benchnet.MeasureInference(be, model, *inferBatch, *inferSteps)
				report("inference", r, err)
			}
			be.Finalize()
		}
	}
}

// e2eConfigs maps benchmark model names to the models package's.
var e2eConfigs = map[string]models.Config{
	"resnet20": {Model: "resnet20", Width: 1},
	"vgg11n":   {Model: "vgg11", Width: 0.25},
}

// cpuSeconds returns the CPU time (user and system) used by this process.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

// checkE2ESteps returns an error unless steps steps after the first, at
// batch size batch on set, hold no checkpoint of models.Train's default
// interval (an epoch, at most 200 steps).
func checkE2ESteps(set *data.Set, batch, steps int) error {
	perEpoch := set.Train.Len() / batch
	if perEpoch < 1 {
		return fmt.Errorf("-e2e: batch %d is larger than the synthetic training set (%d images)", batch, set.Train.Len())
	}
	if every := min(perEpoch, 200); steps >= every {
		return fmt.Errorf("-e2e: repgeo train at batch %d writes a checkpoint every %d steps, within %d timed steps: use fewer than %d",
			batch, every, steps, every)
	}
	return nil
}

// measureTrain times steps steps of models.Train on synthetic data after one
// untimed step, the steps over which repgeo train reports its images/s. It
// writes no checkpoints: repgeo train's images/s stop before the one after
// its last step, and an error is returned when its timed steps would hold
// another one (steps at least the checkpoint interval).
func measureTrain(be backends.Backend, model string, batch, steps int) (benchnet.Result, error) {
	cfg, ok := e2eConfigs[model]
	if !ok {
		return benchnet.Result{}, fmt.Errorf("no models.Train configuration for %q", model)
	}
	set, err := data.NewSynthetic(data.SyntheticOptions{})
	if err != nil {
		return benchnet.Result{}, err
	}
	if err := checkE2ESteps(set, batch, steps); err != nil {
		return benchnet.Result{}, err
	}
	cfg.Dataset, cfg.Classes = set.Name, set.Classes
	cfg.InputShape = [3]int{set.Height, set.Width, set.Channels}
	net, err := models.New(be, cfg, 0)
	if err != nil {
		return benchnet.Result{}, err
	}
	res := benchnet.Result{Model: model + " (repgeo train)", Batch: batch, Steps: steps}
	begin := time.Now()
	var start time.Time
	var cpu float64
	progress := func(p models.Progress) {
		switch p.Step {
		case 1:
			res.FirstStepSeconds = time.Since(begin).Seconds()
			start, cpu = time.Now(), cpuSeconds()
		case steps + 1:
			res.Seconds = time.Since(start).Seconds()
			res.ImagesPerSec = float64(batch*steps) / res.Seconds
			res.CPUCores = (cpuSeconds() - cpu) / res.Seconds
		}
	}
	if _, err := models.Train(net, set, models.TrainOptions{BatchSize: batch, Steps: steps + 1, TestLimit: -1,
		Progress: progress}); err != nil {
		return benchnet.Result{}, err
	}
	return res, nil
}
