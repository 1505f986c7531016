package tpe

import (
	"math"
	"math/rand/v2"
)

// mixture is a weighted mixture of product kernels (Optuna's
// _MixtureOfProductDistribution): kernel k has weight w[k] and, in each
// dimension d, the density dims[d] gives it.
type mixture struct {
	w, logW []float64
	dims    []dim
}

// windowFunc gives the window of dimension d for a candidate whose earlier
// dimensions are set in cand; narrowed reports whether it differs from the
// full domain.
type windowFunc func(cand []float64, d int) (w window, narrowed bool, err error)

// sample draws n candidates. A candidate takes a kernel by weight and draws
// each dimension from it; where a dimension's window is narrowed it first
// redraws the kernel from its posterior given the earlier dimensions, times
// the kernel's mass inside the window, which samples the mixture conditioned
// on the constraint exactly.
func (m *mixture) sample(rng *rand.Rand, n int, win windowFunc) ([][]float64, error) {
	out := make([][]float64, n)
	post := make([]float64, len(m.w))
	tmp := make([]float64, len(m.w))
	for j := range out {
		cand := make([]float64, len(m.dims))
		k := pickWeight(rng, m.w)
		copy(post, m.logW)
		for d, dm := range m.dims {
			w, narrowed, err := win(cand, d)
			if err != nil {
				return nil, err
			}
			if narrowed {
				for kk := range tmp {
					tmp[kk] = post[kk] + dm.logMass(kk, w)
				}
				k = pickLogWeight(rng, tmp, k)
			}
			cand[d] = dm.draw(rng, k, w)
			if d+1 < len(m.dims) {
				for kk := range post {
					post[kk] += dm.logPDF(kk, cand[d])
				}
			}
		}
		out[j] = cand
	}
	return out, nil
}

// pickWeight draws an index with probability w[i] (w sums to 1), the way
// numpy's choice does: the first cumulative sum above a uniform draw.
func pickWeight(rng *rand.Rand, w []float64) int {
	u := rng.Float64()
	cum := 0.0
	for i, v := range w[:len(w)-1] {
		if cum += v; u < cum {
			return i
		}
	}
	return len(w) - 1
}

// pickLogWeight draws an index with probability proportional to exp(lw[i]);
// when every weight is zero it keeps fallback.
func pickLogWeight(rng *rand.Rand, lw []float64, fallback int) int {
	top := math.Inf(-1)
	for _, v := range lw {
		top = max(top, v)
	}
	if math.IsInf(top, -1) || math.IsNaN(top) {
		return fallback
	}
	sum := 0.0
	for _, v := range lw {
		sum += math.Exp(v - top)
	}
	u := rng.Float64() * sum
	last := fallback
	for i, v := range lw {
		p := math.Exp(v - top)
		if p > 0 {
			last = i
		}
		if u -= p; u < 0 {
			return i
		}
	}
	return last
}

// compact returns a mixture with the same density whose identical kernels
// are merged, their weights summed. Only one-dimensional categorical and
// discrete mixtures are compacted: there thousands of observations share a
// few kernels (an estimator of 8,000 trials over 7 choices has 8 distinct
// kernels), while continuous kernels are all distinct.
func (m *mixture) compact() *mixture {
	if len(m.dims) != 1 || (m.dims[0].num != nil && m.dims[0].num.step == 0) {
		return m
	}
	d := m.dims[0]
	seen := make(map[[2]float64]int, 64)
	byChoice := map[int]int{}
	if d.cat != nil {
		byChoice = make(map[int]int, d.cat.n+1)
	}
	out := &mixture{dims: make([]dim, 1)}
	var keep []int
	for k := range m.w {
		var u int
		var ok bool
		switch {
		case d.cat != nil:
			choice := -1 // the prior kernel
			if k < len(d.cat.obs) {
				choice = d.cat.obs[k]
			}
			if u, ok = byChoice[choice]; !ok {
				byChoice[choice] = len(out.w)
			}
		default:
			key := [2]float64{d.num.mu[k], d.num.sigma[k]}
			if u, ok = seen[key]; !ok {
				seen[key] = len(out.w)
			}
		}
		if ok {
			out.w[u] += m.w[k]
			continue
		}
		out.w = append(out.w, m.w[k])
		keep = append(keep, k)
	}
	out.logW = make([]float64, len(out.w))
	for u, w := range out.w {
		out.logW[u] = math.Log(w)
	}
	if d.cat != nil {
		c := *d.cat
		c.obs = nil
		for _, k := range keep {
			if k < len(d.cat.obs) {
				c.obs = append(c.obs, d.cat.obs[k])
			}
		}
		out.dims[0] = dim{cat: &c}
		return out
	}
	n := *d.num
	n.mu, n.sigma, n.logZ = nil, nil, nil
	for _, k := range keep {
		n.mu = append(n.mu, d.num.mu[k])
		n.sigma = append(n.sigma, d.num.sigma[k])
		n.logZ = append(n.logZ, d.num.logZ[k])
	}
	out.dims[0] = dim{num: &n}
	return out
}
