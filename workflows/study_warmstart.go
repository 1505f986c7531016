package workflows

import (
	"fmt"

	"github.com/redsm5/supermax-hpo/activities"
)

// validateWarmStart checks StudySpec.WarmStart: at most
// activities.MaxEnqueued configurations (they travel in the spec and in
// suggestion requests), none empty. The starter checks them against the
// space (activities.FitConfig) before it starts the study.
func (s StudySpec) validateWarmStart() error {
	if len(s.WarmStart) > activities.MaxEnqueued {
		return fmt.Errorf("warm_start: %d configurations, at most %d", len(s.WarmStart), activities.MaxEnqueued)
	}
	for i, c := range s.WarmStart {
		if len(c) == 0 {
			return fmt.Errorf("warm_start[%d]: empty configuration", i)
		}
	}
	return nil
}

// withWarmStart returns req (for count trials from req.Number) with the
// warm-start configurations of those trials: configuration i is for the
// study's trial FirstNumber+i. Requests past them are returned unchanged,
// so only the study's first suggestions carry configurations.
// Deterministic.
func (s *study) withWarmStart(req activities.SuggestRequest, count int) activities.SuggestRequest {
	i := req.Number - s.c.FirstNumber
	if len(s.spec.WarmStart) == 0 || i >= len(s.spec.WarmStart) || i+count <= 0 {
		return req
	}
	lo, hi := max(0, i), min(len(s.spec.WarmStart), i+count)
	req.Enqueued = s.spec.WarmStart[lo:hi]
	req.EnqueuedFrom = s.c.FirstNumber + lo
	return req
}
