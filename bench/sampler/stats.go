package main

import (
	"math"
	"slices"
)

// rankRow returns the ranks of v (1 = smallest), ties sharing the mean of
// the ranks they span.
func rankRow(v []float64) []float64 {
	idx := make([]int, len(v))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int {
		switch {
		case v[a] < v[b]:
			return -1
		case v[a] > v[b]:
			return 1
		}
		return 0
	})
	r := make([]float64, len(v))
	for i := 0; i < len(idx); {
		j := i
		for j+1 < len(idx) && v[idx[j+1]] == v[idx[i]] {
			j++
		}
		mean := float64(i+j)/2 + 1
		for k := i; k <= j; k++ {
			r[idx[k]] = mean
		}
		i = j + 1
	}
	return r
}

// wilcoxon is the two-sided Wilcoxon signed-rank test of the paired
// samples x and y (same length), with scipy.stats.wilcoxon's defaults:
// zero differences dropped ("wilcox"), ties in |x-y| given mean ranks; the
// exact null distribution when at most 50 pairs remain and no |x-y| tie,
// else the normal approximation with the tie correction and no continuity
// correction. It returns W+ (the rank sum of positive differences), the
// number of nonzero pairs and the p-value; with no nonzero pair p is 1.
func wilcoxon(x, y []float64) (wPlus float64, n int, p float64) {
	var d []float64
	for i := range x {
		if diff := x[i] - y[i]; diff != 0 {
			d = append(d, diff)
		}
	}
	n = len(d)
	if n == 0 {
		return 0, 0, 1
	}
	abs := make([]float64, n)
	for i, v := range d {
		abs[i] = math.Abs(v)
	}
	r := rankRow(abs)
	ties := false
	for _, v := range r {
		if v != math.Trunc(v) {
			ties = true
		}
	}
	sorted := slices.Sorted(slices.Values(abs))
	for i := 1; i < n && !ties; i++ {
		ties = sorted[i] == sorted[i-1]
	}
	for i, v := range d {
		if v > 0 {
			wPlus += r[i]
		}
	}
	total := float64(n*(n+1)) / 2
	if n <= 50 && !ties {
		// counts[s] = number of sign assignments with rank sum s
		counts := make([]float64, int(total)+1)
		counts[0] = 1
		for k := 1; k <= n; k++ {
			for s := len(counts) - 1; s >= k; s-- {
				counts[s] += counts[s-k]
			}
		}
		all := math.Pow(2, float64(n))
		w := int(math.Min(wPlus, total-wPlus))
		tail := 0.0
		for s := 0; s <= w; s++ {
			tail += counts[s]
		}
		return wPlus, n, math.Min(1, 2*tail/all)
	}
	mean := total / 2
	variance := float64(n*(n+1)*(2*n+1)) / 24
	for i := 0; i < n; {
		j := i
		for j+1 < n && sorted[j+1] == sorted[i] {
			j++
		}
		t := float64(j - i + 1)
		variance -= (t*t*t - t) / 48
		i = j + 1
	}
	if variance <= 0 {
		return wPlus, n, 1
	}
	z := (wPlus - mean) / math.Sqrt(variance)
	return wPlus, n, math.Min(1, math.Erfc(math.Abs(z)/math.Sqrt2))
}
