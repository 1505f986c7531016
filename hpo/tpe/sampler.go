// Package tpe is the Tree-structured Parzen Estimator sampler, a Go
// reimplementation of Optuna's TPESampler for one objective: the same
// split into good and bad trials, the same Parzen estimators (kernel widths,
// weights, prior, magic clip), candidates drawn from l(x) and ranked by
// log l(x) - log g(x), with the multivariate, group and constant-liar
// options. It is a pure function of its inputs: the random source is seeded
// from (study seed, trial number), so suggestions replay exactly.
//
// Files follow Optuna's layout: sampler.go (policy), split.go (good/bad
// split), search_space.go (observations and groups), windows.go (domains
// narrowed by constraints), parzen_estimator.go (the estimator),
// probability_distributions.go and mixture.go (kernels), truncnorm.go (the
// truncated normal), argsort.go (a linear-time stable argsort),
// mixture_logpdf.go (scoring candidates), names.go (parameter lookup by
// name while reading the history).
//
// Constraints (hpo.Param.Narrow) are honoured by sampling l(x) conditioned
// on the narrowed domain: numeric kernels truncated to the narrowed bounds,
// categorical kernels restricted to the allowed choices, the kernel
// redrawn in proportion to its mass inside. The ratio l(x)/g(x) of two
// mixtures conditioned on the same region differs from the unconditioned one
// by a constant factor, so the ranking of candidates is unchanged.
package tpe

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/redsm5/supermax-hpo/hpo"
	"github.com/redsm5/supermax-hpo/hpo/random"
)

// ErrNoSpace is returned when Sample is given a nil search space.
var ErrNoSpace = errors.New("no search space")

// Sampler is the TPE sampler. It holds only its options, so one value is
// safe for concurrent use.
type Sampler struct {
	opts Options
}

// New returns a TPE sampler with opts, or an error wrapping ErrOptions.
func New(opts Options) (*Sampler, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	return &Sampler{opts: opts}, nil
}

// Options returns the sampler's options.
func (s *Sampler) Options() Options { return s.opts }

// Sample implements hpo.Sampler. Until NStartupTrials trials are finished it
// draws at random (package random, same seeded source); then it runs TPE
// over the history, skipping trial number itself. Parameters are chosen in
// space order: inactive ones are absent, each active one lies inside its
// narrowed domain. Deterministic: the same (study, space, history, number)
// give the same result, whatever else runs concurrently. Blocking; with
// thousands of trials it reads the history and scores candidates in a few
// short-lived goroutines, all joined before it returns.
func (s *Sampler) Sample(study hpo.Study, space *hpo.Space, history []hpo.Trial, number int) (map[string]float64, error) {
	if space == nil {
		return nil, fmt.Errorf("tpe sampler, trial %d: %w", number, ErrNoSpace)
	}
	rng := random.NewRand(study.Seed, number)
	sp := splitTrials(history, number, study.Direction, s.opts.ConstantLiar)
	var (
		out map[string]float64
		err error
	)
	if sp.finished < s.opts.NStartupTrials {
		out, err = random.SampleSpace(rng, space)
	} else {
		out, err = s.walk(rng, space, newObserved(space, sp))
	}
	if err != nil {
		return nil, fmt.Errorf("tpe sampler, trial %d: %w", number, err)
	}
	return out, nil
}

// walk chooses the active parameters in space order. A parameter in a
// group takes the value its group's joint sample gave it (the group is
// sampled when its first member is reached) if that value is still inside
// its domain now that earlier choices are known; any other parameter is
// sampled by itself (independent TPE).
func (s *Sampler) walk(rng *rand.Rand, space *hpo.Space, obs *observed) (map[string]float64, error) {
	params := space.Params()
	groups := obs.groups(s.opts)
	groupOf := groupIndex(groups, len(params))
	sampled := make([]bool, len(groups))
	relative := make(map[string]float64)
	out := make(map[string]float64, len(params))
	chosen := make(map[string]hpo.Value, len(params))
	for i, p := range params {
		if !p.Active(chosen) {
			continue
		}
		if g := groupOf[i]; g >= 0 && !sampled[g] {
			sampled[g] = true
			vals, err := s.sampleGroup(rng, obs, groups[g], chosen)
			if err != nil {
				return nil, err
			}
			for d, j := range groups[g] {
				relative[params[j].Name] = vals[d]
			}
		}
		x, err := s.choose(rng, obs, i, chosen, relative)
		if err != nil {
			return nil, err
		}
		out[p.Name] = x
		chosen[p.Name] = p.Dist.ToExternal(x)
	}
	return out, nil
}

