package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/repgeo/repgeo/internal/fakefashion"
	"github.com/repgeo/repgeo/models/zoo"
)

// TestEvalCommand evaluates a tiny trained checkpoint: the JSON keys are
// the contract, the accuracy is the one train reported on the same images.
func TestEvalCommand(t *testing.T) {
	dir := trainCLI(t, "resnet20")
	code, stdout, stderr := geoRun("eval", "--checkpoint="+dir, "--dataset=synthetic-gray", "--test-limit=40", "--json")
	if code != 0 {
		t.Fatalf("eval: exit %d: %s", code, stderr)
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(stdout), &got); err != nil {
		t.Fatalf("eval --json printed %q: %v", stdout, err)
	}
	if k := keys(got); !slices.Equal(k, []string{"images", "test_accuracy", "test_loss"}) {
		t.Errorf("eval --json keys %v", k)
	}
	acc, _ := got["test_accuracy"].(float64)
	loss, _ := got["test_loss"].(float64)
	if got["images"] != float64(40) || acc < 0 || acc > 1 || !(loss > 0) || math.IsInf(loss, 0) {
		t.Errorf("eval --json: %v", got)
	}
	// The training run evaluated the same 40 images.
	_, trained, _ := geoRun("train", "--model=resnet20", "--dataset=synthetic-gray", "--width=0.125",
		"--steps=3", "--batch=16", "--lr=0.05", "--seed=2", "--test-limit=40", "--out="+dir, "--resume", "--json")
	var tr map[string]any
	if err := json.Unmarshal([]byte(trained), &tr); err != nil || tr["test_accuracy"] != acc {
		t.Errorf("train reports %v (%v), eval %g", tr["test_accuracy"], err, acc)
	}
	_, text, _ := geoRun("eval", "--checkpoint="+dir, "--dataset=synthetic-gray", "--test-limit=40")
	if !strings.Contains(text, "test accuracy") || !strings.Contains(text, "on 40 images") {
		t.Errorf("eval text output %q", text)
	}
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"no checkpoint", []string{"--dataset=synthetic-gray"}},
		{"no dataset", []string{"--checkpoint=" + dir}},
		{"missing dir", []string{"--checkpoint=" + dir + "/nope", "--dataset=synthetic-gray"}},
		{"other dataset", []string{"--checkpoint=" + dir, "--dataset=synthetic"}},
		{"negative limit", []string{"--checkpoint=" + dir, "--dataset=synthetic-gray", "--test-limit=-1"}},
		{"unknown dataset", []string{"--checkpoint=" + dir, "--dataset=nope"}},
	} {
		if code, _, stderr := geoRun(append([]string{"eval"}, tc.args...)...); code != 2 || stderr == "" {
			t.Errorf("%s: exit %d, stderr %q (want 2 and a message)", tc.name, code, stderr)
		}
	}
}

