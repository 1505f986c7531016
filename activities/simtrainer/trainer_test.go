package simtrainer_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/redsm5/supermax-hpo/activities"
	"github.com/redsm5/supermax-hpo/activities/simtrainer"
	"github.com/redsm5/supermax-hpo/hpo"
)

func params(lr float64) map[string]hpo.Value {
	return map[string]hpo.Value{"optim.lr": hpo.Float(lr), "model.name": hpo.String("roberta-base")}
}

func TestCurveIsDeterministicAndDependsOnParamsAndSeed(t *testing.T) {
	a, b := simtrainer.NewCurve(params(3e-5), 1), simtrainer.NewCurve(params(3e-5), 1)
	for e := 1; e <= 50; e++ {
		if a.Value(e) != b.Value(e) {
			t.Fatalf("epoch %d: %v != %v for the same params and seed", e, a.Value(e), b.Value(e))
		}
		if v := a.Value(e); v < 0 || v > 1 {
			t.Fatalf("epoch %d: value %v outside [0, 1]", e, v)
		}
	}
	if c := simtrainer.NewCurve(params(3e-5), 2); c.Value(3) == a.Value(3) {
		t.Fatal("another seed gives the same value")
	}
	good, bad := simtrainer.NewCurve(params(3e-5), 1), simtrainer.NewCurve(params(3e-3), 1)
	if good.Asymptote <= bad.Asymptote {
		t.Fatalf("asymptote %v at lr 3e-5 <= %v at lr 3e-3, want the good lr higher", good.Asymptote, bad.Asymptote)
	}
	if late, early := good.Value(60), good.Value(1); late <= early {
		t.Fatalf("value at epoch 60 (%v) not above epoch 1 (%v): the curve must rise", late, early)
	}
}

