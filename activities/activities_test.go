package activities_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/redsm5/supermax-hpo/activities"
	"github.com/redsm5/supermax-hpo/activities/simtrainer"
	"github.com/redsm5/supermax-hpo/hpo"
	"github.com/redsm5/supermax-hpo/ledger"
	"github.com/redsm5/supermax-hpo/ledger/memory"
)

// fixture is an activity test environment over an in-memory ledger.
type fixture struct {
	env  *testsuite.TestActivityEnvironment
	l    *memory.Ledger
	acts *activities.Activities
}

func newFixture(t *testing.T, trainers map[string]activities.Trainer) *fixture {
	t.Helper()
	var suite testsuite.WorkflowTestSuite
	l := memory.New()
	acts, err := activities.New(activities.Config{
		OpenLedger: func(context.Context, string) (ledger.Ledger, error) { return l, nil },
		Trainers:   trainers,
	})
	if err != nil {
		t.Fatal(err)
	}
	env := suite.NewTestActivityEnvironment()
	env.RegisterActivity(acts)
	return &fixture{env: env, l: l, acts: acts}
}

func (f *fixture) initStudy(t *testing.T, name string) activities.InitStudyResult {
	t.Helper()
	v, err := f.env.ExecuteActivity(f.acts.InitStudy, activities.InitStudyRequest{Study: name, Storage: "mem", Direction: "maximize"})
	if err != nil {
		t.Fatal(err)
	}
	var r activities.InitStudyResult
	if err := v.Get(&r); err != nil {
		t.Fatal(err)
	}
	return r
}

func (f *fixture) suggest(t *testing.T, studyID int64, n int) activities.SuggestResult {
	t.Helper()
	v, err := f.env.ExecuteActivity(f.acts.SuggestTrial, activities.SuggestRequest{
		Study: "s", StudyID: studyID, Storage: "mem", Agent: "criteria", Direction: "maximize", Seed: 5, Sampler: "random", Number: n,
	})
	if err != nil {
		t.Fatal(err)
	}
	var r activities.SuggestResult
	if err := v.Get(&r); err != nil {
		t.Fatal(err)
	}
	return r
}

func TestSuggestTrialRecordsAndIsIdempotent(t *testing.T) {
	f := newFixture(t, nil)
	st := f.initStudy(t, "s")
	if st.NextNumber != 0 {
		t.Fatalf("next number of a new study = %d, want 0", st.NextNumber)
	}
	first := f.suggest(t, st.StudyID, 0)
	if first.State != hpo.Running || len(first.Params) == 0 || len(first.Params) != len(first.Internal) {
		t.Fatalf("suggestion = %+v", first)
	}
	again := f.suggest(t, st.StudyID, 0)
	for name, x := range first.Internal {
		if again.Internal[name] != x || !again.Params[name].Equal(first.Params[name]) {
			t.Fatalf("repeated suggestion differs at %q: %v vs %v", name, again.Internal[name], x)
		}
	}
	trials, _, err := f.l.Trials(context.Background(), st.StudyID, ledger.Cursor{})
	if err != nil || len(trials) != 1 || trials[0].State != hpo.Running || len(trials[0].Params) != len(first.Internal) {
		t.Fatalf("ledger = %+v, %v; want one RUNNING trial with the params", trials, err)
	}
	second := f.suggest(t, st.StudyID, 1)
	if second.Number != 1 {
		t.Fatalf("second suggestion numbered %d", second.Number)
	}
}

// A study started again under the same name continues the numbering, and a
// trial that already ended comes back with its end instead of new params.
func TestRestartedStudyContinuesNumberingAndKeepsEnds(t *testing.T) {
	f := newFixture(t, nil)
	st := f.initStudy(t, "s")
	f.suggest(t, st.StudyID, 0)
	f.suggest(t, st.StudyID, 1)
	v := 0.7
	if err := f.l.Finish(context.Background(), st.StudyID, 0, hpo.Complete, &v, time.Now()); err != nil {
		t.Fatal(err)
	}
	if again := f.initStudy(t, "s"); again.StudyID != st.StudyID || again.NextNumber != 2 {
		t.Fatalf("init again = %+v, want the same study, next number 2", again)
	}
	ended := f.suggest(t, st.StudyID, 0)
	if ended.State != hpo.Complete || ended.Value == nil || *ended.Value != 0.7 {
		t.Fatalf("suggestion for a finished trial = %+v, want COMPLETE 0.7", ended)
	}
}

