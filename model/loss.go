//go:build gotch

package model

import (
	"fmt"
	"math"
	"slices"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/ts"
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
// convention for weighted cross-entropy). The inputs are not consumed.
func (l *Loss) Forward(logits, targets *ts.Tensor) (loss *ts.Tensor, err error) {
	defer recoverInto(&err, "classification loss")
	if s := logits.MustSize(); len(s) != 2 || int(s[1]) != len(l.weights) {
		return nil, fmt.Errorf("%w: logits %v for %d classes", ErrBadInput, s, len(l.weights))
	}
	w := ts.MustOfSlice(lossFloat32s(l.weights)).MustTo(logits.MustDevice(), true)
	defer w.MustDrop()
	switch l.cfg.Type {
	case LossFocal:
		return focalLoss(logits, targets, w, l.cfg.Gamma, l.cfg.Alpha), nil
	case LossCESmooth:
		return logits.MustCrossEntropyLoss(targets, w, 1, -100, l.cfg.LabelSmoothing, false), nil
	default:
		return logits.MustCrossEntropyLoss(targets, w, 1, -100, 0, false), nil
	}
}

// focalLoss is −α_t (1 − p_t)^γ log p_t per example, with α_t = alpha for
// class 1 and 1 − alpha for class 0, reduced as a w[y]-weighted mean.
func focalLoss(logits, targets, w *ts.Tensor, gamma, alpha float64) *ts.Tensor {
	y := targets.MustUnsqueeze(1, false)
	defer y.MustDrop()
	logpt := logits.MustLogSoftmax(1, gotch.Float, false).MustGather(1, y, false, true).MustSqueezeDim(1, true)
	defer logpt.MustDrop()
	focus := logpt.MustExp(false).MustNeg(true).MustAddScalar(ts.FloatScalar(1), true).
		MustClampMin(ts.FloatScalar(0), true).MustPowTensorScalar(ts.FloatScalar(gamma), true)
	defer focus.MustDrop()
	yf := targets.MustTotype(gotch.Float, false)
	defer yf.MustDrop()
	alphaT := yf.MustMulScalar(ts.FloatScalar(2*alpha-1), false).MustAddScalar(ts.FloatScalar(1-alpha), true)
	defer alphaT.MustDrop()
	wy := w.MustIndexSelect(0, targets, false)
	defer wy.MustDrop()
	per := logpt.MustMul(focus, false).MustMul(alphaT, true).MustNeg(true).MustMul(wy, true)
	denom := wy.MustSum(gotch.Float, false)
	defer denom.MustDrop()
	return per.MustSum(gotch.Float, true).MustDiv(denom, true)
}

func lossFloat32s(xs []float64) []float32 {
	out := make([]float32, len(xs))
	for i, x := range xs {
		out[i] = float32(x)
	}
	return out
}
