package data

import (
	"fmt"
	"math/rand/v2"
	"slices"
)

// StratifiedSample chooses m distinct indices into labels, as balanced over
// the classes 0..classes-1 as the data allow (the first m mod k classes in a
// seeded random order get one more), each class's images drawn at random
// with the seed. The result is sorted by class, then by index, and is the
// same for the same arguments. It returns an error if m exceeds the number
// of labels or a label is out of range.
func StratifiedSample(labels []uint8, classes, m int, seed uint64) ([]int, error) {
	if m <= 0 {
		return nil, fmt.Errorf("data: stratified sample of %d images (want m > 0)", m)
	}
	if m > len(labels) {
		return nil, fmt.Errorf("data: stratified sample of %d images from only %d", m, len(labels))
	}
	byClass := make([][]int, classes)
	for i, l := range labels {
		if int(l) >= classes {
			return nil, fmt.Errorf("data: label %d of image %d out of range [0, %d)", l, i, classes)
		}
		byClass[l] = append(byClass[l], i)
	}
	rng := rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
	for _, idx := range byClass {
		rng.Shuffle(len(idx), func(a, b int) { idx[a], idx[b] = idx[b], idx[a] })
	}
	// Round-robin over the classes in a seeded order, skipping exhausted ones.
	order := rng.Perm(classes)
	take := make([]int, classes)
	for left := m; left > 0; {
		progress := false
		for _, c := range order {
			if left == 0 {
				break
			}
			if take[c] < len(byClass[c]) {
				take[c]++
				left--
				progress = true
			}
		}
		if !progress {
			break
		}
	}
	out := make([]int, 0, m)
	for c := range classes {
		chosen := slices.Clone(byClass[c][:take[c]])
		slices.Sort(chosen)
		out = append(out, chosen...)
	}
	return out, nil
}