// TestZooCommand lists and verifies an empty zoo (training the zoo is a
// make target, not a test) and rejects bad flags.
func TestZooCommand(t *testing.T) {
	dir := t.TempDir()
	code, stdout, stderr := geoRun("zoo", "--dir="+dir, "--list")
	if code != 0 {
		t.Fatalf("zoo --list: exit %d: %s", code, stderr)
	}
	for _, want := range []string{"0 of 15 members finished", "resnet20-w1-s1", "vgg11-w0.25-s3", "resnet20-w2-s1", "missing"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("zoo --list lacks %q:\n%s", want, stdout)
		}
	}
	_, some, _ := geoRun("zoo", "--dir="+dir, "--list", "--members=vgg13-w0.25-s1, resnet20-w1-s1")
	if lines := strings.Count(some, "\n"); lines != 5 || strings.Index(some, "resnet20-w1-s1") > strings.Index(some, "vgg13") ||
		!strings.HasSuffix(some, "\ntargets met: 0 of 0 finished\n") {
		t.Errorf("zoo --list --members: want 2 members in the zoo's order and the summary:\n%s", some)
	}
	for _, tc := range []struct {
		name string
		args []string
		want string // in stderr, if given
	}{
		{"unknown member", []string{"--members=resnet20-w9-s1", "--list"}, ""},
		{"no zoo for dataset", []string{"--dataset=synthetic", "--list"}, ""},
		{"list and verify", []string{"--list", "--verify"}, ""},
		{"argument", []string{"--list", "extra"}, ""},
		{"missing data", []string{"--verify", "--data=" + dir + "/nope"}, ""},
		{"blank members", []string{"--members=,", "--list"}, ""},
		{"blank member names", []string{"--members= , ", "--list"}, ""},
		{"markdown without list", []string{"--markdown"}, ""},
		{"markdown with verify", []string{"--markdown", "--verify"}, ""},
		// Flags the mode does not use, even at their default.
		{"data with list", []string{"--list", "--data=" + dir}, "--data is not used with --list"},
		{"save-every with list", []string{"--list", "--save-every=" + zoo.DefaultSaveEvery.String()}, "--save-every is not used with --list"},
		{"save-every with verify", []string{"--verify", "--save-every=1m"}, "--save-every is not used with --verify"},
	} {
		if code, _, stderr := geoRun(append([]string{"zoo", "--dir=" + dir}, tc.args...)...); code != 2 || stderr == "" ||
			!strings.Contains(stderr, tc.want) || strings.Count(stderr, "\n") != 1 {
			t.Errorf("%s: exit %d, stderr %q (want 2 and a line saying %q)", tc.name, code, stderr, tc.want)
		}
	}
	// Truncated members belong in a scratch zoo, never in the committed one
	// (--list, so that nothing trains if the check is missing).
	t.Setenv(zoo.EnvDir, "")
	if code, _, stderr := geoRun("zoo", "--steps=2", "--list"); code != 2 || !strings.Contains(stderr, "give a scratch --dir") {
		t.Errorf("--steps without --dir: exit %d, stderr %q", code, stderr)
	}
	if code, _, stderr := geoRun("zoo", "--steps=2", "--list", "--dir="+dir); code != 0 {
		t.Errorf("--steps with a scratch --dir: exit %d, stderr %q", code, stderr)
	}
	// So do members stopped early, and a directory holding a manifest or
	// being the default zoo is no scratch directory.
	withManifest := t.TempDir()
	if err := os.WriteFile(filepath.Join(withManifest, zoo.ManifestFile), []byte(`{"dataset":"fashion-mnist","members":{}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	def := t.TempDir()
	t.Setenv(zoo.EnvDir, def)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--stop-at=2", "--list"}, "give a scratch --dir"},
		{[]string{"--stop-at=2", "--list", "--dir=" + withManifest}, "holds a zoo.json"},
		{[]string{"--stop-at=2", "--list", "--dir=" + def}, "is the zoo"},
		{[]string{"--stop-at=2", "--list", "--dir=" + def + "/."}, "is the zoo"},
		{[]string{"--stop-at=-1", "--list", "--dir=" + dir}, "must not be negative"},
		{[]string{"--stop-at=2", "--verify", "--dir=" + dir}, "exclude each other"},
	} {
		if code, _, stderr := geoRun(append([]string{"zoo"}, tc.args...)...); code != 2 || !strings.Contains(stderr, tc.want) {
			t.Errorf("%v: exit %d, stderr %q (want 2 and %q)", tc.args, code, stderr, tc.want)
		}
	}
	if code, _, stderr := geoRun("zoo", "--stop-at=2", "--list", "--dir="+dir); code != 0 {
		t.Errorf("--stop-at with a scratch --dir: exit %d, stderr %q", code, stderr)
	}
}

// TestZooStale trains vgg11-w0.25-s2 for 2 steps into a scratch zoo (on a
// Fashion-MNIST look-alike). The list declares the member's full recipe, so
// without --steps it is stale: --list says so and does not count it as
// finished, --verify fails on it with the difference, and training refuses
// to go over it; with the same --steps=2 it is finished and verifies.
func TestZooStale(t *testing.T) {
	dir, zooRun := scratchZoo(t, 256)
	const name = "vgg11-w0.25-s2"
	if code, _, stderr := zooRun("--members="+name, "--steps=2"); code != 0 {
		t.Fatalf("zoo --steps=2: exit %d: %s", code, stderr)
	}
	row := func(out string) []string {
		t.Helper()
		return memberRow(t, out, name)
	}
	for _, tc := range []struct {
		steps  []string
		header string
		state  string
		acc    string // the test_accuracy cell's form
	}{
		{nil, "0 of 15 members finished (1 stale", "stale", `^\(0\.\d{4}\)$`},
		{[]string{"--steps=2"}, "1 of 15 members finished\n", "finished", `^0\.\d{4}$`},
	} {
		code, stdout, stderr := zooRun(append([]string{"--list"}, tc.steps...)...)
		if code != 0 {
			t.Fatalf("zoo --list %v: exit %d: %s", tc.steps, code, stderr)
		}
		f := row(stdout)
		if !strings.Contains(stdout, tc.header) || len(f) != 13 || f[5] != tc.state || !regexp.MustCompile(tc.acc).MatchString(f[6]) {
			t.Errorf("zoo --list %v: want %q, state %s, accuracy like %s:\n%s", tc.steps, tc.header, tc.state, tc.acc, stdout)
		}
	}
	code, stdout, stderr := zooRun("--verify")
	if f := row(stdout); code != 1 || f[len(f)-1] != "STALE" {
		t.Errorf("zoo --verify of a stale member: exit %d, row %v, want 1 and STALE", code, f)
	}
	for _, want := range []string{"1 of 1 members are stale", `"` + name + `"`, "recipe.steps 2 where the list declares 0",
		"repgeo zoo --remove --dataset=fashion-mnist --dir=" + dir + " --members=" + name} {
		if !strings.Contains(stderr, want) {
			t.Errorf("zoo --verify: stderr %q does not say %q", stderr, want)
		}
	}
	if code, stdout, stderr := zooRun("--verify", "--steps=2"); code != 0 || row(stdout)[6] != "ok" {
		t.Errorf("zoo --verify --steps=2: exit %d, stderr %q:\n%s", code, stderr, stdout)
	}
	// Training stops before it starts, even for a missing member listed
	// before the stale one.
	const missing = "resnet20-w1-s2"
	code, stdout, stderr = zooRun("--members=" + missing + "," + name)
	if code != 1 || stdout != "" || !strings.Contains(stderr, "nothing trained: 1 members") || !strings.Contains(stderr, "stale member: \""+name) ||
		!strings.Contains(stderr, "--remove --dataset=fashion-mnist --dir="+dir+" --members="+name+" removes them") {
		t.Errorf("zoo over a stale member: exit %d, stderr %q:\n%s", code, stderr, stdout)
	}
	for _, p := range []string{filepath.Join(dir, missing), filepath.Join(dir, zoo.PartialDir, missing)} {
		if _, err := os.Stat(p); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s exists after a refused training (%v)", p, err)
		}
	}
}

// scratchZoo returns an empty scratch zoo directory and a function running
// repgeo zoo on it with a Fashion-MNIST look-alike of train training and
// 40 test images (--data, but for --list and --remove, which read no data
// and refuse it).
func scratchZoo(t *testing.T, train int) (string, func(args ...string) (int, string, string)) {
	t.Helper()
	dir, dataDir := t.TempDir(), t.TempDir()
	if err := fakefashion.Write(dataDir, train, 40, 3); err != nil {
		t.Fatal(err)
	}
	return dir, func(args ...string) (int, string, string) {
		t.Helper()
		head := []string{"zoo", "--dir=" + dir}
		if !slices.Contains(args, "--list") && !slices.Contains(args, "--remove") {
			head = append(head, "--data="+dataDir)
		}
		return geoRun(append(head, args...)...)
	}
}

// memberRow returns the fields of the named member's row in a table.
func memberRow(t *testing.T, out, name string) []string {
	t.Helper()
	for _, l := range strings.Split(out, "\n") {
		if f := strings.Fields(l); len(f) > 0 && f[0] == name {
			return f
		}
	}
	t.Fatalf("no row of %s in:\n%s", name, out)
	return nil
}

// TestZooRemove fills a scratch zoo (128 training images: the list's
// 8 epochs are 8 steps) with a member in training (stopped at step 1), a
// stale one (trained for --steps=2) and a finished one (the full recipe).
// --remove --stale removes only the stale member; --remove --members
// removes the one in training; naming a member the zoo lacks removes
// nothing; the finished member keeps its entry and files; the removed ones
// train again. Flags that would remove the whole zoo, or mix --remove with
// another mode, are refused.
func TestZooRemove(t *testing.T) {
	dir, zooRun := scratchZoo(t, 128)
	const partial, stale, finished = "vgg13-w0.25-s1", "vgg11-w0.25-s2", "vgg11-w0.25-s3"
	for _, args := range [][]string{
		{"--members=" + partial, "--stop-at=1"}, // first: --stop-at wants a directory without zoo.json
		{"--members=" + stale, "--steps=2"},
		{"--members=" + finished},
	} {
		if code, _, stderr := zooRun(args...); code != 0 {
			t.Fatalf("zoo %v: exit %d: %s", args, code, stderr)
		}
	}
	// states returns the state column of --list for the three members.
	states := func() []string {
		t.Helper()
		code, stdout, stderr := zooRun("--list")
		if code != 0 {
			t.Fatalf("zoo --list: exit %d: %s", code, stderr)
		}
		var out []string
		for _, n := range []string{partial, stale, finished} {
			out = append(out, memberRow(t, stdout, n)[5])
		}
		return out
	}
	if got := states(); !slices.Equal(got, []string{"partial", "stale", "finished"}) {
		t.Fatalf("states before removing: %v", got)
	}
	z, err := zoo.Open(dir, "fashion-mnist")
	if err != nil {
		t.Fatal(err)
	}
	kept, err := z.Entry(finished)
	if err != nil {
		t.Fatal(err)
	}

	code, stdout, stderr := zooRun("--remove", "--stale")
	want := "removed " + stale + " (stale): its entry in zoo.json, its directory " + z.MemberDir(stale) + "\n" +
		"1 members removed from " + dir + "; to train them again: repgeo zoo --dataset=fashion-mnist --dir=" + dir + " --members=" + stale + "\n"
	if code != 0 || stdout != want {
		t.Errorf("zoo --remove --stale: exit %d, stderr %q, stdout:\n%s\nwant:\n%s", code, stderr, stdout, want)
	}
	if got := states(); !slices.Equal(got, []string{"partial", "missing", "finished"}) {
		t.Errorf("states after --remove --stale: %v, want the stale member missing", got)
	}
	if code, stdout, _ := zooRun("--remove", "--stale"); code != 0 || !strings.Contains(stdout, "no stale member") {
		t.Errorf("zoo --remove --stale without stale member: exit %d:\n%s", code, stdout)
	}
	// A member the zoo lacks stops the removal before it starts.
	code, stdout, stderr = zooRun("--remove", "--members="+partial+","+stale)
	if code != 1 || stdout != "" || !strings.Contains(stderr, "nothing removed") || !strings.Contains(stderr, stale) {
		t.Errorf("zoo --remove of a missing member: exit %d, stderr %q:\n%s", code, stderr, stdout)
	}
	if got := states(); got[0] != "partial" {
		t.Errorf("the member in training was removed with a missing one: %v", got)
	}
	code, stdout, stderr = zooRun("--remove", "--members="+partial)
	if code != 0 || !strings.HasPrefix(stdout, "removed "+partial+" (partial): its state in training "+filepath.Join(dir, zoo.PartialDir, partial)+"\n") {
		t.Errorf("zoo --remove --members=%s: exit %d, stderr %q:\n%s", partial, code, stderr, stdout)
	}
	if got := states(); !slices.Equal(got, []string{"missing", "missing", "finished"}) {
		t.Errorf("states after the removals: %v", got)
	}
	man, err := z.Manifest()
	if err != nil {
		t.Fatal(err)
	}
	if e := man.Members[finished]; len(man.Members) != 1 || e == nil || e.Finished != kept.Finished || !maps.Equal(e.Files, kept.Files) {
		t.Errorf("zoo.json after the removals: %d members, %s: %+v", len(man.Members), finished, e)
	}
	if err := z.Verify(finished); err != nil {
		t.Error(err)
	}
	// The stale member trains again.
	if code, _, stderr := zooRun("--members="+stale, "--steps=2"); code != 0 {
		t.Fatalf("zoo --steps=2 after the removal: exit %d: %s", code, stderr)
	}
	if code, stdout, _ := zooRun("--list", "--steps=2", "--members="+stale); code != 0 || memberRow(t, stdout, stale)[5] != "finished" {
		t.Errorf("the removed member did not train again:\n%s", stdout)
	}

	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--remove"}, "never removes the whole zoo"},
		{[]string{"--remove", "--members="}, "never removes the whole zoo"},
		{[]string{"--stale"}, "give --remove too"},
		{[]string{"--stale", "--list"}, "give --remove too"},
		{[]string{"--remove", "--stale", "--list"}, "--remove and --list exclude each other"},
		{[]string{"--remove", "--members=" + finished, "--verify"}, "--remove and --verify exclude each other"},
		{[]string{"--remove", "--stale", "--steps=2"}, "--remove and --steps exclude each other"},
		{[]string{"--remove", "--stale", "--stop-at=2"}, "--remove and --stop-at exclude each other"},
		{[]string{"--remove", "--members=resnet20-w9-s1"}, "no member named"},
		{[]string{"--remove", "--stale", "--data=" + dir}, "--data is not used with --remove"},
		{[]string{"--remove", "--members=" + finished, "--save-every=1m"}, "--save-every is not used with --remove"},
	} {
		if code, stdout, stderr := zooRun(tc.args...); code != 2 || !strings.Contains(stderr, tc.want) || stdout != "" {
			t.Errorf("zoo %v: exit %d, stderr %q (want 2 and %q), stdout %q", tc.args, code, stderr, tc.want, stdout)
		}
	}
	if _, err := z.Entry(finished); err != nil {
		t.Errorf("refused flags removed %s: %v", finished, err)
	}
}

// TestZooRemoveLonePending: a zoo holding of a member only its pending
// entry (an installation cut short) holds it in training, for --list as for
// zoo.Zoo.Remove, and --remove removes it.
func TestZooRemoveLonePending(t *testing.T) {
	dir := t.TempDir()
	const name = "vgg11-w0.25-s2"
	pending := filepath.Join(dir, zoo.PartialDir, name+".entry.json")
	if err := os.MkdirAll(filepath.Dir(pending), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(pending, []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	z, err := zoo.Open(dir, "fashion-mnist")
	if err != nil {
		t.Fatal(err)
	}
	if h, err := z.Holds(name); err != nil || !h.Partial {
		t.Fatalf("Holds(%q) = %+v, %v; want it in training (the test's pending file is not the zoo's)", name, h, err)
	}
	code, stdout, stderr := geoRun("zoo", "--dir="+dir, "--list", "--members="+name)
	if code != 0 || memberRow(t, stdout, name)[5] != "partial" {
		t.Errorf("zoo --list: exit %d, stderr %q:\n%s", code, stderr, stdout)
	}
	code, stdout, stderr = geoRun("zoo", "--dir="+dir, "--remove", "--members="+name)
	if code != 0 || !strings.HasPrefix(stdout, "removed "+name+" (partial): its state in training ") {
		t.Errorf("zoo --remove of a lone pending entry: exit %d, stderr %q:\n%s", code, stderr, stdout)
	}
	if _, err := os.Stat(pending); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("%s left (%v)", pending, err)
	}
	code, _, stderr = geoRun("zoo", "--dir="+dir, "--remove", "--members="+name)
	if code != 1 || !strings.Contains(stderr, "holds nothing of "+name) {
		t.Errorf("zoo --remove once more: exit %d, stderr %q; want 1 and nothing to remove", code, stderr)
	}
}

// TestZooListReport trains vgg11-w0.25-s2 for 2 steps into a scratch zoo
// and checks the columns --list adds after the test accuracy against its
// manifest entry: target, final training loss, epochs, wall time, images/s
// and processor; the summary line; the stale form (values in parentheses,
// no verdict); and the same table with --markdown.
func TestZooListReport(t *testing.T) {
	dir, zooRun := scratchZoo(t, 128)
	const name, other = "vgg11-w0.25-s2", "resnet20-w1-s1"
	if code, _, stderr := zooRun("--members="+name, "--steps=2"); code != 0 {
		t.Fatalf("zoo --steps=2: exit %d: %s", code, stderr)
	}
	z, err := zoo.Open(dir, "fashion-mnist")
	if err != nil {
		t.Fatal(err)
	}
	e, err := z.Entry(name)
	if err != nil {
		t.Fatal(err)
	}
	loss, ok := e.FinalTrainLoss()
	if !ok || len(e.Runs) != 1 || e.Runs[0].CPU == nil || e.Steps != 2 {
		t.Fatalf("entry: final loss %g (%v), runs %+v, steps %d", loss, ok, e.Runs, e.Steps)
	}
	verdict, summary := "missed", "targets met: 0 of 1 finished (missed: "+name+")"
	if e.TestAccuracy >= 0.90 {
		verdict, summary = "met", "targets met: 1 of 1 finished"
	}
	wantCells := []string{fmt.Sprintf("%.4f", e.TestAccuracy), "0.90:" + verdict, fmt.Sprintf("%.3f", loss),
		fmt.Sprintf("%.2f", e.Epochs), fmtDuration(time.Duration(e.WallSeconds * float64(time.Second))),
		fmt.Sprintf("%.0f", e.ImagesPerSecond), shortCPU(*e.Runs[0].CPU, false)}
	if wantCells[4] == "" || !strings.Contains(wantCells[6], "/f") && e.Runs[0].CPU.Family != "" {
		t.Errorf("cells %q", wantCells)
	}

	code, stdout, stderr := zooRun("--list", "--steps=2", "--members="+other+","+name)
	if code != 0 {
		t.Fatalf("zoo --list --steps=2: exit %d: %s", code, stderr)
	}
	header := strings.Fields(strings.Split(stdout, "\n")[1])
	wantHeader := []string{"member", "model", "width", "seed", "snapshots", "state", "test_accuracy",
		"target", "train_loss", "epochs", "wall", "images/s", "cpu"}
	if !slices.Equal(header, wantHeader) {
		t.Errorf("header %q, want %q", header, wantHeader)
	}
	want := append([]string{name, "vgg11", "0.25", "2", "0", "finished"}, wantCells...)
	if got := memberRow(t, stdout, name); !slices.Equal(got, want) {
		t.Errorf("row %q, want %q", got, want)
	}
	if got := memberRow(t, stdout, other); !slices.Equal(got[5:], []string{"missing", "-", "-", "-", "-", "-", "-", "-"}) {
		t.Errorf("row of a missing member %q", got)
	}
	if !strings.HasSuffix(stdout, "\n"+summary+"\n") {
		t.Errorf("want the summary %q at the end:\n%s", summary, stdout)
	}

	// Without --steps=2 the member is stale: its values in parentheses,
	// no verdict, nothing finished.
	_, stdout, _ = zooRun("--list", "--members="+name)
	stale := []string{name, "vgg11", "0.25", "2", "0", "stale", "(" + wantCells[0] + ")", "-"}
	for _, c := range wantCells[2:] {
		stale = append(stale, "("+c+")")
	}
	if got := memberRow(t, stdout, name); !slices.Equal(got, stale) || !strings.HasSuffix(stdout, "\ntargets met: 0 of 0 finished\n") {
		t.Errorf("stale row %q, want %q:\n%s", got, stale, stdout)
	}

	code, stdout, stderr = zooRun("--list", "--markdown", "--steps=2", "--members="+other+","+name)
	if code != 0 {
		t.Fatalf("zoo --list --markdown: exit %d: %s", code, stderr)
	}
	mdTarget := "0.90 met"
	if verdict == "missed" {
		mdTarget = "0.90 **missed**"
		if short := int(math.Ceil(0.90*float64(e.TestImages)-1e-9)) - int(math.Round(e.TestAccuracy*float64(e.TestImages))); short > 0 {
			mdTarget += fmt.Sprintf(" (%d images short)", short)
		}
	}
	md := append([]string{"`" + name + "`", "vgg11", "0.25", "2", "0", "finished"}, wantCells...)
	md[7], md[12] = mdTarget, shortCPU(*e.Runs[0].CPU, true)
	wantMD := "| " + strings.Join(wantHeader, " | ") + " |\n" +
		"|" + strings.Repeat(" --- |", len(wantHeader)) + "\n" +
		"| `" + other + "` | resnet20 | 1 | 1 | 12 | missing | - | - | - | - | - | - | - |\n" +
		"| " + strings.Join(md, " | ") + " |\n" +
		"\n" + summary + "\n"
	if stdout != wantMD {
		t.Errorf("zoo --list --markdown:\n%s\nwant:\n%s", stdout, wantMD)
	}
}

// TestListCells checks the cells --list derives of a manifest entry: the
// verdict against the target (the boundary included), the Markdown form,
// a zoo without targets, a stale or missing member, and the processors of
// several runs.
func TestListCells(t *testing.T) {
	loss := 0.25
	xeon := zoo.CPUInfo{Model: "Intel(R) Xeon(R) Processor", Family: "6", Arch: "amd64"}
	epyc := zoo.CPUInfo{Model: "AMD EPYC", Family: "25", Arch: "amd64"}
	entry := func(acc float64, runs ...zoo.Run) *zoo.Entry {
		return &zoo.Entry{TestAccuracy: acc, TestImages: 10000, Epochs: 8, WallSeconds: 1375, ImagesPerSecond: 497.4,
			CPU: xeon, Runs: runs, Curve: []zoo.CurvePoint{{Step: 0}, {Step: 3744, TrainLoss: &loss}}}
	}
	r20, err := zoo.Lookup("resnet20-w1-s3")
	if err != nil {
		t.Fatal(err)
	}
	vgg, err := zoo.Lookup("vgg16-w0.25-s1")
	if err != nil {
		t.Fatal(err)
	}
	rest := []string{"0.250", "8.00", "22m55s", "497"}
	noImages := entry(0.85)
	noImages.TestImages = 0
	for _, tc := range []struct {
		name, dataset, state string
		m                    zoo.Member
		e                    *zoo.Entry
		markdown             bool
		want                 []string
		hasTarget, met       bool
	}{
		{"met", "fashion-mnist", "finished", r20, entry(0.9220), false,
			append(append([]string{"0.9220", "0.92:met"}, rest...), "Intel-Xeon/f6"), true, true},
		{"at the target", "fashion-mnist", "finished", vgg, entry(0.90), false,
			append(append([]string{"0.9000", "0.90:met"}, rest...), "Intel-Xeon/f6"), true, true},
		{"a last bit below the target", "fashion-mnist", "finished", vgg, entry(math.Nextafter(0.90, 0)), false,
			append(append([]string{"0.9000", "0.90:met"}, rest...), "Intel-Xeon/f6"), true, true},
		{"without test images", "fashion-mnist", "finished", vgg, noImages, true,
			append(append([]string{"0.8500", "0.90 **missed**"}, rest...), "Intel Xeon, family 6"), true, false},
		{"missed", "fashion-mnist", "finished", r20, entry(0.9186), false,
			append(append([]string{"0.9186", "0.92:missed"}, rest...), "Intel-Xeon/f6"), true, false},
		{"missed markdown", "fashion-mnist", "finished", vgg, entry(0.8997), true,
			append(append([]string{"0.8997", "0.90 **missed** (3 images short)"}, rest...), "Intel Xeon, family 6"), true, false},
		{"met markdown", "fashion-mnist", "finished", vgg, entry(0.9021), true,
			append(append([]string{"0.9021", "0.90 met"}, rest...), "Intel Xeon, family 6"), true, true},
		{"no target", "cifar10", "finished", r20, entry(0.95), false,
			append(append([]string{"0.9500", "-"}, rest...), "Intel-Xeon/f6"), false, false},
		{"stale", "fashion-mnist", "stale", r20, entry(0.9220), false,
			[]string{"(0.9220)", "-", "(0.250)", "(8.00)", "(22m55s)", "(497)", "(Intel-Xeon/f6)"}, true, false},
		{"missing", "fashion-mnist", "missing", r20, nil, false,
			[]string{"-", "-", "-", "-", "-", "-", "-"}, true, false},
		{"runs on several processors", "fashion-mnist", "finished", vgg,
			entry(0.91, zoo.Run{ToStep: 100}, zoo.Run{CPU: &epyc, FromStep: 100, ToStep: 507},
				zoo.Run{CPU: &xeon, FromStep: 507, ToStep: 1000}, zoo.Run{CPU: &xeon, FromStep: 1000, ToStep: 3744}), false,
			append(append([]string{"0.9100", "0.90:met"}, rest...), "?→AMD-EPYC/f25→Intel-Xeon/f6"), true, true},
	} {
		got := listCells(tc.dataset, tc.m, tc.e, tc.state, tc.markdown)
		if !slices.Equal(got.cells, tc.want) || got.hasTarget != tc.hasTarget || got.met != tc.met {
			t.Errorf("%s: %q (target %v, met %v), want %q (%v, %v)", tc.name, got.cells, got.hasTarget, got.met, tc.want, tc.hasTarget, tc.met)
		}
	}
	for _, tc := range []struct {
		c         zoo.CPUInfo
		plain, md string
	}{
		{zoo.CPUInfo{Model: "Intel(R) Core(TM) i7-8700 CPU @ 3.20GHz", Family: "6"}, "Intel-Core-i7-8700/f6", "Intel Core i7-8700, family 6"},
		{zoo.CPUInfo{Model: "AMD EPYC 9B14 96-Core Processor", Family: "25"}, "AMD-EPYC-9B14-96-Core/f25", "AMD EPYC 9B14 96-Core, family 25"},
		{zoo.CPUInfo{Arch: "arm64"}, "arm64", "arm64"},
		{zoo.CPUInfo{}, "unknown", "unknown"},
	} {
		if p, m := shortCPU(tc.c, false), shortCPU(tc.c, true); p != tc.plain || m != tc.md {
			t.Errorf("shortCPU(%+v) = %q, %q; want %q, %q", tc.c, p, m, tc.plain, tc.md)
		}
	}
}
