package trainer

import (
	"github.com/redsm5/supermax-hpo/hpo"
)

// TwinConfig is a share or joint trial's parameters (docs/agents.md): the
// common ones with the classification head and loss as ParseCriteria reads
// them (the head.* parameters shape both heads), the span part, and the two
// parameters of their own. Plain data.
type TwinConfig struct {
	TrialConfig
	Span SpanParams
	// ShareRatio (joint.share_ratio) is the fraction of transformer layers
	// both branches share (model.SharedLayers).
	ShareRatio float64
	// CriteriaWeight (joint.criteria_weight) is w_c of the loss
	// w_c·L_cls + (1 − w_c)·(L_start + L_end).
	CriteriaWeight float64
}

// SpanParams are the span head's loss, the windows, the decoding and the
// null decision of a trial with a span head. Plain data.
type SpanParams struct {
	DocStride    int     // tok.doc_stride: tokens shared by neighbouring windows
	LossType     string  // loss.qa.type
	LabelSmooth  float64 // loss.qa.label_smoothing (qa_ce, qa_ce_ls; used by qa_ce_ls)
	Gamma, Alpha float64 // loss.qa.gamma, loss.qa.alpha (qa_focal)
	NullPolicy   string  // qa.null.policy
	Threshold    float64 // qa.null.threshold (threshold, calibrated)
	NullRatio    float64 // qa.null.ratio (ratio)
	TopK         int     // qa.topk
	MaxAnswerLen int     // qa.max_answer_len
	NBest        int     // qa.n_best_size
	Reranker     string  // qa.reranker
	NMSIoU       float64 // qa.nms_iou
	NegRatio     float64 // qa.neg_ratio: share of null training windows kept per epoch
}

// ParseTwin reads a share or joint trial's parameters (names as in
// hpo/agents), checking each one's presence, kind and range as
// ParseCriteria does; errors wrap activities.ErrInvalidConfig and name the
// parameter. tok.doc_stride may be at most tok.max_length/2 (the space's
// own bound); whether it leaves a window room beside the criterion is
// checked when the posts are split into windows. Deterministic.
func ParseTwin(params map[string]hpo.Value) (TwinConfig, error) {
	crit, err := ParseCriteria(params)
	if err != nil {
		return TwinConfig{}, err
	}
	r := &paramReader{params: params}
	c := TwinConfig{
		TrialConfig:    crit,
		Span:           readSpanParams(r, crit.MaxLength),
		ShareRatio:     r.num("joint.share_ratio", 0, 1),
		CriteriaWeight: r.num("joint.criteria_weight", 0, 1),
	}
	return c, r.err
}

// readSpanParams reads the span part; maxLength bounds the doc stride.
func readSpanParams(r *paramReader, maxLength int) SpanParams {
	s := SpanParams{
		DocStride:    r.integer("tok.doc_stride", 0, int64(max(maxLength/2, 1))),
		LossType:     r.str("loss.qa.type", "qa_ce", "qa_ce_ls", "qa_focal"),
		NullPolicy:   r.str("qa.null.policy", "none", "threshold", "ratio", "calibrated"),
		TopK:         r.integer("qa.topk", 1, 1000),
		MaxAnswerLen: r.integer("qa.max_answer_len", 1, 1<<16),
		NBest:        r.integer("qa.n_best_size", 1, 1000),
		Reranker:     r.str("qa.reranker", "sum", "product", "softmax"),
		NMSIoU:       r.num("qa.nms_iou", 0, 1),
		NegRatio:     r.num("qa.neg_ratio", 0, 1),
	}
	if s.LossType == "qa_focal" {
		s.Gamma = r.num("loss.qa.gamma", 0, 10)
		s.Alpha = r.num("loss.qa.alpha", 0.001, 0.999)
	} else {
		s.LabelSmooth = r.num("loss.qa.label_smoothing", 0, 0.99)
	}
	switch s.NullPolicy {
	case "threshold", "calibrated":
		s.Threshold = r.num("qa.null.threshold", -1e3, 1e3)
	case "ratio":
		s.NullRatio = r.num("qa.null.ratio", 0, 1)
	}
	return s
}
