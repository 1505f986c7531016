package trainer

import (
	"github.com/redsm5/supermax-hpo/hpo"
	"github.com/redsm5/supermax-hpo/trainer/span"
)

// EvidenceConfig is an evidence trial's parameters, read by ParseEvidence
// (docs/evidence.md). Plain data.
type EvidenceConfig struct {
	// TrialConfig holds the common parameters and head.layers, head.hidden,
	// head.activation and head.dropout, which shape the span head; its
	// Pooling and loss.cls fields are empty (the span head pools nothing).
	TrialConfig
	QA QAConfig
}

// QAConfig is the span part of a trial: windows, null-example sampling,
// loss, decoding and the null decision. Plain data.
type QAConfig struct {
	// DocStride (tok.doc_stride) is the number of post tokens neighbouring
	// windows share when a post does not fit in tok.max_length.
	DocStride int
	// NegRatio (qa.neg_ratio) is the share of the training windows without
	// an answer that an epoch trains on (all windows with one train).
	NegRatio float64
	// LossType is loss.qa.type; LabelSmooth (loss.qa.label_smoothing) is
	// read under qa_ce and qa_ce_ls and used by qa_ce_ls only; Gamma and
	// Alpha (loss.qa.gamma, loss.qa.alpha) under qa_focal.
	LossType     string
	LabelSmooth  float64
	Gamma, Alpha float64
	// Decode is qa.n_best_size, qa.max_answer_len, qa.reranker, qa.nms_iou
	// and qa.topk.
	Decode span.Config
	// Null is qa.null.policy with qa.null.threshold (threshold, calibrated:
	// the starting value of the fitted threshold) or qa.null.ratio (ratio).
	Null span.NullPolicy
}

// ParseEvidence reads an evidence trial's parameters (names as in
// hpo/agents), checking each one's presence, kind and range as
// ParseCriteria does (and refusing the same two choices); conditional
// parameters are read only under their condition. tok.doc_stride must be
// below tok.max_length (whether it leaves a window room beside the
// criterion is checked when posts are split into windows); tok.use_fast is
// not read (there is one tokenizer implementation). Errors wrap
// activities.ErrInvalidConfig and name the parameter. Deterministic.
func ParseEvidence(params map[string]hpo.Value) (EvidenceConfig, error) {
	r := &paramReader{params: params}
	c := EvidenceConfig{TrialConfig: r.common()}
	q := &c.QA
	q.DocStride = r.integer("tok.doc_stride", 0, int64(max(c.MaxLength-1, 0)))
	q.NegRatio = r.num("qa.neg_ratio", 0, 1)
	q.LossType = r.str("loss.qa.type", "qa_ce", "qa_ce_ls", "qa_focal")
	if q.LossType == "qa_focal" {
		q.Gamma = r.num("loss.qa.gamma", 0, 10)
		q.Alpha = r.num("loss.qa.alpha", 0.001, 0.999)
	} else {
		q.LabelSmooth = r.num("loss.qa.label_smoothing", 0, 0.99)
	}
	q.Decode = span.Config{
		NBest:        r.integer("qa.n_best_size", 1, 1000),
		MaxAnswerLen: r.integer("qa.max_answer_len", 1, 1<<16),
		Reranker:     r.str("qa.reranker", span.RerankSum, span.RerankProduct, span.RerankSoftmax),
		NMSIoU:       r.num("qa.nms_iou", 0, 1),
		TopK:         r.integer("qa.topk", 1, 1000),
	}
	q.Null.Policy = r.str("qa.null.policy", span.NullNone, span.NullThreshold, span.NullRatio, span.NullCalibrated)
	switch q.Null.Policy {
	case span.NullThreshold, span.NullCalibrated:
		q.Null.Threshold = r.num("qa.null.threshold", -1e3, 1e3)
	case span.NullRatio:
		q.Null.Ratio = r.num("qa.null.ratio", 0, 1)
	}
	return c, r.err
}
