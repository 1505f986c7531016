package testsuite

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"

	"github.com/redsm5/supermax-hpo/activities"
	"github.com/redsm5/supermax-hpo/activities/simtrainer"
	"github.com/redsm5/supermax-hpo/hpo"
	"github.com/redsm5/supermax-hpo/hpo/pruners"
	"github.com/redsm5/supermax-hpo/workflows"
)

// TestChaosKillWorkersAndServer runs a 20-trial study (3 simulated epochs
// of 1 s each, parallel 2) on a dev server that persists to a SQLite file,
// with two worker processes of the worker binary, and SIGKILLs them one at
// a time four times and the server once (restarted on the same file and
// port), each kill after more trials have ended and while an epoch runs.
// Every process is restarted after its kill. What it asserts does not
// depend on timing:
//   - the study completes with all 20 trials COMPLETE, counted once;
//   - the ledger holds each trial once, none RUNNING, each with epochs
//     1..3 whose values are those of the trial's checkpoint, which holds
//     each epoch once;
//   - no epoch's value is written to the ledger twice by a trial
//     (RecordIntermediate and FinishTrial together cover each epoch once);
//   - each trial asks for its epochs in order, never going back (a restart
//     resumes from the checkpoint), and the epochs trained again in all
//     (TrainEpoch asked again in a new session, retried attempts) and those
//     the trainer resumed mid-way (its checkpoint's count) are each at most
//     one per worker kill plus one per running trial per server kill: at
//     most the interrupted epoch is recomputed.
func TestChaosKillWorkersAndServer(t *testing.T) {
	cli, err := TemporalCLIPath()
	if err != nil {
		t.Skipf("skipping: needs a real Temporal dev server: %v", err)
	}
	dir := t.TempDir()
	srv := &serverProcess{t: t, cli: cli, db: filepath.Join(dir, "temporal.db"), port: freePort(t), log: filepath.Join(dir, "server.log")}
	srv.start()
	cl, err := client.Dial(client.Options{HostPort: srv.address(), Logger: QuietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	e := &devStudyEnv{cl: cl, dir: dir}
	bin := buildWorker(t)
	workers := []*workerProcess{
		{t: t, bin: bin, address: srv.address(), name: "a", dir: dir},
		{t: t, bin: bin, address: srv.address(), name: "b", dir: dir},
	}
	for _, w := range workers {
		w.start()
	}

	const nTrials, parallel, epochs = 20, 2, 3
	spec := e.spec(t, "chaos-study", nTrials, parallel, epochs)
	spec.Pruner = pruners.NoneConfig() // every trial trains all its epochs
	spec.TrialsPerRun = 6              // several runs: trials are carried over continue-as-new
	spec.KeepBestK = 0                 // keep every checkpoint: the test reads them
	spec.Timeouts.TrialCheck = 5 * time.Second
	// Kills are noticed after these; long enough that a loaded machine's
	// late heartbeat is not taken for a dead worker (a retry the bound
	// below would count).
	spec.Timeouts.EpochHeartbeat, spec.Timeouts.SessionHeartbeat = 10*time.Second, 10*time.Second
	e.start(t, spec)

	// The plan: which process dies at each step, each after 3 more trials ended.
	plan := []string{"a", "b", "server", "a", "b"}
	workerKills, serverKills := 0, 0
	for i, victim := range plan {
		e.waitEndedMidEpoch(t, spec.Study, 2+3*i, epochs)
		time.Sleep(400 * time.Millisecond) // into the epoch
		switch victim {
		case "server":
			srv.kill()
			serverKills++
			time.Sleep(time.Second)
			srv.start()
		default:
			w := workers[victim[0]-'a']
			w.kill()
			workerKills++
			time.Sleep(time.Second)
			w.start()
		}
		t.Logf("step %d: killed and restarted %s", i+1, victim)
	}

	res, err := e.waitResult(spec.Study, 6*time.Minute)
	if err != nil {
		e.logStatus(t, spec.Study)
		t.Fatal(err)
	}
	if res.State != workflows.StudyStateCompleted || res.Counts.Complete != nTrials || res.Counts.Ended() != nTrials || res.Counts.Running != 0 {
		t.Fatalf("study ended %s with %+v, want COMPLETED with %d complete", res.State, res.Counts, nTrials)
	}
	trials := checkLedgerExactlyOnce(t, spec, nTrials)
	retrained, resumes := 0, 0
	for _, tr := range trials {
		if tr.State != hpo.Complete || len(tr.Intermediate) != epochs {
			t.Errorf("trial %d in the ledger: %s with %d epochs, want COMPLETE with %d", tr.Number, tr.State, len(tr.Intermediate), epochs)
		}
		ck, err := simtrainer.ReadCheckpoint(activities.TrialDir(spec.Outdir, spec.Study, tr.Number))
		if err != nil {
			t.Fatal(err)
		}
		resumes += ck.Resumes
		if ck.Epoch != epochs || len(ck.Values) != epochs {
			t.Errorf("trial %d's checkpoint holds %d epochs (%d values), want %d", tr.Number, ck.Epoch, len(ck.Values), epochs)
		}
		for i, v := range ck.Values {
			if got, ok := tr.Intermediate[i+1]; !ok || got != v {
				t.Errorf("trial %d epoch %d: ledger %v (present %v), checkpoint %v", tr.Number, i+1, got, ok, v)
			}
		}
		h := readTrialHistory(t, cl, workflows.TrialWorkflowID(spec.Study, tr.Number))
		for ep, n := range h.written {
			if n != 1 {
				t.Errorf("trial %d wrote epoch %d's value %d times, want once", tr.Number, ep, n)
			}
		}
		if len(h.written) != epochs {
			t.Errorf("trial %d wrote the values of %d epochs, want %d", tr.Number, len(h.written), epochs)
		}
		for i := 1; i < len(h.asked); i++ {
			if d := h.asked[i] - h.asked[i-1]; d != 0 && d != 1 {
				t.Errorf("trial %d asked for epochs %v: want each epoch after the one before, or it again after a crash", tr.Number, h.asked)
				break
			}
		}
		if len(h.asked) == 0 || h.asked[0] != 1 || h.asked[len(h.asked)-1] != epochs {
			t.Errorf("trial %d asked for epochs %v, want 1..%d", tr.Number, h.asked, epochs)
		}
		retrained += len(h.asked) - epochs + h.retries
	}
	bound := workerKills + serverKills*parallel
	t.Logf("%d worker kills, %d server kills: %d epochs asked again or retried, %d resumed mid-way (bound %d)",
		workerKills, serverKills, retrained, resumes, bound)
	if retrained > bound || resumes > bound {
		t.Errorf("%d epochs asked again or retried and %d resumed mid-way after %d worker and %d server kills, want at most %d each (the interrupted ones)",
			retrained, resumes, workerKills, serverKills, bound)
	}
}

// waitEndedMidEpoch waits until at least ended trials of the study have
// ended and a running trial has finished an epoch and trains the next one
// (the status query fails while the server is down: waitFor polls on).
func (e *devStudyEnv) waitEndedMidEpoch(t *testing.T, study string, ended, epochs int) {
	t.Helper()
	waitFor(t, 3*time.Minute, fmt.Sprintf("%d trials of %s to end, one mid-run", ended, study), func(ctx context.Context) bool {
		var st workflows.StudyStatus
		v, err := e.cl.QueryWorkflow(ctx, study, "", workflows.QueryStatus)
		if err != nil || v.Get(&st) != nil || st.Counts.Ended() < ended {
			return false
		}
		for _, r := range st.Running {
			if r.Epoch >= 1 && r.Epoch < epochs {
				return true
			}
		}
		return false
	})
}

// trialHistory is what the chaos test reads from a trial's history.
type trialHistory struct {
	asked   []int       // epoch of each TrainEpoch scheduled, in order
	retries int         // TrainEpoch attempts beyond the first (attempt - 1 of each started)
	written map[int]int // epoch -> times its value was sent to the ledger
}

// readTrialHistory reads the trial's latest run.
func readTrialHistory(t *testing.T, cl client.Client, id string) trialHistory {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	h := trialHistory{written: make(map[int]int)}
	dc := converter.GetDefaultDataConverter()
	it := cl.GetWorkflowHistory(ctx, id, "", false, enums.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	trainIDs := make(map[int64]bool)
	for it.HasNext() {
		ev, err := it.Next()
		if err != nil {
			t.Fatalf("history of %s: %v", id, err)
		}
		if a := ev.GetActivityTaskStartedEventAttributes(); a != nil && trainIDs[a.GetScheduledEventId()] {
			h.retries += int(a.GetAttempt()) - 1
		}
		a := ev.GetActivityTaskScheduledEventAttributes()
		if a == nil {
			continue
		}
		switch a.GetActivityType().GetName() {
		case "TrainEpoch":
			var req activities.TrainRequest
			if err := dc.FromPayloads(a.GetInput(), &req); err != nil {
				t.Fatalf("TrainEpoch input in %s: %v", id, err)
			}
			h.asked = append(h.asked, req.Epoch)
			trainIDs[ev.GetEventId()] = true
		case "RecordIntermediate":
			var req activities.IntermediateRequest
			if err := dc.FromPayloads(a.GetInput(), &req); err != nil {
				t.Fatalf("RecordIntermediate input in %s: %v", id, err)
			}
			h.written[req.Epoch]++
		case "FinishTrial":
			var req activities.FinishRequest
			if err := dc.FromPayloads(a.GetInput(), &req); err != nil {
				t.Fatalf("FinishTrial input in %s: %v", id, err)
			}
			for i := range req.Values {
				h.written[req.FromEpoch+i]++
			}
		}
	}
	return h
}

// serverProcess is a dev server in its own process, persisting to db, so
// that it can be SIGKILLed and started again on the same file and port.
type serverProcess struct {
	t    *testing.T
	cli  string
	db   string
	port int
	log  string
	cmd  *exec.Cmd
}

func (s *serverProcess) address() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port)) }

