// Package random is the random sampler: every active parameter drawn
// independently and uniformly from its (possibly narrowed) domain. It is
// Optuna's RandomSampler, made a pure function of (study seed, trial number),
// and it is also the startup sampler of package tpe.
package random

import (
	"errors"
	"fmt"
	"math/rand/v2"

	"github.com/redsm5/supermax-hpo/hpo"
)

// ErrNoSpace is returned when Sample is given a nil search space.
var ErrNoSpace = errors.New("no search space")

// Sampler draws parameters uniformly at random. It holds no state; one value
// is safe for concurrent use.
type Sampler struct{}

// New returns a random sampler.
func New() *Sampler { return &Sampler{} }

// Sample implements hpo.Sampler. It ignores the history: the draws depend
// only on study.Seed and number (through NewRand), so they are
// deterministic and independent of call order. Inactive parameters are
// absent from the result; active ones are drawn inside their narrowed
// domain.
func (*Sampler) Sample(study hpo.Study, space *hpo.Space, _ []hpo.Trial, number int) (map[string]float64, error) {
	if space == nil {
		return nil, fmt.Errorf("random sampler, trial %d: %w", number, ErrNoSpace)
	}
	out, err := SampleSpace(NewRand(study.Seed, number), space)
	if err != nil {
		return nil, fmt.Errorf("random sampler, trial %d: %w", number, err)
	}
	return out, nil
}

// SampleSpace draws every active parameter of space in order, each inside
// the domain its constraint allows given the earlier choices, and returns
// their internal values. Deterministic given the state of rng.
func SampleSpace(rng *rand.Rand, space *hpo.Space) (map[string]float64, error) {
	out := make(map[string]float64, space.Len())
	chosen := make(map[string]hpo.Value, space.Len())
	for _, p := range space.Params() {
		if !p.Active(chosen) {
			continue
		}
		x, err := SampleParam(rng, p, chosen)
		if err != nil {
			return nil, err
		}
		out[p.Name] = x
		chosen[p.Name] = p.Dist.ToExternal(x)
	}
	return out, nil
}

// SampleParam draws one parameter uniformly inside p.Domain(chosen) and
// returns its internal value in p.Dist. Errors wrap ErrDomain.
func SampleParam(rng *rand.Rand, p hpo.Param, chosen map[string]hpo.Value) (float64, error) {
	dom, err := Domain(p, chosen)
	if err != nil {
		return 0, err
	}
	x := SingleValue(dom)
	if !dom.Single() {
		x = Draw(rng, dom)
	}
	return ToFull(p, dom, x)
}
