//go:build gotch

package testsuite

import (
	"context"
	"math"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"go.temporal.io/sdk/worker"

	"github.com/redsm5/supermax-hpo/activities"
	"github.com/redsm5/supermax-hpo/hpo"
	"github.com/redsm5/supermax-hpo/hpo/agents"
	"github.com/redsm5/supermax-hpo/hpo/pruners"
	"github.com/redsm5/supermax-hpo/trainer"
	"github.com/redsm5/supermax-hpo/worker/setup"
	"github.com/redsm5/supermax-hpo/workflows"
)

const fixtureDir = "../data/testdata/redsm5-fixture"

// epochLog records every epoch result a trainer returns, by trial and
// epoch. Safe for concurrent use.
type epochLog struct {
	inner activities.Trainer
	mu    sync.Mutex
	byTry map[int]map[int]activities.EpochResult
}

// TrainEpoch passes the request to the wrapped trainer and records its
// result; a retried epoch overwrites its earlier record.
func (l *epochLog) TrainEpoch(ctx context.Context, req activities.EpochRequest) (activities.EpochResult, error) {
	res, err := l.inner.TrainEpoch(ctx, req)
	if err == nil {
		l.mu.Lock()
		if l.byTry[req.Number] == nil {
			l.byTry[req.Number] = make(map[int]activities.EpochResult)
		}
		l.byTry[req.Number][req.Epoch] = res
		l.mu.Unlock()
	}
	return res, err
}

// epochs returns trial n's results in epoch order.
func (l *epochLog) epochs(n int) []activities.EpochResult {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []activities.EpochResult
	for e := 1; e <= len(l.byTry[n]); e++ {
		if r, ok := l.byTry[n][e]; ok {
			out = append(out, r)
		}
	}
	return out
}

// TestGotchCriteriaStudy is issue 4's "done when": a criteria study of 8
// trials x 3 epochs, trained by the gotch trainer on the fixture with a tiny
// BERT that trainer.WriteTinyModel writes (a local model folder, the only
// model.name choice), runs through StudyWorkflow and TrialWorkflow on a real
// dev server with an in-process worker wired as the worker binary (two CPU
// slots, parallel 2, one libtorch thread each, SQLite ledger). The space is
// restricted with trainer.RestrictOptions, so no trial samples adamw_8bit or
// grad checkpointing. No pruner and no early stopping, so every trial trains
// all 3 epochs. It asserts:
//   - the study COMPLETES with 8 COMPLETE trials, each once in the ledger,
//     each with the tiny model, a supported optimizer and no grad
//     checkpointing;
//   - each trial's 3 epoch results came from the trainer (finite train loss,
//     macro-F1 in [0, 1]), the ledger's intermediate values are those
//     macro-F1s and its value their maximum (the best epoch);
//   - the loss falls: the mean over the 8 trials of epoch 3's mean train
//     loss is below that of epoch 1's, and at least one trial's epoch-3
//     loss is at least 2% below its epoch-1 loss;
//   - the study learns: its best value (validation macro-F1) is above 0.38,
//     the majority-class baseline on the fixture's validation split.
//
// It does not assert that most trials' losses fall: the original space
// samples learning rates down to 5e-6, the whole encoder frozen, and up to
// 512 examples per update, so on the fixture (about 160 training examples,
// 1–20 updates per epoch) many trials barely move in 3 epochs, and whether
// their loss ends a hair lower or higher is noise: in our runs 3 to 5 of
// the 8 trials ended lower. The numbers vary from run to run because the two
// trials training at once share libtorch's process-wide random generator
// (dropout draws interleave); the test logs every trial's losses.
func TestGotchCriteriaStudy(t *testing.T) {
	e := newDevStudyEnv(t)
	tiny := filepath.Join(e.dir, "tiny-bert")
	if _, err := trainer.WriteTinyModel(tiny, fixtureDir); err != nil {
		t.Fatal(err)
	}
	spec := gotchSpec(t, e, tiny)
	log := startGotchWorker(t, e, spec.Outdir)

	res, _ := e.runStudy(t, spec, 5*time.Minute)
	if res.State != workflows.StudyStateCompleted || res.Counts.Complete != 8 || res.Counts.Ended() != 8 {
		t.Fatalf("study ended %s with %+v, want COMPLETED with 8 complete trials", res.State, res.Counts)
	}
	trials := checkLedgerExactlyOnce(t, spec, 8)
	fell, best := 0, 0.0
	var first, last float64
	for _, tr := range trials {
		checkGotchTrialParams(t, tr, tiny)
		eps := log.epochs(tr.Number)
		if len(eps) != 3 {
			t.Fatalf("trial %d: the trainer returned %d epochs, want 3", tr.Number, len(eps))
		}
		checkGotchTrialValues(t, tr, eps)
		t.Logf("trial %d: train loss %.4f %.4f %.4f, validation macro-F1 %.3f %.3f %.3f",
			tr.Number, eps[0].TrainLoss, eps[1].TrainLoss, eps[2].TrainLoss, eps[0].Value, eps[1].Value, eps[2].Value)
		if eps[2].TrainLoss <= 0.98*eps[0].TrainLoss {
			fell++
		}
		first, last = first+eps[0].TrainLoss/8, last+eps[2].TrainLoss/8
		best = max(best, *tr.Value)
	}
	t.Logf("mean train loss %.4f -> %.4f; %d trials 2%% lower at epoch 3; best validation macro-F1 %.3f", first, last, fell, best)
	if last >= first || fell == 0 {
		t.Errorf("the loss did not fall: mean over trials %.4f at epoch 1, %.4f at epoch 3; %d trials 2%% lower (want >= 1)", first, last, fell)
	}
	if best <= majorityBaseline {
		t.Errorf("best validation macro-F1 %.3f, not above the majority baseline %.2f", best, majorityBaseline)
	}
}

