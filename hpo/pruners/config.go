package pruners

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"

	"github.com/redsm5/supermax-hpo/hpo"
)

// Kinds of pruner, the values of Config.Kind.
const (
	KindNone              = "none"
	KindMedian            = "median"
	KindPercentile        = "percentile"
	KindSuccessiveHalving = "successive_halving"
	KindHyperband         = "hyperband"
)

// Config chooses a pruner and its settings. It is plain data that travels in
// the study spec as JSON. A zero field means zero, never "the default": the
// constructors (MedianConfig, ...) fill in Optuna's defaults, and Validate
// rejects fields that the kind does not use, so a typo cannot go unnoticed.
type Config struct {
	Kind string `json:"kind"`

	// Median and percentile (Optuna's MedianPruner / PercentilePruner).
	NStartupTrials int     `json:"n_startup_trials,omitempty"` // complete trials before any pruning
	NWarmupSteps   int     `json:"n_warmup_steps,omitempty"`   // no pruning at steps below this
	IntervalSteps  int     `json:"interval_steps,omitempty"`   // check once per this many steps (>= 1)
	Percentile     float64 `json:"percentile,omitempty"`       // percentile kind only: keep the top Percentile %

	// Successive halving and Hyperband.
	MinResource          int `json:"min_resource,omitempty"`            // steps of the first rung (>= 1)
	ReductionFactor      int `json:"reduction_factor,omitempty"`        // eta (>= 2)
	MinEarlyStoppingRate int `json:"min_early_stopping_rate,omitempty"` // successive halving only
	MaxResource          int `json:"max_resource,omitempty"`            // Hyperband only: the epochs of a trial

	// Patient wrapper (Optuna's PatientPruner) around any kind but none:
	// prune only when the kind says so and the trial has not improved by more
	// than MinDelta over its last Patience steps. Patience 0 means no wrapper.
	Patience int     `json:"patience,omitempty"`
	MinDelta float64 `json:"min_delta,omitempty"`
}

// NoneConfig never prunes.
func NoneConfig() Config { return Config{Kind: KindNone} }

// MedianConfig is Optuna's MedianPruner defaults: 5 startup trials, no
// warmup, a check every step.
func MedianConfig() Config {
	return Config{Kind: KindMedian, NStartupTrials: 5, IntervalSteps: 1}
}

// PercentileConfig is Optuna's PercentilePruner(percentile) defaults.
func PercentileConfig(percentile float64) Config {
	return Config{Kind: KindPercentile, NStartupTrials: 5, IntervalSteps: 1, Percentile: percentile}
}

// SuccessiveHalvingConfig is Optuna's SuccessiveHalvingPruner defaults with
// min_resource 1 (Optuna's "auto" estimates it; we state it).
func SuccessiveHalvingConfig() Config {
	return Config{Kind: KindSuccessiveHalving, MinResource: 1, ReductionFactor: 4}
}

// HyperbandConfig is Optuna's HyperbandPruner(min_resource=1,
// max_resource=maxEpochs, reduction_factor=3).
func HyperbandConfig(maxEpochs int) Config {
	return Config{Kind: KindHyperband, MinResource: 1, MaxResource: maxEpochs, ReductionFactor: 3}
}

// DefaultConfig is what the original system used: Hyperband(min 1, max
// maxEpochs, eta 3) inside PatientPruner(patience 2, min_delta 0).
func DefaultConfig(maxEpochs int) Config {
	c := HyperbandConfig(maxEpochs)
	c.Patience = 2
	return c
}

// ParseConfig decodes a JSON config, rejecting unknown fields, and validates it.
func ParseConfig(data []byte) (Config, error) {
	var c Config
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return Config{}, fmt.Errorf("%w: decode pruner config JSON: %w", ErrInvalidConfig, err)
	}
	if err := c.Validate(); err != nil {
		return Config{}, err
	}
	return c, nil
}

// Validate reports the first problem of c, naming the field: an unknown kind,
// a value out of range, or a field that the kind does not use.
func (c Config) Validate() error {
	if err := c.validateKind(); err != nil {
		return fmt.Errorf("%w: %s pruner: %v", ErrInvalidConfig, c.Kind, err)
	}
	return nil
}

