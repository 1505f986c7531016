package workflows

import (
	"fmt"

	"go.temporal.io/sdk/workflow"

	"github.com/redsm5/supermax-hpo/activities"
	"github.com/redsm5/supermax-hpo/hpo/agents"
)

// versionStudyNarrow is the change ID of live narrowing (SignalNarrow).
// It is taken when a narrow signal is handled, so histories without one
// (all recorded before it) replay unchanged.
const versionStudyNarrow = "study-narrow"

// maxSpaceChanges bounds the narrowings one study keeps (they are carried
// across continue-as-new).
const maxSpaceChanges = 32

// SpaceChange records that the study's trials numbered FromTrial and later
// are suggested in the space of Options (until the next change).
type SpaceChange struct {
	FromTrial int            `json:"from_trial"`
	Options   agents.Options `json:"options"`
}

// ValidateNarrow checks the options of a narrow signal for agent: a
// narrowing of the original space (agents.Options.Validate, the rules of
// HPO_MODEL_CHOICES and HPO_HEAD_LIMITS_JSON) from which a space can be
// built. Deterministic.
func ValidateNarrow(agent string, o agents.Options) error {
	a, err := agents.ParseAgent(agent)
	if err != nil {
		return err
	}
	if err := o.Validate(); err != nil {
		return err
	}
	if _, err := agents.Space(a, o); err != nil {
		return fmt.Errorf("narrowed space: %w", err)
	}
	return nil
}

// onNarrow handles SignalNarrow: from the next suggestion on, trials are
// suggested in the narrowed space. Invalid options are logged and
// ignored (the starter validates before it signals).
func (s *study) onNarrow(ctx workflow.Context, o agents.Options) {
	if workflow.GetVersion(ctx, versionStudyNarrow, workflow.DefaultVersion, 1) < 1 {
		return
	}
	if err := ValidateNarrow(s.spec.Agent, o); err != nil {
		workflow.GetLogger(ctx).Warn("study: narrow ignored", "error", err)
		return
	}
	if len(s.c.Space) >= maxSpaceChanges {
		workflow.GetLogger(ctx).Warn("study: narrow ignored: too many space changes", "max", maxSpaceChanges)
		return
	}
	s.c.Space = append(s.c.Space, SpaceChange{FromTrial: s.c.NextNumber, Options: o})
	workflow.GetLogger(ctx).Info("study: space narrowed", "from_trial", s.c.NextNumber, "narrowing", o.Narrowing())
}

// withSpace returns req with the study's current space: the last
// narrowing's options, marked so that SuggestTrials records in the ledger
// which trials ran under it; unchanged before any narrowing.
func (s *study) withSpace(req activities.SuggestRequest) activities.SuggestRequest {
	if n := len(s.c.Space); n > 0 {
		req.AgentOptions = s.c.Space[n-1].Options
		req.SpaceFrom = s.c.Space[n-1].FromTrial
		req.Narrowed = true
	}
	return req
}
