//go:build gotch

package model

import (
	"fmt"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/ts"
)

// QA losses (search-space loss.qa.type).
const (
	LossQACE     = "qa_ce"    // cross-entropy of start and end positions, no smoothing
	LossQASmooth = "qa_ce_ls" // the same with label smoothing over the allowed positions
	LossQAFocal  = "qa_focal" // focal loss over positions (Lin et al. 2017)
)

// maskedLogit is the logit given to positions an answer cannot start or
// end at; finite, so that 0 · log p stays 0.
const maskedLogit = -1e4

// QALossConfig is the span loss of a trial. Plain data.
type QALossConfig struct {
	Type string `json:"type"` // loss.qa.type
	// LabelSmoothing (loss.qa.label_smoothing) is used by qa_ce_ls only:
	// qa_ce is the unsmoothed loss, so that the two types differ (as the
	// criteria loss does with ce and ce_label_smooth).
	LabelSmoothing float64 `json:"label_smoothing"`
	Gamma          float64 `json:"gamma"` // loss.qa.gamma, qa_focal only
	// Alpha (loss.qa.alpha, qa_focal only) weighs examples with an answer;
	// null examples (target position 0) weigh 1 − Alpha.
	Alpha float64 `json:"alpha"`
}

// Validate checks the fields the type uses; errors wrap ErrBadInput.
func (c QALossConfig) Validate() error {
	switch c.Type {
	case LossQACE:
	case LossQASmooth:
		if c.LabelSmoothing < 0 || c.LabelSmoothing >= 1 {
			return fmt.Errorf("%w: loss.qa.label_smoothing %g, want in [0, 1)", ErrBadInput, c.LabelSmoothing)
		}
	case LossQAFocal:
		if c.Gamma < 0 || c.Alpha <= 0 || c.Alpha >= 1 {
			return fmt.Errorf("%w: loss.qa gamma %g (want >= 0) and alpha %g (want in (0, 1))", ErrBadInput, c.Gamma, c.Alpha)
		}
	default:
		return fmt.Errorf("%w: loss.qa.type %q, want qa_ce, qa_ce_ls or qa_focal", ErrBadInput, c.Type)
	}
	return nil
}

// QALoss is a configured span loss. Immutable; safe for concurrent use.
type QALoss struct{ cfg QALossConfig }

// NewQALoss validates cfg.
func NewQALoss(cfg QALossConfig) (*QALoss, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &QALoss{cfg: cfg}, nil
}

// Config is the loss's configuration.
func (l *QALoss) Config() QALossConfig { return l.cfg }

// Forward returns the scalar loss of start and end logits [B, T] against
// int64 target positions startY and endY [B] (0, the first token, is the
// null answer): the batch mean of (loss(start) + loss(end)) / 2, Hugging
// Face's QA loss (double it for the sum CE(start) + CE(end)). allowed
// [B, T] (int64 or bool, 1 = allowed) marks the positions an answer may
// start or end at — the null token and the window's text tokens: the
// others are masked out of the softmax, and label smoothing spreads its
// mass over the allowed positions only. A target must be allowed. The
// inputs are not consumed; the caller frees the result. Errors wrap
// ErrBadInput for shapes that disagree, or ErrTorch.
func (l *QALoss) Forward(start, end, allowed, startY, endY *ts.Tensor) (*ts.Tensor, error) {
	if start == nil || end == nil || allowed == nil || startY == nil || endY == nil {
		return nil, fmt.Errorf("%w: nil QA loss input", ErrBadInput)
	}
	ss, es, as, ys, ye := start.MustSize(), end.MustSize(), allowed.MustSize(), startY.MustSize(), endY.MustSize()
	if len(ss) != 2 || !slicesEqual(ss, es) || !slicesEqual(ss, as) || len(ys) != 1 || ys[0] != ss[0] || !slicesEqual(ys, ye) {
		return nil, fmt.Errorf("%w: start %v, end %v, allowed %v, targets %v and %v; want [B, T] x3 and [B] x2", ErrBadInput, ss, es, as, ys, ye)
	}
	tp := &tape{}
	blocked := tp.do("eq", func() (*ts.Tensor, error) { return allowed.Eq(ts.IntScalar(0), false) })
	ls := l.side(tp, start, blocked, allowed, startY)
	le := l.side(tp, end, blocked, allowed, endY)
	drop(blocked)
	sum := tp.add(ls, le, false)
	drop(ls, le)
	loss := tp.mulScalar(sum, 0.5, true)
	if tp.err != nil {
		drop(loss)
		return nil, fmt.Errorf("%w: QA loss: %w", ErrTorch, tp.err)
	}
	return loss, nil
}

