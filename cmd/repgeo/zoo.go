package main

import (
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/gomlx/gomlx/backends"
	"github.com/schollz/progressbar/v3"

	"github.com/repgeo/repgeo/data"
	"github.com/repgeo/repgeo/models"
	"github.com/repgeo/repgeo/models/zoo"
)

func init() {
	commands["zoo"] = command{
		summary: "train the model zoo's missing members, list, verify or remove them",
		run:     runZoo,
	}
}

// verifyTolerance is how far (absolute) a member's re-evaluated test
// accuracy may be from its manifest in zoo --verify.
const verifyTolerance = 0.001

func runZoo(args []string, stdout io.Writer) error {
	fs := newCommandFlags("zoo", "[--dataset=NAME] [--dir=DIR] [--members=a,b] [--list [--markdown] | --verify | --remove [--stale]] [--steps=N | --stop-at=N]",
		"Trains every member of the model zoo (docs/zoo.md) that the zoo directory\n"+
			"lacks, resuming an interrupted member where it stopped; SIGINT/SIGTERM\n"+
			"save its state and stop. Each finished member is written to DIR/NAME and\n"+
			"recorded in DIR/zoo.json. --list shows the members and their state:\n"+
			"finished, stale (trained with another spec than the list declares),\n"+
			"partial or missing; and, from zoo.json, the test accuracy against the\n"+
			"member's target, the final training loss, epochs, wall time, images/s and\n"+
			"the processors it trained on, then how many finished members meet their\n"+
			"target; --markdown prints that table as a Markdown table (for docs).\n"+
			"--verify re-evaluates every finished member and fails if one is stale or\n"+
			"its accuracy differs from the manifest by more than 0.1 %. --remove\n"+
			"removes the members of --members, or with --stale the stale ones (among\n"+
			"--members if given): their directory, zoo.json entry and state in\n"+
			"training, so that the next run trains them from scratch; without either\n"+
			"it refuses, never removing the whole zoo. --stop-at=N trains the members\n"+
			"with their full recipe but stops after step N, into a scratch --dir: to\n"+
			"compare the weights with a committed snapshot (repgeo weightdiff); with\n"+
			"--list it checks the flags and the directory and trains nothing.")
	dataset := fs.String("dataset", data.FashionMNIST, "dataset: fashion-mnist or cifar10 (which no command downloads)")
	dir := fs.String("dir", "", "zoo directory (default $"+zoo.EnvDir+" or zoo/ of the repository; cifar10: its cifar10/ subdirectory)")
	dataDir := fs.String("data", "", "directory of the dataset's files, to train or --verify (default $"+data.EnvDataDir+"; Fashion-MNIST: "+data.DefaultFashionMNISTDir+")")
	filter := fs.String("members", "", "comma-separated member names (default: all)")
	list := fs.Bool("list", false, "list the members and their state; train nothing")
	markdown := fs.Bool("markdown", false, "with --list: print the table as a GitHub Markdown table (for docs)")
	verify := fs.Bool("verify", false, "re-evaluate every finished member against the manifest; train nothing")
	remove := fs.Bool("remove", false, "remove the members of --members, or the stale ones with --stale; train nothing")
	staleOnly := fs.Bool("stale", false, "with --remove: remove only the stale members (among --members, default all)")
	steps := fs.Int("steps", 0, "train every member for only N steps (to try the machinery; such members differ from the list: use a scratch --dir)")
	stopAt := fs.Int("stop-at", 0, "stop every member after step N, keeping its recipe and schedule (into a scratch --dir, never the zoo)")
	saveEvery := fs.Duration("save-every", zoo.DefaultSaveEvery, "how often the state of the member in training is saved (training only)")
	if err := parseCommandFlags(fs, args, stdout); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return badInput("zoo takes no arguments, got %q", fs.Args())
	}
	if *list && *verify {
		return badInput("--list and --verify exclude each other")
	}
	if *markdown && !*list {
		return badInput("--markdown formats the table of --list: give --list too")
	}
	if err := checkRemoveFlags(*remove, *staleOnly, *filter, *list, *verify, *steps, *stopAt); err != nil {
		return err
	}
	// The modes that train nothing take neither the training's flags nor,
	// but for --verify, the data.
	switch {
	case *list:
		if err := rejectFlags(fs, "with --list, which reads only the zoo directory", "data", "save-every"); err != nil {
			return err
		}
	case *remove:
		if err := rejectFlags(fs, "with --remove, which reads only the zoo directory", "data", "save-every"); err != nil {
			return err
		}
	case *verify:
		if err := rejectFlags(fs, "with --verify, which trains nothing", "save-every"); err != nil {
			return err
		}
	}
	if *steps > 0 && *dir == "" && os.Getenv(zoo.EnvDir) == "" {
		return badInput("--steps=%d trains members that differ from the list: give a scratch --dir", *steps)
	}
	if *stopAt < 0 {
		return badInput("--stop-at=%d must not be negative", *stopAt)
	}
	if *stopAt > 0 && *verify {
		return badInput("--stop-at and --verify exclude each other")
	}
	z, err := zoo.Open(*dir, *dataset)
	if err != nil {
		return badInput("%v", err)
	}
	if *stopAt > 0 {
		if *dir == "" {
			return badInput("--stop-at=%d leaves a member half-trained: give a scratch --dir", *stopAt)
		}
		if err := checkScratch(z); err != nil {
			return badInput("--stop-at=%d: %v", *stopAt, err)
		}
	}
	members, err := selectMembers(*filter)
	if err != nil {
		return badInput("%v", err)
	}
	if *steps < 0 {
		return badInput("--steps=%d must not be negative", *steps)
	}
	all := zoo.Members()
	for _, ms := range [][]zoo.Member{members, all} {
		for i := range ms {
			if *steps > 0 {
				ms[i].Recipe.Steps = *steps
			}
		}
	}
	man, err := z.Manifest()
	if err != nil {
		return err
	}
	if *list {
		return listZoo(stdout, z, man, all, members, *markdown)
	}
	if *remove {
		return removeMembers(stdout, z, members, *staleOnly)
	}
	if !*verify {
		if err := refuseStale(z, members); err != nil {
			return err
		}
	}
	set, b, err := loadWithBackend(*dataset, *dataDir)
	if err != nil {
		return err
	}
	defer b.Finalize()
	if *verify {
		return verifyZoo(stdout, z, man, members, set, b)
	}

	stop := make(chan struct{})
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	go func() {
		if _, ok := <-sigs; ok {
			fmt.Fprintln(os.Stderr, "\nrepgeo zoo: stopping after this step (saving the state)...")
			close(stop)
		}
	}()
	t := newTable(stdout)
	t.row("member", "status", "test_accuracy", "epochs", "wall", "images/s")
	var failed error
	var where []string
	for _, m := range members {
		status := "trained"
		if _, ok := man.Members[m.Name]; ok {
			status = "present"
		}
		start := time.Now()
		e, err := z.Train(m, zoo.TrainOptions{Backend: b, Set: set, SaveEvery: *saveEvery, Stop: stop, StopAt: *stopAt,
			Progress: progressReporter(m, len(members))})
		if errors.Is(err, zoo.ErrStopped) && *stopAt > 0 && !isClosed(stop) {
			t.row(m.Name, fmt.Sprintf("stopped at step %d", *stopAt), "-", "-", fmtDuration(time.Since(start)), "-")
			where = append(where, stoppedWeights(z, m, *stopAt))
			continue
		}
		if errors.Is(err, zoo.ErrStopped) {
			t.row(m.Name, "stopped", "-", "-", fmtDuration(time.Since(start)), "-")
			failed = err
			break
		}
		if err != nil {
			status = "failed"
			if errors.Is(err, zoo.ErrStale) {
				status = "stale"
			}
			t.row(m.Name, status, "-", "-", fmtDuration(time.Since(start)), "-")
			failed = fmt.Errorf("%s: %w", m.Name, err)
			break
		}
		t.row(m.Name, status, fmt.Sprintf("%.4f", e.TestAccuracy), fmt.Sprintf("%.2f", e.Epochs),
			fmtDuration(time.Duration(e.WallSeconds*float64(time.Second))), fmt.Sprintf("%.0f", e.ImagesPerSecond))
	}
	if err := t.flush(); err != nil {
		return err
	}
	for _, w := range where {
		fmt.Fprintln(stdout, w)
	}
	return failed
}

