package tpe

import (
	"math"
	"math/rand/v2"
)

// The per-dimension kernels of a Parzen mixture, after Optuna's
// samplers/_tpe/probability_distributions.py. Kernel k of a mixture is the
// product over dimensions of each dimension's kernel k; the last kernel is
// the prior.

// numericKernels is one numeric dimension: kernel k is N(mu[k], sigma[k]²)
// truncated to [low, high], in log space when log, and discretised to a grid
// of step when step != 0 (its mass on [x - step/2, x + step/2]).
type numericKernels struct {
	mu, sigma []float64
	low, high float64 // Optuna's adapted_low/high: transformed, widened by step/2
	step      float64
	log       bool
	integer   bool
	logZ      []float64 // log mass of [low, high] under kernel k
	inv, cst  []float64 // continuous only: see continuousConsts
}

// categoricalKernels is one categorical dimension: an observation kernel
// puts mass hit on its observed choice and miss on every other; the prior
// kernel (and the only kernel of an estimator without observations) is
// uniform.
type categoricalKernels struct {
	n                       int
	obs                     []int
	hit, miss               float64
	logHit, logMiss, logUni float64
}

// dim is one dimension of a mixture: exactly one of num and cat is set.
type dim struct {
	num *numericKernels
	cat *categoricalKernels
}

// window is the part of a dimension's domain a draw may land in: the full
// distribution or a narrowed domain. Numeric windows give raw and
// transformed bounds; categorical ones the allowed choice indices.
type window struct {
	lo, hi, step float64 // raw bounds and grid of the window
	a, b         float64 // transformed, step-widened bounds
	allowed      []bool  // categorical: allowed full indices; nil means all
}

func (n *numericKernels) transform(x float64) float64 {
	if n.log {
		return math.Log(x)
	}
	return x
}

func (n *numericKernels) fullWindow(lo, hi float64) window {
	return numericWindow(lo, hi, n.step, n.log)
}

func numericWindow(lo, hi, step float64, log bool) window {
	a, b := lo-step/2, hi+step/2
	if log {
		a, b = math.Log(a), math.Log(b)
	}
	return window{lo: lo, hi: hi, step: step, a: a, b: b}
}

// logPDF is the log density (or, for a discrete dimension, log mass) of
// kernel k at the raw value x, normalised over the full domain.
func (n *numericKernels) logPDF(k int, x float64) float64 {
	mu, s := n.mu[k], n.sigma[k]
	if n.step == 0 {
		return truncnormLogPDF(n.transform(x), mu, s, n.low, n.high)
	}
	l, r := n.transform(x-n.step/2), n.transform(x+n.step/2)
	return logIntervalMass((l-mu)/s, (r-mu)/s) - n.logZ[k]
}

// logMass is the log of kernel k's mass inside w, relative to the full
// domain.
func (n *numericKernels) logMass(k int, w window) float64 {
	mu, s := n.mu[k], n.sigma[k]
	if w.lo == w.hi {
		return n.logPDF(k, w.lo)
	}
	return logGaussMass((w.a-mu)/s, (w.b-mu)/s) - n.logZ[k]
}

// draw samples kernel k restricted to w and returns a raw value on w's grid.
func (n *numericKernels) draw(rng *rand.Rand, k int, w window) float64 {
	if w.lo == w.hi {
		return w.lo
	}
	mu, s := n.mu[k], n.sigma[k]
	x := truncnormPPF(rng.Float64(), (w.a-mu)/s, (w.b-mu)/s)*s + mu
	if n.log {
		x = math.Exp(x)
	}
	if w.step != 0 {
		x = w.lo + math.Round((x-w.lo)/w.step)*w.step
	}
	if n.integer {
		x = math.Round(x)
	}
	return math.Min(math.Max(x, w.lo), w.hi)
}

func (c *categoricalKernels) prob(k, x int) float64 {
	if k >= len(c.obs) {
		return 1 / float64(c.n)
	}
	if c.obs[k] == x {
		return c.hit
	}
	return c.miss
}

func (c *categoricalKernels) logPDF(k int, x float64) float64 {
	if k >= len(c.obs) {
		return c.logUni
	}
	if c.obs[k] == int(x) {
		return c.logHit
	}
	return c.logMiss
}

func (c *categoricalKernels) logMass(k int, w window) float64 {
	if w.allowed == nil {
		return 0
	}
	m := 0.0
	for x, ok := range w.allowed {
		if ok {
			m += c.prob(k, x)
		}
	}
	return math.Log(m)
}

// draw samples a choice index from kernel k restricted to w's choices.
func (c *categoricalKernels) draw(rng *rand.Rand, k int, w window) float64 {
	total := math.Exp(c.logMass(k, w))
	u := rng.Float64() * total
	last := -1
	for x := range c.n {
		if w.allowed != nil && !w.allowed[x] {
			continue
		}
		last = x
		if u -= c.prob(k, x); u < 0 {
			return float64(x)
		}
	}
	return float64(last)
}

func (d dim) logPDF(k int, x float64) float64 {
	if d.cat != nil {
		return d.cat.logPDF(k, x)
	}
	return d.num.logPDF(k, x)
}

func (d dim) logMass(k int, w window) float64 {
	if d.cat != nil {
		return d.cat.logMass(k, w)
	}
	return d.num.logMass(k, w)
}

func (d dim) draw(rng *rand.Rand, k int, w window) float64 {
	if d.cat != nil {
		return d.cat.draw(rng, k, w)
	}
	return d.num.draw(rng, k, w)
}
