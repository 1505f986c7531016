package tpe

// nameIndex finds a parameter's index by name. Reading a history calls it
// once per parameter of every trial (hundreds of thousands of times at
// 8,000 trials), where a map[string]int spends most of its time hashing
// and probing; nameIndex hashes the name a word at a time with a seed
// chosen so the space's names fall in distinct slots of a sparse table, and
// confirms with one string comparison. When no such seed is found it uses
// a map. It is read-only once built, so goroutines may share it.
type nameIndex struct {
	names []string
	slots []int32 // index+1 of the name in each slot, 0 for empty
	seed  uint32
	mask  uint32
	byMap map[string]int // fallback when no seed separates the names
}

// newNameIndex builds the index of names (distinct, as hpo.NewSpace
// guarantees).
func newNameIndex(names []string) *nameIndex {
	size := uint32(64)
	for size < 16*uint32(len(names)) {
		size *= 2
	}
	ix := &nameIndex{names: names, slots: make([]int32, size), mask: size - 1}
	for seed := uint32(1); seed <= 256; seed++ {
		if ix.place(seed) {
			return ix
		}
	}
	ix.slots = nil
	ix.byMap = make(map[string]int, len(names))
	for i, n := range names {
		ix.byMap[n] = i
	}
	return ix
}

// place fills the slots with seed and reports whether no two names collide.
func (ix *nameIndex) place(seed uint32) bool {
	clear(ix.slots)
	ix.seed = seed
	for i, n := range ix.names {
		s := ix.slot(n)
		if ix.slots[s] != 0 {
			return false
		}
		ix.slots[s] = int32(i + 1)
	}
	return true
}

// slot hashes the length and every 8-byte word of s (the last one
// overlapping when the length is not a multiple of 8): one multiply per
// word, where a byte-wise hash needs one per byte.
func (ix *nameIndex) slot(s string) uint32 {
	n := len(s)
	h := (uint64(ix.seed)<<32 ^ uint64(n)) * 0x9e3779b97f4a7c15
	h ^= h >> 32
	if n < 8 {
		var a uint64
		for i := 0; i < n; i++ {
			a = a<<8 | uint64(s[i])
		}
		h = (h ^ a) * 0xbf58476d1ce4e5b9
	} else {
		for i := 0; i+8 < n; i += 8 {
			h = (h ^ load8(s[i:i+8])) * 0xbf58476d1ce4e5b9
			h ^= h >> 32 // a product's high bits reach only higher ones
		}
		h = (h ^ load8(s[n-8:])) * 0xbf58476d1ce4e5b9
	}
	h ^= h >> 29
	return uint32(h>>32) & ix.mask
}

// load8 reads 8 bytes little-endian (the compiler merges the loads).
func load8(s string) uint64 {
	_ = s[7]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

// lookup returns the index of name and whether it is one of the names.
func (ix *nameIndex) lookup(name string) (int, bool) {
	if ix.byMap != nil {
		i, ok := ix.byMap[name]
		return i, ok
	}
	k := ix.slots[ix.slot(name)] - 1
	if k < 0 || ix.names[k] != name {
		return 0, false
	}
	return int(k), true
}
