package workflows

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/redsm5/supermax-hpo/hpo"
	"github.com/redsm5/supermax-hpo/hpo/agents"
	"github.com/redsm5/supermax-hpo/hpo/earlystop"
	"github.com/redsm5/supermax-hpo/hpo/pruners"
	"github.com/redsm5/supermax-hpo/hpo/tpe"
)

// ErrInvalidSpec wraps every StudySpec validation error; test with errors.Is.
var ErrInvalidSpec = errors.New("invalid study spec")

// Trainer kinds a StudySpec may name.
const (
	TrainerGotch     = "gotch"
	TrainerSimulated = "simulated"
)

// Sampler names a StudySpec may name.
const (
	SamplerTPE    = "tpe"
	SamplerRandom = "random"
)

// DefaultTimeouts returns the timeouts used where a Timeouts field is zero:
// sized for real training (an epoch of a large model may take an hour).
func DefaultTimeouts() Timeouts {
	return Timeouts{
		EpochStartToClose: 4 * time.Hour,
		EpochHeartbeat:    2 * time.Minute,
		EpochMaxAttempts:  5,
		Activity:          2 * time.Minute,
		SessionCreation:   24 * time.Hour,
		SessionHeartbeat:  time.Minute,
		Verdict:           time.Minute,
		TrialCheck:        time.Minute,
	}
}

// withDefaults returns t with every zero field taken from DefaultTimeouts.
func (t Timeouts) withDefaults() Timeouts {
	d := DefaultTimeouts()
	orDefault(&t.EpochStartToClose, d.EpochStartToClose)
	orDefault(&t.EpochHeartbeat, d.EpochHeartbeat)
	orDefault(&t.EpochMaxAttempts, d.EpochMaxAttempts)
	orDefault(&t.Activity, d.Activity)
	orDefault(&t.SessionCreation, d.SessionCreation)
	orDefault(&t.SessionHeartbeat, d.SessionHeartbeat)
	orDefault(&t.Verdict, d.Verdict)
	orDefault(&t.TrialCheck, d.TrialCheck)
	return t
}

// orDefault sets *v to d when *v is zero or negative.
func orDefault[T ~int32 | ~int64](v *T, d T) {
	if *v <= 0 {
		*v = d
	}
}

// DefaultStudySpec returns the spec of the original system for agent
// (docs/design.md §6): its trial count and study name, 100 epochs, patience 20,
// min delta 0, maximize, seed 2025, TPE (multivariate, group, constant liar),
// Hyperband in a patient wrapper, parallel 4, K = 100 trials per run,
// the best 5 trials' checkpoints kept, sqlite ledger and outputs in ./_runs,
// the gotch trainer. An unknown agent is an error.
func DefaultStudySpec(agent string) (StudySpec, error) {
	a, err := agents.ParseAgent(agent)
	if err != nil {
		return StudySpec{}, fmt.Errorf("default study spec: %w", err)
	}
	d, err := agents.Defaults(a)
	if err != nil {
		return StudySpec{}, fmt.Errorf("default study spec: %w", err)
	}
	const epochs = 100
	opts := tpe.DefaultOptions()
	opts.Multivariate, opts.Group, opts.ConstantLiar = true, true, true
	return StudySpec{
		Study:        d.StudyName,
		Agent:        string(a),
		NTrials:      d.Trials,
		Parallel:     4,
		Epochs:       epochs,
		Patience:     20,
		Direction:    hpo.Maximize.String(),
		Seed:         2025,
		Sampler:      SamplerTPE,
		TPE:          opts,
		Pruner:       pruners.DefaultConfig(epochs),
		Storage:      "sqlite:///_runs/supermax.db",
		Outdir:       "_runs",
		Trainer:      TrainerGotch,
		TrialsPerRun: 100,
		KeepBestK:    5,
		Timeouts:     DefaultTimeouts(),
	}, nil
}

// Validate reports the first problem of the spec, naming the field, wrapped
// in ErrInvalidSpec. Deterministic and side-effect free (it runs in workflow
// code too).
func (s StudySpec) Validate() error {
	if err := s.validate(); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidSpec, err)
	}
	return nil
}

func (s StudySpec) validate() error {
	if s.Study == "" || s.Study == "." || s.Study == ".." || strings.ContainsAny(s.Study, `/\`) {
		return fmt.Errorf("study: %q cannot name trial workflows and checkpoint folders (empty, dot, or has a slash)", s.Study)
	}
	if _, err := agents.ParseAgent(s.Agent); err != nil {
		return fmt.Errorf("agent: %w", err)
	}
	switch {
	case s.NTrials < 1:
		return fmt.Errorf("n_trials: must be >= 1, got %d", s.NTrials)
	case s.Parallel < 1:
		return fmt.Errorf("parallel: must be >= 1, got %d", s.Parallel)
	case s.Epochs < 1:
		return fmt.Errorf("epochs: must be >= 1, got %d", s.Epochs)
	case s.TrialsPerRun < 0:
		return fmt.Errorf("trials_per_run: must be >= 0, got %d", s.TrialsPerRun)
	case s.KeepBestK < 0:
		return fmt.Errorf("keep_best_k: must be >= 0, got %d", s.KeepBestK)
	case s.Storage == "":
		return errors.New("storage: empty ledger URL")
	case s.Outdir == "":
		return errors.New("outdir: empty")
	case s.Trainer != TrainerGotch && s.Trainer != TrainerSimulated:
		return fmt.Errorf("trainer: %q is not %q or %q", s.Trainer, TrainerGotch, TrainerSimulated)
	case s.Sampler != SamplerTPE && s.Sampler != SamplerRandom:
		return fmt.Errorf("sampler: %q is not %q or %q", s.Sampler, SamplerTPE, SamplerRandom)
	}
	if _, err := hpo.ParseDirection(s.Direction); err != nil {
		return fmt.Errorf("direction: %w", err)
	}
	if s.Patience < 0 {
		return fmt.Errorf("patience: must be >= 0 (0 = no early stopping), got %d", s.Patience)
	}
	if s.Patience > 0 {
		if err := s.earlyStopping().Validate(); err != nil {
			return fmt.Errorf("patience/min_delta: %w", err)
		}
	}
	if s.Sampler == SamplerTPE {
		if err := s.TPE.Validate(); err != nil {
			return fmt.Errorf("tpe: %w", err)
		}
	}
	if err := s.Pruner.Validate(); err != nil {
		return fmt.Errorf("pruner: %w", err)
	}
	if err := s.validateWarmStart(); err != nil {
		return err
	}
	if o := s.Outputs; o != nil && (o.TopK < 1 || (s.KeepBestK > 0 && s.KeepBestK < o.TopK)) {
		return fmt.Errorf("outputs: top_k %d must be >= 1 and <= keep_best_k %d (0 keeps all), or the checkpoints to score are deleted", o.TopK, s.KeepBestK)
	}
	return nil
}

// direction returns the parsed direction; Validate has checked it.
func (s StudySpec) direction() hpo.Direction {
	d, _ := hpo.ParseDirection(s.Direction)
	return d
}

// earlyStopping is the trials' early stopping rule.
func (s StudySpec) earlyStopping() earlystop.EarlyStopping {
	return earlystop.EarlyStopping{Patience: s.Patience, MinDelta: s.MinDelta, Mode: s.direction()}
}

// hpoStudy identifies the study to the pruner.
func (s StudySpec) hpoStudy() hpo.Study {
	return hpo.Study{Name: s.Study, Direction: s.direction(), Seed: s.Seed}
}
