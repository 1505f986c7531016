package testsuite

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"syscall"
	"testing"
	"time"

	"go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"

	"github.com/redsm5/supermax-hpo/activities"
	"github.com/redsm5/supermax-hpo/activities/simtrainer"
	"github.com/redsm5/supermax-hpo/hpo/pruners"
	"github.com/redsm5/supermax-hpo/workflows"
)

// TestCrashWorkerMidEpoch runs the worker binary in its own process, kills
// it with SIGKILL in the middle of an epoch, and starts another one. The
// study must complete with every trial exactly once, and the interrupted
// trial must go on from its last checkpoint: only the interrupted epoch runs
// again, in a new session, resuming at the step the trainer saved before the
// kill (its resume record says so), and its checkpoint holds each epoch once.
func TestCrashWorkerMidEpoch(t *testing.T) {
	e := newDevStudyEnv(t)
	bin := buildWorker(t)
	spec := e.spec(t, "crash-study", 3, 1, 3)
	spec.Pruner = pruners.NoneConfig() // every trial trains all its epochs
	first := startWorkerProcess(t, bin, e.srv.Address, "first")
	run := e.start(t, spec)

	// Epoch 1 of trial 0 reported: epoch 2 (2 s) is running. Kill mid-way.
	var st workflows.StudyStatus
	waitFor(t, 2*time.Minute, "trial 0 to finish epoch 1", func(ctx context.Context) bool {
		v, err := e.cl.QueryWorkflow(ctx, spec.Study, "", workflows.QueryStatus)
		return err == nil && v.Get(&st) == nil && len(st.Running) == 1 && st.Running[0].Epoch >= 1
	})
	victim := st.Running[0].Number
	time.Sleep(700 * time.Millisecond)
	if err := first.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = first.Wait()
	t.Logf("killed the worker during epoch %d of trial %d", st.Running[0].Epoch+1, victim)
	startWorkerProcess(t, bin, e.srv.Address, "second")

	res, err := e.waitResult(spec.Study, 3*time.Minute)
	if err != nil {
		e.logStatus(t, spec.Study)
		t.Fatal(err)
	}
	if res.State != workflows.StudyStateCompleted || res.Counts.Complete != 3 {
		t.Fatalf("study ended %s with %+v, want COMPLETED with 3 complete", res.State, res.Counts)
	}
	trials := checkLedgerExactlyOnce(t, spec, 3)
	checkRunHistories(t, e.cl, spec.Study, run.GetRunID())
	checkResumedFromCheckpoint(t, e.cl, spec, victim, st.Running[0].Epoch+1)
	ck, err := simtrainer.ReadCheckpoint(activities.TrialDir(spec.Outdir, spec.Study, victim))
	if err != nil {
		t.Fatal(err)
	}
	for _, tr := range trials {
		if tr.Number != victim {
			continue
		}
		for e, v := range ck.Values {
			if got, ok := tr.Intermediate[e+1]; !ok || got != v {
				t.Errorf("trial %d epoch %d: ledger has %v (present %v), checkpoint %v", victim, e+1, got, ok, v)
			}
		}
	}
	if ck.Epoch != spec.Epochs {
		t.Errorf("checkpoint of trial %d holds %d epochs, want %d", victim, ck.Epoch, spec.Epochs)
	}
	// The trainer's own record: the interrupted epoch went on from the
	// position saved before the kill, not from step 0.
	interrupted := st.Running[0].Epoch + 1
	if ck.Resumes < 1 || ck.LastResume == nil || ck.LastResume.Epoch != interrupted || ck.LastResume.Step < 1 {
		t.Errorf("checkpoint of trial %d records resumes %d, last %+v; want epoch %d resumed mid-way",
			victim, ck.Resumes, ck.LastResume, interrupted)
	}
}

