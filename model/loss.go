//go:build gotch

package model

import (
	"fmt"
	"math"
	"slices"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/ts"

	"github.com/redsm5/supermax-hpo/model/torch"
)

// Classification losses (search-space loss.cls.type).
const (
	LossCE          = "ce"              // cross-entropy, no smoothing
	LossCESmooth    = "ce_label_smooth" // cross-entropy with label smoothing
	LossFocal       = "focal"           // focal loss (Lin et al. 2017)
	BalanceNone     = "none"            // every class weighs 1
	BalanceWeighted = "weighted"        // N / (K · n_c), scikit-learn's "balanced"
	BalanceEffNum   = "effective_num"   // 1 / effective number (Cui et al. 2019)
)

// EffectiveNumBeta is β of the effective-number class weights,
// E_n = (1 − βⁿ) / (1 − β); 0.999 is the value Cui et al. (CVPR 2019) use
// most on long-tailed data.
const EffectiveNumBeta = 0.999

// LossConfig is the classification loss of a trial. Plain data.
type LossConfig struct {
	Type string `json:"type"` // loss.cls.type
	// LabelSmoothing (loss.cls.label_smoothing) is used by ce_label_smooth
	// only: plain ce is the unsmoothed loss, so the two types differ.
	LabelSmoothing float64 `json:"label_smoothing"`
	Gamma          float64 `json:"gamma"`   // loss.cls.gamma, focal only
	Alpha          float64 `json:"alpha"`   // loss.cls.alpha, focal only: weight of class 1
	Balance        string  `json:"balance"` // loss.cls.balance
}

// Validate checks the fields the type uses; errors wrap ErrBadInput.
func (c LossConfig) Validate() error {
	switch c.Type {
	case LossCE:
	case LossCESmooth:
		if c.LabelSmoothing < 0 || c.LabelSmoothing >= 1 {
			return fmt.Errorf("%w: loss.cls.label_smoothing %g, want in [0, 1)", ErrBadInput, c.LabelSmoothing)
		}
	case LossFocal:
		if c.Gamma < 0 || c.Alpha <= 0 || c.Alpha >= 1 {
			return fmt.Errorf("%w: focal gamma %g (want >= 0) and alpha %g (want in (0, 1))", ErrBadInput, c.Gamma, c.Alpha)
		}
	default:
		return fmt.Errorf("%w: loss.cls.type %q, want ce, ce_label_smooth or focal", ErrBadInput, c.Type)
	}
	if !slices.Contains([]string{BalanceNone, BalanceWeighted, BalanceEffNum}, c.Balance) {
		return fmt.Errorf("%w: loss.cls.balance %q, want none, weighted or effective_num", ErrBadInput, c.Balance)
	}
	return nil
}

// ClassWeights returns the per-class weights of a balance mode given the
// training set's class counts. Weights are normalized to sum to the number
// of classes, so "none" and balanced data both give all ones. A class with
// no example gets weight 0 under weighted and effective_num. Deterministic.
func ClassWeights(balance string, counts []int) ([]float64, error) {
	k := len(counts)
	if k == 0 {
		return nil, fmt.Errorf("%w: no class counts", ErrBadInput)
	}
	w := make([]float64, k)
	for c, n := range counts {
		switch {
		case n < 0:
			return nil, fmt.Errorf("%w: class %d count %d", ErrBadInput, c, n)
		case balance == BalanceNone:
			w[c] = 1
		case n == 0:
			w[c] = 0
		case balance == BalanceWeighted:
			w[c] = 1 / float64(n)
		case balance == BalanceEffNum:
			w[c] = (1 - EffectiveNumBeta) / (1 - math.Pow(EffectiveNumBeta, float64(n)))
		default:
			return nil, fmt.Errorf("%w: balance %q, want none, weighted or effective_num", ErrBadInput, balance)
		}
	}
	sum := 0.0
	for _, x := range w {
		sum += x
	}
	if sum == 0 {
		return nil, fmt.Errorf("%w: every class count is 0", ErrBadInput)
	}
	for c := range w {
		w[c] *= float64(k) / sum
	}
	return w, nil
}

// Loss is a configured classification loss with its class weights. It is
// immutable and safe for concurrent use.
type Loss struct {
	cfg     LossConfig
	weights []float64
}

// NewLoss validates cfg and computes the class weights from the training
// set's class counts (counts[c] = examples of class c).
func NewLoss(cfg LossConfig, counts []int) (*Loss, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	w, err := ClassWeights(cfg.Balance, counts)
	if err != nil {
		return nil, fmt.Errorf("loss class weights: %w", err)
	}
	return &Loss{cfg: cfg, weights: w}, nil
}

