package testsuite

import (
	"context"
	"testing"
	"time"

	"go.temporal.io/api/enums/v1"

	"github.com/redsm5/supermax-hpo/hpo/pruners"
	"github.com/redsm5/supermax-hpo/workflows"
)

// TestSeveralTrialsPerDevice runs one worker binary with --devices cpu*2
// (two trial slots on one device) and a study of 2 trials at parallelism 2:
// both trials must train at the same time on that one worker — their
// epochs' TrainEpoch activities overlap in the server's clock.
func TestSeveralTrialsPerDevice(t *testing.T) {
	e := newDevStudyEnv(t)
	bin := buildWorker(t)
	startWorker(t, bin, "two-slots", "--address", e.srv.Address, "--devices", "cpu*2", "--sim-epoch", "2s",
		"--sim-steps", "4", "--heartbeat-every", "300ms", "--stop-timeout", "5s")
	spec := e.spec(t, "slots-study", 2, 2, 3)
	spec.Pruner = pruners.NoneConfig()
	res, _ := e.runStudy(t, spec, 3*time.Minute)
	if res.State != workflows.StudyStateCompleted || res.Counts.Complete != 2 {
		t.Fatalf("study ended %s with %+v, want COMPLETED with 2 complete", res.State, res.Counts)
	}
	checkLedgerExactlyOnce(t, spec, 2)
	a := epochSpans(t, e, workflows.TrialWorkflowID(spec.Study, 0))
	b := epochSpans(t, e, workflows.TrialWorkflowID(spec.Study, 1))
	overlap := false
	for _, x := range a {
		for _, y := range b {
			overlap = overlap || (x[0].Before(y[1]) && y[0].Before(x[1]))
		}
	}
	if !overlap {
		t.Fatalf("epochs of trial 0 %v and trial 1 %v never overlapped: the worker ran one trial at a time", a, b)
	}
}

// epochSpans returns [started, closed] of each TrainEpoch attempt that
// completed in the workflow's history.
func epochSpans(t *testing.T, e *devStudyEnv, id string) [][2]time.Time {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	it := e.cl.GetWorkflowHistory(ctx, id, "", false, enums.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	train := map[int64]bool{}
	started := map[int64]time.Time{}
	var spans [][2]time.Time
	for it.HasNext() {
		ev, err := it.Next()
		if err != nil {
			t.Fatal(err)
		}
		if a := ev.GetActivityTaskScheduledEventAttributes(); a != nil && a.GetActivityType().GetName() == "TrainEpoch" {
			train[ev.GetEventId()] = true
		}
		if a := ev.GetActivityTaskStartedEventAttributes(); a != nil && train[a.GetScheduledEventId()] {
			started[ev.GetEventId()] = ev.GetEventTime().AsTime()
		}
		if a := ev.GetActivityTaskCompletedEventAttributes(); a != nil && train[a.GetScheduledEventId()] {
			spans = append(spans, [2]time.Time{started[a.GetStartedEventId()], ev.GetEventTime().AsTime()})
		}
	}
	if len(spans) == 0 {
		t.Fatalf("%s completed no TrainEpoch", id)
	}
	return spans
}
