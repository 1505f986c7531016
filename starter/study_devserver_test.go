package main

import (
	"context"
	"testing"
	"time"

	"github.com/redsm5/supermax-hpo/testsuite"
	"github.com/redsm5/supermax-hpo/workflows"
)

// TestStartAttachesToRunningStudy starts a study twice on a real dev server
// (no worker: the study just stays running) and expects the second start to
// return the same execution, as `starter` promises.
func TestStartAttachesToRunningStudy(t *testing.T) {
	srv := testsuite.StartDevServer(t)
	cl := srv.Client()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	spec, err := workflows.DefaultStudySpec("share")
	if err != nil {
		t.Fatal(err)
	}
	spec.Study = "attach-test"
	if running, err := isRunning(ctx, cl, spec.Study); err != nil || running {
		t.Fatalf("before start: running %v, err %v", running, err)
	}
	first, err := cl.ExecuteWorkflow(ctx, startOptions(spec, workflows.TaskQueue), workflows.StudyWorkflowName, spec)
	if err != nil {
		t.Fatal(err)
	}
	second, err := cl.ExecuteWorkflow(ctx, startOptions(spec, workflows.TaskQueue), workflows.StudyWorkflowName, spec)
	if err != nil {
		t.Fatal(err)
	}
	if first.GetRunID() != second.GetRunID() {
		t.Fatalf("second start made run %s, want the running %s", second.GetRunID(), first.GetRunID())
	}
	if running, err := isRunning(ctx, cl, spec.Study); err != nil || !running {
		t.Fatalf("after start: running %v, err %v", running, err)
	}
	if err := cl.TerminateWorkflow(ctx, spec.Study, "", "test over"); err != nil {
		t.Fatal(err)
	}
}
