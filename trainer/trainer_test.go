//go:build gotch

package trainer

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/redsm5/supermax-hpo/activities"
	"github.com/redsm5/supermax-hpo/data"
	"github.com/redsm5/supermax-hpo/hpo"
	"github.com/redsm5/supermax-hpo/model"
)

const fixtureDir = "../data/testdata/redsm5-fixture"

var (
	tinyOnce sync.Once
	tinyDir  string
	tinyErr  error
)

// TestMain removes the tiny model folder after the tests.
func TestMain(m *testing.M) {
	code := m.Run()
	if tinyDir != "" {
		os.RemoveAll(tinyDir)
	}
	os.Exit(code)
}

// tinyModel writes, once per test binary, a tiny BERT whose vocabulary
// covers the fixture's posts, sentences and criterion texts.
func tinyModel(t *testing.T) string {
	t.Helper()
	tinyOnce.Do(func() {
		c, _, err := data.Load(fixtureDir, data.DefaultOptions())
		if err != nil {
			tinyErr = err
			return
		}
		var words []string
		for _, p := range c.Posts {
			words = append(words, p.Text)
		}
		for _, a := range c.Annotations {
			words = append(words, a.Sentence)
		}
		for _, l := range data.Labels() {
			crit, _ := data.CriterionOf(l)
			words = append(words, crit.Text)
		}
		tinyDir, tinyErr = os.MkdirTemp("", "supermax-tiny-bert-")
		if tinyErr == nil {
			_, tinyErr = model.WriteTinyModel(tinyDir, model.DefaultTinyConfig("bert", words))
		}
	})
	if tinyErr != nil {
		t.Fatalf("tiny model: %v", tinyErr)
	}
	return tinyDir
}

// tinyParams is a criteria trial for the tiny model: small batches, a
// learning rate a 2-layer model learns with in a few epochs.
func tinyParams(t *testing.T) map[string]hpo.Value {
	p := criteriaParams()
	p["model.name"] = hpo.String(tinyModel(t))
	p["tok.max_length"] = hpo.Int(64)
	p["train.batch_size"] = hpo.Int(16)
	p["train.grad_accum"] = hpo.Int(1)
	p["optim.lr"] = hpo.Float(3e-3)
	p["train.freeze_encoder_layers"] = hpo.Int(0)
	p["optim.layerwise_lr_decay"] = hpo.Float(1)
	p["sched.name"] = hpo.String("linear")
	p["sched.warmup_ratio"] = hpo.Float(0)
	delete(p, "sched.cosine_cycles")
	p["loss.cls.type"] = hpo.String("ce")
	p["loss.cls.label_smoothing"] = hpo.Float(0)
	delete(p, "loss.cls.gamma")
	delete(p, "loss.cls.alpha")
	p["loss.cls.balance"] = hpo.String("none")
	p["head.pooling"] = hpo.String("mean")
	p["head.dropout"] = hpo.Float(0)
	p["model.dropout"] = hpo.Float(0)
	p["model.attn_dropout"] = hpo.Float(0)
	return p
}

