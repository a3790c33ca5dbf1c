package experiment

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/repgeo/repgeo/models"
	"github.com/repgeo/repgeo/repgeo"
)

// pathLabels returns the labels of model's coarse path: its taps, then Target.
func pathLabels(t *testing.T, model string) []string {
	t.Helper()
	taps, err := models.TapNames(model, models.Coarse)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, tap := range taps {
		out = append(out, DisplayName(tap))
	}
	return append(out, Target)
}

func TestMatchLayers(t *testing.T) {
	r20, r56, v11, v19 := pathLabels(t, "resnet20"), pathLabels(t, "resnet56"), pathLabels(t, "vgg11"), pathLabels(t, "vgg19")
	numbered := func(n int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = fmt.Sprint(i)
		}
		return out
	}
	// Ties go to the shallower point, as in repgeo.MatchDepth: block 3 of 9
	// (relative position 0.25 in its stage) matches block 1 of 3.
	tests := []struct {
		name string
		a, b []string
		want map[string]string // label of a -> label of b it must match
	}{
		{"resnet56 to resnet20", r56, r20, map[string]string{
			"input": "input", "stem": "stem",
			"stage1_block1": "stage1_block1", "stage1_block5": "stage1_block2", "stage1_block9": "stage1_block3",
			"stage2_block3": "stage2_block1", "stage2_block4": "stage2_block2", "stage2_block8": "stage2_block3",
			"stage3_block1": "stage3_block1", "stage3_block9": "stage3_block3",
			"pool": "pool", "logits": "logits", Target: Target}},
		{"resnet20 to resnet56", r20, r56, map[string]string{
			"stage1_block1": "stage1_block1", "stage1_block2": "stage1_block5", "stage1_block3": "stage1_block9",
			"stage3_block3": "stage3_block9", "pool": "pool", "logits": "logits", Target: Target}},
		// Between the input and the pool the families share no landmark:
		// relative depth between the two (ResNet 0..11, VGG 0..6).
		{"resnet20 to vgg11", r20, v11, map[string]string{
			"input": "input", "stem": "stage1", "stage1_block3": "stage2", "stage2_block3": "stage4",
			"stage3_block3": "stage5", "pool": "pool", "logits": "logits", Target: Target}},
		{"vgg11 to resnet20", v11, r20, map[string]string{
			"stage1": "stage1_block1", "stage3": "stage2_block1", "stage5": "stage3_block2", "pool": "pool", "logits": "logits"}},
		{"vgg19 to vgg11", v19, v11, map[string]string{
			"stage1": "stage1", "stage3": "stage3", "stage5": "stage5", "pool": "pool", "logits": "logits"}},
		{"a path to itself", r20, r20, nil},
		// One block per stage on one side matches the middle block.
		{"single blocks", []string{"input", "stage1_block1", "stage2_block1", "out"},
			[]string{"input", "stage1_block1", "stage1_block2", "stage1_block3", "stage2_block1", "stage2_block2", "out"},
			map[string]string{"stage1_block1": "stage1_block2", "stage2_block1": "stage2_block1"}},
	}
	for _, tc := range tests {
		got, err := MatchLayers(tc.a, tc.b)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if len(got) != len(tc.a) {
			t.Fatalf("%s: %d matches for %d points", tc.name, len(got), len(tc.a))
		}
		for i := 1; i < len(got); i++ {
			if got[i] < got[i-1] {
				t.Errorf("%s: matches go backwards at %s: %v", tc.name, tc.a[i], got)
			}
		}
		if tc.want == nil { // the identity
			for i, j := range got {
				if i != j {
					t.Errorf("%s: %s matches %s", tc.name, tc.a[i], tc.b[j])
				}
			}
		}
		for la, lb := range tc.want {
			i := slices.Index(tc.a, la)
			if i < 0 {
				t.Fatalf("%s: no label %q", tc.name, la)
			}
			if g := tc.b[got[i]]; g != lb {
				t.Errorf("%s: %s matches %s, want %s", tc.name, la, g, lb)
			}
		}
	}
	// Without landmarks or stages it is MatchDepth.
	for _, n := range [][2]int{{14, 9}, {9, 14}, {5, 5}, {2, 7}} {
		got, err := MatchLayers(numbered(n[0]), numbered(n[1]))
		if err != nil {
			t.Fatal(err)
		}
		want, _ := repgeo.MatchDepth(n[0], n[1])
		if !slices.Equal(got, want) {
			t.Errorf("numbered paths %v: %v, want MatchDepth's %v", n, got, want)
		}
	}
	if _, err := MatchLayers([]string{"input"}, r20); err == nil || !strings.Contains(err.Error(), "paths of 1 and 14 points") {
		t.Errorf("a path of one point: error %v", err)
	}
}
