package report

import (
	"math"
	"sort"

	"github.com/redsm5/supermax-hpo/hpo"
	"github.com/redsm5/supermax-hpo/results"
)

// numBins is the number of equal-count bins of a numeric parameter.
const numBins = 10

// importances returns each parameter's (bias-corrected) correlation ratio with the
// objective over the COMPLETE trials with a finite value that have the
// parameter, normalised to sum to 1, largest first (ties by name). With
// no variance to explain every importance is 0. See the package doc.
func importances(s *results.Study, ps []param) []importance {
	out := make([]importance, 0, len(ps))
	var sum float64
	for _, p := range ps {
		var xs, ys []float64
		for i, t := range s.Trials {
			if t.State != hpo.Complete || t.Value == nil || math.IsNaN(*t.Value) || math.IsInf(*t.Value, 0) || p.Values[i] == nil {
				continue
			}
			xs = append(xs, float64(*p.Values[i]))
			ys = append(ys, *t.Value)
		}
		eta := etaSquared(groups(xs, p.Cat), ys)
		sum += eta
		out = append(out, importance{Name: p.Name, Value: eta})
	}
	if sum > 0 {
		for i := range out {
			out[i].Value /= sum
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Value > out[j].Value })
	return out
}

// groups assigns each x a group: the choice index for categorical values;
// otherwise its equal-count bin by rank (equal values share a bin).
func groups(xs []float64, cat bool) []int {
	g := make([]int, len(xs))
	if cat {
		for i, x := range xs {
			g[i] = int(x)
		}
		return g
	}
	idx := make([]int, len(xs))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return xs[idx[a]] < xs[idx[b]] })
	bin := 0
	for r, i := range idx {
		if r > 0 && xs[i] != xs[idx[r-1]] {
			bin = r * numBins / len(xs)
		}
		g[i] = bin
	}
	return g
}

// etaSquared is the bias-corrected correlation ratio (epsilon squared):
// (SSb - (k-1)·SSw/(n-k)) / SSt for n values in k groups, clamped at 0.
// Plain η² = SSb/SSt grows with k/n even when the parameter does nothing,
// so a conditional parameter seen in a few trials would rank high; the
// correction removes that expected share. 0 with no variance or n <= k.
func etaSquared(g []int, ys []float64) float64 {
	if len(ys) < 2 {
		return 0
	}
	var mean float64
	for _, y := range ys {
		mean += y
	}
	mean /= float64(len(ys))
	sums, counts := map[int]float64{}, map[int]int{}
	var total float64
	for i, y := range ys {
		sums[g[i]] += y
		counts[g[i]]++
		total += (y - mean) * (y - mean)
	}
	if total == 0 || len(counts) < 2 {
		return 0
	}
	keys := make([]int, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	sort.Ints(keys) // a fixed summation order: the same bits every run
	var between float64
	for _, k := range keys {
		n := counts[k]
		m := sums[k] / float64(n)
		between += float64(n) * (m - mean) * (m - mean)
	}
	n, k := float64(len(ys)), float64(len(counts))
	if n <= k {
		return 0
	}
	within := total - between
	return max(0, (between-(k-1)*within/(n-k))/total)
}