// start starts the server and waits (at most a minute) until it answers.
func (s *serverProcess) start() {
	s.t.Helper()
	args := append([]string{"server", "start-dev", "--db-filename", s.db, "--ip", "127.0.0.1",
		"--port", strconv.Itoa(s.port), "--headless", "--log-level", "error"}, DevServerExtraArgs()...)
	logf, err := os.OpenFile(s.log, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		s.t.Fatal(err)
	}
	cmd := exec.Command(s.cli, args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		s.t.Fatalf("start dev server: %v", err)
	}
	logf.Close()
	s.cmd = cmd
	s.t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
		if s.t.Failed() {
			if out, err := os.ReadFile(s.log); err == nil {
				s.t.Logf("dev server output (all its lives):\n%s", out)
			}
		}
	})
	deadline := time.Now().Add(time.Minute)
	for {
		cl, err := client.Dial(client.Options{HostPort: s.address(), Logger: QuietLogger()})
		if err == nil {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			_, err = cl.CheckHealth(ctx, &client.CheckHealthRequest{})
			cancel()
			cl.Close()
			if err == nil {
				return
			}
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("dev server on %s did not answer within a minute: %v", s.address(), err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// kill SIGKILLs the server and reaps it.
func (s *serverProcess) kill() {
	s.t.Helper()
	if err := s.cmd.Process.Kill(); err != nil {
		s.t.Fatalf("kill dev server: %v", err)
	}
	_ = s.cmd.Wait()
}

// workerProcess is one worker binary process (1 s simulated epochs of 5
// steps, one CPU slot), started again under the same name after a kill.
type workerProcess struct {
	t       *testing.T
	bin     string
	address string
	name    string
	dir     string
	lives   int
	cmd     *exec.Cmd
}

func (w *workerProcess) start() {
	w.t.Helper()
	w.lives++
	w.cmd = startWorker(w.t, w.bin, fmt.Sprintf("%s-%d", w.name, w.lives), "--address", w.address,
		"--devices", "cpu", "--sim-epoch", "1s", "--sim-steps", "5", "--heartbeat-every", "200ms", "--stop-timeout", "5s")
}

// kill SIGKILLs the worker and reaps it.
func (w *workerProcess) kill() {
	w.t.Helper()
	if err := w.cmd.Process.Kill(); err != nil {
		w.t.Fatalf("kill worker %s: %v", w.name, err)
	}
	_ = w.cmd.Wait()
}

// freePort returns a loopback TCP port that was free a moment ago.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
