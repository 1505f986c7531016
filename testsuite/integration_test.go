package testsuite

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"go.temporal.io/api/enums/v1"
	"go.temporal.io/api/history/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"

	"github.com/redsm5/supermax-hpo/activities"
	"github.com/redsm5/supermax-hpo/activities/simtrainer"
	"github.com/redsm5/supermax-hpo/hpo"
	"github.com/redsm5/supermax-hpo/ledger"
	"github.com/redsm5/supermax-hpo/ledger/storage"
	"github.com/redsm5/supermax-hpo/worker/setup"
	"github.com/redsm5/supermax-hpo/workflows"
)

// historyEventLimit is the server's warning threshold for one run's history
// (docs/design.md §3); every run of a study must stay below it.
const historyEventLimit = 10240

// TestIntegrationStudy runs a 30-trial study (parallel 4, K = 10, simulated
// trainer) on a real dev server with in-process workers, then checks the
// ledger, every run's history and the search attributes; then a second study
// is stopped with the stop signal and must end cleanly.
func TestIntegrationStudy(t *testing.T) {
	e := newDevStudyEnv(t)
	e.startWorkers(t, 4, simtrainer.Config{EpochDuration: 100 * time.Millisecond, Steps: 2})
	t.Run("30 trials, K=10", func(t *testing.T) {
		spec := e.spec(t, "it-study", 30, 4, 3)
		spec.TrialsPerRun = 10
		res, firstRun := e.runStudy(t, spec, 5*time.Minute)
		if res.State != workflows.StudyStateCompleted || res.Counts.Ended() != 30 || res.Counts.Running != 0 {
			t.Fatalf("study ended %s with %+v, want COMPLETED with 30 trials ended", res.State, res.Counts)
		}
		checkLedgerExactlyOnce(t, spec, 30)
		runs := checkRunHistories(t, e.cl, spec.Study, firstRun)
		if runs < 3 || runs != res.Runs {
			t.Fatalf("study took %d runs by its history, %d by its result; want >= 3 with K=10", runs, res.Runs)
		}
		checkSearchAttributes(t, e.cl, spec.Study, 30)
		checkNoVerdictLost(t, e.cl, spec.Study, 30)
	})
	t.Run("stop", func(t *testing.T) {
		spec := e.spec(t, "it-stop", 1000, 4, 3)
		started, room := e.stopAfter(t, spec, 6)
		res, err := e.waitResult(spec.Study, 3*time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		// Running trials finish (complete or pruned), none is cancelled.
		if res.State != workflows.StudyStateStopped || res.Counts.Running != 0 || res.Counts.Fail != 0 {
			t.Fatalf("stopped study ended %s with %+v, want STOPPED with none running or failed", res.State, res.Counts)
		}
		// A suggestion in flight when the signal arrived (at most the free
		// slots) may still start; nothing after it.
		if n := res.Counts.Ended(); n < started || n > started+room {
			t.Fatalf("%d trials ended; %d had started when the study took stop in, %d slots free (want %d..%d)",
				n, started, room, started, started+room)
		}
		checkLedgerExactlyOnce(t, spec, res.Counts.Ended())
	})
}

// devStudyEnv is a dev server, a client and a scratch folder for outdirs
// and the SQLite ledger.
type devStudyEnv struct {
	srv *DevServer
	cl  client.Client
	dir string
}

func newDevStudyEnv(t *testing.T) *devStudyEnv {
	srv := StartDevServer(t)
	return &devStudyEnv{srv: srv, cl: srv.Client(), dir: t.TempDir()}
}

// startWorkers starts n in-process workers, one CPU slot each (like n
// machines), wired exactly as the worker binary (package setup). They stop
// when the test ends.
func (e *devStudyEnv) startWorkers(t *testing.T, n int, sim simtrainer.Config) {
	t.Helper()
	for i := 0; i < n; i++ {
		trainers, err := setup.Trainers(setup.TrainerOptions{Sim: sim})
		if err != nil {
			t.Fatal(err)
		}
		acts, err := activities.New(activities.Config{OpenLedger: setup.OpenLedger, Trainers: trainers,
			Devices: []string{"cpu"}, HeartbeatEvery: 500 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		w := worker.New(e.cl, workflows.TaskQueue, setup.WorkerOptions([]string{"cpu"}, 10*time.Second))
		setup.Register(w, acts)
		if err := w.Start(); err != nil {
			t.Fatalf("start worker %d: %v", i, err)
		}
		t.Cleanup(func() {
			w.Stop()
			if err := activities.Close(acts); err != nil {
				t.Errorf("close activities: %v", err)
			}
		})
	}
}

// spec is a simulated-trainer study writing under the env's folder, with
// timeouts short enough that a lost worker is noticed in seconds.
func (e *devStudyEnv) spec(t *testing.T, name string, nTrials, parallel, epochs int) workflows.StudySpec {
	t.Helper()
	spec, err := workflows.DefaultStudySpec("evidence")
	if err != nil {
		t.Fatal(err)
	}
	spec.Study, spec.NTrials, spec.Parallel, spec.Epochs = name, nTrials, parallel, epochs
	spec.Patience = 0
	spec.Trainer = workflows.TrainerSimulated
	spec.Outdir = filepath.Join(e.dir, "out")
	spec.Storage = "sqlite:///" + filepath.Join(e.dir, "ledger.db")
	spec.Timeouts = workflows.Timeouts{EpochStartToClose: time.Minute, EpochHeartbeat: 3 * time.Second,
		Activity: 30 * time.Second, SessionCreation: 5 * time.Minute, SessionHeartbeat: 3 * time.Second,
		// A lost verdict costs a trial this wait; checkNoVerdictLost
		// reports any.
		Verdict: 5 * time.Second}
	spec.Pruner.MaxResource = epochs
	if err := spec.Validate(); err != nil {
		t.Fatal(err)
	}
	return spec
}

// runStudy starts spec as the starter does and waits for its result; it
// returns the result and the first run's ID.
func (e *devStudyEnv) runStudy(t *testing.T, spec workflows.StudySpec, limit time.Duration) (workflows.StudyResult, string) {
	t.Helper()
	run := e.start(t, spec)
	res, err := e.waitResult(spec.Study, limit)
	if err != nil {
		e.logStatus(t, spec.Study)
		t.Fatal(err)
	}
	return res, run.GetRunID()
}

func (e *devStudyEnv) start(t *testing.T, spec workflows.StudySpec) client.WorkflowRun {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	run, err := e.cl.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: spec.Study, TaskQueue: workflows.TaskQueue},
		workflows.StudyWorkflowName, spec)
	if err != nil {
		t.Fatalf("start study %s: %v", spec.Study, err)
	}
	return run
}

// waitResult waits for the study's last run (after continue-as-new) to end.
func (e *devStudyEnv) waitResult(study string, limit time.Duration) (workflows.StudyResult, error) {
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	var res workflows.StudyResult
	if err := e.cl.GetWorkflow(ctx, study, "").Get(ctx, &res); err != nil {
		return res, fmt.Errorf("study %s: %w", study, err)
	}
	return res, nil
}

// logStatus logs the study's status query answer, to explain a failure.
func (e *devStudyEnv) logStatus(t *testing.T, study string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var st workflows.StudyStatus
	v, err := e.cl.QueryWorkflow(ctx, study, "", workflows.QueryStatus)
	if err == nil {
		err = v.Get(&st)
	}
	t.Logf("status of %s: %+v (query error: %v)", study, st, err)
}

// stopAfter starts spec, waits until at least ended trials have ended, sends
// the stop signal and returns how many trials had started once the study
// took the signal in, and how many slots were free then.
func (e *devStudyEnv) stopAfter(t *testing.T, spec workflows.StudySpec, ended int) (started, room int) {
	t.Helper()
	e.start(t, spec)
	var st workflows.StudyStatus
	waitFor(t, 2*time.Minute, fmt.Sprintf("%d trials of %s to end", ended, spec.Study), func(ctx context.Context) bool {
		v, err := e.cl.QueryWorkflow(ctx, spec.Study, "", workflows.QueryStatus)
		return err == nil && v.Get(&st) == nil && st.Counts.Ended() >= ended
	})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := e.cl.SignalWorkflow(ctx, spec.Study, "", workflows.SignalStop, nil); err != nil {
		t.Fatalf("signal stop: %v", err)
	}
	// Once the study reports STOPPING it has taken the signal in: from
	// then on no trial may start.
	waitFor(t, time.Minute, spec.Study+" to report "+workflows.StudyStateStopping, func(ctx context.Context) bool {
		v, err := e.cl.QueryWorkflow(ctx, spec.Study, "", workflows.QueryStatus)
		return err == nil && v.Get(&st) == nil && st.State != workflows.StudyStateRunning
	})
	return st.Started, max(0, st.Parallel-st.Counts.Running)
}

// waitFor polls cond every 200 ms until it holds or limit passes.
func waitFor(t *testing.T, limit time.Duration, what string, cond func(ctx context.Context) bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		ok := cond(ctx)
		cancel()
		if ok {
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("timed out after %v waiting for %s", limit, what)
}

// checkLedgerExactlyOnce checks that the study's ledger holds exactly n
// trials, numbered 0..n-1, each finished.
func checkLedgerExactlyOnce(t *testing.T, spec workflows.StudySpec, n int) []hpo.Trial {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	l, err := storage.Open(ctx, spec.Storage)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	study, err := l.GetStudy(ctx, spec.Study)
	if err != nil {
		t.Fatalf("ledger study %s: %v", spec.Study, err)
	}
	trials, _, err := l.Trials(ctx, study.ID, ledger.Cursor{})
	if err != nil {
		t.Fatal(err)
	}
	seen := make(map[int]int)
	for _, tr := range trials {
		seen[tr.Number]++
		if !tr.State.Finished() {
			t.Errorf("trial %d is %s in the ledger, want finished", tr.Number, tr.State)
		}
	}
	for i := 0; i < n; i++ {
		if seen[i] != 1 {
			t.Errorf("trial %d is in the ledger %d times, want once", i, seen[i])
		}
	}
	if len(trials) != n {
		t.Errorf("ledger holds %d trials of %s, want %d", len(trials), spec.Study, n)
	}
	return trials
}

// checkRunHistories follows the study's continue-as-new chain from its first
// run, checks that every run's history stays under historyEventLimit, and
// returns the number of runs.
func checkRunHistories(t *testing.T, cl client.Client, id, runID string) int {
	t.Helper()
	runs := 0
	for runID != "" {
		runs++
		events, next := readRun(t, cl, id, runID)
		t.Logf("run %d (%s): %d events", runs, runID, events)
		if events >= historyEventLimit {
			t.Errorf("run %s of %s has %d history events, want < %d", runID, id, events, historyEventLimit)
		}
		runID = next
	}
	return runs
}

// readRun counts one run's history events and returns the run that
// continued it ("" for the last run).
func readRun(t *testing.T, cl client.Client, id, runID string) (int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	it := cl.GetWorkflowHistory(ctx, id, runID, false, enums.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	n, next := 0, ""
	for it.HasNext() {
		ev, err := it.Next()
		if err != nil {
			t.Fatalf("history of %s/%s: %v", id, runID, err)
		}
		n++
		next = continuedAs(ev, next)
	}
	return n, next
}

func continuedAs(ev *history.HistoryEvent, prev string) string {
	if a := ev.GetWorkflowExecutionContinuedAsNewEventAttributes(); a != nil {
		return a.GetNewExecutionRunId()
	}
	return prev
}

// checkSearchAttributes lists the study and its trials through visibility
// queries on our search attributes (eventually consistent: polled).
func checkSearchAttributes(t *testing.T, cl client.Client, study string, trials int) {
	t.Helper()
	queries := map[string]int64{
		fmt.Sprintf("%s = '%s' AND %s = '%s' AND %s IN ('COMPLETE', 'PRUNED', 'FAIL')",
			workflows.AttrKind, workflows.KindTrial, workflows.AttrStudy, study, workflows.AttrState): int64(trials),
		fmt.Sprintf("%s = '%s' AND %s = '%s' AND %s = 'evidence' AND ExecutionStatus = 'Completed'",
			workflows.AttrKind, workflows.KindStudy, workflows.AttrStudy, study, workflows.AttrAgent): 1,
	}
	for q, want := range queries {
		var got int64
		waitFor(t, 30*time.Second, fmt.Sprintf("visibility query %q to count %d", q, want), func(ctx context.Context) bool {
			resp, err := cl.CountWorkflow(ctx, &workflowservice.CountWorkflowExecutionsRequest{Query: q})
			got = resp.GetCount()
			return err == nil && got == want
		})
	}
}

// checkNoVerdictLost checks that no trial of the study waited out its
// verdict timeout: the only timer a TrialWorkflow starts is that wait, so a
// fired timer in a trial's history means the study's verdict never came.
func checkNoVerdictLost(t *testing.T, cl client.Client, study string, trials int) {
	t.Helper()
	for n := 0; n < trials; n++ {
		id := workflows.TrialWorkflowID(study, n)
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		it := cl.GetWorkflowHistory(ctx, id, "", false, enums.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
		fired := 0
		for it.HasNext() {
			ev, err := it.Next()
			if err != nil {
				cancel()
				t.Fatalf("history of %s: %v", id, err)
			}
			if ev.GetEventType() == enums.EVENT_TYPE_TIMER_FIRED {
				fired++
			}
		}
		cancel()
		if fired > 0 {
			t.Errorf("trial %s waited out the verdict timeout %d times: the study's verdict signal was lost", id, fired)
		}
	}
}