// checkRemoveFlags returns a usage error unless --remove and --stale are
// used as documented: --stale only with --remove, --remove only with a
// selection (--members or --stale) and with none of --list, --verify,
// --steps or --stop-at.
func checkRemoveFlags(remove, staleOnly bool, filter string, list, verify bool, steps, stopAt int) error {
	if !remove {
		if staleOnly {
			return badInput("--stale selects the members --remove removes: give --remove too (--list shows the stale members)")
		}
		return nil
	}
	for _, other := range []struct {
		set  bool
		flag string
	}{{list, "--list"}, {verify, "--verify"}, {steps != 0, "--steps"}, {stopAt != 0, "--stop-at"}} {
		if other.set {
			return badInput("--remove and %s exclude each other", other.flag)
		}
	}
	if strings.TrimSpace(filter) == "" && !staleOnly {
		return badInput("--remove needs --members=a,b or --stale: it never removes the whole zoo")
	}
	return nil
}

// removeMembers removes the members among members (only the stale ones if
// staleOnly) from z with zoo.Zoo.Remove and prints a line for each. A
// member that z holds nothing of (zoo.Zoo.Holds) stops it before anything
// is removed.
func removeMembers(stdout io.Writer, z *zoo.Zoo, members []zoo.Member, staleOnly bool) error {
	type target struct{ name, state string }
	var targets []target
	var absent []string
	for _, m := range members {
		st, held, err := memberState(z, m)
		if err != nil && st != "stale" {
			return err
		}
		if staleOnly && st != "stale" {
			continue
		}
		if !held.Any() {
			absent = append(absent, m.Name)
			continue
		}
		if st == "missing" {
			// A directory without manifest entry, left by an interrupted
			// removal or installation.
			st = "not in " + zoo.ManifestFile
		}
		targets = append(targets, target{m.Name, st})
	}
	if len(absent) > 0 {
		return fmt.Errorf("nothing removed: %s holds nothing of %s (neither finished nor in training)", z.Dir, strings.Join(absent, ", "))
	}
	if len(targets) == 0 {
		fmt.Fprintf(stdout, "no stale member in %s: nothing removed\n", z.Dir)
		return nil
	}
	var names []string
	for _, tg := range targets {
		r, err := z.Remove(tg.name)
		if err != nil {
			return fmt.Errorf("%s: %w", tg.name, err)
		}
		var what []string
		if r.Entry != nil {
			what = append(what, "its entry in "+zoo.ManifestFile)
		}
		if r.Dir {
			what = append(what, "its directory "+z.MemberDir(tg.name))
		}
		if r.Partial {
			what = append(what, "its state in training "+filepath.Join(z.Dir, zoo.PartialDir, tg.name))
		}
		fmt.Fprintf(stdout, "removed %s (%s): %s\n", tg.name, tg.state, strings.Join(what, ", "))
		names = append(names, tg.name)
	}
	fmt.Fprintf(stdout, "%d members removed from %s; to train them again: repgeo zoo --dataset=%s --dir=%s --members=%s\n",
		len(names), z.Dir, z.Dataset, z.Dir, strings.Join(names, ","))
	return nil
}

