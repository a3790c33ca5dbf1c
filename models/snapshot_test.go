package models

import (
	"path/filepath"
	"testing"
)

// TestSnapshotSteps keeps the weights at steps 0, 3 and 5 of a 6-step run
// (an epoch here is 16 steps, so all are inside the first epoch): each
// snapshot loads on its own and holds the checkpoint of its step.
func TestSnapshotSteps(t *testing.T) {
	b := testBackend(t)
	s := tinySynthetic(t, true)
	net, err := New(b, configFor("resnet20", 0.125, s), 1)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if _, err := Train(net, s, TrainOptions{BatchSize: 16, Steps: 6, Seed: 1, TestLimit: -1, Dir: dir,
		SnapshotSteps: []int{0, 3, 5}}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		sub, checkpoint string
	}{
		{"step-00000000", "checkpoint-n0000000-step-00000000"},
		{"step-00000003", "checkpoint-n0000001-step-00000003"},
		{"step-00000005", "checkpoint-n0000002-step-00000005"},
	} {
		d := filepath.Join(dir, "snapshots", tc.sub)
		names, _, err := listCheckpoints(d)
		if err != nil || len(names) != 1 || names[0] != tc.checkpoint {
			t.Errorf("%s holds %v (%v), want %s", tc.sub, names, err, tc.checkpoint)
			continue
		}
		if _, err := Load(b, d); err != nil {
			t.Error(err)
		}
	}
	if _, err := Train(net, s, TrainOptions{Steps: 1, SnapshotSteps: []int{1}}); err == nil {
		t.Error("snapshot steps without a directory: no error")
	}
}
