package zoo

import (
	"encoding/json"
	"errors"
	"math"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/repgeo/repgeo/data"
	"github.com/repgeo/repgeo/models"
)

func TestMembersList(t *testing.T) {
	seen := map[string]bool{}
	for _, m := range Members() {
		if err := m.Validate(); err != nil {
			t.Error(err)
		}
		if seen[m.Name] {
			t.Errorf("member %q listed twice", m.Name)
		}
		seen[m.Name] = true
		if m.Name != Name(m.Model, m.Width, m.Seed) {
			t.Errorf("member %q is named unlike Name(%s, %g, %d)", m.Name, m.Model, m.Width, m.Seed)
		}
		if got, err := Lookup(m.Name); err != nil || !sameSpec(got, m) {
			t.Errorf("Lookup(%q) = %+v, %v", m.Name, got, err)
		}
		if m.Recipe != Standard {
			t.Errorf("member %q has recipe %+v, not the zoo's", m.Name, m.Recipe)
		}
		if strings.HasPrefix(m.Model, "vgg") && m.Width != VGGWidth {
			t.Errorf("VGG member %q at width %g, want %g for all", m.Name, m.Width, VGGWidth)
		}
	}
	// The members the zoo was planned with (docs/zoo.md), by name.
	for _, name := range []string{
		"resnet20-w0.5-s1", "resnet32-w0.5-s1", "resnet56-w0.5-s1",
		"resnet20-w1-s1", "resnet20-w1-s2", "resnet20-w1-s3", "resnet32-w1-s1", "resnet56-w1-s1",
		"resnet20-w2-s1",
		"vgg11-w0.25-s1", "vgg11-w0.25-s2", "vgg11-w0.25-s3", "vgg13-w0.25-s1", "vgg16-w0.25-s1", "vgg19-w0.25-s1",
	} {
		if !seen[name] {
			t.Errorf("member %q missing", name)
		}
	}
	for _, m := range Members() {
		want := 0
		if m.Name == "resnet20-w1-s1" || m.Name == "vgg11-w0.25-s1" {
			want = SnapshotCount
		}
		if m.Snapshots != want {
			t.Errorf("member %q keeps %d snapshots, want %d", m.Name, m.Snapshots, want)
		}
	}
	if _, err := Lookup("resnet20-w3-s9"); err == nil {
		t.Error("Lookup of an unknown name: no error")
	}
	if Standard.Epochs < 5 {
		t.Errorf("%d epochs: the zoo trains at least 5", Standard.Epochs)
	}
}

func TestSnapshotSteps(t *testing.T) {
	r20, err := Lookup("resnet20-w1-s1")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		m     Member
		total int
		want  []int
	}{
		// Fashion-MNIST: 60000/128 = 468 steps per epoch.
		{"fashion", r20, Epochs * 468, nil},
		{"none", Member{Snapshots: 0}, 100, nil},
		{"short", Member{Snapshots: 4}, 12, []int{0, 2, 3, 6, 12}},
		{"crowded", Member{Snapshots: 5}, 3, []int{0, 1, 2, 3}},
	} {
		got := tc.m.SnapshotSteps(tc.total)
		if tc.want != nil && !slices.Equal(got, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
		if tc.m.Snapshots > 0 && (got[0] != 0 || got[len(got)-1] != tc.total || !slices.IsSorted(got)) {
			t.Errorf("%s: %v must rise from 0 to %d", tc.name, got, tc.total)
		}
		for i := 1; i < len(got); i++ {
			if got[i] <= got[i-1] {
				t.Errorf("%s: %v not strictly increasing", tc.name, got)
			}
		}
	}
	if got := r20.SnapshotSteps(r20.TotalSteps(60000)); len(got) != SnapshotCount+1 {
		t.Errorf("resnet20-w1-s1 keeps %d snapshots (%v), want %d", len(got), got, SnapshotCount+1)
	}
}