// checkScratch returns an error if z is not a scratch zoo: if it is the
// default zoo (the repository's or $REPGEO_ZOO) or holds a manifest.
func checkScratch(z *zoo.Zoo) error {
	if _, err := os.Stat(filepath.Join(z.Dir, zoo.ManifestFile)); err == nil {
		return fmt.Errorf("%s holds a %s: give an empty scratch --dir, not a zoo", z.Dir, zoo.ManifestFile)
	}
	def, err := zoo.DefaultDir(z.Dataset)
	if err != nil {
		return nil // no default zoo to protect
	}
	same := false
	if a, err := filepath.Abs(z.Dir); err == nil {
		if b, err := filepath.Abs(def); err == nil {
			same = a == b
		}
	}
	if here, err := os.Stat(z.Dir); err == nil {
		if info, err := os.Stat(def); err == nil && os.SameFile(here, info) {
			same = true
		}
	}
	if same {
		return fmt.Errorf("%s is the zoo: give a scratch --dir", z.Dir)
	}
	return nil
}

// isClosed reports whether the channel c is closed.
func isClosed(c <-chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}

// stoppedWeights says where the weights of member m stopped at step are:
// its snapshot directory if step is a snapshot step, else its state (a
// checkpoint with the optimizer's state too; models.Load and weightdiff
// read both).
func stoppedWeights(z *zoo.Zoo, m zoo.Member, step int) string {
	snap := z.PartialSnapshotDir(m.Name, step)
	if _, err := os.Stat(snap); err == nil {
		return fmt.Sprintf("%s: weights at step %d in %s", m.Name, step, snap)
	}
	return fmt.Sprintf("%s: weights at step %d (with the optimizer's state) in %s", m.Name, step, z.StateDir(m.Name))
}