func (c Config) validateKind() error {
	var checks []check
	switch c.Kind {
	case KindNone:
		checks = []check{{c != NoneConfig(), "kind \"none\" takes no other field (patience included)"}}
	case KindMedian, KindPercentile:
		checks = c.percentileChecks()
	case KindSuccessiveHalving:
		checks = append(c.resourceChecks(),
			check{c.MinEarlyStoppingRate < 0, fmt.Sprintf("min_early_stopping_rate = %d, want >= 0", c.MinEarlyStoppingRate)},
			c.unused("max_resource", c.MaxResource != 0))
	case KindHyperband:
		checks = append(c.resourceChecks(),
			check{c.MaxResource < c.MinResource || c.MaxResource > MaxStep,
				fmt.Sprintf("max_resource = %d, want min_resource (%d) to %d", c.MaxResource, c.MinResource, MaxStep)},
			c.unused("min_early_stopping_rate", c.MinEarlyStoppingRate != 0))
	default:
		return fmt.Errorf("unknown kind %q (want none, median, percentile, successive_halving or hyperband)", c.Kind)
	}
	checks = append(checks,
		check{c.Patience < 0, fmt.Sprintf("patience = %d, want >= 0 (0: no patient wrapper)", c.Patience)},
		check{!(c.MinDelta >= 0) || math.IsInf(c.MinDelta, 1), fmt.Sprintf("min_delta = %v, want a finite value >= 0", c.MinDelta)},
		check{c.Patience == 0 && c.MinDelta != 0, "min_delta is set but patience is 0 (no patient wrapper)"})
	for _, ch := range checks {
		if ch.bad {
			return fmt.Errorf("%s", ch.msg)
		}
	}
	return nil
}

type check struct {
	bad bool
	msg string
}

func (c Config) unused(field string, set bool) check {
	return check{set, fmt.Sprintf("%s is not used by kind %q", field, c.Kind)}
}

func (c Config) percentileChecks() []check {
	checks := []check{
		{c.NStartupTrials < 0, fmt.Sprintf("n_startup_trials = %d, want >= 0", c.NStartupTrials)},
		{c.NWarmupSteps < 0, fmt.Sprintf("n_warmup_steps = %d, want >= 0", c.NWarmupSteps)},
		{c.IntervalSteps < 1, fmt.Sprintf("interval_steps = %d, want >= 1", c.IntervalSteps)},
		c.unused("min_resource", c.MinResource != 0),
		c.unused("reduction_factor", c.ReductionFactor != 0),
		c.unused("min_early_stopping_rate", c.MinEarlyStoppingRate != 0),
		c.unused("max_resource", c.MaxResource != 0),
	}
	if c.Kind == KindMedian {
		return append(checks, check{c.Percentile != 0, "percentile is not used by kind \"median\" (it is 50)"})
	}
	return append(checks, check{!(c.Percentile >= 0 && c.Percentile <= 100),
		fmt.Sprintf("percentile = %v, want 0 to 100", c.Percentile)})
}

// resourceChecks are the checks shared by successive halving and Hyperband.
func (c Config) resourceChecks() []check {
	return []check{
		{c.MinResource < 1 || c.MinResource > MaxStep, fmt.Sprintf("min_resource = %d, want 1 to %d", c.MinResource, MaxStep)},
		{c.ReductionFactor < 2 || c.ReductionFactor > MaxStep, fmt.Sprintf("reduction_factor = %d, want 2 to %d", c.ReductionFactor, MaxStep)},
		c.unused("n_startup_trials", c.NStartupTrials != 0),
		c.unused("n_warmup_steps", c.NWarmupSteps != 0),
		c.unused("interval_steps", c.IntervalSteps != 0),
		c.unused("percentile", c.Percentile != 0),
	}
}

// New builds the pruner that cfg describes for study (its name places
// Hyperband's trials in brackets; its direction says which values are
// better). It returns an error wrapping ErrInvalidConfig when cfg is invalid.
// The pruner is deterministic and not safe for concurrent use.
func New(cfg Config, study hpo.Study) (hpo.Pruner, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if study.Direction != hpo.Maximize && study.Direction != hpo.Minimize {
		return nil, fmt.Errorf("%w: study %q has unknown direction %d", ErrInvalidConfig, study.Name, study.Direction)
	}
	var rule policy
	switch cfg.Kind {
	case KindNone:
		rule = nop{}
	case KindMedian:
		rule = newPercentile(50, cfg.NStartupTrials, cfg.NWarmupSteps, cfg.IntervalSteps, study.Direction)
	case KindPercentile:
		rule = newPercentile(cfg.Percentile, cfg.NStartupTrials, cfg.NWarmupSteps, cfg.IntervalSteps, study.Direction)
	case KindSuccessiveHalving:
		rule = newSHA(cfg.MinResource, cfg.ReductionFactor, cfg.MinEarlyStoppingRate, study.Direction)
	case KindHyperband:
		rule = newHyperband(study.Name, cfg.MinResource, cfg.MaxResource, cfg.ReductionFactor, study.Direction)
	}
	if cfg.Patience > 0 {
		rule = newPatient(rule, cfg.Patience, cfg.MinDelta, study.Direction)
	}
	return newPruner(rule, cfg, study), nil
}

// nop is the rule that never prunes and keeps nothing.
type nop struct{}

func (nop) observe(trial, step int, value float64)     {}
func (nop) decide(trial, step int, value float64) bool { return false }
func (nop) finish(trial int, state hpo.TrialState)     {}
func (nop) encode(e *encoder)                          {}
func (nop) decode(d *decoder)                          {}
func (nop) fresh() policy                              { return nop{} }
