package simtrainer

import (
	"hash/fnv"
	"math"
	"sort"

	"github.com/redsm5/supermax-hpo/hpo"
)

// Curve is the learning curve of one simulated trial: the validation value
// after epoch e is
//
//	Asymptote · (1 − exp(−Rate · e)) + Noise · u(seed, e)
//
// clamped to [0, 1], where u is uniform in [−1, 1] from a hash of the seed
// and the epoch. The asymptote depends on a few parameters when the trial has
// them (each scored by a bump around a good value):
//
//	optim.lr          best near 3e-5 (log scale)
//	model.dropout     best near 0.1
//	train.batch_size  best near 16 (log2 scale)
//	x                 best near 0.3 (for small generic test spaces)
//
// and every other parameter shifts it by at most ±0.02 through a hash of its
// name and value, so different choices give different curves. The rate
// depends on the seed only. Everything is a pure function of the parameters
// and the seed: the same trial gives the same curve on every machine and
// every retry.
type Curve struct {
	Asymptote float64
	Rate      float64
	Noise     float64
	seed      uint64
}

// NewCurve returns the curve of a trial with params and seed.
func NewCurve(params map[string]hpo.Value, seed uint64) Curve {
	return Curve{
		Asymptote: asymptote(params),
		Rate:      0.08 + 0.25*unit(mix(seed^0x5bd1e995)),
		Noise:     0.01,
		seed:      seed,
	}
}

// Value is the validation value after epoch (from 1).
func (c Curve) Value(epoch int) float64 {
	base := c.Asymptote * (1 - math.Exp(-c.Rate*float64(epoch)))
	u := 2*unit(mix(c.seed^uint64(epoch)*0x9e3779b97f4a7c15)) - 1
	return clamp01(base + c.Noise*u)
}

// Loss is the mean training loss of epoch: it falls as the value rises.
func (c Curve) Loss(epoch int) float64 {
	return 1.2*(1-c.Value(epoch)) + 0.05
}

// StepLoss is the running loss after step of steps within epoch,
// interpolating from the previous epoch's loss.
func (c Curve) StepLoss(epoch, step, steps int) float64 {
	prev := c.Loss(epoch - 1)
	if epoch <= 1 {
		prev = 1.25
	}
	f := float64(step) / float64(steps)
	return prev + f*(c.Loss(epoch)-prev)
}

// asymptote scores the parameters into [0.30, 0.95].
func asymptote(params map[string]hpo.Value) float64 {
	names := make([]string, 0, len(params))
	for name := range params {
		names = append(names, name)
	}
	sort.Strings(names)
	var score, n, shift float64
	for _, name := range names {
		v := params[name]
		if q, ok := bump(name, v); ok {
			score += q
			n++
			continue
		}
		shift += 0.04 * (unit(hashString(name+"="+v.String())) - 0.5)
	}
	quality := 0.5
	if n > 0 {
		quality = score / n
	}
	shift = math.Max(-0.02, math.Min(0.02, shift))
	return math.Max(0.30, math.Min(0.95, 0.55+0.38*quality+shift))
}

// bump scores one of the known parameters in [0, 1].
func bump(name string, v hpo.Value) (float64, bool) {
	x, ok := v.Number()
	if !ok {
		return 0, false
	}
	switch name {
	case "optim.lr":
		if x <= 0 {
			return 0, true
		}
		d := math.Log10(x) - math.Log10(3e-5)
		return math.Exp(-d * d / 0.5), true
	case "model.dropout":
		return clamp01(1 - 2*math.Abs(x-0.1)), true
	case "train.batch_size":
		if x <= 0 {
			return 0, true
		}
		d := math.Log2(x) - 4
		return math.Exp(-d * d / 4), true
	case "x":
		d := x - 0.3
		return math.Exp(-d * d / 0.1), true
	}
	return 0, false
}

func clamp01(x float64) float64 { return math.Max(0, math.Min(1, x)) }

// unit maps a hash to [0, 1).
func unit(h uint64) float64 { return float64(h>>11) / (1 << 53) }

func hashString(s string) uint64 {
	h := fnv.New64a()
	_, _ = h.Write([]byte(s))
	return mix(h.Sum64())
}

// mix is SplitMix64's finaliser.
func mix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}