// TestTargetAccuracy checks the zoo's accuracy targets
// (Member.TargetAccuracy): on Fashion-MNIST 0.92 for the ResNet-20 ×1
// members and 0.90 for every other; none on CIFAR-10. The target is not
// part of a member's spec (its JSON).
func TestTargetAccuracy(t *testing.T) {
	for _, tc := range []struct {
		name, dataset string
		want          float64
		ok            bool
	}{
		{"resnet20-w1-s1", data.FashionMNIST, 0.92, true},
		{"resnet20-w1-s3", data.FashionMNIST, 0.92, true},
		{"resnet20-w0.5-s1", data.FashionMNIST, 0.90, true},
		{"resnet20-w2-s1", data.FashionMNIST, 0.90, true},
		{"resnet32-w1-s1", data.FashionMNIST, 0.90, true},
		{"resnet56-w0.5-s1", data.FashionMNIST, 0.90, true},
		{"vgg11-w0.25-s2", data.FashionMNIST, 0.90, true},
		{"vgg19-w0.25-s1", data.FashionMNIST, 0.90, true},
		{"resnet20-w1-s1", data.CIFAR10, 0, false},
		{"vgg11-w0.25-s1", data.CIFAR10, 0, false},
	} {
		m, err := Lookup(tc.name)
		if err != nil {
			t.Fatal(err)
		}
		if got, ok := m.TargetAccuracy(tc.dataset); got != tc.want || ok != tc.ok {
			t.Errorf("%s on %s: target %g, %v; want %g, %v", tc.name, tc.dataset, got, ok, tc.want, tc.ok)
		}
	}
	high := 0
	for _, m := range Members() {
		got, ok := m.TargetAccuracy(data.FashionMNIST)
		if !ok || (got != 0.90 && got != 0.92) {
			t.Errorf("%s: target %g, %v", m.Name, got, ok)
		}
		if r20 := strings.HasPrefix(m.Name, "resnet20-w1-"); r20 != (got == 0.92) {
			t.Errorf("%s: target %g", m.Name, got)
		}
		if got == 0.92 {
			high++
		}
		raw, err := json.Marshal(m)
		if err != nil || strings.Contains(strings.ToLower(string(raw)), "target") {
			t.Errorf("%s: spec %s (%v) mentions the target", m.Name, raw, err)
		}
	}
	if high != 3 {
		t.Errorf("%d members with target 0.92, want the 3 ResNet-20 ×1 seeds", high)
	}
}

// TestFinalTrainLoss takes the training loss of the curve's last point.
func TestFinalTrainLoss(t *testing.T) {
	l := func(v float64) *float64 { return &v }
	for _, tc := range []struct {
		name  string
		curve []CurvePoint
		want  float64
		ok    bool
	}{
		{"no curve", nil, 0, false},
		{"step 0 only", []CurvePoint{{Step: 0}}, 0, false},
		{"last point", []CurvePoint{{Step: 0}, {Step: 5, TrainLoss: l(0.7)}, {Step: 10, TrainLoss: l(0.25)}}, 0.25, true},
		{"last point without loss", []CurvePoint{{Step: 5, TrainLoss: l(0.7)}, {Step: 10}}, 0, false},
	} {
		e := &Entry{Curve: tc.curve}
		if got, ok := e.FinalTrainLoss(); got != tc.want || ok != tc.ok {
			t.Errorf("%s: %g, %v; want %g, %v", tc.name, got, ok, tc.want, tc.ok)
		}
	}
}

// TestCommittedZoo checks the zoo committed in the repository with checkZoo.
func TestCommittedZoo(t *testing.T) {
	for _, dataset := range []string{data.FashionMNIST, data.CIFAR10} {
		z, err := Open("", dataset)
		if err != nil {
			t.Fatal(err)
		}
		man, err := z.Manifest()
		if err != nil {
			t.Fatal(err)
		}
		if len(man.Members) == 0 {
			if dataset == data.FashionMNIST {
				t.Logf("NOTE: the %s zoo in %s has NO finished members yet: only the list is checked; train them with make zoo", dataset, z.Dir)
			}
			continue
		}
		checkZoo(t, z, Lookup, func() (*data.Set, error) { return data.Load(dataset, "") })
	}
}

