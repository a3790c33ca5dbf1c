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
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/gomlx/gomlx/backends"
	"github.com/repgeo/repgeo/backend"
	"github.com/repgeo/repgeo/backend/benchnet"
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
	)
	flag.Parse()
	if *batch < 1 || *steps < 1 || *inferBatch < 1 || *inferSteps < 0 {
		fmt.Fprintln(os.Stderr, "trainstep: batch sizes and steps must be positive")
		os.Exit(2)
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
			if *inferSteps > 0 {
				r, err = benchnet.MeasureInference(be, model, *inferBatch, *inferSteps)
				report("inference", r, err)
			}
			be.Finalize()
		}
	}
}
