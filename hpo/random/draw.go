package random

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/redsm5/supermax-hpo/hpo"
)

// ErrDomain reports a parameter whose narrowed domain (Param.Narrow) cannot
// be sampled: invalid, of another kind than the parameter's distribution, or
// holding values the distribution does not contain.
var ErrDomain = errors.New("invalid narrowed domain")

// NewRand returns the random source of trial number in a study: PCG seeded
// with hpo.TrialSeed(studySeed, number). Deterministic; it never touches a
// global RNG, so the draws of a trial do not depend on the order in which
// trials are sampled.
func NewRand(studySeed int64, number int) *rand.Rand {
	s := hpo.TrialSeed(studySeed, number)
	return rand.New(rand.NewPCG(s, s^0xda942042e4dd58b5))
}

// Domain returns the distribution p may be drawn from given the values
// chosen for earlier parameters: p.Domain(chosen), checked to be valid and of
// the same kind as p.Dist. Errors wrap ErrDomain and name the parameter.
func Domain(p hpo.Param, chosen map[string]hpo.Value) (hpo.Distribution, error) {
	d := p.Domain(chosen)
	if p.Narrow == nil {
		return d, nil
	}
	if err := d.Validate(); err != nil {
		return nil, fmt.Errorf("parameter %q: %w: %v", p.Name, ErrDomain, err)
	}
	if d.Name() != p.Dist.Name() {
		return nil, fmt.Errorf("parameter %q: %w: %s narrowed to a %s", p.Name, ErrDomain, p.Dist.Name(), d.Name())
	}
	return d, nil
}

// ToFull converts x, an internal value of dom (p's narrowed domain), to the
// internal value of p.Dist, which is what samplers return and the ledger
// stores. For numbers both are the value itself; for categoricals the index
// changes. Errors wrap ErrDomain when p.Dist does not contain the value.
func ToFull(p hpo.Param, dom hpo.Distribution, x float64) (float64, error) {
	v := dom.ToExternal(x)
	y, err := p.Dist.ToInternal(v)
	if err != nil || !p.Dist.Contains(y) {
		return 0, fmt.Errorf("parameter %q: %w: value %s is not in %s", p.Name, ErrDomain, v, p.Dist.Name())
	}
	return y, nil
}

// InDomain reports whether x, an internal value of p.Dist, lies in dom.
func InDomain(p hpo.Param, dom hpo.Distribution, x float64) bool {
	if !p.Dist.Contains(x) {
		return false
	}
	y, err := dom.ToInternal(p.Dist.ToExternal(x))
	return err == nil && dom.Contains(y)
}

// Draw returns a uniformly random internal value of d, drawn the way
// Optuna's RandomSampler draws: uniform (or log-uniform) over
// [low - step/2, high + step/2], rounded to the step grid and clipped to
// [low, high]; a categorical index uniformly. d must be valid.
// Deterministic given the state of rng.
func Draw(rng *rand.Rand, d hpo.Distribution) float64 {
	switch d := d.(type) {
	case hpo.FloatDistribution:
		return drawNumber(rng, d.Low, d.High, d.Step, d.Log, false)
	case hpo.IntDistribution:
		return drawNumber(rng, float64(d.Low), float64(d.High), float64(d.Step), d.Log, true)
	case hpo.CategoricalDistribution:
		return float64(rng.IntN(len(d.Choices)))
	}
	return math.NaN()
}

func drawNumber(rng *rand.Rand, low, high, step float64, log, integer bool) float64 {
	if low == high {
		return low
	}
	lo, hi := low-step/2, high+step/2
	if log {
		lo, hi = math.Log(lo), math.Log(hi)
	}
	x := lo + rng.Float64()*(hi-lo)
	if log {
		x = math.Exp(x)
	}
	if step != 0 {
		x = low + math.Round((x-low)/step)*step
	}
	if integer {
		x = math.Round(x)
	}
	return math.Min(math.Max(x, low), high)
}

// SingleValue returns the only internal value of a single-valued domain
// (d.Single() is true).
func SingleValue(d hpo.Distribution) float64 {
	switch d := d.(type) {
	case hpo.FloatDistribution:
		return d.Low
	case hpo.IntDistribution:
		return float64(d.Low)
	}
	return 0
}