// selectMembers returns the zoo's members named in the comma-separated
// filter, in the zoo's order (all when it is empty).
func selectMembers(filter string) ([]zoo.Member, error) {
	all := zoo.Members()
	if strings.TrimSpace(filter) == "" {
		return all, nil
	}
	var names []string
	for _, n := range strings.Split(filter, ",") {
		n = strings.TrimSpace(n)
		if n == "" {
			continue
		}
		if _, err := zoo.Lookup(n); err != nil {
			return nil, err
		}
		names = append(names, n)
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("--members=%q names no member", filter)
	}
	var out []zoo.Member
	for _, m := range all {
		if slices.Contains(names, m.Name) {
			out = append(out, m)
		}
	}
	return out, nil
}

// refuseStale returns an error naming the stale members among members,
// with each one's reason, so that training stops before it starts.
func refuseStale(z *zoo.Zoo, members []zoo.Member) error {
	var names []string
	var stale []error
	for _, m := range members {
		if _, err := z.Current(m); errors.Is(err, zoo.ErrStale) {
			names = append(names, m.Name)
			stale = append(stale, err)
		} else if err != nil && !errors.Is(err, zoo.ErrNotTrained) {
			return err
		}
	}
	if len(stale) == 0 {
		return nil
	}
	head := fmt.Errorf("nothing trained: %d members were trained with another spec than the list declares (%s); "+
		"repgeo zoo --remove --dataset=%s --dir=%s --members=%s removes them",
		len(stale), strings.Join(names, ", "), z.Dataset, z.Dir, strings.Join(names, ","))
	return errors.Join(append([]error{head}, stale...)...)
}

// memberState returns the state of member m in z and what z holds of it
// (zoo.Zoo.Holds, the classification zoo.Zoo.Remove removes by): "finished"
// (the manifest lists it, trained as m declares), "stale" (listed, trained
// with another spec; the error says how), "partial" (in training, or its
// installation cut short: Holdings.Partial) or "missing" (no entry and no
// state in training, though z may hold a directory left without entry).
func memberState(z *zoo.Zoo, m zoo.Member) (string, *zoo.Holdings, error) {
	held, err := z.Holds(m.Name)
	if err != nil {
		return "", nil, err
	}
	_, err = z.Current(m)
	switch {
	case err == nil:
		return "finished", held, nil
	case errors.Is(err, zoo.ErrStale):
		return "stale", held, err
	case !errors.Is(err, zoo.ErrNotTrained):
		return "", nil, err
	}
	if held.Partial {
		return "partial", held, nil
	}
	return "missing", held, nil
}

