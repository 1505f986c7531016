package ledger_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/redsm5/supermax-hpo/hpo"
	"github.com/redsm5/supermax-hpo/ledger"
	"github.com/redsm5/supermax-hpo/ledger/memory"
)

func TestHistoryFollowsTheLedger(t *testing.T) {
	ctx := context.Background()
	l := memory.New()
	s, _ := l.CreateStudy(ctx, "h", hpo.Maximize)
	var h ledger.History
	add := func() int {
		n, err := l.NextTrial(ctx, s.ID, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	add()
	add()
	trials, err := h.Refresh(ctx, l, s.ID)
	if err != nil || len(trials) != 2 {
		t.Fatalf("first refresh: %d trials, %v", len(trials), err)
	}
	one := 1.0
	if err := l.Finish(ctx, s.ID, 1, hpo.Complete, &one, time.Now()); err != nil {
		t.Fatal(err)
	}
	add()
	trials, err = h.Refresh(ctx, l, s.ID)
	if err != nil || len(trials) != 3 || trials[1].State != hpo.Complete || trials[0].State != hpo.Running {
		t.Fatalf("second refresh: %+v, %v", trials, err)
	}
	if got := h.Cursor(); len(got.Unfinished) != 2 {
		t.Fatalf("cursor %+v, want trials 0 and 2 unfinished", got)
	}
}

// gapLedger returns a trial number that skips one.
type gapLedger struct{ ledger.Ledger }

func (gapLedger) Trials(context.Context, int64, ledger.Cursor) ([]hpo.Trial, ledger.Cursor, error) {
	return []hpo.Trial{{Number: 1}}, ledger.Cursor{NextTrialID: 2}, nil
}

func TestHistoryRefusesGaps(t *testing.T) {
	var h ledger.History
	if _, err := h.Refresh(context.Background(), gapLedger{}, 1); err == nil {
		t.Fatal("a gap in trial numbers was accepted")
	}
	_, err := h.Refresh(context.Background(), memory.New(), 1)
	if !errors.Is(err, ledger.ErrNotFound) {
		t.Fatalf("refresh of a missing study: %v", err)
	}
}
