package tpe

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
)

// ErrOptions is wrapped by every error of Options.Validate and ParseOptions.
var ErrOptions = errors.New("invalid TPE options")

// Options configures the TPE sampler. The JSON names are the keyword
// arguments of Optuna's TPESampler, so `--sampler-kwargs` written for Optuna
// reads unchanged. There is no seed: the seed is hpo.Study.Seed. Options is a
// plain value; it travels in Temporal payloads as JSON.
type Options struct {
	// NStartupTrials: until this many trials are finished (COMPLETE or
	// PRUNED), parameters are drawn at random.
	NStartupTrials int `json:"n_startup_trials"`
	// NEICandidates: candidates drawn from l(x) and scored per suggestion.
	NEICandidates int `json:"n_ei_candidates"`
	// PriorWeight is the weight of the prior kernel in both Parzen estimators.
	PriorWeight float64 `json:"prior_weight"`
	// ConsiderMagicClip bounds the kernel widths from below by
	// range / min(100, 1 + number of kernels).
	ConsiderMagicClip bool `json:"consider_magic_clip"`
	// ConsiderEndpoints lets the domain bounds widen the outermost kernels.
	ConsiderEndpoints bool `json:"consider_endpoints"`
	// Multivariate samples the parameters present in every finished trial
	// jointly, with one product-kernel estimator. Each dimension's kernels
	// get the same neighbour-gap widths as independent TPE's: Optuna 5.0's
	// rule (Optuna 4.x gave every multivariate kernel the width
	// 0.2·n^(-1/(d+4))·range instead; this package has always used the 5.0
	// rule, so its golden suggestions are 5.0's estimator).
	Multivariate bool `json:"multivariate"`
	// Group (needs Multivariate) splits the space into the groups of
	// parameters that always appear together and samples each group jointly,
	// which makes multivariate TPE work on conditional spaces.
	Group bool `json:"group"`
	// ConstantLiar counts RUNNING trials as bad ones, so that parallel
	// workers do not suggest the same point.
	ConstantLiar bool `json:"constant_liar"`
}

// DefaultOptions returns the defaults of Optuna 4.x's TPESampler:
// 10 startup trials, 24 candidates, prior weight 1, magic clip on, endpoints,
// multivariate, group and constant liar off. (Optuna 5.0 turned multivariate
// on for single-objective studies and constant_liar on; set them explicitly
// to get that behaviour.)
func DefaultOptions() Options {
	return Options{
		NStartupTrials:    10,
		NEICandidates:     24,
		PriorWeight:       1.0,
		ConsiderMagicClip: true,
	}
}

// maxCandidates bounds NEICandidates so a typo cannot make one suggestion
// allocate gigabytes.
const maxCandidates = 1 << 16

// Validate reports the first invalid field, naming it by its JSON name.
// Errors wrap ErrOptions.
func (o Options) Validate() error {
	switch {
	case o.NStartupTrials < 0:
		return fmt.Errorf("%w: n_startup_trials must be >= 0, got %d", ErrOptions, o.NStartupTrials)
	case o.NEICandidates < 1 || o.NEICandidates > maxCandidates:
		return fmt.Errorf("%w: n_ei_candidates must be in [1, %d], got %d", ErrOptions, maxCandidates, o.NEICandidates)
	case math.IsNaN(o.PriorWeight) || math.IsInf(o.PriorWeight, 0) || o.PriorWeight <= 0:
		// Optuna accepts 0, but then an estimator without observations has
		// no mass at all for categoricals; we refuse it instead.
		return fmt.Errorf("%w: prior_weight must be a positive finite number, got %v", ErrOptions, o.PriorWeight)
	case o.Group && !o.Multivariate:
		return fmt.Errorf("%w: group needs multivariate", ErrOptions)
	}
	return nil
}

// ParseOptions reads Optuna-style sampler kwargs (a JSON object) over
// DefaultOptions and validates the result. Unknown keys are errors; "seed"
// gets its own message because the seed belongs to the study. Empty input
// gives the defaults.
func ParseOptions(kwargs []byte) (Options, error) {
	o := DefaultOptions()
	if len(bytes.TrimSpace(kwargs)) == 0 {
		return o, nil
	}
	var keys map[string]json.RawMessage
	if err := json.Unmarshal(kwargs, &keys); err != nil {
		return o, fmt.Errorf("%w: sampler kwargs: %v", ErrOptions, err)
	}
	if _, ok := keys["seed"]; ok {
		return o, fmt.Errorf("%w: sampler kwargs: seed is not a sampler option here; the study's seed is used", ErrOptions)
	}
	dec := json.NewDecoder(bytes.NewReader(kwargs))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&o); err != nil {
		return o, fmt.Errorf("%w: sampler kwargs: %v", ErrOptions, err)
	}
	if err := o.Validate(); err != nil {
		return o, err
	}
	return o, nil
}
