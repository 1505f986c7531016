package activities_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/redsm5/supermax-hpo/activities"
	"github.com/redsm5/supermax-hpo/hpo"
	"github.com/redsm5/supermax-hpo/hpo/tpe"
	"github.com/redsm5/supermax-hpo/ledger"
	"github.com/redsm5/supermax-hpo/ledger/memory"
)

// tpeRequest asks for trial n with TPE, constant liar as given.
func tpeRequest(studyID int64, n int, liar bool) activities.SuggestRequest {
	o := tpe.DefaultOptions()
	o.ConstantLiar = liar
	return activities.SuggestRequest{
		Study: "s", StudyID: studyID, Storage: "mem", Agent: "criteria", Direction: "maximize", Seed: 5,
		Sampler: "tpe", TPE: o, Number: n,
	}
}

func (f *fixture) suggestBatch(t *testing.T, req activities.SuggestRequest, count int) []activities.SuggestResult {
	t.Helper()
	v, err := f.env.ExecuteActivity(f.acts.SuggestTrials, activities.SuggestBatchRequest{SuggestRequest: req, Count: count})
	if err != nil {
		t.Fatal(err)
	}
	var r activities.SuggestBatchResult
	if err := v.Get(&r); err != nil {
		t.Fatal(err)
	}
	return r.Trials
}