func newTrainer(t *testing.T, d time.Duration) *simtrainer.Trainer {
	t.Helper()
	tr, err := simtrainer.New(simtrainer.Config{EpochDuration: d, Steps: 5})
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

func request(dir string, epoch int, p map[string]hpo.Value) activities.EpochRequest {
	return activities.EpochRequest{Study: "s", Number: 3, Params: p, Seed: 9, Epoch: epoch, MaxEpochs: 10, CheckpointDir: dir, Device: "cpu"}
}

func TestCheckpointContract(t *testing.T) {
	tr, dir, ctx := newTrainer(t, 0), t.TempDir(), context.Background()
	r1, err := tr.TrainEpoch(ctx, request(dir, 1, params(1e-4)))
	if err != nil {
		t.Fatal(err)
	}
	r2, err := tr.TrainEpoch(ctx, request(dir, 2, params(1e-4)))
	if err != nil || r2.Resumed {
		t.Fatalf("epoch 2 = %+v, %v", r2, err)
	}
	again, err := tr.TrainEpoch(ctx, request(dir, 2, params(1e-4)))
	if err != nil || !again.Resumed || again.Value != r2.Value {
		t.Fatalf("repeated epoch 2 = %+v, %v; want the recorded %v, resumed", again, err, r2.Value)
	}
	ck, err := simtrainer.ReadCheckpoint(dir)
	if err != nil || ck.Epoch != 2 || ck.Values[0] != r1.Value || ck.Values[1] != r2.Value {
		t.Fatalf("checkpoint = %+v, %v", ck, err)
	}
	if _, err := tr.TrainEpoch(ctx, request(dir, 4, params(1e-4))); !errors.Is(err, activities.ErrCheckpointMissing) {
		t.Fatalf("epoch 4 after epoch 2: err = %v, want ErrCheckpointMissing", err)
	}
}

func TestResumeMidEpochFromProgress(t *testing.T) {
	tr, dir := newTrainer(t, 0), t.TempDir()
	req := request(dir, 1, params(1e-4))
	var steps []int
	req.Progress = func(p activities.Progress) { steps = append(steps, p.Step) }
	req.Resume = &activities.Progress{Epoch: 1, Step: 3, Steps: 5}
	r, err := tr.TrainEpoch(context.Background(), req)
	if err != nil || !r.Resumed || r.ResumedAtStep != 3 {
		t.Fatalf("result = %+v, %v; want resumed at step 3", r, err)
	}
	if len(steps) != 2 || steps[0] != 4 || steps[1] != 5 {
		t.Fatalf("progress steps %v, want [4 5]", steps)
	}
	ck, _ := simtrainer.ReadCheckpoint(dir)
	if ck.Resumes != 1 || ck.LastResume == nil || *ck.LastResume != (simtrainer.ResumeRecord{Epoch: 1, Step: 3}) {
		t.Fatalf("checkpoint resume record = %+v", ck)
	}
	fresh := simtrainer.NewCurve(params(1e-4), 9).Value(1)
	if r.Value != fresh {
		t.Fatalf("resumed value %v != uninterrupted %v", r.Value, fresh)
	}
}

func TestCancellationStopsPromptlyAndKeepsTheCheckpoint(t *testing.T) {
	tr, dir := newTrainer(t, 10*time.Second), t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(20*time.Millisecond, cancel)
	start := time.Now()
	_, err := tr.TrainEpoch(ctx, request(dir, 1, params(1e-4)))
	if !errors.Is(err, context.Canceled) || time.Since(start) > 5*time.Second {
		t.Fatalf("err = %v after %v, want context.Canceled promptly", err, time.Since(start))
	}
	if ck, err := simtrainer.ReadCheckpoint(dir); err != nil || ck.Epoch != 0 {
		t.Fatalf("checkpoint after a cancelled first epoch = %+v, %v; want none", ck, err)
	}
}

func TestInjectedFailures(t *testing.T) {
	tr, ctx := newTrainer(t, 0), context.Background()
	fail := func(kind string) map[string]hpo.Value {
		return map[string]hpo.Value{simtrainer.ParamFail: hpo.String(kind)}
	}
	if _, err := tr.TrainEpoch(ctx, request(t.TempDir(), 1, fail("oom"))); !errors.Is(err, activities.ErrOutOfMemory) {
		t.Errorf("oom: err = %v", err)
	}
	if _, err := tr.TrainEpoch(ctx, request(t.TempDir(), 1, fail("invalid"))); !errors.Is(err, activities.ErrInvalidConfig) {
		t.Errorf("invalid: err = %v", err)
	}
	if _, err := tr.TrainEpoch(ctx, request(t.TempDir(), 1, fail("typo"))); !errors.Is(err, activities.ErrInvalidConfig) {
		t.Errorf("unknown failure kind: err = %v, want ErrInvalidConfig", err)
	}
	dir := t.TempDir()
	if _, err := tr.TrainEpoch(ctx, request(dir, 1, fail("transient"))); err == nil {
		t.Error("transient: first attempt succeeded")
	}
	if _, err := tr.TrainEpoch(ctx, request(dir, 1, fail("transient"))); err != nil {
		t.Errorf("transient: second attempt: %v", err)
	}
	late := map[string]hpo.Value{simtrainer.ParamFail: hpo.String("oom"), simtrainer.ParamFailEpoch: hpo.Int(2)}
	if _, err := tr.TrainEpoch(ctx, request(t.TempDir(), 1, late)); err != nil {
		t.Errorf("oom at epoch 2 failed epoch 1: %v", err)
	}
}

func TestNewRejectsNegativeConfig(t *testing.T) {
	if _, err := simtrainer.New(simtrainer.Config{EpochDuration: -time.Second}); err == nil {
		t.Fatal("negative duration accepted")
	}
}

// An epoch interrupted after some steps resumes at the saved position on a
// new attempt without heartbeat details (another worker).
func TestResumeFromSavedPositionAfterInterruption(t *testing.T) {
	tr, dir := newTrainer(t, 500*time.Millisecond), t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	req := request(dir, 1, params(1e-4))
	req.Progress = func(p activities.Progress) {
		if p.Step == 2 {
			cancel()
		}
	}
	if _, err := tr.TrainEpoch(ctx, req); !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted epoch: err = %v", err)
	}
	r, err := tr.TrainEpoch(context.Background(), request(dir, 1, params(1e-4)))
	if err != nil || !r.Resumed || r.ResumedAtStep != 2 {
		t.Fatalf("second attempt = %+v, %v; want resumed at step 2", r, err)
	}
	ck, err := simtrainer.ReadCheckpoint(dir)
	if err != nil || ck.Epoch != 1 || ck.Resumes != 1 {
		t.Fatalf("checkpoint = %+v, %v", ck, err)
	}
	if _, err := os.Stat(filepath.Join(dir, simtrainer.ProgressFile)); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("progress file left after the epoch: %v", err)
	}
}
