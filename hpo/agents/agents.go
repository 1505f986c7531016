// Package agents defines the search spaces of the four agents of a supermax
// study — criteria, evidence, share and joint — with every parameter of the
// original tune_max.py (docs/design.md §6) in a fixed order, the heavy-model limits
// as constraints of the space (hpo.Param.Narrow), and the narrowing of the
// space by HPO_MODEL_CHOICES and HPO_HEAD_LIMITS_JSON. HPO_MODEL_CHOICES (and
// Options.Models) may also name local model folders by absolute path beside
// the nine pretrained names, e.g. a tiny model for tests and demos; the
// trainer loads a folder as it is, and a folder is never passed off as one
// of the nine. Options.Optimizers and Options.GradCheckpointing take out the
// choices a trainer cannot implement (see trainer.RestrictOptions).
//
// Everything here is a pure function of its inputs: the same agent and
// Options always build the same space, with no global state, so a workflow
// may rebuild a study's space in any activity and get the same result.
package agents

import (
	"errors"
	"fmt"

	"github.com/redsm5/supermax-hpo/hpo"
)

// Agent names one of the four agents. Its string form is the agent's name on
// the command line, in study names and in workflow payloads.
type Agent string

// The four agents (docs/design.md §5).
const (
	Criteria Agent = "criteria"
	Evidence Agent = "evidence"
	Share    Agent = "share"
	Joint    Agent = "joint"
)

// Metric names: the validation metric a trial's value is (its best epoch's
// value of it). The trainer reports these names; studies maximize them.
const (
	// MetricMacroF1 is the criteria agent's macro-F1 on validation.
	MetricMacroF1 = "val_macro_f1"
	// MetricSpanEM is the evidence agent's span exact match on validation.
	MetricSpanEM = "val_span_em"
	// MetricMeanF1EM is (criteria macro-F1 + span exact match) / 2, the
	// share and joint agents' metric.
	MetricMeanF1EM = "val_mean_f1_em"
)

var (
	// ErrUnknownAgent is returned for an agent name that is not one of Agents.
	ErrUnknownAgent = errors.New("unknown agent")
	// ErrInvalidOptions is returned (wrapped, with the problem named) for
	// Options or environment variables that do not narrow the original space
	// to a valid one.
	ErrInvalidOptions = errors.New("invalid search-space options")
)

// Agents returns the four agents in their fixed order: criteria, evidence,
// share, joint. Each call returns a new slice.
func Agents() []Agent { return []Agent{Criteria, Evidence, Share, Joint} }

// ParseAgent returns the agent named s (exact, lower case), or an error
// wrapping ErrUnknownAgent.
func ParseAgent(s string) (Agent, error) {
	for _, a := range Agents() {
		if string(a) == s {
			return a, nil
		}
	}
	return "", fmt.Errorf("%w %q (want criteria, evidence, share or joint)", ErrUnknownAgent, s)
}

// StudyDefaults are an agent's supermax study settings from docs/design.md §6.
type StudyDefaults struct {
	// Trials is the default number of trials of the study.
	Trials int
	// StudyName is "noaug-<agent>-supermax".
	StudyName string
	// Metric is the validation metric a trial's value is (one of the Metric
	// constants).
	Metric string
	// Direction is the study's direction: always maximize.
	Direction hpo.Direction
}

// Defaults returns the study defaults of agent a, or an error wrapping
// ErrUnknownAgent. It is deterministic.
func Defaults(a Agent) (StudyDefaults, error) {
	d := StudyDefaults{StudyName: "noaug-" + string(a) + "-supermax", Direction: hpo.Maximize}
	switch a {
	case Criteria:
		d.Trials, d.Metric = 5000, MetricMacroF1
	case Evidence:
		d.Trials, d.Metric = 8000, MetricSpanEM
	case Share, Joint:
		d.Trials, d.Metric = 3000, MetricMeanF1EM
	default:
		return StudyDefaults{}, fmt.Errorf("%w %q", ErrUnknownAgent, string(a))
	}
	return d, nil
}
