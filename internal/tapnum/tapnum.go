// Package tapnum checks the numbers of tap names given back to an
// extraction. An extraction names its taps with their position in path
// order ("03_stem"), and such a name selects the tap again ("stem") if its
// number is one an extraction can give it: no larger than the number of
// taps that can precede it, one number per tap, and numbers increasing
// along the path, as one extraction numbers them. The extractions of
// package models and of package models/onnxmodel share this rule.
package tapnum

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
)

// Parse splits a numbered tap name such as "03_stem" into its number and
// the name after the first underscore. It returns false unless name is
// decimal digits, an underscore and a non-empty rest; a number too large
// for an int is returned as math.MaxInt, which no bound admits.
func Parse(name string) (num int, rest string, ok bool) {
	digits, rest, found := strings.Cut(name, "_")
	if !found || digits == "" || rest == "" || strings.Trim(digits, "0123456789") != "" {
		return 0, "", false
	}
	num, err := strconv.Atoi(digits)
	if err != nil {
		num = math.MaxInt
	}
	return num, rest, true
}

// Tap is a tap selected by a numbered name.
type Tap struct {
	// Spec is the name as given ("03_stem") and Name the tap's name
	// without the number ("stem").
	Spec, Name string
	// Key identifies the tap: specifications of the same Key select the
	// same tap (the same tensor).
	Key string
	// Pos is the tap's place in path order; taps of equal Pos keep the
	// order in which they were given.
	Pos int
	// Num is the number given, and Max the largest number an extraction can
	// give the tap: the number of taps that can precede it in path order.
	Num, Max int
}

// Check returns an error, without a package prefix for the caller to add,
// unless taps have numbers that an extraction gives: each at most its Max,
// one number for each Key, and the numbers of different taps strictly
// increasing in path order (Pos). The error names the specifications at
// fault.
func Check(taps []Tap) error {
	var distinct []Tap
	first := map[string]Tap{}
	for _, t := range taps {
		if t.Num > t.Max {
			return fmt.Errorf("tap %q: %s can be at most tap %02d of an extraction "+
				"(numbers count the taps before it in path order); give the name without its number", t.Spec, t.Name, t.Max)
		}
		prev, seen := first[t.Key]
		switch {
		case !seen:
			first[t.Key] = t
			distinct = append(distinct, t)
		case prev.Num != t.Num:
			return fmt.Errorf("taps %q and %q name the same tap with different numbers; give the name without its number",
				prev.Spec, t.Spec)
		}
	}
	sort.SliceStable(distinct, func(i, j int) bool { return distinct[i].Pos < distinct[j].Pos })
	for k := 1; k < len(distinct); k++ {
		if prev, t := distinct[k-1], distinct[k]; t.Num <= prev.Num {
			return fmt.Errorf("tap %q comes after %q in the model but has a number no larger; "+
				"an extraction numbers its taps in path order: give the names without their numbers", t.Spec, prev.Spec)
		}
	}
	return nil
}
