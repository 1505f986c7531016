package ledger

import (
	"context"
	"fmt"

	"github.com/redsm5/supermax-hpo/hpo"
)

// History is a cache of one study's trials kept current by incremental
// reads: what a sampler needs before each suggestion, without re-reading
// the whole table (Optuna re-reads it, which takes minutes at 8,000 trials).
// Its zero value is empty; it is a plain value that is not safe for
// concurrent use (one per sampler activity, guarded by its owner).
type History struct {
	cursor Cursor
	trials []hpo.Trial // index = trial number
}

// Refresh reads what changed since the last Refresh and returns every known
// trial sorted by number. The returned slice and the trials in it belong to
// the History: read them, do not modify them. It blocks on the ledger read
// and fails on a gap in trial numbers, which a ledger never leaves.
func (h *History) Refresh(ctx context.Context, l Ledger, studyID int64) ([]hpo.Trial, error) {
	changed, next, err := l.Trials(ctx, studyID, h.cursor)
	if err != nil {
		return nil, fmt.Errorf("refreshing history: %w", err)
	}
	for _, t := range changed {
		switch {
		case t.Number < 0 || t.Number > len(h.trials):
			return nil, fmt.Errorf("refreshing history: trial %d read with only %d known: numbers not dense", t.Number, len(h.trials))
		case t.Number == len(h.trials):
			h.trials = append(h.trials, t)
		default:
			h.trials[t.Number] = t
		}
	}
	h.cursor = next
	return h.trials, nil
}

// Cursor returns the cursor of the next Refresh, e.g. to log how far the
// cache got.
func (h *History) Cursor() Cursor { return h.cursor }

// Put records a trial its owner has just written to the ledger, so that the
// next suggestion sees it before the next Refresh (which re-reads it). It
// reports false, and changes nothing, when t.Number would leave a gap: the
// caller then refreshes instead.
func (h *History) Put(t hpo.Trial) bool {
	switch {
	case t.Number < 0 || t.Number > len(h.trials):
		return false
	case t.Number == len(h.trials):
		h.trials = append(h.trials, t)
	default:
		h.trials[t.Number] = t
	}
	return true
}

// Trials returns every known trial sorted by number, as the last Refresh or
// Put left them. The slice belongs to the History: do not modify it.
func (h *History) Trials() []hpo.Trial { return h.trials }
