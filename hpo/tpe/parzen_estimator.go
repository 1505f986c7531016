package tpe

import (
	"math"

	"github.com/redsm5/supermax-hpo/hpo"
)

// The Parzen estimator: a mixture with one kernel per observation plus a
// prior kernel, after Optuna's samplers/_tpe/parzen_estimator.py.

// sigmaEPS is the smallest kernel width without the magic clip (Optuna's EPS).
const sigmaEPS = 1e-12

// estimatorParams are the options that shape an estimator.
type estimatorParams struct {
	priorWeight float64
	magicClip   bool
	endpoints   bool
}

// defaultWeights is Optuna's default_weights: 1 for each of n observations
// when n < 25, else a linear ramp from 1/n to 1 over the n-25 oldest and 1
// for the newest 25 (observations in trial-number order).
func defaultWeights(n int) []float64 {
	w := make([]float64, n)
	if n < 25 {
		for i := range w {
			w[i] = 1
		}
		return w
	}
	ramp := n - 25
	start := 1 / float64(n)
	// numpy.linspace(1/n, 1, ramp): start + i*step, last element exactly 1.
	if ramp > 1 {
		step := (1 - start) / float64(ramp-1)
		for i := range ramp {
			w[i] = float64(i)*step + start
		}
		w[ramp-1] = 1
	} else if ramp == 1 {
		w[0] = start
	}
	for i := ramp; i < n; i++ {
		w[i] = 1
	}
	return w
}

// mixtureWeights appends the prior weight to the observation weights and
// normalises; without observations the prior alone has weight 1.
func mixtureWeights(nObs int, prior float64) []float64 {
	if nObs == 0 {
		return []float64{1}
	}
	w := append(defaultWeights(nObs), prior)
	sum := 0.0
	for _, v := range w {
		sum += v
	}
	for i := range w {
		w[i] /= sum
	}
	return w
}

// kernelWeights are a mixture's normalised weights and their logs.
type kernelWeights struct{ w, logW []float64 }

// suggestCache is shared by the estimators of one suggestion (a nil
// *suggestCache works, allocating everything afresh): kernel weights, which
// depend only on the number of observations, and scratch space for the
// kernel widths. A suggestion builds up to two estimators per parameter, one
// at a time, so no two use the scratch space at once; the weight slices are
// never modified. Not safe for concurrent use.
type suggestCache struct {
	weights map[int]kernelWeights
	sort    argsortScratch
	sorted  []float64
}

func (c *suggestCache) get(nObs int, prior float64) kernelWeights {
	if c != nil {
		if kw, ok := c.weights[nObs]; ok {
			return kw
		}
	}
	kw := kernelWeights{w: mixtureWeights(nObs, prior)}
	kw.logW = make([]float64, len(kw.w))
	for k, v := range kw.w {
		kw.logW[k] = math.Log(v)
	}
	if c != nil {
		if c.weights == nil {
			c.weights = make(map[int]kernelWeights)
		}
		c.weights[nObs] = kw
	}
	return kw
}

// scratch returns c's argsort buffers and a slice of n floats, or fresh
// ones for a nil c.
func (c *suggestCache) scratch(n int) (*argsortScratch, []float64) {
	if c == nil {
		return &argsortScratch{}, make([]float64, n)
	}
	if cap(c.sorted) < n {
		c.sorted = make([]float64, n)
	}
	return &c.sort, c.sorted[:n]
}

// newParzen builds the estimator of the observations cols (cols[d][i] is the
// internal value of dimension d in observation i, observations in
// trial-number order) over dists. wc may be nil.
func newParzen(cols [][]float64, nObs int, dists []hpo.Distribution, p estimatorParams, wc *suggestCache) *mixture {
	return newParzenIn(cols, nObs, dists, p, wc, nil)
}

// newParzenIn is newParzen with its numeric kernels' arrays taken from a
// (nil allocates them).
func newParzenIn(cols [][]float64, nObs int, dists []hpo.Distribution, p estimatorParams, wc *suggestCache, a *floatArena) *mixture {
	kw := wc.get(nObs, p.priorWeight)
	m := &mixture{w: kw.w, logW: kw.logW, dims: make([]dim, len(dists))}
	for d, dist := range dists {
		if c, ok := dist.(hpo.CategoricalDistribution); ok {
			m.dims[d] = dim{cat: categoricalDim(cols[d][:nObs], len(c.Choices), p.priorWeight)}
		} else {
			m.dims[d] = dim{num: numericDimWith(cols[d][:nObs], dist, p, wc, a)}
		}
	}
	return m
}

// categoricalDim: each observation kernel is prior/K on every choice plus 1
// on the observed one, normalised (K = observations + 1); the prior kernel is
// uniform.
func categoricalDim(obs []float64, n int, prior float64) *categoricalKernels {
	c := &categoricalKernels{n: n, logUni: math.Log(1 / float64(n))}
	if len(obs) == 0 {
		return c
	}
	c.obs = make([]int, len(obs))
	for i, x := range obs {
		c.obs[i] = int(x)
	}
	base := prior / float64(len(obs)+1)
	sum := 1 + float64(n)*base
	c.hit, c.miss = (base+1)/sum, base/sum
	c.logHit, c.logMiss = math.Log(c.hit), math.Log(c.miss)
	return c
}