// TestWorkerGracefulStop sends SIGTERM to the worker binary in the middle of
// an epoch: it must stop polling, let the epoch finish and checkpoint (its
// stop timeout is longer than an epoch), exit 0, and leave the study to a
// new worker, which completes it with every trial once.
func TestWorkerGracefulStop(t *testing.T) {
	e := newDevStudyEnv(t)
	bin := buildWorker(t)
	spec := e.spec(t, "graceful-study", 2, 1, 2)
	spec.Pruner = pruners.NoneConfig()
	first := startWorkerProcess(t, bin, e.srv.Address, "first")
	e.start(t, spec)
	var st workflows.StudyStatus
	waitFor(t, 2*time.Minute, "trial 0 to finish epoch 1", func(ctx context.Context) bool {
		v, err := e.cl.QueryWorkflow(ctx, spec.Study, "", workflows.QueryStatus)
		return err == nil && v.Get(&st) == nil && len(st.Running) == 1 && st.Running[0].Epoch >= 1
	})
	time.Sleep(500 * time.Millisecond)
	sent := time.Now()
	if err := first.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := first.Wait(); err != nil {
		t.Fatalf("worker after SIGTERM: %v, want exit 0", err)
	}
	// The stop timeout is 5 s; an epoch is 2 s.
	if took := time.Since(sent); took > 10*time.Second {
		t.Fatalf("worker took %v to stop after SIGTERM", took)
	}
	// The epoch that was running finished and was checkpointed before exit.
	running := st.Running[0]
	ck, err := simtrainer.ReadCheckpoint(activities.TrialDir(spec.Outdir, spec.Study, running.Number))
	if err != nil {
		t.Fatal(err)
	}
	if ck.Epoch < running.Epoch+1 {
		t.Fatalf("after SIGTERM during epoch %d, trial %d's checkpoint holds epoch %d", running.Epoch+1, running.Number, ck.Epoch)
	}
	startWorkerProcess(t, bin, e.srv.Address, "second")
	res, err := e.waitResult(spec.Study, 3*time.Minute)
	if err != nil {
		e.logStatus(t, spec.Study)
		t.Fatal(err)
	}
	if res.State != workflows.StudyStateCompleted || res.Counts.Complete != 2 {
		t.Fatalf("study ended %s with %+v, want COMPLETED with 2 complete", res.State, res.Counts)
	}
	checkLedgerExactlyOnce(t, spec, 2)
}

// checkResumedFromCheckpoint reads the TrainEpoch requests of the victim
// trial from its history: epochs 1..E in order with only the interrupted
// epoch asked twice (a restart from scratch would ask for epoch 1 again),
// and the trial reports the lost session.
func checkResumedFromCheckpoint(t *testing.T, cl client.Client, spec workflows.StudySpec, victim, interrupted int) {
	t.Helper()
	id := workflows.TrialWorkflowID(spec.Study, victim)
	epochs := trainEpochRequests(t, cl, id)
	want := []int{}
	for ep := 1; ep <= spec.Epochs; ep++ {
		want = append(want, ep)
		if ep == interrupted {
			want = append(want, ep)
		}
	}
	if !slices.Equal(epochs, want) {
		t.Errorf("trial %s asked for epochs %v, want %v (epoch %d again after the crash, nothing else repeated)",
			id, epochs, want, interrupted)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var ts workflows.TrialStatus
	v, err := cl.QueryWorkflow(ctx, id, "", workflows.QueryStatus)
	if err == nil {
		err = v.Get(&ts)
	}
	if err != nil || ts.SessionRestarts < 1 {
		t.Errorf("trial %s status %+v (err %v): want at least one session restart", id, ts, err)
	}
}

// trainEpochRequests returns the epoch of every TrainEpoch activity the
// workflow scheduled, in order.
func trainEpochRequests(t *testing.T, cl client.Client, id string) []int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	it := cl.GetWorkflowHistory(ctx, id, "", false, enums.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	var epochs []int
	for it.HasNext() {
		ev, err := it.Next()
		if err != nil {
			t.Fatalf("history of %s: %v", id, err)
		}
		a := ev.GetActivityTaskScheduledEventAttributes()
		if a == nil || a.GetActivityType().GetName() != "TrainEpoch" {
			continue
		}
		var req activities.TrainRequest
		if err := converter.GetDefaultDataConverter().FromPayloads(a.GetInput(), &req); err != nil {
			t.Fatalf("TrainEpoch input in %s: %v", id, err)
		}
		epochs = append(epochs, req.Epoch)
	}
	return epochs
}

// buildWorker builds the worker binary into the test's temp folder.
func buildWorker(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "worker")
	cmd := exec.Command("go", "build", "-o", bin, "github.com/redsm5/supermax-hpo/worker")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build worker: %v\n%s", err, out)
	}
	return bin
}

// startWorkerProcess starts the worker binary against address with 2 s
// simulated epochs; it is killed when the test ends if still running. Its
// output goes to the test log on failure.
func startWorkerProcess(t *testing.T, bin, address, name string) *exec.Cmd {
	t.Helper()
	return startWorker(t, bin, name, "--address", address, "--devices", "cpu", "--sim-epoch", "2s", "--sim-steps", "8",
		"--heartbeat-every", "300ms", "--stop-timeout", "5s")
}

// startWorker starts the worker binary with args; it is killed when the
// test ends if still running, and its output goes to the test log on
// failure under name.
func startWorker(t *testing.T, bin, name string, args ...string) *exec.Cmd {
	t.Helper()
	logPath := filepath.Join(t.TempDir(), name+".log")
	logf, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatalf("start worker %s: %v", name, err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
		logf.Close()
		if t.Failed() {
			if out, err := os.ReadFile(logPath); err == nil {
				t.Logf("worker %s output:\n%s", name, out)
			}
		}
	})
	return cmd
}