// listZoo prints the state of members (see memberState); the header counts
// the finished and stale members of the whole list all (members are among
// them). After the test accuracy come the target accuracy and whether the
// member meets it, the final training loss, the epochs, wall time,
// images/s and the processors of its training (see listCells); a summary
// line counts the finished members that meet their target. The values of a
// stale member, recorded for the spec it was trained with, are shown in
// parentheses. With markdown the table is a GitHub Markdown table, without
// the header line.
func listZoo(stdout io.Writer, z *zoo.Zoo, man *zoo.Manifest, all, members []zoo.Member, markdown bool) error {
	states := map[string]string{}
	finished, stale := 0, 0
	for _, m := range all {
		st, _, err := memberState(z, m)
		if err != nil && st != "stale" {
			return err
		}
		states[m.Name] = st
		switch st {
		case "finished":
			finished++
		case "stale":
			stale++
		}
	}
	if !markdown {
		fmt.Fprintf(stdout, "zoo of %s in %s: %d of %d members finished", z.Dataset, z.Dir, finished, len(all))
		if stale > 0 {
			fmt.Fprintf(stdout, " (%d stale: trained with another spec than the list declares; --verify says how)", stale)
		}
		fmt.Fprintln(stdout)
	}
	header := []string{"member", "model", "width", "seed", "snapshots", "state", "test_accuracy",
		"target", "train_loss", "epochs", "wall", "images/s", "cpu"}
	var rows [][]string
	met, targets, done := 0, 0, 0
	anyTarget := false
	var missed []string
	for _, m := range members {
		state := states[m.Name]
		c := listCells(z.Dataset, m, man.Members[m.Name], state, markdown) // no entry unless finished or stale
		rows = append(rows, append([]string{m.Name, m.Model, fmt.Sprint(m.Width), fmt.Sprint(m.Seed),
			fmt.Sprint(m.Snapshots), state}, c.cells...))
		anyTarget = anyTarget || c.hasTarget
		if state == "finished" {
			done++
			if c.hasTarget {
				targets++
				if c.met {
					met++
				} else {
					missed = append(missed, m.Name)
				}
			}
		}
	}
	summary := fmt.Sprintf("targets met: %d of %d finished", met, targets)
	switch {
	case !anyTarget:
		summary = fmt.Sprintf("no accuracy targets for %s (%d finished)", z.Dataset, done)
	case len(missed) > 0:
		summary += fmt.Sprintf(" (missed: %s)", strings.Join(missed, ", "))
	}
	if markdown {
		writeMarkdownTable(stdout, header, rows)
		fmt.Fprintf(stdout, "\n%s\n", summary)
		return nil
	}
	t := newTable(stdout)
	t.row(anys(header)...)
	for _, r := range rows {
		t.row(anys(r)...)
	}
	if err := t.flush(); err != nil {
		return err
	}
	fmt.Fprintln(stdout, summary)
	return nil
}

// listRow is what listCells derives of a member's manifest entry.
type listRow struct {
	// cells are the columns from test_accuracy to cpu.
	cells []string
	// hasTarget says whether the member has a target on the zoo's dataset
	// and met whether a finished member reaches it.
	hasTarget, met bool
}

// listCells returns the cells of --list from test_accuracy on for member m
// of a zoo of dataset in state, with entry e (nil when it has none): the
// test accuracy; the target and "met" or "missed" ("-" unless finished, or
// when the dataset has no target); the final training loss, epochs, wall
// time and images/s; and the processors (cpuCell). A stale member's
// values are in parentheses, a missing one's "-". The plain form has no
// spaces in a cell, so that the table splits on white space; the Markdown
// form spells the target and processor out and says how many test images
// a missed target lacks.
func listCells(dataset string, m zoo.Member, e *zoo.Entry, state string, markdown bool) listRow {
	target, hasTarget := m.TargetAccuracy(dataset)
	row := listRow{hasTarget: hasTarget}
	if e == nil {
		row.cells = []string{"-", "-", "-", "-", "-", "-", "-"}
		return row
	}
	wrap := func(s string) string {
		if state == "stale" && s != "-" {
			return "(" + s + ")"
		}
		return s
	}
	loss := "-"
	if l, ok := e.FinalTrainLoss(); ok {
		loss = fmt.Sprintf("%.3f", l)
	}
	tcell := "-"
	if hasTarget && state == "finished" {
		// In test images, so that an accuracy rounded below the target
		// by a last bit still meets it.
		short := imagesShort(e.TestAccuracy, target, e.TestImages)
		row.met = short == 0 && (e.TestImages > 0 || e.TestAccuracy >= target)
		verdict := "met"
		if !row.met {
			verdict = "missed"
		}
		tcell = fmt.Sprintf("%.2f:%s", target, verdict)
		if markdown {
			tcell = fmt.Sprintf("%.2f %s", target, verdict)
			if !row.met {
				tcell = fmt.Sprintf("%.2f **missed**", target)
				if short > 0 {
					tcell += fmt.Sprintf(" (%d images short)", short)
				}
			}
		}
	}
	row.cells = []string{
		wrap(fmt.Sprintf("%.4f", e.TestAccuracy)),
		tcell,
		wrap(loss),
		wrap(fmt.Sprintf("%.2f", e.Epochs)),
		wrap(fmtDuration(time.Duration(e.WallSeconds * float64(time.Second)))),
		wrap(fmt.Sprintf("%.0f", e.ImagesPerSecond)),
		wrap(cpuCell(e, markdown)),
	}
	return row
}

