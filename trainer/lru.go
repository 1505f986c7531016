package trainer

import "slices"

// lru maps keys to values, keeping at most capacity entries: adding one
// beyond that evicts the least recently used. The tokenized-data caches of
// every agent use it. Not safe for concurrent use (its owners lock).
type lru[K comparable, V any] struct {
	capacity int
	entries  map[K]V
	recent   []K // least recently used first
}

func newLRU[K comparable, V any](capacity int) *lru[K, V] {
	return &lru[K, V]{capacity: capacity, entries: make(map[K]V)}
}

// get returns the value of key and marks it the most recently used.
func (l *lru[K, V]) get(key K) (V, bool) {
	v, ok := l.entries[key]
	if ok {
		l.touch(key)
	}
	return v, ok
}

// put stores v under key as the most recently used entry, evicting the
// least recently used ones beyond the capacity.
func (l *lru[K, V]) put(key K, v V) {
	l.entries[key] = v
	l.touch(key)
}

func (l *lru[K, V]) touch(key K) {
	l.recent = slices.DeleteFunc(l.recent, func(k K) bool { return k == key })
	l.recent = append(l.recent, key)
	for len(l.recent) > l.capacity {
		delete(l.entries, l.recent[0])
		l.recent = l.recent[1:]
	}
}
