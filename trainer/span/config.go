package span

import (
	"errors"
	"fmt"
	"math"
	"slices"
)

// ErrBadInput is wrapped by every error of this package: a configuration
// out of range or inputs of inconsistent lengths.
var ErrBadInput = errors.New("span: bad input")

// Rerankers (search-space qa.reranker): how a candidate span is scored.
const (
	// RerankSum scores a span by start logit + end logit (Hugging Face's
	// score); the null answer by the sum at the window's first token.
	RerankSum = "sum"
	// RerankProduct scores a span by p_start · p_end, each a softmax over
	// the window's document tokens and its first (null) token, so windows
	// are put on one probability scale; the null answer by the product at
	// the first token.
	RerankProduct = "product"
	// RerankSoftmax scores a span by the softmax of the sums over all
	// candidates of the document (every window's) and the null answer
	// together: a probability that depends on which candidates NBest and
	// MaxAnswerLen let in.
	RerankSoftmax = "softmax"
)

// Null policies (search-space qa.null.policy): when "no evidence" is
// predicted. Margin is the null score minus the best span's score, on the
// reranker's scale.
const (
	// NullNone never predicts "no evidence" unless there is no candidate.
	NullNone = "none"
	// NullThreshold predicts "no evidence" when Margin > Threshold
	// (qa.null.threshold), Hugging Face's null_score_diff_threshold.
	NullThreshold = "threshold"
	// NullRatio predicts "no evidence" for the Ratio (qa.null.ratio) share
	// of the split's documents with the largest margins.
	NullRatio = "ratio"
	// NullCalibrated is NullThreshold with a threshold fitted on the
	// training split after every epoch by FitThreshold, starting from
	// qa.null.threshold; the caller passes the fitted value in Threshold.
	NullCalibrated = "calibrated"
)

// NullPolicy is the null decision of a split. Plain data.
type NullPolicy struct {
	Policy    string  `json:"policy"`    // qa.null.policy
	Threshold float64 `json:"threshold"` // threshold, calibrated
	Ratio     float64 `json:"ratio"`     // ratio
}

// Validate checks the fields the policy uses; errors wrap ErrBadInput.
func (p NullPolicy) Validate() error {
	switch p.Policy {
	case NullNone:
	case NullThreshold, NullCalibrated:
		if math.IsNaN(p.Threshold) || math.IsInf(p.Threshold, 0) {
			return fmt.Errorf("%w: qa.null.threshold %g", ErrBadInput, p.Threshold)
		}
	case NullRatio:
		if !(p.Ratio >= 0 && p.Ratio <= 1) {
			return fmt.Errorf("%w: qa.null.ratio %g, want in [0, 1]", ErrBadInput, p.Ratio)
		}
	default:
		return fmt.Errorf("%w: qa.null.policy %q, want none, threshold, ratio or calibrated", ErrBadInput, p.Policy)
	}
	return nil
}

// Config is how one document is decoded. Plain data; see Validate.
type Config struct {
	NBest        int     `json:"n_best"`         // qa.n_best_size: start and end candidates per window
	MaxAnswerLen int     `json:"max_answer_len"` // qa.max_answer_len, in tokens
	Reranker     string  `json:"reranker"`       // qa.reranker
	NMSIoU       float64 `json:"nms_iou"`        // qa.nms_iou
	TopK         int     `json:"topk"`           // qa.topk: spans kept
}

// Validate checks every field; errors wrap ErrBadInput and name the
// search-space parameter.
func (c Config) Validate() error {
	switch {
	case c.NBest < 1:
		return fmt.Errorf("%w: qa.n_best_size %d, want >= 1", ErrBadInput, c.NBest)
	case c.MaxAnswerLen < 1:
		return fmt.Errorf("%w: qa.max_answer_len %d, want >= 1", ErrBadInput, c.MaxAnswerLen)
	case !slices.Contains([]string{RerankSum, RerankProduct, RerankSoftmax}, c.Reranker):
		return fmt.Errorf("%w: qa.reranker %q, want sum, product or softmax", ErrBadInput, c.Reranker)
	case !(c.NMSIoU >= 0 && c.NMSIoU <= 1):
		return fmt.Errorf("%w: qa.nms_iou %g, want in [0, 1]", ErrBadInput, c.NMSIoU)
	case c.TopK < 1:
		return fmt.Errorf("%w: qa.topk %d, want >= 1", ErrBadInput, c.TopK)
	}
	return nil
}
