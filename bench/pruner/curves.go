package main

import (
	"math"

	"github.com/redsm5/supermax-hpo/hpo"
)

// curve is one simulated trial: a validation metric to maximize (think
// macro-F1) per epoch. The family, every parameter drawn per trial from a
// SplitMix64 stream seeded by (bench seed, trial number):
//
//	start     s ~ U(0.10, 0.30)           chance-level metric at epoch 0
//	asymptote A ~ U(0.35, 0.85)           what the configuration can reach
//	time      τ ~ logU(2, 40) epochs      fast and slow learners (late bloomers)
//	overfit   after epoch 3τ + U(0, 30) the mean falls by d ~ U(0, 0.002)/epoch
//	noise     σ ~ U(0.003, 0.02)          i.i.d. Gaussian per epoch
//	diverge   10% of trials collapse to s at an epoch ~ U(5, 60) and stay there
//
//	mean(t) = s + (A - s)(1 - exp(-t/τ)) - d·max(0, t - t_overfit), clipped to [0, 1]
//
// The noise-free mean is kept so the bench can say how good the trial that a
// pruner picked really is, apart from the luck of its noisy best epoch.
type curve struct {
	start, top, tau, overfitAt, decay, sigma float64
	divergeAt                                int // 0: never
	noise                                    []float64
}

// newCurve draws trial n's curve for epochs epochs.
func newCurve(seed int64, n, epochs int) curve {
	r := rng(hpo.TrialSeed(seed, n))
	c := curve{
		start: 0.10 + 0.20*r.float(),
		top:   0.35 + 0.50*r.float(),
		tau:   math.Exp(math.Log(2) + (math.Log(40)-math.Log(2))*r.float()),
		decay: 0.002 * r.float(),
		sigma: 0.003 + 0.017*r.float(),
	}
	c.overfitAt = 3*c.tau + 30*r.float()
	if r.float() < 0.10 {
		c.divergeAt = 5 + int(55*r.float())
	}
	c.noise = make([]float64, epochs)
	for i := range c.noise {
		c.noise[i] = c.sigma * r.normal()
	}
	return c
}

// mean is the noise-free metric after epoch t (from 1).
func (c curve) mean(t int) float64 {
	if c.divergeAt > 0 && t >= c.divergeAt {
		return c.start
	}
	x := float64(t)
	m := c.start + (c.top-c.start)*(1-math.Exp(-x/c.tau)) - c.decay*math.Max(0, x-c.overfitAt)
	return math.Min(1, math.Max(0, m))
}

// observed is the noisy metric the trial reports after epoch t.
func (c curve) observed(t int) float64 {
	return math.Min(1, math.Max(0, c.mean(t)+c.noise[t-1]))
}

// rng is SplitMix64 with a Box-Muller normal.
type rng uint64

func (r *rng) next() uint64 {
	*r += 0x9e3779b97f4a7c15
	x := uint64(*r)
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

func (r *rng) float() float64 { return float64(r.next()>>11) / (1 << 53) }

func (r *rng) normal() float64 {
	u := 1 - r.float() // (0, 1]
	return math.Sqrt(-2*math.Log(u)) * math.Cos(2*math.Pi*r.float())
}
