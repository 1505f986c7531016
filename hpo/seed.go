package hpo

// TrialSeed derives the RNG seed of trial number from the study seed, so each
// trial's randomness is independent of the order in which trials are sampled.
// It is SplitMix64 over the pair, a fixed function on every platform.
func TrialSeed(studySeed int64, number int) uint64 {
	return splitmix64(splitmix64(uint64(studySeed)) ^ uint64(number)*0x9e3779b97f4a7c15)
}

func splitmix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}
