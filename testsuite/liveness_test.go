package testsuite

import (
	"context"
	"database/sql"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/api/enums/v1"
	"go.temporal.io/api/workflowservice/v1"

	"github.com/redsm5/supermax-hpo/activities"
	"github.com/redsm5/supermax-hpo/activities/simtrainer"
	"github.com/redsm5/supermax-hpo/hpo"
	"github.com/redsm5/supermax-hpo/hpo/pruners"
	"github.com/redsm5/supermax-hpo/workflows"
)

// TestLivenessTerminatedCarriedTrial terminates by hand, on a real dev
// server, a trial that the study carried over continue-as-new: no signal
// will ever tell the study about it, and no child future of the current run
// watches it. The study must notice it by its own check (CheckTrials after
// Timeouts.TrialCheck of silence), record it FAIL in the ledger and count it
// once; the other trials complete.
func TestLivenessTerminatedCarriedTrial(t *testing.T) {
	e := newDevStudyEnv(t)
	e.startWorkers(t, 2, simtrainer.Config{EpochDuration: time.Second, Steps: 4})
	spec := e.spec(t, "live-terminate", 4, 2, 6)
	spec.Pruner = pruners.NoneConfig()
	spec.TrialsPerRun = 2 // run 1 starts trials 0 and 1 and continues as new at once
	spec.Timeouts.TrialCheck = 2 * time.Second
	e.start(t, spec)

	var st workflows.StudyStatus
	waitFor(t, 2*time.Minute, "run 2 carrying trial 0", func(ctx context.Context) bool {
		v, err := e.cl.QueryWorkflow(ctx, spec.Study, "", workflows.QueryStatus)
		return err == nil && v.Get(&st) == nil && st.Run >= 2 && len(st.Running) > 0 && st.Running[0].Number == 0
	})
	victim := workflows.TrialWorkflowID(spec.Study, 0)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := e.cl.TerminateWorkflow(ctx, victim, "", "liveness test: terminated by hand"); err != nil {
		t.Fatalf("terminate %s: %v", victim, err)
	}
	t.Logf("terminated %s while the study was in run %d", victim, st.Run)

	res, err := e.waitResult(spec.Study, 3*time.Minute)
	if err != nil {
		e.logStatus(t, spec.Study)
		t.Fatal(err)
	}
	if res.State != workflows.StudyStateCompleted || res.Counts.Complete != 3 || res.Counts.Fail != 1 || res.Counts.Running != 0 {
		t.Fatalf("study ended %s with %+v, want COMPLETED with 3 complete and 1 fail", res.State, res.Counts)
	}
	trials := checkLedgerExactlyOnce(t, spec, 4)
	for _, tr := range trials {
		want := hpo.Complete
		if tr.Number == 0 {
			want = hpo.Fail
		}
		if tr.State != want {
			t.Errorf("trial %d is %s in the ledger, want %s", tr.Number, tr.State, want)
		}
	}
	reason := ledgerReason(t, spec, 0)
	if !strings.Contains(reason, "TERMINATED") {
		t.Errorf("trial 0's reason in the ledger is %q, want it to say the workflow was TERMINATED", reason)
	}
	// What CheckTrials reports for each kind of trial workflow.
	for id, want := range map[string]string{
		victim:                                   "TERMINATED",
		workflows.TrialWorkflowID(spec.Study, 1): "COMPLETED",
		workflows.TrialWorkflowID(spec.Study, 99): activities.StatusNotFound,
	} {
		c, err := activities.InspectWithClient(ctx, e.cl, id)
		if err != nil || c.Status != want || (want == "COMPLETED") != (c.End != nil && c.End.State == hpo.Complete) {
			t.Errorf("InspectWithClient(%s) = %+v, %v; want status %s (with a COMPLETE end only when COMPLETED)", id, c, err, want)
		}
	}
}