func newTestTrainer(t *testing.T) *Trainer {
	t.Helper()
	cfg := DefaultConfig(fixtureDir, t.TempDir())
	cfg.Threads = 1
	tr, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

// request builds an epoch request; like activities.TrainEpoch, it takes the
// trial seed from the "seed" parameter.
func request(params map[string]hpo.Value, dir string, epoch, maxEpochs int) activities.EpochRequest {
	return activities.EpochRequest{
		Study: "noaug-criteria-test", Agent: "criteria", Number: 0, Params: params, Seed: uint64(params["seed"].Int()),
		Epoch: epoch, MaxEpochs: maxEpochs, CheckpointDir: dir, Device: testDeviceName(),
	}
}

// TestTrainingLearns trains 6 epochs: the training loss falls, validation
// macro-F1 rises well above the majority-class baseline (0.38 on the
// fixture), every epoch reports progress, the split is saved for the study,
// and the best epoch's model is kept and scores the test split.
func TestTrainingLearns(t *testing.T) {
	tr := newTestTrainer(t)
	dir := t.TempDir()
	params := tinyParams(t)
	var losses []float64
	const epochs = 6
	for e := 1; e <= epochs; e++ {
		calls := 0
		req := request(params, dir, e, epochs)
		req.Progress = func(activities.Progress) { calls++ }
		res, err := tr.TrainEpoch(context.Background(), req)
		if err != nil {
			t.Fatalf("epoch %d: %v", e, err)
		}
		if calls == 0 || res.Epoch != e || res.Value < 0 || res.Value > 1 || res.Resumed {
			t.Errorf("epoch %d: %+v after %d progress calls", e, res, calls)
		}
		t.Logf("epoch %d: train loss %.4f, validation macro-F1 %.3f", e, res.TrainLoss, res.Value)
		losses = append(losses, res.TrainLoss)
	}
	if losses[epochs-1] >= losses[0] {
		t.Errorf("training loss did not fall: %v", losses)
	}
	if _, err := os.Stat(data.SplitPath(tr.cfg.OutDir, "noaug-criteria-test")); err != nil {
		t.Errorf("split not saved: %v", err)
	}
	meta, _, err := readMeta(dir)
	if err != nil {
		t.Fatal(err)
	}
	best := 1
	for e, r := range meta.Results {
		if r.Value > meta.Results[best-1].Value {
			best = e + 1
		}
	}
	if meta.BestEpoch != best {
		t.Errorf("best epoch %d, values %v", meta.BestEpoch, meta.Results)
	}
	if v := meta.Results[best-1].Value; v < 0.6 {
		t.Errorf("best validation macro-F1 %.3f: the tiny model did not learn", v)
	}
	if _, err := os.Stat(filepath.Join(dir, bestModelFile)); err != nil {
		t.Errorf("best model not kept: %v", err)
	}
	// The kept model reproduces the best epoch's validation value, and
	// scores the test split.
	req := request(params, dir, 1, epochs)
	val, err := tr.evaluateBest(context.Background(), req, func(d *dataset) []example { return d.validation })
	if err != nil || val != meta.Results[best-1].Value {
		t.Errorf("best model on validation: %v, %v; recorded %v", val, err, meta.Results[best-1].Value)
	}
	test, err := tr.EvaluateTest(context.Background(), req)
	if err != nil || test.Value < 0 || test.Value > 1 || test.Metrics[MetricMacroF1] != test.Value || len(test.Metrics) != 1 {
		t.Errorf("test macro-F1 %+v, %v", test, err)
	}
	t.Logf("test macro-F1 of the best epoch (%d): %.3f", best, test.Value)
	if _, err := tr.EvaluateTest(context.Background(), request(params, t.TempDir(), 1, epochs)); !errors.Is(err, activities.ErrCheckpointMissing) {
		t.Errorf("no checkpoint: %v", err)
	}
}

// TestResumeIsExact: epoch 2 trained by a fresh trainer from epoch 1's
// checkpoint equals epoch 2 of an uninterrupted run, and a finished epoch
// is returned from the checkpoint without training.
func TestResumeIsExact(t *testing.T) {
	params := tinyParams(t)
	params["model.dropout"] = hpo.Float(0.1) // random streams must be restored too
	runA, runB := t.TempDir(), t.TempDir()
	a := newTestTrainer(t)
	for e := 1; e <= 2; e++ {
		if _, err := a.TrainEpoch(context.Background(), request(params, runA, e, 3)); err != nil {
			t.Fatal(err)
		}
	}
	b := newTestTrainer(t)
	if _, err := b.TrainEpoch(context.Background(), request(params, runB, 1, 3)); err != nil {
		t.Fatal(err)
	}
	resumed := newTestTrainer(t) // a new worker process, as after a crash
	got, err := resumed.TrainEpoch(context.Background(), request(params, runB, 2, 3))
	if err != nil {
		t.Fatal(err)
	}
	want, _, _ := readMeta(runA)
	if got.TrainLoss != want.Results[1].TrainLoss || got.Value != want.Results[1].Value {
		t.Errorf("resumed epoch 2 %+v, uninterrupted %+v", got, want.Results[1])
	}
	again, err := resumed.TrainEpoch(context.Background(), request(params, runB, 2, 3))
	if err != nil || !again.Resumed || again.TrainLoss != got.TrainLoss {
		t.Errorf("retried finished epoch: %+v, %v", again, err)
	}
}

func TestTrainEpochErrors(t *testing.T) {
	tr := newTestTrainer(t)
	params := tinyParams(t)
	dir := t.TempDir()
	if _, err := tr.TrainEpoch(context.Background(), request(params, dir, 2, 3)); !errors.Is(err, activities.ErrCheckpointMissing) {
		t.Errorf("epoch 2 without epoch 1: %v", err)
	}
	req := request(params, dir, 1, 3)
	req.Agent = "evidence"
	if _, err := tr.TrainEpoch(context.Background(), req); !errors.Is(err, activities.ErrInvalidConfig) {
		t.Errorf("evidence agent with criteria parameters: %v", err)
	}
	req = request(params, dir, 1, 3)
	req.Device = "cuda:7"
	if _, err := tr.TrainEpoch(context.Background(), req); !errors.Is(err, activities.ErrInvalidConfig) {
		t.Errorf("absent GPU: %v", err)
	}
	bad := tinyParams(t)
	bad["model.name"] = hpo.String(filepath.Join(t.TempDir(), "no-such-model"))
	if _, err := tr.TrainEpoch(context.Background(), request(bad, dir, 1, 3)); !errors.Is(err, activities.ErrInvalidConfig) {
		t.Errorf("missing model: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := tr.TrainEpoch(ctx, request(params, dir, 1, 3)); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
	if _, found, _ := readMeta(dir); found {
		t.Error("a cancelled epoch left a checkpoint")
	}
	other := tinyParams(t)
	if _, err := tr.TrainEpoch(context.Background(), request(other, dir, 1, 3)); err != nil {
		t.Fatal(err)
	}
	other["head.hidden"] = hpo.Int(384)
	if _, err := tr.TrainEpoch(context.Background(), request(other, dir, 2, 3)); !errors.Is(err, activities.ErrInvalidConfig) {
		t.Errorf("checkpoint of other parameters: %v", err)
	}
}

func TestClassifyOutOfMemory(t *testing.T) {
	for _, msg := range []string{"CUDA out of memory. Tried to allocate 2.00 GiB", "DefaultCPUAllocator: can't allocate memory: you tried to allocate 1"} {
		if err := classify(errors.New(msg)); !errors.Is(err, activities.ErrOutOfMemory) {
			t.Errorf("%q: %v", msg, err)
		}
	}
	if err := classify(errors.New("shape mismatch")); errors.Is(err, activities.ErrOutOfMemory) {
		t.Error("shape mismatch classified as OOM")
	}
}