// numericBounds returns low, high and step of a numeric distribution.
func numericBounds(d hpo.Distribution) (low, high, step float64, log, integer bool) {
	switch d := d.(type) {
	case hpo.FloatDistribution:
		return d.Low, d.High, d.Step, d.Log, false
	case hpo.IntDistribution:
		return float64(d.Low), float64(d.High), float64(d.Step), d.Log, true
	}
	return 0, 0, 0, false, false
}

// numericDim: kernels centred on the (log-transformed) observations with
// Optuna's bandwidths, plus the prior N((low+high)/2, (high-low)²), all
// truncated to the step-widened bounds.
func numericDim(obs []float64, d hpo.Distribution, p estimatorParams) *numericKernels {
	return numericDimWith(obs, d, p, nil, nil)
}

// numericDimWith is numericDim with scratch space from wc and the kernels'
// arrays from a (either may be nil).
func numericDimWith(obs []float64, d hpo.Distribution, p estimatorParams, wc *suggestCache, a *floatArena) *numericKernels {
	low, high, step, log, integer := numericBounds(d)
	n := &numericKernels{step: step, log: log, integer: integer}
	w := n.fullWindow(low, high)
	n.low, n.high = w.a, w.b
	nk := len(obs) + 1
	mus := a.take(nk)[:len(obs)]
	for i, x := range obs {
		mus[i] = n.transform(x)
	}
	sigmas := bandwidths(mus, n.low, n.high, p, wc, a.take(nk)[:len(obs)])
	n.mu = append(mus, 0.5*(n.low+n.high))
	n.sigma = append(sigmas, n.high-n.low)
	n.logZ = a.take(nk)
	for k := range n.mu {
		n.logZ[k] = logTruncMass((n.low-n.mu[k])/n.sigma[k], (n.high-n.mu[k])/n.sigma[k])
	}
	if step == 0 { // continuousConsts, in the arena
		n.inv, n.cst = a.take(nk), a.take(nk)
		fillContinuousConsts(n)
	}
	return n
}

// bandwidths is Optuna's compute_sigmas: each kernel is as wide as the larger
// gap to its sorted neighbours (the bounds count as neighbours); without
// consider_endpoints the outermost kernels use their inner gap only; then
// clipped to [minσ, high-low] with minσ = (high-low)/min(100, n+2) under the
// magic clip. Ties are ranked by observation order (a stable argsort).
// sigmas (len(mus), every element overwritten) receives them.
func bandwidths(mus []float64, low, high float64, p estimatorParams, wc *suggestCache, sigmas []float64) []float64 {
	n := len(mus)
	if n == 0 {
		return sigmas
	}
	sc, s := wc.scratch(n + 2) // s: sorted, with the bounds as outer neighbours
	order := stableArgsortInto(mus, sc)
	s[0], s[n+1] = low, high
	for r, i := range order {
		s[r+1] = mus[i]
	}
	maxSigma := high - low
	minSigma := sigmaEPS
	if p.magicClip {
		minSigma = (high - low) / min(100, float64(n+2))
	}
	for r, i := range order {
		at := r + 1
		w := max(s[at]-s[at-1], s[at+1]-s[at])
		if !p.endpoints && n >= 2 {
			switch at {
			case 1:
				w = s[2] - s[1]
			case n:
				w = s[n] - s[n-1]
			}
		}
		sigmas[i] = min(max(w, minSigma), maxSigma)
	}
	return sigmas
}

// floatArena hands out float64 slices from one reusable block: the large
// estimator of each TPE step is dropped before the next step builds its
// own, so a suggestion reuses one block instead of allocating megabytes per
// parameter (allocation volume sets how often the GC scans the history).
// What does not fit is allocated apart, and the next step that needs room
// gets a block as large as the largest step so far. A nil *floatArena allocates. Not safe
// for concurrent use.
type floatArena struct {
	buf  []float64
	off  int // used of buf since the last reset
	over int // allocated apart since the last reset
	want int // the largest step's need so far
}

// take returns n floats (with capacity n, contents unspecified).
func (a *floatArena) take(n int) []float64 {
	if a == nil {
		return make([]float64, n)
	}
	if a.off+n > len(a.buf) {
		if a.off != 0 || a.want < n {
			a.over += n
			return make([]float64, n)
		}
		a.buf = make([]float64, a.want) // an earlier step needed this much
	}
	s := a.buf[a.off : a.off+n : a.off+n]
	a.off += n
	return s
}

// reset makes the whole block available again; slices taken before must
// no longer be used.
func (a *floatArena) reset() {
	a.want = max(a.want, a.off+a.over)
	a.off, a.over = 0, 0
}