// TestLivenessResetTrial resets a running trial, on a real dev server, to
// its first workflow task: the server terminates the run and starts a new
// one that trains again from the trial's checkpoint. The study must count
// the trial once, with the new run's end (COMPLETE), not as a FAIL of the
// terminated run, and the ledger must hold each epoch once. Epochs (3 s)
// are longer than Timeouts.TrialCheck (1 s), so the study checks the trial
// while its reset run goes on: the check must follow the latest run.
// (The server does not tell the parent about a reset child, so the study's
// child future and the trial-done signal alone also get this right; the
// test guards that the checks do not break it.)
func TestLivenessResetTrial(t *testing.T) {
	e := newDevStudyEnv(t)
	e.startWorkers(t, 2, simtrainer.Config{EpochDuration: 3 * time.Second, Steps: 6})
	spec := e.spec(t, "live-reset", 2, 2, 3)
	spec.Pruner = pruners.NoneConfig()
	spec.Timeouts.TrialCheck = time.Second
	e.start(t, spec)

	id := workflows.TrialWorkflowID(spec.Study, 0)
	waitFor(t, 2*time.Minute, id+" to finish epoch 1", func(ctx context.Context) bool {
		var ts workflows.TrialStatus
		v, err := e.cl.QueryWorkflow(ctx, id, "", workflows.QueryStatus)
		return err == nil && v.Get(&ts) == nil && ts.Epoch >= 1
	})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	first, err := e.cl.DescribeWorkflow(ctx, id, "")
	if err != nil {
		t.Fatal(err)
	}
	firstRun := first.RawResponse.GetWorkflowExecutionInfo().GetExecution().GetRunId()
	resp, err := e.cl.ResetWorkflowExecution(ctx, &workflowservice.ResetWorkflowExecutionRequest{
		Namespace:                 "default",
		WorkflowExecution:         &commonpb.WorkflowExecution{WorkflowId: id, RunId: firstRun},
		Reason:                    "liveness test: reset by hand",
		WorkflowTaskFinishEventId: firstWorkflowTaskCompleted(t, e, id, firstRun),
		RequestId:                 uuid.NewString(),
	})
	if err != nil {
		t.Fatalf("reset %s: %v", id, err)
	}
	t.Logf("reset %s: run %s -> %s", id, firstRun, resp.GetRunId())

	res, err := e.waitResult(spec.Study, 3*time.Minute)
	if err != nil {
		e.logStatus(t, spec.Study)
		t.Fatal(err)
	}
	if res.State != workflows.StudyStateCompleted || res.Counts.Complete != 2 || res.Counts.Ended() != 2 {
		t.Fatalf("study ended %s with %+v, want COMPLETED with 2 complete", res.State, res.Counts)
	}
	trials := checkLedgerExactlyOnce(t, spec, 2)
	for _, tr := range trials {
		if tr.State != hpo.Complete || len(tr.Intermediate) != spec.Epochs {
			t.Errorf("trial %d in the ledger: %s with %d epochs, want COMPLETE with %d", tr.Number, tr.State, len(tr.Intermediate), spec.Epochs)
		}
	}
	d, err := e.cl.DescribeWorkflow(ctx, id, "")
	if err != nil {
		t.Fatal(err)
	}
	if got := d.RawResponse.GetWorkflowExecutionInfo().GetExecution().GetRunId(); got != resp.GetRunId() {
		t.Errorf("latest run of %s is %s, want the reset run %s", id, got, resp.GetRunId())
	}
	if n := countActivities(t, e, spec.Study, "CheckTrials"); n < 1 {
		t.Errorf("the study ran CheckTrials %d times, want >= 1 (epochs outlast Timeouts.TrialCheck)", n)
	}
}

// countActivities counts the activities of type name that the study's runs
// scheduled, following its continue-as-new chain from the latest run back.
func countActivities(t *testing.T, e *devStudyEnv, id, name string) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	n, run := 0, ""
	for {
		it := e.cl.GetWorkflowHistory(ctx, id, run, false, enums.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
		prev := ""
		for it.HasNext() {
			ev, err := it.Next()
			if err != nil {
				t.Fatal(err)
			}
			if a := ev.GetActivityTaskScheduledEventAttributes(); a != nil && a.GetActivityType().GetName() == name {
				n++
			}
			if a := ev.GetWorkflowExecutionStartedEventAttributes(); a != nil {
				prev = a.GetContinuedExecutionRunId()
			}
		}
		if prev == "" {
			return n
		}
		run = prev
	}
}

// firstWorkflowTaskCompleted is the event ID of the first completed
// workflow task of a run: the point `temporal workflow reset --type
// FirstWorkflowTask` resets to.
func firstWorkflowTaskCompleted(t *testing.T, e *devStudyEnv, id, run string) int64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	it := e.cl.GetWorkflowHistory(ctx, id, run, false, enums.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for it.HasNext() {
		ev, err := it.Next()
		if err != nil {
			t.Fatal(err)
		}
		if ev.GetEventType() == enums.EVENT_TYPE_WORKFLOW_TASK_COMPLETED {
			return ev.GetEventId()
		}
	}
	t.Fatalf("%s/%s has no completed workflow task", id, run)
	return 0
}

// ledgerReason is the reason FinishTrial recorded for trial n (the JSON
// string in Optuna's trial_user_attributes), read from the SQLite ledger.
func ledgerReason(t *testing.T, spec workflows.StudySpec, n int) string {
	t.Helper()
	path, ok := strings.CutPrefix(spec.Storage, "sqlite:///")
	if !ok {
		t.Fatalf("storage %q is not a SQLite URL", spec.Storage)
	}
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var raw string
	err = db.QueryRow(`SELECT a.value_json FROM trial_user_attributes a
		JOIN trials t ON t.trial_id = a.trial_id JOIN studies s ON s.study_id = t.study_id
		WHERE s.study_name = ? AND t.number = ? AND a.key = ?`, spec.Study, n, activities.ReasonAttr).Scan(&raw)
	if err != nil {
		t.Fatalf("reason of trial %d: %v", n, err)
	}
	var reason string
	if err := json.Unmarshal([]byte(raw), &reason); err != nil {
		t.Fatalf("reason of trial %d: %q: %v", n, raw, err)
	}
	return reason
}