// majorityBaseline is the macro-F1 of always predicting the majority class
// on the fixture's validation split.
const majorityBaseline = 0.38

// gotchSpec is the criteria study of the test: 8 x 3, parallel 2, gotch
// trainer, the tiny model only, the space restricted to what the trainer
// implements.
func gotchSpec(t *testing.T, e *devStudyEnv, tiny string) workflows.StudySpec {
	t.Helper()
	spec, err := workflows.DefaultStudySpec("criteria")
	if err != nil {
		t.Fatal(err)
	}
	spec.Study, spec.NTrials, spec.Parallel, spec.Epochs = "gotch-criteria", 8, 2, 3
	spec.Patience = 0
	spec.Pruner = pruners.NoneConfig()
	spec.Trainer = workflows.TrainerGotch
	spec.Outdir = filepath.Join(e.dir, "out")
	spec.Storage = "sqlite:///" + filepath.Join(e.dir, "ledger.db")
	spec.AgentOptions, _, err = trainer.RestrictOptions(agents.Options{Models: []string{tiny}})
	if err != nil {
		t.Fatal(err)
	}
	spec.Timeouts = workflows.Timeouts{EpochStartToClose: 2 * time.Minute, EpochHeartbeat: 20 * time.Second,
		Activity: 30 * time.Second, SessionCreation: 5 * time.Minute, SessionHeartbeat: 10 * time.Second, Verdict: 10 * time.Second}
	if err := spec.Validate(); err != nil {
		t.Fatal(err)
	}
	return spec
}

// startGotchWorker starts one in-process worker wired as the binary, with
// two CPU slots and the gotch trainer (one libtorch thread: two trials use
// the two cores), whose epoch results are recorded in the returned log.
func startGotchWorker(t *testing.T, e *devStudyEnv, outdir string) *epochLog {
	t.Helper()
	trainers, err := setup.Trainers(setup.TrainerOptions{DataDir: fixtureDir, OutDir: outdir, Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	log := &epochLog{inner: trainers[workflows.TrainerGotch], byTry: make(map[int]map[int]activities.EpochResult)}
	trainers[workflows.TrainerGotch] = log
	devices := []string{"cpu", "cpu"}
	acts, err := activities.New(activities.Config{OpenLedger: setup.OpenLedger, Trainers: trainers,
		Devices: devices, HeartbeatEvery: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	w := worker.New(e.cl, workflows.TaskQueue, setup.WorkerOptions(devices, 30*time.Second))
	setup.Register(w, acts)
	if err := w.Start(); err != nil {
		t.Fatalf("start worker: %v", err)
	}
	t.Cleanup(func() {
		w.Stop()
		if err := activities.Close(acts); err != nil {
			t.Errorf("close activities: %v", err)
		}
	})
	return log
}

// checkGotchTrialParams checks that a trial trained the tiny model with
// choices the gotch trainer implements.
func checkGotchTrialParams(t *testing.T, tr hpo.Trial, tiny string) {
	t.Helper()
	ext := func(name string) hpo.Value {
		d, ok := tr.Dists[name]
		if !ok {
			t.Fatalf("trial %d has no %s", tr.Number, name)
		}
		return d.ToExternal(tr.Params[name])
	}
	if m := ext("model.name").Str(); m != tiny {
		t.Errorf("trial %d: model.name %q, want the tiny model %q", tr.Number, m, tiny)
	}
	if o := ext("optim.name").Str(); !slices.Contains(trainer.SupportedOptimizers(), o) {
		t.Errorf("trial %d: optim.name %q, which the gotch trainer does not implement", tr.Number, o)
	}
	if ext("train.grad_checkpointing").Bool() {
		t.Errorf("trial %d: train.grad_checkpointing true, which the gotch trainer does not implement", tr.Number)
	}
}

// checkGotchTrialValues checks a trial's ledger record against the epoch
// results the trainer returned.
func checkGotchTrialValues(t *testing.T, tr hpo.Trial, eps []activities.EpochResult) {
	t.Helper()
	if tr.State != hpo.Complete || tr.Value == nil {
		t.Fatalf("trial %d is %s with value %v, want COMPLETE with a value", tr.Number, tr.State, tr.Value)
	}
	best := math.Inf(-1)
	for i, r := range eps {
		if math.IsNaN(r.TrainLoss) || math.IsInf(r.TrainLoss, 0) || r.TrainLoss <= 0 || r.Value < 0 || r.Value > 1 {
			t.Errorf("trial %d epoch %d: %+v", tr.Number, i+1, r)
		}
		if v, ok := tr.Intermediate[i+1]; !ok || v != r.Value {
			t.Errorf("trial %d epoch %d: ledger intermediate %v (present %v), trainer returned %v", tr.Number, i+1, v, ok, r.Value)
		}
		best = max(best, r.Value)
	}
	if *tr.Value != best {
		t.Errorf("trial %d: ledger value %v, want the best epoch's %v", tr.Number, *tr.Value, best)
	}
}
