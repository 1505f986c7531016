package tpe

import "math"

// stableArgsort returns the indexes of v in ascending order of value, equal
// values in index order (numpy's argsort(kind="stable")). It is an LSD radix
// sort over the order-preserving bit pattern of each float64, skipping the
// byte positions all keys share: linear time, which matters at thousands of
// observations per dimension. v must not hold NaN.
func stableArgsort(v []float64) []int32 {
	return stableArgsortInto(v, &argsortScratch{})
}

// argsortScratch holds stableArgsortInto's buffers, reused from call to
// call; the result of one call is valid until the next.
type argsortScratch struct {
	keys, tk []uint64
	idx, ti  []int32
}

func (s *argsortScratch) grow(n int) {
	if cap(s.keys) < n {
		s.keys, s.tk = make([]uint64, n), make([]uint64, n)
		s.idx, s.ti = make([]int32, n), make([]int32, n)
	}
	s.keys, s.tk, s.idx, s.ti = s.keys[:n], s.tk[:n], s.idx[:n], s.ti[:n]
}

// stableArgsortInto is stableArgsort in s's buffers.
func stableArgsortInto(v []float64, s *argsortScratch) []int32 {
	n := len(v)
	s.grow(n)
	keys, idx, tk, ti := s.keys, s.idx, s.tk, s.ti
	var counts [8][256]int
	for i, x := range v {
		b := math.Float64bits(x + 0) // x + 0 turns -0 into +0, which compares equal

		if b>>63 == 1 {
			b = ^b
		} else {
			b |= 1 << 63
		}
		keys[i] = b
		idx[i] = int32(i)
		for p := range 8 {
			counts[p][byte(b>>(8*p))]++
		}
	}
	for p := range 8 {
		if counts[p][byte(keys[0]>>(8*p))] == n {
			continue // every key has the same byte here
		}
		var start [256]int
		sum := 0
		for c := range 256 {
			start[c] = sum
			sum += counts[p][c]
		}
		for i, k := range keys {
			c := byte(k >> (8 * p))
			tk[start[c]], ti[start[c]] = k, idx[i]
			start[c]++
		}
		keys, tk = tk, keys
		idx, ti = ti, idx
	}
	return idx
}
