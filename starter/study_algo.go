package main

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/redsm5/supermax-hpo/hpo/pruners"
	"github.com/redsm5/supermax-hpo/workflows"
)

// Pruner names of --pruner.
const (
	prunerHyperband        = "hyperband"
	prunerPatientHyperband = "patient-hyperband"
	prunerSHA              = "sha"
	prunerMedian           = "median"
	prunerNone             = "none"
)

// algoFlags choose a study's sampler and pruner.
func algoFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "sampler", Value: workflows.SamplerTPE, Usage: "`SAMPLER`: tpe or random"},
		&cli.StringFlag{Name: "sampler-kwargs", Usage: "TPE options as `JSON` with Optuna's TPESampler names, over the original's " +
			`{"multivariate": true, "group": true, "constant_liar": true} (e.g. {"n_startup_trials": 20})`},
		&cli.StringFlag{Name: "pruner", Value: prunerPatientHyperband,
			Usage: "`PRUNER`: patient-hyperband (the original's: Hyperband in PatientPruner(patience 2)), hyperband, sha, median or none"},
		&cli.StringFlag{Name: "pruner-kwargs", Usage: "pruner options as `JSON` with Optuna's names: min_resource, max_resource, " +
			"reduction_factor (hyperband, sha), min_early_stopping_rate (sha), n_startup_trials, n_warmup_steps, interval_steps (median), " +
			"patience, min_delta (patient-hyperband)"},
		warmStartFlag(), // warmstart.go
	}
}

// applyAlgoFlags sets the spec's sampler and pruner from the flags.
func applyAlgoFlags(c *cli.Context, spec *workflows.StudySpec) error {
	if err := applySampler(spec, c.String("sampler"), c.String("sampler-kwargs")); err != nil {
		return err
	}
	return applyPruner(spec, c.String("pruner"), c.String("pruner-kwargs"))
}

// applySampler sets spec's sampler; TPE kwargs are read over spec.TPE (the
// original's options). Errors wrap errUsage and name the flag.
func applySampler(spec *workflows.StudySpec, name, kwargs string) error {
	switch name {
	case workflows.SamplerRandom:
		if len(bytes.TrimSpace([]byte(kwargs))) > 0 && kwargs != "{}" {
			return fmt.Errorf("%w: --sampler-kwargs %s: the random sampler takes no options", errUsage, kwargs)
		}
		spec.Sampler = name
		return nil
	case workflows.SamplerTPE:
	default:
		return fmt.Errorf("%w: --sampler %q: want tpe or random", errUsage, name)
	}
	spec.Sampler = name
	if len(bytes.TrimSpace([]byte(kwargs))) == 0 {
		return nil
	}
	var keys map[string]json.RawMessage
	if err := json.Unmarshal([]byte(kwargs), &keys); err != nil {
		return fmt.Errorf("%w: --sampler-kwargs: not a JSON object: %w", errUsage, err)
	}
	if _, ok := keys["seed"]; ok {
		return fmt.Errorf("%w: --sampler-kwargs: seed is the study's (--seed), not a sampler option", errUsage)
	}
	opts := spec.TPE
	if err := decodeStrict(kwargs, &opts); err != nil {
		return fmt.Errorf("%w: --sampler-kwargs: %w (TPESampler names: n_startup_trials, n_ei_candidates, prior_weight, "+
			"consider_magic_clip, consider_endpoints, multivariate, group, constant_liar)", errUsage, err)
	}
	if err := opts.Validate(); err != nil {
		return fmt.Errorf("%w: --sampler-kwargs: %w", errUsage, err)
	}
	spec.TPE = opts
	return nil
}

// applyPruner sets spec's pruner: the named kind with Optuna's defaults
// (Hyperband's max_resource is the epoch budget), then the kwargs over it,
// validated. A combination that contradicts the name (patience on plain
// hyperband, patience 0 on patient-hyperband, a field the kind does not
// use, max_resource above the epochs) is an error naming the flag.
func applyPruner(spec *workflows.StudySpec, name, kwargs string) error {
	if spec.Epochs < 1 {
		return nil // spec.Validate names the bad epoch count
	}
	var cfg pruners.Config
	switch name {
	case prunerPatientHyperband:
		cfg = pruners.DefaultConfig(spec.Epochs)
	case prunerHyperband:
		cfg = pruners.HyperbandConfig(spec.Epochs)
	case prunerSHA:
		cfg = pruners.SuccessiveHalvingConfig()
	case prunerMedian:
		cfg = pruners.MedianConfig()
	case prunerNone:
		cfg = pruners.NoneConfig()
	default:
		return fmt.Errorf("%w: --pruner %q: want patient-hyperband, hyperband, sha, median or none", errUsage, name)
	}
	if len(bytes.TrimSpace([]byte(kwargs))) > 0 {
		var keys map[string]json.RawMessage
		if err := json.Unmarshal([]byte(kwargs), &keys); err != nil {
			return fmt.Errorf("%w: --pruner-kwargs: not a JSON object: %w", errUsage, err)
		}
		if _, ok := keys["kind"]; ok {
			return fmt.Errorf("%w: --pruner-kwargs: kind is chosen by --pruner", errUsage)
		}
		if err := decodeStrict(kwargs, &cfg); err != nil {
			return fmt.Errorf("%w: --pruner-kwargs for --pruner %s: %w", errUsage, name, err)
		}
	}
	switch {
	case name == prunerHyperband && cfg.Patience > 0:
		return fmt.Errorf("%w: --pruner hyperband with patience %d: use --pruner patient-hyperband", errUsage, cfg.Patience)
	case name == prunerPatientHyperband && cfg.Patience < 1:
		return fmt.Errorf("%w: --pruner patient-hyperband needs patience >= 1 (got %d); use --pruner hyperband for none", errUsage, cfg.Patience)
	case cfg.Kind == pruners.KindHyperband && cfg.MaxResource > spec.Epochs:
		return fmt.Errorf("%w: --pruner-kwargs: max_resource %d exceeds the epochs per trial (%d)", errUsage, cfg.MaxResource, spec.Epochs)
	}
	if err := cfg.Validate(); err != nil {
		return fmt.Errorf("%w: --pruner %s --pruner-kwargs %s: %w", errUsage, name, kwargs, err)
	}
	spec.Pruner = cfg
	return nil
}

// decodeStrict decodes the JSON object s into v, refusing unknown fields
// and trailing data.
func decodeStrict(s string, v any) error {
	dec := json.NewDecoder(bytes.NewReader([]byte(s)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return fmt.Errorf("trailing data after the JSON object")
	}
	return nil
}
