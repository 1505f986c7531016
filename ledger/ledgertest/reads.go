package ledgertest

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"
	"testing"

	"github.com/redsm5/supermax-hpo/hpo"
	"github.com/redsm5/supermax-hpo/ledger"
)

// outcome is how record ends one trial; a Running outcome stays running.
type outcome struct {
	state hpo.TrialState
	value *float64
}

// record creates one trial per outcome and finishes it as described.
func record(t *testing.T, l ledger.Ledger, studyID int64, outcomes []outcome) {
	t.Helper()
	ctx := ctxOf(t)
	for _, o := range outcomes {
		n, err := l.NextTrial(ctx, studyID, t0)
		wantOK(t, "NextTrial", err)
		if o.state != hpo.Running {
			wantOK(t, fmt.Sprintf("Finish trial %d", n), l.Finish(ctx, studyID, n, o.state, o.value, t0))
		}
	}
}

func wantBest(t *testing.T, l ledger.Ledger, studyID int64, number int, value float64) {
	t.Helper()
	b, err := l.Best(ctxOf(t), studyID)
	wantOK(t, "Best", err)
	if b.Number != number || b.Value == nil || !ledger.SameFloat(*b.Value, value) {
		t.Fatalf("Best = trial %d value %v, want trial %d value %v", b.Number, b.Value, number, value)
	}
}

func testBestMaximize(t *testing.T, l ledger.Ledger) {
	s := mustStudy(t, l, "max", hpo.Maximize)
	_, err := l.Best(ctxOf(t), s.ID)
	wantIs(t, "Best of an empty study", err, ledger.ErrNotFound)
	record(t, l, s.ID, []outcome{
		{hpo.Pruned, f(100)}, {hpo.Complete, f(0.5)}, {hpo.Fail, nil}, {hpo.Running, nil},
		{hpo.Complete, f(0.7)}, {hpo.Complete, f(0.7)}, {hpo.Complete, f(math.Inf(-1))},
	})
	wantBest(t, l, s.ID, 4, 0.7) // ties go to the lower number; pruned values never win
	record(t, l, s.ID, []outcome{{hpo.Complete, f(math.Inf(1))}})
	wantBest(t, l, s.ID, 7, math.Inf(1))
}

func testBestMinimize(t *testing.T, l ledger.Ledger) {
	s := mustStudy(t, l, "min", hpo.Minimize)
	record(t, l, s.ID, []outcome{{hpo.Running, nil}, {hpo.Fail, nil}, {hpo.Pruned, nil}})
	_, err := l.Best(ctxOf(t), s.ID)
	wantIs(t, "Best without a COMPLETE trial", err, ledger.ErrNotFound)
	record(t, l, s.ID, []outcome{
		{hpo.Complete, f(3)}, {hpo.Complete, f(-2)}, {hpo.Pruned, f(-50)}, {hpo.Complete, f(math.Inf(1))},
	})
	wantBest(t, l, s.ID, 4, -2)
	record(t, l, s.ID, []outcome{{hpo.Complete, f(math.Inf(-1))}})
	wantBest(t, l, s.ID, 7, math.Inf(-1))
}

func numbers(trials []hpo.Trial) []int {
	out := make([]int, len(trials))
	for i, tr := range trials {
		out[i] = tr.Number
	}
	return out
}

func wantNumbers(t *testing.T, what string, trials []hpo.Trial, want ...int) {
	t.Helper()
	if got := numbers(trials); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("%s: trials %v, want %v", what, got, want)
	}
}