// finishedStudy is a fixture whose study holds n COMPLETE trials (random
// parameters, values rising with the trial number): past TPE's 10 startup
// trials, so TPE's suggestions depend on the history.
func finishedStudy(t *testing.T, n int) (*fixture, int64) {
	t.Helper()
	f := newFixture(t, nil)
	st := f.initStudy(t, "s")
	for i := 0; i < n; i++ {
		f.suggest(t, st.StudyID, i)
		v := 0.1 + 0.05*float64(i%7)
		if err := f.l.Finish(context.Background(), st.StudyID, i, hpo.Complete, &v, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	return f, st.StudyID
}

func sameParams(a, b activities.SuggestResult) bool {
	if a.Number != b.Number || len(a.Internal) != len(b.Internal) {
		return false
	}
	for name, x := range a.Internal {
		if y, ok := b.Internal[name]; !ok || x != y {
			return false
		}
	}
	return true
}

// A batch suggests exactly what the same number of sequential SuggestTrial
// calls would: each trial is sampled with the earlier ones of the batch
// counted RUNNING (constant liar). The liar does change TPE's choices here,
// so the comparison would catch a batch that sampled every trial from the
// history before the batch.
func TestSuggestTrialsMatchesSequentialSuggestionsWithConstantLiar(t *testing.T) {
	const history, count = 14, 4
	batchF, id := finishedStudy(t, history)
	batch := batchF.suggestBatch(t, tpeRequest(id, history, true), count)
	seqF, seqID := finishedStudy(t, history)
	for i := 0; i < count; i++ {
		v, err := seqF.env.ExecuteActivity(seqF.acts.SuggestTrial, tpeRequest(seqID, history+i, true))
		if err != nil {
			t.Fatal(err)
		}
		var seq activities.SuggestResult
		if err := v.Get(&seq); err != nil {
			t.Fatal(err)
		}
		if batch[i].State != hpo.Running || !sameParams(batch[i], seq) {
			t.Fatalf("batch trial %d = %+v, sequential = %+v; want the same RUNNING suggestion", history+i, batch[i], seq)
		}
	}
	noLiarF, noLiarID := finishedStudy(t, history)
	noLiar := noLiarF.suggestBatch(t, tpeRequest(noLiarID, history, false), count)
	if !sameParams(noLiar[0], batch[0]) {
		t.Fatal("the first trial of a batch sees no running trial, yet liar on and off differ")
	}
	differs := false
	for i := 1; i < count; i++ {
		differs = differs || !sameParams(noLiar[i], batch[i])
	}
	if !differs {
		t.Fatal("constant liar changed no suggestion of the batch: the test cannot tell a liar-free batch")
	}
	trials, _, err := batchF.l.Trials(context.Background(), id, ledger.Cursor{})
	if err != nil || len(trials) != history+count {
		t.Fatalf("ledger holds %d trials (%v), want %d", len(trials), err, history+count)
	}
	for _, tr := range trials[history:] {
		if tr.State != hpo.Running {
			t.Errorf("trial %d is %v in the ledger, want RUNNING", tr.Number, tr.State)
		}
	}
}

// A repeated batch returns what the ledger holds for each number: trials
// suggested before, alone or in a batch, keep their parameters, and a trial
// that ended comes back with its end.
func TestSuggestTrialsIsIdempotentPerNumber(t *testing.T) {
	f := newFixture(t, nil)
	st := f.initStudy(t, "s")
	single := f.suggest(t, st.StudyID, 0)
	req := activities.SuggestRequest{
		Study: "s", StudyID: st.StudyID, Storage: "mem", Agent: "criteria", Direction: "maximize", Seed: 5, Sampler: "random",
	}
	first := f.suggestBatch(t, req, 3)
	if len(first) != 3 || !sameParams(first[0], single) {
		t.Fatalf("batch = %+v, want 3 trials starting with the earlier trial 0 %+v", first, single)
	}
	v := 0.6
	if err := f.l.Finish(context.Background(), st.StudyID, 1, hpo.Complete, &v, time.Now()); err != nil {
		t.Fatal(err)
	}
	again := f.suggestBatch(t, req, 3)
	for i := range first {
		if again[i].Number != i || !sameParams(again[i], first[i]) {
			t.Fatalf("repeated batch trial %d = %+v, want %+v", i, again[i], first[i])
		}
	}
	if again[1].State != hpo.Complete || again[1].Value == nil || *again[1].Value != 0.6 {
		t.Fatalf("trial 1 = %+v, want its end COMPLETE 0.6", again[1])
	}
	trials, _, err := f.l.Trials(context.Background(), st.StudyID, ledger.Cursor{})
	if err != nil || len(trials) != 3 {
		t.Fatalf("ledger holds %d trials (%v), want 3", len(trials), err)
	}
}

func TestSuggestTrialsRejectsBadCounts(t *testing.T) {
	f := newFixture(t, nil)
	st := f.initStudy(t, "s")
	req := activities.SuggestRequest{
		Study: "s", StudyID: st.StudyID, Storage: "mem", Agent: "criteria", Direction: "maximize", Sampler: "random",
	}
	for _, count := range []int{0, -1, activities.MaxSuggestBatch + 1} {
		_, err := f.env.ExecuteActivity(f.acts.SuggestTrials, activities.SuggestBatchRequest{SuggestRequest: req, Count: count})
		assertAppError(t, err, activities.ErrTypeInvalidConfig)
	}
	req.Agent = "nope"
	_, err := f.env.ExecuteActivity(f.acts.SuggestTrials, activities.SuggestBatchRequest{SuggestRequest: req, Count: 2})
	assertAppError(t, err, activities.ErrTypeInvalidConfig)
}

// flakyLedger fails the first PutTrial of trial failAt with a retryable error.
type flakyLedger struct {
	*memory.Ledger
	failAt int

	mu     sync.Mutex
	failed bool
}

var errFlaky = errors.New("database is busy")

func (l *flakyLedger) PutTrial(ctx context.Context, studyID int64, n int, params map[string]float64, dists map[string]hpo.Distribution, start time.Time) error {
	l.mu.Lock()
	fail := n == l.failAt && !l.failed
	l.failed = l.failed || fail
	l.mu.Unlock()
	if fail {
		return errFlaky
	}
	return l.Ledger.PutTrial(ctx, studyID, n, params, dists, start)
}

// A batch that fails part-way keeps what it recorded: the retry returns the
// trials recorded by the failed attempt unchanged and samples the rest.
func TestSuggestTrialsRetryKeepsTrialsRecordedBeforeAFailure(t *testing.T) {
	l := &flakyLedger{Ledger: memory.New(), failAt: 2}
	acts, err := activities.New(activities.Config{
		OpenLedger: func(context.Context, string) (ledger.Ledger, error) { return l, nil },
	})
	if err != nil {
		t.Fatal(err)
	}
	var suite testsuite.WorkflowTestSuite
	f := &fixture{env: suite.NewTestActivityEnvironment(), l: l.Ledger, acts: acts}
	f.env.RegisterActivity(acts)
	st := f.initStudy(t, "s")
	req := activities.SuggestBatchRequest{SuggestRequest: activities.SuggestRequest{
		Study: "s", StudyID: st.StudyID, Storage: "mem", Agent: "criteria", Direction: "maximize", Seed: 5, Sampler: "random",
	}, Count: 4}
	_, err = f.env.ExecuteActivity(acts.SuggestTrials, req)
	var app *temporal.ApplicationError
	if !errors.As(err, &app) || app.NonRetryable() || !l.failed {
		t.Fatalf("first attempt: err = %v, want the injected ledger failure as a retryable error", err)
	}
	kept, _, err := l.Trials(context.Background(), st.StudyID, ledger.Cursor{})
	if err != nil || len(kept) != 2 {
		t.Fatalf("after the failed attempt the ledger holds %d trials (%v), want trials 0 and 1", len(kept), err)
	}
	got := f.suggestBatch(t, req.SuggestRequest, req.Count)
	for i, tr := range kept {
		for name, x := range tr.Params {
			if got[i].Internal[name] != x {
				t.Fatalf("trial %d parameter %q = %v after the retry, %v recorded before", i, name, got[i].Internal[name], x)
			}
		}
	}
	if len(got) != 4 || got[3].Number != 3 {
		t.Fatalf("retry returned %d trials, want 4 numbered 0..3", len(got))
	}
}