// imagesShort returns how many more of images test images a member of
// test accuracy acc would have to classify correctly to reach target (0
// without test images).
func imagesShort(acc, target float64, images int) int {
	if images <= 0 {
		return 0
	}
	need := int(math.Ceil(target*float64(images) - 1e-9))
	return max(need-int(math.Round(acc*float64(images))), 0)
}

// cpuCell names the processors entry e was trained on: those of its runs
// in order, a change of processor joined with "→" and a run that recorded
// none as "?"; without runs, the processor of the last one (Entry.CPU).
func cpuCell(e *zoo.Entry, markdown bool) string {
	var names []string
	add := func(c *zoo.CPUInfo) {
		n := "?"
		if c != nil {
			n = shortCPU(*c, markdown)
		}
		if len(names) == 0 || names[len(names)-1] != n {
			names = append(names, n)
		}
	}
	for _, r := range e.Runs {
		add(r.CPU)
	}
	if len(names) == 0 {
		add(&e.CPU)
	}
	return strings.Join(names, "→")
}

// shortCPU names processor c briefly: its model without trademarks, clock
// and words such as "Processor" ("Intel Xeon", "AMD EPYC"; else its
// architecture), and its x86 cpu family. The plain form joins the words
// with "-" ("Intel-Xeon/f6"), the Markdown form spells it out ("Intel Xeon,
// family 6").
func shortCPU(c zoo.CPUInfo, markdown bool) string {
	model, _, _ := strings.Cut(c.Model, "@")
	var words []string
	for _, w := range strings.Fields(model) {
		for _, mark := range []string{"(R)", "(r)", "(TM)", "(tm)"} {
			w = strings.ReplaceAll(w, mark, "")
		}
		if w == "" || slices.Contains([]string{"Processor", "CPU", "processor"}, w) {
			continue
		}
		words = append(words, w)
	}
	if len(words) == 0 {
		words = []string{c.Arch}
		if c.Arch == "" {
			words = []string{"unknown"}
		}
	}
	if markdown {
		s := strings.Join(words, " ")
		if c.Family != "" {
			s += ", family " + c.Family
		}
		return s
	}
	s := strings.Join(words, "-")
	if c.Family != "" {
		s += "/f" + c.Family
	}
	return s
}

// writeMarkdownTable writes header and rows as a GitHub Markdown table,
// the member names (first column) in backticks and "|" in cells escaped.
func writeMarkdownTable(w io.Writer, header []string, rows [][]string) {
	line := func(cells []string) {
		esc := make([]string, len(cells))
		for i, c := range cells {
			esc[i] = strings.ReplaceAll(c, "|", `\|`)
		}
		fmt.Fprintf(w, "| %s |\n", strings.Join(esc, " | "))
	}
	line(header)
	sep := make([]string, len(header))
	for i := range sep {
		sep[i] = "---"
	}
	line(sep)
	for _, r := range rows {
		r = slices.Clone(r)
		r[0] = "`" + r[0] + "`"
		line(r)
	}
}

// anys returns cells as a []any, for table.row.
func anys(cells []string) []any {
	out := make([]any, len(cells))
	for i, c := range cells {
		out[i] = c
	}
	return out
}

