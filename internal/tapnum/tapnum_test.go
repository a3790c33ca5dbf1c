package tapnum

import (
	"fmt"
	"math"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		name string
		num  int
		rest string
		ok   bool
	}{
		{"03_stem", 3, "stem", true},
		{"1_stem", 1, "stem", true},
		{"000_input", 0, "input", true},
		{"04_stage1_block1_conv1", 4, "stage1_block1_conv1", true},
		{"99999999999999999999_layer1.0", math.MaxInt, "layer1.0", true},
		{"stem", 0, "", false},
		{"_stem", 0, "", false},
		{"03_", 0, "", false},
		{"3a_stem", 0, "", false},
		{"-3_stem", 0, "", false},
		{"stage1_block1", 0, "", false},
	} {
		num, rest, ok := Parse(tc.name)
		if num != tc.num || rest != tc.rest || ok != tc.ok {
			t.Errorf("Parse(%q) = %d, %q, %v; want %d, %q, %v", tc.name, num, rest, ok, tc.num, tc.rest, tc.ok)
		}
	}
}

func TestCheck(t *testing.T) {
	// stem, block and pool at positions 1, 4 and 9 of a path.
	stem := func(num int) Tap {
		return Tap{Spec: pad(num) + "_stem", Name: "stem", Key: "stem", Pos: 1, Num: num, Max: 1}
	}
	block := func(num int) Tap {
		return Tap{Spec: pad(num) + "_block", Name: "block", Key: "block", Pos: 4, Num: num, Max: 4}
	}
	pool := func(num int) Tap {
		return Tap{Spec: pad(num) + "_pool", Name: "pool", Key: "pool", Pos: 9, Num: num, Max: 9}
	}
	for _, tc := range []struct {
		name string
		taps []Tap
		want string // "" for no error
	}{
		{"none", nil, ""},
		{"lowest numbers", []Tap{stem(0), block(1), pool(2)}, ""},
		{"largest numbers", []Tap{stem(1), block(4), pool(9)}, ""},
		{"given out of path order", []Tap{pool(5), stem(0), block(3)}, ""},
		{"same number twice", []Tap{block(3), block(3)}, ""},
		{"above the bound", []Tap{block(5)}, `tap "05_block": block can be at most tap 04 of an extraction`},
		{"huge", []Tap{stem(math.MaxInt)}, "stem can be at most tap 01"},
		{"two numbers", []Tap{block(2), pool(5), block(3)}, `taps "02_block" and "03_block" name the same tap with different numbers`},
		{"decreasing", []Tap{stem(1), block(0)}, `tap "00_block" comes after "01_stem" in the model but has a number no larger`},
		{"equal", []Tap{pool(3), block(3)}, `tap "03_pool" comes after "03_block"`},
	} {
		err := Check(tc.taps)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.want)
		}
	}
}

// pad formats a tap number as an extraction writes it.
func pad(num int) string {
	if num == math.MaxInt {
		return "99999999999999999999"
	}
	return fmt.Sprintf("%02d", num)
}