// groupIndex maps each parameter index to its group, -1 for none.
func groupIndex(groups [][]int, n int) []int {
	of := make([]int, n)
	for i := range of {
		of[i] = -1
	}
	for g, idx := range groups {
		for _, i := range idx {
			of[i] = g
		}
	}
	return of
}

// choose returns parameter i's value: the only value of a single-valued
// domain, else its group's value when that is still inside its domain, else
// an independent TPE sample.
func (s *Sampler) choose(rng *rand.Rand, obs *observed, i int, chosen map[string]hpo.Value, relative map[string]float64) (float64, error) {
	p := obs.space.Params()[i]
	dom, err := random.Domain(p, chosen)
	if err != nil {
		return 0, err
	}
	if dom.Single() {
		return random.ToFull(p, dom, random.SingleValue(dom))
	}
	if x, ok := relative[p.Name]; ok && random.InDomain(p, dom, x) {
		return x, nil
	}
	return s.sampleOne(rng, obs, i, chosen)
}

// sampleOne is independent TPE for parameter i.
func (s *Sampler) sampleOne(rng *rand.Rand, obs *observed, i int, chosen map[string]hpo.Value) (float64, error) {
	vals, err := s.sampleGroup(rng, obs, []int{i}, chosen)
	if err != nil {
		return 0, err
	}
	p := obs.space.Params()[i]
	dom, err := random.Domain(p, chosen)
	if err != nil {
		return 0, err
	}
	if !random.InDomain(p, dom, vals[0]) {
		return 0, fmt.Errorf("parameter %q: %w: value %v drawn on the narrowed grid is not in %s", p.Name, random.ErrDomain, vals[0], p.Dist.Name())
	}
	return vals[0], nil
}

// sampleGroup is one TPE step over the parameters idx (in space order):
// estimators l and g from the good and bad observations, NEICandidates
// candidates drawn from l inside the domains the constraints allow, and the
// candidate maximising log l - log g. Values are internal values of each
// parameter's Dist.
func (s *Sampler) sampleGroup(rng *rand.Rand, obs *observed, idx []int, chosen map[string]hpo.Value) ([]float64, error) {
	params := obs.space.Params()
	dists := make([]hpo.Distribution, len(idx))
	for d, i := range idx {
		dists[d] = params[i].Dist
	}
	ep := estimatorParams{priorWeight: s.opts.PriorWeight, magicClip: s.opts.ConsiderMagicClip, endpoints: s.opts.ConsiderEndpoints}
	belowCols, nb := obs.rows(idx, 0, obs.nBelow)
	aboveCols, na := obs.rows(idx, obs.nBelow, len(obs.trials))
	l := newParzen(belowCols, nb, dists, ep, obs.weights)
	obs.arena.reset() // the previous step's g is no longer used
	g := newParzenIn(aboveCols, na, dists, ep, obs.weights, &obs.arena)
	cands, err := l.sample(rng, s.opts.NEICandidates, newWindows(params, idx, l, chosen))
	if err != nil {
		return nil, err
	}
	if half := ((len(cands)+1)/2 + 1) * (len(obs.trials) + 1); cap(obs.bufs[1]) < half && na+1 > parallelKernels/len(cands) {
		// sized once for the largest estimator, so that later ones do not
		// regrow them (allocation volume drives the GC's share of the time)
		obs.bufs = [2][]float64{make([]float64, half), make([]float64, half)}
	}
	ll, gl := l.logPDFSplit(cands, &obs.bufs), g.compact().logPDFSplit(cands, &obs.bufs)
	bestJ, bestV := 0, math.Inf(-1)
	for j := range cands {
		if v := ll[j] - gl[j]; v > bestV {
			bestJ, bestV = j, v
		}
	}
	return cands[bestJ], nil
}