// side is the scalar loss of one of start and end: the batch mean of the
// per-example loss of logits [B, T] at targets y [B].
func (l *QALoss) side(tp *tape, logits, blocked, allowed, y *ts.Tensor) *ts.Tensor {
	masked := tp.maskedFill(logits, blocked, maskedLogit, false)
	logp := tp.do("log_softmax", func() (*ts.Tensor, error) { return masked.LogSoftmax(1, gotch.Float, false) })
	drop(masked)
	defer drop(logp)
	idx := tp.unsqueeze(y, 1, false)
	picked := tp.gather(logp, idx, false) // [B, 1]
	drop(idx)
	nll := tp.do("squeeze", func() (*ts.Tensor, error) { return picked.SqueezeDim(1, true) })
	nll = tp.do("neg", func() (*ts.Tensor, error) { return nll.Neg(true) }) // [B]
	var per *ts.Tensor
	switch l.cfg.Type {
	case LossQASmooth:
		per = smoothed(tp, nll, logp, allowed, l.cfg.LabelSmoothing)
	case LossQAFocal:
		per = focal(tp, nll, y, l.cfg.Gamma, l.cfg.Alpha)
	default:
		per = nll
	}
	return tp.do("mean", func() (*ts.Tensor, error) { return per.Mean(gotch.Float, true) })
}

// smoothed is (1−ε)·nll + ε·mean over allowed positions of −log p,
// consuming nll.
func smoothed(tp *tape, nll, logp, allowed *ts.Tensor, eps float64) *ts.Tensor {
	af := tp.totype(allowed, gotch.Float, false)
	weighted := tp.mul(logp, af, false)
	total := tp.do("sum", func() (*ts.Tensor, error) { return weighted.SumDimIntlist([]int64{1}, false, gotch.Float, true) })
	count := tp.do("sum", func() (*ts.Tensor, error) { return af.SumDimIntlist([]int64{1}, false, gotch.Float, true) })
	uniform := tp.do("div", func() (*ts.Tensor, error) { return total.Div(count, true) })
	drop(count)
	uniform = tp.mulScalar(uniform, -eps, true)
	out := tp.add(tp.mulScalar(nll, 1-eps, true), uniform, true)
	drop(uniform)
	return out
}

// focal is α_t·(1 − p_t)^γ·nll, p_t = exp(−nll), α_t = alpha for targets
// other than 0 (answers) and 1 − alpha for target 0 (null); consumes nll.
func focal(tp *tape, nll, y *ts.Tensor, gamma, alpha float64) *ts.Tensor {
	neg := tp.do("neg", func() (*ts.Tensor, error) { return nll.Neg(false) })
	pt := tp.do("exp", func() (*ts.Tensor, error) { return neg.Exp(true) })
	miss := tp.do("rsub", func() (*ts.Tensor, error) { return pt.RsubScalar(ts.FloatScalar(1), true) })
	miss = tp.do("clamp", func() (*ts.Tensor, error) { return miss.ClampMin(ts.FloatScalar(0), true) })
	focus := tp.do("pow", func() (*ts.Tensor, error) { return miss.PowTensorScalar(ts.FloatScalar(gamma), true) })
	answer := tp.do("ne", func() (*ts.Tensor, error) { return y.Ne(ts.IntScalar(0), false) })
	alphaT := tp.totype(answer, gotch.Float, true)
	alphaT = tp.addScalar(tp.mulScalar(alphaT, 2*alpha-1, true), 1-alpha, true)
	per := tp.mul(tp.mul(nll, focus, true), alphaT, true)
	drop(focus, alphaT)
	return per
}

func slicesEqual(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
