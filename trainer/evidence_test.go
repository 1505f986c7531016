//go:build gotch

package trainer

import (
	"context"
	"testing"

	"github.com/redsm5/supermax-hpo/activities"
	"github.com/redsm5/supermax-hpo/hpo"
)

// evidenceParams is an evidence trial for the tiny model: the criteria
// trial's common and head parameters (tinyParams) without pooling and the
// classification loss, plus the span parameters.
func evidenceParams(t *testing.T) map[string]hpo.Value {
	p := tinyParams(t)
	for _, k := range []string{"head.pooling", "loss.cls.type", "loss.cls.label_smoothing", "loss.cls.balance"} {
		delete(p, k)
	}
	p["tok.max_length"] = hpo.Int(64) // the tiny model's positions: the longer posts take two windows
	p["tok.doc_stride"] = hpo.Int(16)
	p["train.batch_size"] = hpo.Int(8)
	p["loss.qa.type"] = hpo.String("qa_ce")
	p["loss.qa.label_smoothing"] = hpo.Float(0)
	p["qa.null.policy"] = hpo.String("none")
	p["qa.topk"] = hpo.Int(5)
	p["qa.max_answer_len"] = hpo.Int(64)
	p["qa.n_best_size"] = hpo.Int(20)
	p["qa.reranker"] = hpo.String("sum")
	p["qa.nms_iou"] = hpo.Float(0.5)
	p["qa.neg_ratio"] = hpo.Float(1)
	return p
}

func evidenceRequest(params map[string]hpo.Value, dir string, epoch, maxEpochs int) activities.EpochRequest {
	req := request(params, dir, epoch, maxEpochs)
	req.Study, req.Agent = "noaug-evidence-test", agentEvidence
	return req
}

// TestEvidenceLearns trains the tiny model on the fixture's evidence
// documents.
func TestEvidenceLearns(t *testing.T) {
	tr := newTestTrainer(t)
	dir := t.TempDir()
	params := evidenceParams(t)
	const epochs = 6
	for e := 1; e <= epochs; e++ {
		res, err := tr.TrainEpoch(context.Background(), evidenceRequest(params, dir, e, epochs))
		if err != nil {
			t.Fatalf("epoch %d: %v", e, err)
		}
		t.Logf("epoch %d: train loss %.4f, EM %.3f, metrics %v", e, res.TrainLoss, res.Value, res.Metrics)
	}
}
