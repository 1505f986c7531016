//go:build gotch

package trainer

import (
	"context"
	"errors"
	"maps"
	"testing"

	"github.com/redsm5/supermax-hpo/activities"
	"github.com/redsm5/supermax-hpo/hpo"
)

// evidenceParams is an evidence trial for the tiny model: the criteria
// trial's common and head parameters (tinyParams) without pooling and the
// classification loss, plus the span parameters. At max_length 64 (the
// tiny model's positions) the fixture's longer posts take two windows.
func evidenceParams(t *testing.T) map[string]hpo.Value {
	p := tinyParams(t)
	for _, k := range []string{"head.pooling", "loss.cls.type", "loss.cls.label_smoothing", "loss.cls.balance"} {
		delete(p, k)
	}
	p["tok.max_length"] = hpo.Int(64)
	p["tok.doc_stride"] = hpo.Int(16)
	p["train.batch_size"] = hpo.Int(8)
	p["loss.qa.type"] = hpo.String("qa_ce")
	p["loss.qa.label_smoothing"] = hpo.Float(0)
	p["qa.null.policy"] = hpo.String("calibrated")
	p["qa.null.threshold"] = hpo.Float(0)
	p["qa.topk"] = hpo.Int(5)
	p["qa.max_answer_len"] = hpo.Int(64)
	p["qa.n_best_size"] = hpo.Int(20)
	p["qa.reranker"] = hpo.String("sum")
	p["qa.nms_iou"] = hpo.Float(0.5)
	p["qa.neg_ratio"] = hpo.Float(0.5)
	return p
}

func evidenceRequest(params map[string]hpo.Value, dir string, epoch, maxEpochs int) activities.EpochRequest {
	req := request(params, dir, epoch, maxEpochs)
	req.Study, req.Agent = "noaug-evidence-test", agentEvidence
	return req
}