// checkZoo checks that every member of z's manifest is declared by lookup
// with the same spec, holds exactly the files of its entry with their
// sha256 and loads (with its snapshots); then it evaluates the smallest
// member on its quick-check test images, which must match the entry within
// 2 images and 1e-3 in loss (other CPU paths round differently).
func checkZoo(t *testing.T, z *Zoo, lookup func(string) (Member, error), load func() (*data.Set, error)) {
	t.Helper()
	man, err := z.Manifest()
	if err != nil {
		t.Fatal(err)
	}
	b := testBackend(t)
	smallest, smallestSize := "", int64(math.MaxInt64)
	for name, e := range man.Members {
		m, err := lookup(name)
		if err != nil {
			t.Errorf("%s: %v", z.Dataset, err)
			continue
		}
		if _, err := z.Current(m); err != nil {
			t.Errorf("%s: %v", z.Dataset, err)
		}
		if err := z.Verify(name); err != nil {
			t.Error(err)
			continue
		}
		net, err := z.Load(b, name)
		if err != nil {
			t.Error(err)
			continue
		}
		if net.Config.Model != m.Model || net.Config.Width != m.Width || net.Config.Dataset != z.Dataset {
			t.Errorf("member %q loads as %+v", name, net.Config)
		}
		for _, s := range e.SnapshotSteps {
			if _, err := z.LoadSnapshot(b, name, s); err != nil {
				t.Error(err)
			}
		}
		if size := weightsSize(t, z.MemberDir(name)); size < smallestSize {
			smallest, smallestSize = name, size
		}
		t.Logf("%s %-18s test accuracy %.4f after %.1f epochs", z.Dataset, name, e.TestAccuracy, e.Epochs)
	}
	if smallest == "" {
		return
	}
	set, err := load()
	if err != nil {
		// make test installs Fashion-MNIST; CIFAR-10 is the user's to supply.
		if z.Dataset == data.CIFAR10 {
			t.Skipf("%s is not installed: the evaluation of %s did not run: %v", z.Dataset, smallest, err)
		}
		t.Fatalf("%s is not installed: run make setup (the evaluation of %s needs it): %v", z.Dataset, smallest, err)
	}
	e := man.Members[smallest]
	net, err := z.Load(b, smallest)
	if err != nil {
		t.Fatal(err)
	}
	ev, err := models.Evaluate(net, set, e.QuickCheck.Images)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s on the first %d test images: accuracy %.4f (manifest %.4f), loss %.4f (manifest %.4f)",
		smallest, ev.Images, ev.Accuracy, e.QuickCheck.TestAccuracy, ev.Loss, e.QuickCheck.TestLoss)
	if ev.Images != e.QuickCheck.Images || math.Abs(ev.Accuracy-e.QuickCheck.TestAccuracy) > 2.0/float64(ev.Images)+1e-12 ||
		math.Abs(ev.Loss-e.QuickCheck.TestLoss) > 1e-3*math.Max(1, e.QuickCheck.TestLoss) {
		t.Errorf("%s: evaluation differs from its manifest beyond 2 images / 1e-3 loss", smallest)
	}
}

// weightsSize returns the total size of the files directly in dir (the
// final weights of a member, without its snapshots).
func weightsSize(t *testing.T, dir string) int64 {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var n int64
	for _, e := range entries {
		if info, err := e.Info(); err == nil && !e.IsDir() {
			n += info.Size()
		}
	}
	return n
}

func TestOpenErrors(t *testing.T) {
	if _, err := Open(t.TempDir(), data.Synthetic); err == nil {
		t.Error("Open of a dataset without a zoo: no error")
	}
	z, err := Open(t.TempDir(), data.FashionMNIST)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := z.Load(nil, "resnet20-w1-s1"); !errors.Is(err, ErrNotTrained) {
		t.Errorf("Load from an empty zoo: %v, want ErrNotTrained", err)
	}
	m, err := z.Manifest()
	if err != nil || len(m.Members) != 0 || m.Dataset != data.FashionMNIST {
		t.Errorf("empty zoo manifest %+v, %v", m, err)
	}
	c, err := Open(t.TempDir(), data.CIFAR10)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.writeManifest(&Manifest{Dataset: data.FashionMNIST}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Manifest(); !errors.Is(err, ErrCorrupt) {
		t.Errorf("manifest of another dataset: %v, want ErrCorrupt", err)
	}
}
