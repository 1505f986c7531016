package activities

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"

	"github.com/redsm5/supermax-hpo/hpo"
	"github.com/redsm5/supermax-hpo/hpo/random"
	"github.com/redsm5/supermax-hpo/ledger"
)

// MaxEnqueued bounds the configurations a study may enqueue (warm start):
// they travel in the study spec and in the first suggestion requests, so
// they must stay small payloads.
const MaxEnqueued = 20

// FitConfig checks config (external values, e.g. an earlier study's best
// trial) against space, in the space's order: every parameter it gives
// that is active given the values before it must lie in its domain, or the
// error names the parameter, value and domain. It returns the values kept
// and, sorted, the names config gives that the space does not use there
// (unknown or inactive), which are dropped. Parameters the space needs and
// config lacks are not an error: the trial samples them. Deterministic.
func FitConfig(space *hpo.Space, config map[string]hpo.Value) (map[string]hpo.Value, []string, error) {
	kept := make(map[string]hpo.Value, len(config))
	chosen := make(map[string]hpo.Value, len(config))
	for _, p := range space.Params() {
		if !p.Active(chosen) {
			continue
		}
		v, ok := config[p.Name]
		if !ok {
			// Stand-in for what the trial will sample: constraints of later
			// parameters only see given values; a missing parent leaves its
			// children to be sampled too.
			continue
		}
		dom, err := random.Domain(p, chosen)
		if err != nil {
			return nil, nil, err
		}
		y, err := dom.ToInternal(v)
		if err != nil || !dom.Contains(y) {
			return nil, nil, fmt.Errorf("parameter %q = %s is outside the current space (%s)", p.Name, v, describe(dom))
		}
		kept[p.Name] = v
		chosen[p.Name] = v
	}
	var dropped []string
	for name := range config {
		if _, ok := kept[name]; !ok {
			dropped = append(dropped, name)
		}
	}
	sort.Strings(dropped)
	return kept, dropped, nil
}

// describe is a short text of a distribution for error messages.
func describe(d hpo.Distribution) string {
	switch d := d.(type) {
	case hpo.FloatDistribution:
		return fmt.Sprintf("float %g..%g", d.Low, d.High)
	case hpo.IntDistribution:
		return fmt.Sprintf("int %d..%d", d.Low, d.High)
	case hpo.CategoricalDistribution:
		return fmt.Sprintf("one of %v", d.Choices)
	}
	return d.Name()
}

// fixedInternal returns the internal values of trial n built from config:
// each active parameter config gives (and FitConfig accepts) is fixed; the
// others are drawn uniformly in their domain with trial n's random stream,
// as Optuna's enqueue_trial leaves parameters it was not given to the
// sampler (here the random sampler). Deterministic given the arguments.
func fixedInternal(space *hpo.Space, config map[string]hpo.Value, studySeed int64, n int) (map[string]float64, error) {
	rng := random.NewRand(studySeed, n)
	out := make(map[string]float64, space.Len())
	chosen := make(map[string]hpo.Value, space.Len())
	for _, p := range space.Params() {
		if !p.Active(chosen) {
			continue
		}
		var x float64
		v, ok := config[p.Name]
		dom, err := random.Domain(p, chosen)
		if err != nil {
			return nil, err
		}
		if y, err2 := dom.ToInternal(v); ok && err2 == nil && dom.Contains(y) {
			if x, err = random.ToFull(p, dom, y); err != nil {
				return nil, err
			}
		} else if x, err = random.SampleParam(rng, p, chosen); err != nil {
			return nil, err
		}
		out[p.Name] = x
		chosen[p.Name] = p.Dist.ToExternal(x)
	}
	return out, nil
}

// SpaceAttrKey is the study user attribute that records the search-space
// options (agents.Options JSON) the study's trials from number n on were
// suggested in, after a live narrowing.
func SpaceAttrKey(n int) string { return "supermax_space:" + strconv.Itoa(n) }

// recordSpace writes a narrowed request's options to the ledger (an
// idempotent upsert of SpaceAttrKey(SpaceFrom)); other requests write
// nothing.
func recordSpace(ctx context.Context, l ledger.Ledger, req SuggestRequest) error {
	if !req.Narrowed {
		return nil
	}
	d, ok := l.(ledger.Details)
	if !ok {
		return invalidConfig(fmt.Errorf("record the narrowed space of %q: ledger %T keeps no study attributes", req.Study, l))
	}
	b, err := json.Marshal(req.AgentOptions)
	if err != nil {
		return invalidConfig(fmt.Errorf("record the narrowed space of %q: %w", req.Study, err))
	}
	if err := d.SetStudyUserAttr(ctx, req.StudyID, SpaceAttrKey(req.SpaceFrom), string(b)); err != nil {
		return ledgerError(fmt.Errorf("record the narrowed space of %q: %w", req.Study, err))
	}
	return nil
}