// TestEvidenceTrainsAndEvaluates trains 4 epochs of the tiny model on the
// fixture's evidence documents: the training loss falls, every epoch's
// value is its exact match with F1 and the other metrics beside it, the
// calibrated threshold of every epoch is in the checkpoint, and
// EvaluateTest scores the best epoch's model on the test split with the
// evidence metrics.
func TestEvidenceTrainsAndEvaluates(t *testing.T) {
	tr := newTestTrainer(t)
	dir := t.TempDir()
	params := evidenceParams(t)
	const epochs = 4
	var losses []float64
	for e := 1; e <= epochs; e++ {
		calls := 0
		req := evidenceRequest(params, dir, e, epochs)
		req.Progress = func(activities.Progress) { calls++ }
		res, err := tr.TrainEpoch(context.Background(), req)
		if err != nil {
			t.Fatalf("epoch %d: %v", e, err)
		}
		m := res.Metrics
		if calls == 0 || res.Value != m[MetricEM] || m[MetricF1] < m[MetricEM] || m[MetricTopKEM] < m[MetricEM] || len(m) != 5 || res.Value < 0 || res.Value > 1 {
			t.Errorf("epoch %d: %+v after %d progress calls", e, res, calls)
		}
		t.Logf("epoch %d: train loss %.4f, validation EM %.3f, metrics %v", e, res.TrainLoss, res.Value, m)
		losses = append(losses, res.TrainLoss)
	}
	if losses[epochs-1] >= losses[0] {
		t.Errorf("training loss did not fall: %v", losses)
	}
	meta, _, err := readMeta(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(meta.NullThresholds) != epochs {
		t.Fatalf("checkpoint holds %d fitted thresholds, want %d", len(meta.NullThresholds), epochs)
	}
	for e, r := range meta.Results {
		if r.Metrics[MetricNullThreshold] != meta.NullThresholds[e] {
			t.Errorf("epoch %d: threshold %v in the result, %v in the checkpoint", e+1, r.Metrics[MetricNullThreshold], meta.NullThresholds[e])
		}
	}
	// The kept model and the best epoch's threshold reproduce the best
	// epoch's validation metrics; the test split gets the same metrics.
	req := evidenceRequest(params, dir, 1, epochs)
	s, err := tr.openEvidence(req, mustParseEvidence(t, params), nil)
	if err != nil {
		t.Fatal(err)
	}
	s.threshold = meta.NullThresholds[meta.BestEpoch-1]
	if err := s.restoreModel(dir + "/" + bestModelFile); err != nil {
		t.Fatal(err)
	}
	val, err := s.score(context.Background(), s.data.validation)
	s.free()
	if err != nil || !maps.Equal(s.metrics(val), meta.Results[meta.BestEpoch-1].Metrics) {
		t.Errorf("best model on validation: %v, %v; recorded %v", s.metrics(val), err, meta.Results[meta.BestEpoch-1].Metrics)
	}
	test, err := tr.EvaluateTest(context.Background(), req)
	if err != nil || test.Value != test.Metrics[MetricEM] || len(test.Metrics) != 5 || test.Metrics[MetricNullThreshold] != meta.NullThresholds[meta.BestEpoch-1] {
		t.Errorf("test split: %+v, %v", test, err)
	}
	t.Logf("test split, best epoch %d: %v", meta.BestEpoch, test.Metrics)
	if _, err := tr.EvaluateTest(context.Background(), evidenceRequest(params, t.TempDir(), 1, epochs)); !errors.Is(err, activities.ErrCheckpointMissing) {
		t.Errorf("no checkpoint: %v", err)
	}
}

func mustParseEvidence(t *testing.T, p map[string]hpo.Value) EvidenceConfig {
	t.Helper()
	c, err := ParseEvidence(p)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestEvidenceResumeIsExact: epoch 2 trained by a fresh trainer from epoch
// 1's checkpoint — model, optimizer, null-example draw and the calibrated
// threshold the fit starts from — equals epoch 2 of an uninterrupted run.
func TestEvidenceResumeIsExact(t *testing.T) {
	params := evidenceParams(t)
	params["model.dropout"] = hpo.Float(0.1)
	params["head.dropout"] = hpo.Float(0.1)
	runA, runB := t.TempDir(), t.TempDir()
	a := newTestTrainer(t)
	for e := 1; e <= 2; e++ {
		if _, err := a.TrainEpoch(context.Background(), evidenceRequest(params, runA, e, 3)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := newTestTrainer(t).TrainEpoch(context.Background(), evidenceRequest(params, runB, 1, 3)); err != nil {
		t.Fatal(err)
	}
	got, err := newTestTrainer(t).TrainEpoch(context.Background(), evidenceRequest(params, runB, 2, 3))
	if err != nil {
		t.Fatal(err)
	}
	want, _, _ := readMeta(runA)
	if got.TrainLoss != want.Results[1].TrainLoss || !maps.Equal(got.Metrics, want.Results[1].Metrics) {
		t.Errorf("resumed epoch 2 %+v, uninterrupted %+v", got, want.Results[1])
	}
}

func TestEvidenceErrors(t *testing.T) {
	tr := newTestTrainer(t)
	dir := t.TempDir()
	p := evidenceParams(t)
	p["tok.doc_stride"] = hpo.Int(60) // not below the ~49 post tokens a window holds beside a criterion
	if _, err := tr.TrainEpoch(context.Background(), evidenceRequest(p, dir, 1, 2)); !errors.Is(err, activities.ErrInvalidConfig) {
		t.Errorf("doc stride above the room of a window: %v", err)
	}
	p = evidenceParams(t)
	delete(p, "qa.null.threshold")
	if _, err := tr.TrainEpoch(context.Background(), evidenceRequest(p, dir, 1, 2)); !errors.Is(err, activities.ErrInvalidConfig) {
		t.Errorf("calibrated without a threshold: %v", err)
	}
	if _, err := tr.TrainEpoch(context.Background(), evidenceRequest(evidenceParams(t), dir, 2, 2)); !errors.Is(err, activities.ErrCheckpointMissing) {
		t.Errorf("epoch 2 without epoch 1: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := tr.TrainEpoch(ctx, evidenceRequest(evidenceParams(t), dir, 1, 2)); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
	if _, found, _ := readMeta(dir); found {
		t.Error("a failed or cancelled epoch left a checkpoint")
	}
}