// testCursor checks that an incremental read returns new trials and the
// still-unfinished ones, and that a finished trial is returned once more
// (finished) and then never again.
func testCursor(t *testing.T, l ledger.Ledger) {
	ctx := ctxOf(t)
	s := mustStudy(t, l, "cursor", hpo.Maximize)
	other := mustStudy(t, l, "other", hpo.Maximize)
	record(t, l, s.ID, []outcome{{hpo.Complete, f(1)}, {hpo.Running, nil}, {hpo.Running, nil}})
	record(t, l, other.ID, []outcome{{hpo.Running, nil}})

	all, c1, err := l.Trials(ctx, s.ID, ledger.Cursor{})
	wantOK(t, "Trials from zero", err)
	wantNumbers(t, "first read", all, 0, 1, 2)
	if len(c1.Unfinished) != 2 {
		t.Fatalf("cursor after first read: %+v, want two unfinished", c1)
	}

	wantOK(t, "Finish 1", l.Finish(ctx, s.ID, 1, hpo.Complete, f(2), t0))
	wantOK(t, "Report 2", l.Report(ctx, s.ID, 2, 1, 0.25))
	record(t, l, s.ID, []outcome{{hpo.Pruned, nil}})
	record(t, l, other.ID, []outcome{{hpo.Running, nil}})

	got, c2, err := l.Trials(ctx, s.ID, c1)
	wantOK(t, "Trials since c1", err)
	wantNumbers(t, "second read", got, 1, 2, 3)
	if got[0].State != hpo.Complete || got[1].Intermediate[1] != 0.25 || got[2].State != hpo.Pruned {
		t.Fatalf("second read returned stale trials: %+v", got)
	}
	if len(c2.Unfinished) != 1 || c2.NextTrialID <= c1.NextTrialID {
		t.Fatalf("cursor after second read: %+v (before %+v)", c2, c1)
	}

	got, c3, err := l.Trials(ctx, s.ID, c2)
	wantOK(t, "Trials since c2", err)
	wantNumbers(t, "third read, nothing new", got, 2)
	if fmt.Sprint(c3) != fmt.Sprint(c2) {
		t.Fatalf("cursor moved without changes: %+v -> %+v", c2, c3)
	}
	wantOK(t, "Finish 2", l.Finish(ctx, s.ID, 2, hpo.Fail, nil, t0))
	got, c4, err := l.Trials(ctx, s.ID, c3)
	wantOK(t, "Trials since c3", err)
	wantNumbers(t, "fourth read", got, 2)
	got, _, err = l.Trials(ctx, s.ID, c4)
	wantOK(t, "Trials since c4", err)
	wantNumbers(t, "fifth read, all finished", got)
}

// testSnapshots checks that callers cannot change the ledger through the
// maps it returns.
func testSnapshots(t *testing.T, l ledger.Ledger) {
	ctx := ctxOf(t)
	s := mustStudy(t, l, "snap", hpo.Maximize)
	p, d := space3(0.5, 4, 1)
	wantOK(t, "PutTrial", l.PutTrial(ctx, s.ID, 0, p, d, t0))
	wantOK(t, "Report", l.Report(ctx, s.ID, 0, 1, 0.5))
	first := readAll(t, l, s.ID)[0]
	first.Params["x"] = 0.9
	first.Intermediate[1] = 9
	p["x"] = 0.1
	again := readAll(t, l, s.ID)[0]
	if again.Params["x"] != 0.5 || again.Intermediate[1] != 0.5 {
		t.Fatalf("ledger changed through returned or passed maps: %+v", again)
	}
}

// testConcurrentWriters runs writers that each create, fill, report and
// finish trials at once; every number must appear exactly once, dense from 0.
func testConcurrentWriters(t *testing.T, l ledger.Ledger) {
	const writers, perWriter = 6, 8
	ctx := ctxOf(t)
	s := mustStudy(t, l, "concurrent", hpo.Maximize)
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := writeTrials(ctx, l, s.ID, w, perWriter); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	trials := readAll(t, l, s.ID)
	if len(trials) != writers*perWriter {
		t.Fatalf("%d trials, want %d", len(trials), writers*perWriter)
	}
	for _, tr := range trials {
		if tr.State != hpo.Complete || len(tr.Params) != 3 || len(tr.Intermediate) != 2 {
			t.Fatalf("trial %+v is incomplete", tr)
		}
	}
}

func writeTrials(ctx context.Context, l ledger.Ledger, studyID int64, w, count int) error {
	for i := 0; i < count; i++ {
		n, err := l.NextTrial(ctx, studyID, t0)
		if err != nil {
			return fmt.Errorf("writer %d: NextTrial: %w", w, err)
		}
		p, d := space3(float64(w)/10, int64(i+1), i%5)
		steps := []error{
			l.PutTrial(ctx, studyID, n, p, d, t0),
			l.Report(ctx, studyID, n, 1, float64(n)),
			l.Report(ctx, studyID, n, 2, float64(n)+1),
			l.Finish(ctx, studyID, n, hpo.Complete, f(float64(n)), t0),
		}
		if err := errors.Join(steps...); err != nil {
			return fmt.Errorf("writer %d, trial %d: %w", w, n, err)
		}
	}
	return nil
}

func testCanceled(t *testing.T, l ledger.Ledger) {
	s := mustStudy(t, l, "canceled", hpo.Maximize)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := l.NextTrial(ctx, s.ID, t0)
	wantIs(t, "NextTrial with a canceled context", err, context.Canceled)
	_, _, err = l.Trials(ctx, s.ID, ledger.Cursor{})
	wantIs(t, "Trials with a canceled context", err, context.Canceled)
}