func TestSuggestTrialRejectsBadRequests(t *testing.T) {
	f := newFixture(t, nil)
	st := f.initStudy(t, "s")
	_, err := f.env.ExecuteActivity(f.acts.SuggestTrial, activities.SuggestRequest{
		Study: "s", StudyID: st.StudyID, Storage: "mem", Agent: "nope", Direction: "maximize", Sampler: "random",
	})
	assertAppError(t, err, activities.ErrTypeInvalidConfig)
	_, err = f.env.ExecuteActivity(f.acts.SuggestTrial, activities.SuggestRequest{
		Study: "s", StudyID: st.StudyID, Storage: "mem", Agent: "criteria", Direction: "maximize", Sampler: "grid",
	})
	assertAppError(t, err, activities.ErrTypeInvalidConfig)
}

func TestFinishTrialIsIdempotentAndFirstEndWins(t *testing.T) {
	f := newFixture(t, nil)
	st := f.initStudy(t, "s")
	f.suggest(t, st.StudyID, 0)
	v := 0.5
	req := activities.FinishRequest{Storage: "mem", StudyID: st.StudyID, Number: 0, State: hpo.Complete, Value: &v, Reason: "max epochs",
		FromEpoch: 2, Values: []float64{0.4, 0.5}}
	for i := 0; i < 2; i++ {
		r := finish(t, f, req)
		if r.AlreadyFinished {
			t.Fatalf("finish #%d reported already finished", i+1)
		}
	}
	if r := finish(t, f, activities.FinishRequest{Storage: "mem", StudyID: st.StudyID, Number: 0, State: hpo.Fail, Reason: "cancelled"}); !r.AlreadyFinished {
		t.Fatal("a different end after COMPLETE was not reported as already finished")
	}
	_, err := f.env.ExecuteActivity(f.acts.FinishTrial, activities.FinishRequest{Storage: "mem", StudyID: st.StudyID, Number: 0, State: hpo.Running})
	assertAppError(t, err, activities.ErrTypeInvalidConfig)
	best, err := f.l.Best(context.Background(), st.StudyID)
	if err != nil || best.Number != 0 || *best.Value != 0.5 {
		t.Fatalf("best = %+v, %v", best, err)
	}
	if len(best.Intermediate) != 2 || best.Intermediate[2] != 0.4 || best.Intermediate[3] != 0.5 {
		t.Fatalf("intermediate values = %v, want epochs 2 and 3 written by FinishTrial", best.Intermediate)
	}
}

func finish(t *testing.T, f *fixture, req activities.FinishRequest) activities.FinishResult {
	t.Helper()
	v, err := f.env.ExecuteActivity(f.acts.FinishTrial, req)
	if err != nil {
		t.Fatal(err)
	}
	var r activities.FinishResult
	if err := v.Get(&r); err != nil {
		t.Fatal(err)
	}
	return r
}

func TestCleanupKeepsBestKAndRunningTrials(t *testing.T) {
	f := newFixture(t, nil)
	st := f.initStudy(t, "s")
	outdir := t.TempDir()
	values := []float64{0.3, 0.9, 0.5, 0.8}
	for n := 0; n < 5; n++ {
		f.suggest(t, st.StudyID, n)
		if err := os.MkdirAll(activities.TrialDir(outdir, "s", n), 0o755); err != nil {
			t.Fatal(err)
		}
		if n < len(values) {
			finish(t, f, activities.FinishRequest{Storage: "mem", StudyID: st.StudyID, Number: n, State: hpo.Complete, Value: &values[n]})
		}
	}
	v, err := f.env.ExecuteActivity(f.acts.CleanupCheckpoints, activities.CleanupRequest{
		Study: "s", StudyID: st.StudyID, Storage: "mem", Outdir: outdir, Direction: "maximize", KeepBestK: 2,
	})
	if err != nil {
		t.Fatal(err)
	}
	var r activities.CleanupResult
	if err := v.Get(&r); err != nil {
		t.Fatal(err)
	}
	if len(r.Kept) != 2 || r.Kept[0] != 1 || r.Kept[1] != 3 || len(r.Removed) != 2 || r.Removed[0] != 0 || r.Removed[1] != 2 {
		t.Fatalf("cleanup = %+v, want kept [1 3], removed [0 2]", r)
	}
	for n, want := range []bool{false, true, false, true, true} {
		_, err := os.Stat(activities.TrialDir(outdir, "s", n))
		if exists := err == nil; exists != want {
			t.Errorf("trial %d folder exists = %v, want %v", n, exists, want)
		}
	}
}

