package models

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"testing"
)

// TestSaveWeightsEvaluate trains a tiny model, saves its weights, loads them
// back and compares Evaluate's accuracy and loss on both (and with
// Accuracy); the saved checkpoint holds no optimizer state.
func TestSaveWeightsEvaluate(t *testing.T) {
	b := testBackend(t)
	s := tinySynthetic(t, true)
	net, err := New(b, configFor("vgg11", 0.125, s), 2)
	if err != nil {
		t.Fatal(err)
	}
	stop := errors.New("stop")
	if _, err := Train(net, s, TrainOptions{BatchSize: 16, Steps: 10, Seed: 2, TestLimit: -1,
		AfterStep: func(step int, _ float64) error {
			if step == 6 {
				return stop
			}
			return nil
		}}); !errors.Is(err, stop) {
		t.Fatalf("AfterStep's error: Train returned %v", err)
	}
	dir := filepath.Join(t.TempDir(), "w")
	for range 2 { // Saving twice replaces the checkpoint.
		if err := SaveWeights(net, dir); err != nil {
			t.Fatal(err)
		}
	}
	names, _, err := listCheckpoints(dir)
	if err != nil || len(names) != 1 || names[0] != "checkpoint-n0000000-step-00000006" {
		t.Fatalf("checkpoints %v (%v), want one at step 6", names, err)
	}
	loaded, err := Load(b, dir)
	if err != nil {
		t.Fatal(err)
	}
	for v := range loaded.Context.IterVariables() {
		if !IsWeight(v) {
			t.Errorf("saved weights hold %s", v.ScopeAndName())
		}
	}
	a, err := Evaluate(net, s, 70)
	if err != nil {
		t.Fatal(err)
	}
	c, err := Evaluate(loaded, s, 70)
	if err != nil {
		t.Fatal(err)
	}
	acc, err := Accuracy(loaded, s, 70)
	if err != nil {
		t.Fatal(err)
	}
	if a != c || a.Images != 70 || acc != a.Accuracy || !(a.Loss > 0) || math.IsInf(a.Loss, 0) {
		t.Errorf("trained %+v, loaded %+v, Accuracy %g", a, c, acc)
	}
	// The loss is the mean cross-entropy of the logits, computed here in
	// float64 from the logits Extract returns (all 100 test images: the
	// last batch is not padded).
	f, err := Evaluate(loaded, s, 0)
	if err != nil {
		t.Fatal(err)
	}
	n := s.Test.Len()
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	images := make([]float32, n*s.ImageSize())
	labels32 := make([]int32, n)
	s.Batch(false, idx, images, labels32)
	labels := make([]int, n)
	for i, l := range labels32 {
		labels[i] = int(l)
	}
	acts, err := Extract(loaded, images, labels, ExtractOptions{Layers: []string{"logits"}})
	if err != nil {
		t.Fatal(err)
	}
	logits := acts.Layers[len(acts.Layers)-1]
	want := 0.0
	for i := range n {
		row := logits.RawRowView(i)
		hi := math.Inf(-1)
		for _, v := range row {
			hi = math.Max(hi, v)
		}
		sum := 0.0
		for _, v := range row {
			sum += math.Exp(v - hi)
		}
		want += hi + math.Log(sum) - row[labels[i]]
	}
	want /= float64(n)
	if f.Images != n || math.Abs(f.Loss-want) > 1e-5*want {
		t.Errorf("Evaluate: %+v, want %d images and loss %g", f, n, want)
	}
	if _, err := Evaluate(net, tinySynthetic(t, false), 10); err == nil {
		t.Error("Evaluate on images of another shape: no error")
	}
	if err := os.WriteFile(filepath.Join(dir, ConfigFile), []byte("{"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(b, dir); !errors.Is(err, ErrCheckpoint) {
		t.Errorf("Load with a corrupt config: %v", err)
	}
}
