package pruners

import "sort"

// intervalSet is a set of non-negative trial numbers stored as sorted,
// disjoint, non-adjacent half-open ranges [lo, hi). Trials finish roughly in
// number order, so the finished trials of a whole study take a few ranges.
type intervalSet struct{ r [][2]int }

// has reports whether n is in the set.
func (s *intervalSet) has(n int) bool {
	i := sort.Search(len(s.r), func(i int) bool { return s.r[i][1] > n })
	return i < len(s.r) && s.r[i][0] <= n
}

// add inserts n, merging it with the ranges it touches.
func (s *intervalSet) add(n int) {
	if s.has(n) {
		return
	}
	// i is the first range that starts after n.
	i := sort.Search(len(s.r), func(i int) bool { return s.r[i][0] > n })
	joinLeft := i > 0 && s.r[i-1][1] == n
	joinRight := i < len(s.r) && s.r[i][0] == n+1
	switch {
	case joinLeft && joinRight:
		s.r[i-1][1] = s.r[i][1]
		s.r = append(s.r[:i], s.r[i+1:]...)
	case joinLeft:
		s.r[i-1][1] = n + 1
	case joinRight:
		s.r[i][0] = n
	default:
		s.r = append(s.r, [2]int{})
		copy(s.r[i+1:], s.r[i:])
		s.r[i] = [2]int{n, n + 1}
	}
}

// encode writes the ranges as gaps and lengths, each a varint.
func (s *intervalSet) encode(e *encoder) {
	e.uvarint(uint64(len(s.r)))
	prev := 0
	for _, r := range s.r {
		e.int(r[0] - prev)
		e.int(r[1] - r[0])
		prev = r[1]
	}
}

// decode reads what encode wrote and checks the set's invariants.
func (s *intervalSet) decode(d *decoder) {
	n := d.count("finished range count", 2)
	s.r = make([][2]int, 0, n)
	prev := 0
	for i := 0; i < n && d.err == nil; i++ {
		minGap := 1
		if i == 0 {
			minGap = 0
		}
		lo := prev + d.atLeast("finished range gap", minGap)
		hi := lo + d.atLeast("finished range length", 1)
		if d.err == nil && hi > MaxTrialNumber+1 {
			d.fail("finished range ends at %d, past the largest trial number %d", hi, MaxTrialNumber)
		}
		s.r = append(s.r, [2]int{lo, hi})
		prev = hi
	}
}