// verifyZoo re-evaluates every finished member among members on the test
// images of its entry and fails if a member is stale (trained with another
// spec than members declares; the error gives each one's reason), or a
// file's hash or an accuracy (beyond verifyTolerance) differs from the
// manifest.
func verifyZoo(stdout io.Writer, z *zoo.Zoo, man *zoo.Manifest, members []zoo.Member, set *data.Set, b backends.Backend) error {
	t := newTable(stdout)
	t.row("member", "files", "test_accuracy", "manifest", "difference", "images", "verdict")
	bad, checked := 0, 0
	var stale []error // the reasons, returned with the verdict
	for _, m := range members {
		e, ok := man.Members[m.Name]
		if !ok {
			continue
		}
		checked++
		if _, err := z.Current(m); errors.Is(err, zoo.ErrStale) {
			t.row(m.Name, "-", "-", fmt.Sprintf("%.4f", e.TestAccuracy), "-", "-", "STALE")
			stale = append(stale, err)
			continue
		} else if err != nil {
			return err
		}
		if err := z.Verify(m.Name); err != nil {
			t.row(m.Name, "CHANGED", "-", fmt.Sprintf("%.4f", e.TestAccuracy), "-", "-", "FAIL")
			fmt.Fprintln(os.Stderr, err)
			bad++
			continue
		}
		net, err := z.Load(b, m.Name)
		if err != nil {
			return err
		}
		ev, err := models.Evaluate(net, set, e.TestImages)
		if err != nil {
			return err
		}
		diff := ev.Accuracy - e.TestAccuracy
		verdict := "ok"
		if math.Abs(diff) > verifyTolerance || ev.Images != e.TestImages {
			verdict = "FAIL"
			bad++
		}
		t.row(m.Name, "ok", fmt.Sprintf("%.4f", ev.Accuracy), fmt.Sprintf("%.4f", e.TestAccuracy),
			fmt.Sprintf("%+.4f", diff), fmt.Sprint(ev.Images), verdict)
	}
	if err := t.flush(); err != nil {
		return err
	}
	if checked == 0 {
		fmt.Fprintf(stdout, "NOTE: no finished member to verify in %s (train them with make zoo)\n", z.Dir)
	}
	var fails []string
	if len(stale) > 0 {
		fails = append(fails, fmt.Sprintf("%d of %d members are stale (trained with another spec than the list declares)", len(stale), checked))
	}
	if bad > 0 {
		fails = append(fails, fmt.Sprintf("%d of %d members differ from %s", bad, checked, zoo.ManifestFile))
	}
	if len(fails) == 0 {
		return nil
	}
	return errors.Join(append([]error{errors.New(strings.Join(fails, "; "))}, stale...)...)
}

// progressReporter returns the Progress function of one member: a progress
// bar with images/s and the time left on a terminal, otherwise a line
// every minute (for logs of background runs).
func progressReporter(m zoo.Member, _ int) func(zoo.Progress) {
	if isTerminal(os.Stderr) {
		var bar *progressbar.ProgressBar
		return func(p zoo.Progress) {
			if bar == nil {
				bar = progressbar.NewOptions(p.Steps,
					progressbar.OptionSetWriter(os.Stderr),
					progressbar.OptionShowCount(),
					progressbar.OptionSetPredictTime(true),
					progressbar.OptionShowElapsedTimeOnFinish(),
					progressbar.OptionThrottle(500*time.Millisecond))
				_ = bar.Set(p.Start)
			}
			bar.Describe(fmt.Sprintf("%s epoch %.2f loss %.3f %.0f img/s", m.Name, p.Epoch, p.Loss, p.ImagesPerSecond))
			_ = bar.Set(p.Step)
			if p.Step == p.Steps {
				_ = bar.Finish()
				fmt.Fprintln(os.Stderr)
			}
		}
	}
	var last time.Time
	return func(p zoo.Progress) {
		if time.Since(last) < time.Minute && p.Step != p.Steps && p.Step != p.Start+1 {
			return
		}
		last = time.Now()
		eta := "-"
		if p.ImagesPerSecond > 0 {
			left := float64((p.Steps-p.Step)*m.Recipe.BatchSize) / p.ImagesPerSecond
			eta = fmtDuration(time.Duration(left * float64(time.Second)))
		}
		fmt.Fprintf(os.Stderr, "%s %s step %d/%d epoch %.2f loss %.3f %.0f img/s, %s left\n",
			time.Now().UTC().Format("15:04:05"), m.Name, p.Step, p.Steps, p.Epoch, p.Loss, p.ImagesPerSecond, eta)
	}
}

// fmtDuration formats d as "1h02m", "3m05s" or "12s".
func fmtDuration(d time.Duration) string {
	s := int(math.Round(d.Seconds()))
	switch {
	case s >= 3600:
		return fmt.Sprintf("%dh%02dm", s/3600, s%3600/60)
	case s >= 60:
		return fmt.Sprintf("%dm%02ds", s/60, s%60)
	}
	return fmt.Sprintf("%ds", s)
}