func TestTrainEpochClassifiesErrors(t *testing.T) {
	sim, err := simtrainer.New(simtrainer.Config{})
	if err != nil {
		t.Fatal(err)
	}
	boom := activities.TrainerFunc(func(context.Context, activities.EpochRequest) (activities.EpochResult, error) {
		return activities.EpochResult{}, errors.New("disk hiccup")
	})
	f := newFixture(t, map[string]activities.Trainer{"simulated": sim, "boom": boom})
	outdir := t.TempDir()
	req := func(trainer string, p map[string]hpo.Value) activities.TrainRequest {
		return activities.TrainRequest{Study: "s", Number: 0, Params: p, Epoch: 1, MaxEpochs: 3, Outdir: outdir, Trainer: trainer}
	}
	_, err = f.env.ExecuteActivity(f.acts.TrainEpoch, req("simulated", map[string]hpo.Value{simtrainer.ParamFail: hpo.String("oom")}))
	assertAppError(t, err, activities.ErrTypeOutOfMemory)
	_, err = f.env.ExecuteActivity(f.acts.TrainEpoch, req("gotch", nil))
	assertAppError(t, err, activities.ErrTypeInvalidConfig)
	_, err = f.env.ExecuteActivity(f.acts.TrainEpoch, req("boom", nil))
	var app *temporal.ApplicationError
	if !errors.As(err, &app) || app.NonRetryable() {
		t.Fatalf("plain trainer error: %v, want a retryable error", err)
	}
	bad := req("simulated", nil)
	bad.Study = "../escape"
	_, err = f.env.ExecuteActivity(f.acts.TrainEpoch, bad)
	assertAppError(t, err, activities.ErrTypeInvalidConfig)
}

// A retried attempt gets the last heartbeat and the trainer resumes there;
// progress is heartbeated.
func TestTrainEpochHeartbeatsAndResumesFromDetails(t *testing.T) {
	sim, err := simtrainer.New(simtrainer.Config{Steps: 4})
	if err != nil {
		t.Fatal(err)
	}
	f := newFixture(t, map[string]activities.Trainer{"simulated": sim})
	var beats int
	f.env.SetOnActivityHeartbeatListener(func(*activity.Info, converter.EncodedValues) { beats++ })
	f.env.SetHeartbeatDetails(activities.Progress{Epoch: 1, Step: 2, Steps: 4})
	outdir := t.TempDir()
	v, err := f.env.ExecuteActivity(f.acts.TrainEpoch, activities.TrainRequest{
		Study: "s", Number: 0, Params: map[string]hpo.Value{"x": hpo.Float(0.3)}, Epoch: 1, MaxEpochs: 2, Outdir: outdir, Trainer: "simulated",
	})
	if err != nil {
		t.Fatal(err)
	}
	var r activities.EpochResult
	if err := v.Get(&r); err != nil {
		t.Fatal(err)
	}
	if !r.Resumed || r.ResumedAtStep != 2 {
		t.Fatalf("result = %+v, want resumed at step 2", r)
	}
	if beats == 0 {
		t.Fatal("no heartbeat recorded")
	}
	ck, err := simtrainer.ReadCheckpoint(filepath.Join(outdir, "s", "trials", "0"))
	if err != nil || ck.Epoch != 1 || ck.Resumes != 1 {
		t.Fatalf("checkpoint = %+v, %v", ck, err)
	}
}

func assertAppError(t *testing.T, err error, typ string) {
	t.Helper()
	var app *temporal.ApplicationError
	if !errors.As(err, &app) || app.Type() != typ || !app.NonRetryable() {
		t.Fatalf("err = %v, want a non-retryable %s application error", err, typ)
	}
}