// Weights returns the class weights, in a fresh slice.
func (l *Loss) Weights() []float64 { return slices.Clone(l.weights) }

// Forward returns the scalar loss of logits [B, K] against int64 targets
// [B]: the class-weighted mean (sum of w[y]·loss / sum of w[y], PyTorch's
// convention for weighted cross-entropy). The inputs are not consumed; the
// caller frees the result. libtorch failures wrap ErrTorch.
func (l *Loss) Forward(logits, targets *ts.Tensor) (loss *ts.Tensor, err error) {
	defer recoverInto(&err, "classification loss")
	if logits == nil || targets == nil {
		return nil, fmt.Errorf("%w: nil logits or targets", ErrBadInput)
	}
	var device gotch.Device
	s, err := shapeOf(logits)
	if err == nil {
		torch.Locked(func() { device, err = logits.Device() })
	}
	if err != nil || len(s) != 2 || int(s[1]) != len(l.weights) {
		return nil, fmt.Errorf("%w: logits %v for %d classes", ErrBadInput, s, len(l.weights))
	}
	w, err := torch.FromFloat32s(lossFloat32s(l.weights), []int64{int64(len(l.weights))}, device)
	if err != nil {
		return nil, fmt.Errorf("%w: class weights: %w", ErrTorch, err)
	}
	defer drop(w)
	tp := &tape{}
	switch l.cfg.Type {
	case LossFocal:
		loss = focalLoss(tp, logits, targets, w, l.cfg.Gamma, l.cfg.Alpha)
	default:
		smoothing := 0.0
		if l.cfg.Type == LossCESmooth {
			smoothing = l.cfg.LabelSmoothing
		}
		loss = tp.glue("cross_entropy", logits, false, func() (*ts.Tensor, error) {
			return torch.CrossEntropy(logits, targets, w, smoothing)
		})
	}
	if tp.err != nil {
		drop(loss)
		return nil, fmt.Errorf("%w: %s loss: %w", ErrTorch, l.cfg.Type, tp.err)
	}
	return loss, nil
}

// focalLoss is −α_t (1 − p_t)^γ log p_t per example, with α_t = alpha for
// class 1 and 1 − alpha for class 0, reduced as a w[y]-weighted mean.
func focalLoss(tp *tape, logits, targets, w *ts.Tensor, gamma, alpha float64) *ts.Tensor {
	y := tp.unsqueeze(targets, 1, false)
	defer drop(y)
	logp := tp.glue("log_softmax", logits, false, func() (*ts.Tensor, error) { return torch.LogSoftmax(logits, 1) })
	picked := tp.glue("gather", logp, true, func() (*ts.Tensor, error) { return torch.Gather(logp, 1, y) })
	logpt := tp.glue("squeeze", picked, true, func() (*ts.Tensor, error) { return torch.Squeeze(picked, 1) })
	defer drop(logpt)
	pt := tp.glue("exp", logpt, false, func() (*ts.Tensor, error) { return torch.Exp(logpt) })
	negPt := tp.glue("neg", pt, true, func() (*ts.Tensor, error) { return torch.Neg(pt) })
	miss := tp.addScalar(negPt, 1, true)
	clamped := tp.glue("clamp_min", miss, true, func() (*ts.Tensor, error) { return torch.ClampMin(miss, 0) })
	focus := tp.glue("pow", clamped, true, func() (*ts.Tensor, error) { return torch.PowScalar(clamped, gamma) })
	defer drop(focus)
	yf := tp.totype(targets, gotch.Float, false)
	alphaT := tp.addScalar(tp.mulScalar(yf, 2*alpha-1, true), 1-alpha, true)
	defer drop(alphaT)
	wy := tp.glue("index_select", w, false, func() (*ts.Tensor, error) { return torch.IndexSelect(w, 0, targets) })
	defer drop(wy)
	prod := tp.mul(tp.mul(logpt, focus, false), alphaT, true)
	per := tp.mul(tp.glue("neg", prod, true, func() (*ts.Tensor, error) { return torch.Neg(prod) }), wy, true)
	total := tp.glue("sum", per, true, func() (*ts.Tensor, error) { return torch.Sum(per) })
	denom := tp.glue("sum", wy, false, func() (*ts.Tensor, error) { return torch.Sum(wy) })
	defer drop(denom)
	return tp.glue("div", total, true, func() (*ts.Tensor, error) { return torch.Div(total, denom) })
}

func lossFloat32s(xs []float64) []float32 {
	out := make([]float32, len(xs))
	for i, x := range xs {
		out[i] = float32(x)
	}
	return out
}
