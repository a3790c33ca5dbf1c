//go:build torchvision

package onnxmodel

// Verification against full-size torchvision models, run by hand (the models
// are too large to commit):
//
//	/usr/bin/python3 testdata/verify_torchvision.py /tmp/tv
//	go test -tags torchvision -run TestTorchvision -v -timeout 2h ./models/onnxmodel -args -dir=/tmp/tv

import (
	"errors"
	"flag"
	"path/filepath"
	"strings"
	"testing"

	"github.com/repgeo/repgeo/npy"
)

var tvDir = flag.String("dir", "", "directory written by testdata/verify_torchvision.py")

func TestTorchvision(t *testing.T) {
	if *tvDir == "" {
		t.Fatal("give -dir=DIR written by testdata/verify_torchvision.py")
	}
	files, err := filepath.Glob(filepath.Join(*tvDir, "*.onnx"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no .onnx files in %s", *tvDir)
	}
	b := newBackend(t)
	for _, f := range files {
		arch := strings.TrimSuffix(filepath.Base(f), ".onnx")
		t.Run(arch, func(t *testing.T) {
			m, err := Load(f)
			if err != nil {
				if errors.Is(err, ErrUnsupported) {
					t.Errorf("UNSUPPORTED: %v", err)
				} else {
					t.Errorf("load: %v", err)
				}
				return
			}
			arrays, err := npy.ReadFile(strings.TrimSuffix(f, ".onnx") + ".npz")
			if err != nil {
				t.Fatal(err)
			}
			x := arrayImages(t, arrays[0])
			// The logits, and the intermediate tap the script saved (the
			// output of module "features" or "layer4"), if any.
			specs := []string{"output"}
			wants := []*npy.Array{&arrays[1]}
			if len(arrays) > 2 {
				specs = append(specs, arrays[2].Name)
				wants = append(wants, &arrays[2])
			}
			for k, spec := range specs {
				taps, err := m.Taps(spec)
				if err != nil {
					t.Fatal(err)
				}
				act, err := m.Extract(b, x, taps, nil)
				if err != nil {
					t.Errorf("extract %s: %v", spec, err)
					return
				}
				diff, scale := maxAbsDiff(act.Layers[0], wants[k].Data)
				t.Logf("%s (layout %q): %s max |diff| %.3g, largest |value| %.3g, relative %.2g", arch, m.Layout(), spec, diff, scale, diff/scale)
				if diff > 1e-4*scale { // relative: random-init activations can be tiny
					t.Errorf("%s: %s differs from PyTorch by %.3g", arch, spec, diff)
				}
			}
		})
	}
}
