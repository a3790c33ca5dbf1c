package experiment

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/repgeo/repgeo/repgeo"
)

// blockLabel matches the label of a block of a stage, such as "stage2_block3".
var blockLabel = regexp.MustCompile(`^(stage\d+)_block\d+$`)

// MatchLayers returns, for each point of a path labelled a, the index of the
// point of a path labelled b that it corresponds to. The first and last
// points match, and so does every landmark both paths have once (a label
// outside the stages that is not a number, such as "stem", "pool" or
// "logits"). Between two landmarks, when both paths hold blocks of the same
// stages (ResNets of different depths), each block matches the block at the
// nearest relative position within its stage; otherwise each point matches
// the point at the nearest relative depth between the landmarks
// (repgeo.MatchDepth).
func MatchLayers(a, b []string) ([]int, error) {
	na, nb := len(a), len(b)
	if na < 2 || nb < 2 {
		return nil, fmt.Errorf("experiment: MatchLayers: paths of %d and %d points, need at least 2 each", na, nb)
	}
	// The landmarks, in the order of both paths.
	ia, ib := []int{0}, []int{0}
	for i := 1; i < na-1; i++ {
		if !landmark(a[i]) || count(a, a[i]) != 1 || count(b, a[i]) != 1 {
			continue
		}
		j := slices.Index(b, a[i])
		if j > ib[len(ib)-1] && j < nb-1 {
			ia, ib = append(ia, i), append(ib, j)
		}
	}
	ia, ib = append(ia, na-1), append(ib, nb-1)
	out := make([]int, na)
	for k := 0; k+1 < len(ia); k++ {
		la, ra, lb, rb := ia[k], ia[k+1], ib[k], ib[k+1]
		out[la], out[ra] = lb, rb
		if matchStages(a[la+1:ra], b[lb+1:rb], out[la+1:ra], lb+1) {
			continue
		}
		m, err := repgeo.MatchDepth(ra-la+1, rb-lb+1)
		if err != nil {
			return nil, fmt.Errorf("experiment: MatchLayers: %w", err)
		}
		for i := la + 1; i < ra; i++ {
			out[i] = lb + m[i-la]
		}
	}
	return out, nil
}

// matchStages matches the blocks a to the blocks b (labelled as blockLabel
// describes, b starting at index offset) stage by stage, writing the indices
// into out, and reports whether it could: both must hold blocks of the same
// stages in the same order. A stage of one block matches the middle block.
func matchStages(a, b []string, out []int, offset int) bool {
	ra, rb := stageRuns(a), stageRuns(b)
	if ra == nil || rb == nil || len(ra) != len(rb) {
		return false
	}
	for k := range ra {
		if ra[k].stage != rb[k].stage {
			return false
		}
	}
	for k, run := range ra {
		other := rb[k]
		if run.n == 1 || other.n == 1 {
			for i := 0; i < run.n; i++ {
				out[run.start+i] = offset + other.start + (other.n-1)/2
			}
			continue
		}
		m, _ := repgeo.MatchDepth(run.n, other.n) // both at least 2
		for i, j := range m {
			out[run.start+i] = offset + other.start + j
		}
	}
	return true
}

// stageRun is a run of consecutive blocks of one stage.
type stageRun struct {
	stage    string
	start, n int
}

// stageRuns splits labels into runs of blocks of one stage. It returns nil
// if there are no labels, if a label is not a block or if a stage recurs
// after another.
func stageRuns(labels []string) []stageRun {
	var runs []stageRun
	for i, l := range labels {
		m := blockLabel.FindStringSubmatch(l)
		if m == nil {
			return nil
		}
		if k := len(runs) - 1; k >= 0 && runs[k].stage == m[1] {
			runs[k].n++
			continue
		}
		for _, r := range runs {
			if r.stage == m[1] {
				return nil
			}
		}
		runs = append(runs, stageRun{stage: m[1], start: i, n: 1})
	}
	return runs
}

// landmark reports whether label can name a landmark: not a stage or a block
// of one, and not a number (as the points of an unlabelled path are named).
func landmark(label string) bool {
	if strings.HasPrefix(label, "stage") {
		return false
	}
	_, err := strconv.Atoi(label)
	return err != nil
}

// count returns how often s occurs in list.
func count(list []string, s string) int {
	n := 0
	for _, l := range list {
		if l == s {
			n++
		}
	}
	return n
}
