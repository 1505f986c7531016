//go:build gotch

package trainer

import (
	"context"
	"fmt"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/ts"

	"github.com/redsm5/supermax-hpo/activities"
	"github.com/redsm5/supermax-hpo/hpo"
	"github.com/redsm5/supermax-hpo/model"
	"github.com/redsm5/supermax-hpo/trainer/span"
)

// trainEpoch runs one pass over the epoch's training windows (backward per
// batch, an update every GradAccum batches and after the last), then
// scores the validation split.
func (s *twinSession) trainEpoch(ctx context.Context, epoch int) (activities.EpochResult, error) {
	manualSeed(hpo.TrialSeed(int64(s.req.Seed), epoch))
	refs := s.data.epochWindows(s.req.Seed, epoch, s.tw.QA.NegRatio)
	n := len(refs)
	loss, err := s.trainPass(ctx, epoch, n, func(from, to int, scale float64) (float64, error) {
		return s.backward(refs[from:to], scale)
	})
	if err != nil {
		return activities.EpochResult{}, err
	}
	if err := s.calibrate(ctx); err != nil {
		return activities.EpochResult{}, err
	}
	m, err := s.score(ctx, s.data.validation)
	if err != nil {
		return activities.EpochResult{}, err
	}
	return activities.EpochResult{Epoch: epoch, Value: m.value, TrainLoss: loss, Metrics: s.metrics(m)}, nil
}

// MetricMeanF1EM is the share and joint agents' value in Metrics beside
// MetricMacroF1 and the evidence metrics.
const MetricMeanF1EM = "mean_f1_em"

// metrics are the named metrics of m, with the fitted threshold under the
// calibrated policy.
func (s *twinSession) metrics(m twinMetrics) map[string]float64 {
	out := map[string]float64{
		MetricMeanF1EM: m.value, MetricMacroF1: m.macroF1,
		MetricEM: m.span.EM, MetricF1: m.span.F1, MetricTopKEM: m.span.TopKEM, MetricNullRate: m.span.NullRate,
	}
	if s.tw.QA.Null.Policy == span.NullCalibrated {
		out[MetricNullThreshold] = s.threshold
	}
	return out
}

// calibrate fits the null threshold on the training split under the
// calibrated policy (span.FitThreshold, starting from the current one) and
// keeps it for validation and for the checkpoint. Other policies: nothing.
func (s *twinSession) calibrate(ctx context.Context) error {
	if s.tw.QA.Null.Policy != span.NullCalibrated {
		return nil
	}
	decoded, _, err := s.predict(ctx, s.data.train)
	if err != nil {
		return err
	}
	tau, err := span.FitThreshold(decoded, golds(s.data.train), s.threshold)
	if err != nil {
		return err
	}
	s.threshold = tau
	s.nullThreshold = &tau
	return nil
}

// twinOutput is the model's output on a batch of windows; free releases it.
type twinOutput struct {
	cls, start, end *ts.Tensor // [B, 2], [B, T], [B, T]
}

func (o twinOutput) free() {
	for _, t := range []*ts.Tensor{o.cls, o.start, o.end} {
		if t != nil {
			t.MustDrop()
		}
	}
}

// forward runs the split encoder on windows and both heads on its
// branches: the classification head on the secondary branch, the span head
// on the primary one (joint: plus the injected criteria vector).
func (s *twinSession) forward(ws []evidenceWindow, train bool) (out twinOutput, err error) {
	encs := make([]model.Encoded, len(ws))
	for i, w := range ws {
		encs[i] = w.Encoded
	}
	batch, err := model.Collate(encs, int64(s.pre.Config.PadTokenID))
	if err != nil {
		return out, err
	}
	primary, secondary, err := s.split.ForwardBatch(batch, s.device, train)
	if err != nil {
		return out, err
	}
	defer primary.MustDrop()
	defer secondary.MustDrop()
	mask := ts.MustOfSlice(batch.Mask).MustView([]int64{int64(batch.Size), int64(batch.Len)}, true).MustTo(s.device, true)
	defer mask.MustDrop()
	spanIn := primary
	if s.joint {
		var pooled *ts.Tensor
		if out.cls, pooled, err = s.cls.ForwardPooled(secondary, mask, train); err != nil {
			return out, err
		}
		spanIn, err = s.inject.Forward(primary, pooled)
		pooled.MustDrop()
		if err != nil {
			out.free()
			return twinOutput{}, err
		}
		defer spanIn.MustDrop()
	} else if out.cls, err = s.cls.Forward(secondary, mask, train); err != nil {
		return out, err
	}
	if out.start, out.end, err = s.span.Forward(spanIn, train); err != nil {
		out.free()
		return twinOutput{}, err
	}
	return out, nil
}

// backward runs forward and backward on the training windows refs,
// accumulating gradients of loss·scale, and returns the unscaled loss
// L = w_c·L_cls + (1 − w_c)·(L_start + L_end): L_cls the classification
// loss (loss.cls.*) of the window targets, L_start + L_end twice the
// QALoss (which averages the two).
func (s *twinSession) backward(refs []evidenceRef, scale float64) (loss float64, err error) {
	n := len(refs)
	ws := make([]evidenceWindow, n)
	cls, starts, ends := make([]int64, n), make([]int64, n), make([]int64, n)
	for i, r := range refs {
		w := s.data.train[r.doc].windows[r.win]
		ws[i] = w
		cls[i], starts[i], ends[i] = int64(b2int(w.answered())), int64(w.start), int64(w.end)
	}
	model.WithGrad(true, func() {
		var out twinOutput
		if out, err = s.forward(ws, true); err != nil {
			return
		}
		defer out.free()
		var l *ts.Tensor
		if l, err = s.loss(out, ws, cls, starts, ends); err != nil {
			return
		}
		loss = l.MustTotype(gotch.Double, false).Float64Values(true)[0]
		scaled := l.MustMulScalar(ts.FloatScalar(scale), true)
		err = scaled.Backward()
		scaled.MustDrop()
	})
	return loss, err
}

// loss combines the two heads' losses (see backward); the caller frees it.
func (s *twinSession) loss(out twinOutput, ws []evidenceWindow, cls, starts, ends []int64) (*ts.Tensor, error) {
	y := ts.MustOfSlice(cls).MustTo(s.device, true)
	defer y.MustDrop()
	lc, err := s.clsLoss.Forward(out.cls, y)
	if err != nil {
		return nil, err
	}
	defer lc.MustDrop()
	length := out.start.MustSize()[1]
	allowed := ts.MustOfSlice(allowedPositions(ws, int(length))).MustView([]int64{int64(len(ws)), length}, true).MustTo(s.device, true)
	defer allowed.MustDrop()
	sy := ts.MustOfSlice(starts).MustTo(s.device, true)
	defer sy.MustDrop()
	ey := ts.MustOfSlice(ends).MustTo(s.device, true)
	defer ey.MustDrop()
	lq, err := s.qaLoss.Forward(out.start, out.end, allowed, sy, ey)
	if err != nil {
		return nil, err
	}
	defer lq.MustDrop()
	w := s.tw.CriteriaWeight
	a := lc.MustMulScalar(ts.FloatScalar(w), false)
	b := lq.MustMulScalar(ts.FloatScalar(2*(1-w)), false)
	sum := a.MustAdd(b, true)
	b.MustDrop()
	return sum, nil
}

// twinMetrics are a split's scores.
type twinMetrics struct {
	value   float64 // (MacroF1 + EM) / 2, the trial's value
	macroF1 float64 // classification of the documents
	span    span.Metrics
}

// score evaluates docs: each document's windows are decoded into spans
// (qa.n_best_size, qa.max_answer_len, qa.reranker, qa.nms_iou, qa.topk),
// the null decision is made by qa.null.policy (calibrated: a threshold
// fitted on the training split, starting from qa.null.threshold), and the
// document's class is 1 when the classification head says 1 on any of its
// windows.
func (s *twinSession) score(ctx context.Context, docs []evidenceDoc) (twinMetrics, error) {
	decoded, classes, err := s.predict(ctx, docs)
	if err != nil {
		return twinMetrics{}, err
	}
	policy := s.tw.QA.Null
	if policy.Policy == span.NullCalibrated {
		policy.Threshold = s.threshold
	}
	preds, err := span.Decide(decoded, policy)
	if err != nil {
		return twinMetrics{}, fmt.Errorf("%w: %w", activities.ErrInvalidConfig, err)
	}
	targets := make([]int, len(docs))
	for i, d := range docs {
		targets[i] = b2int(len(d.golds) > 0)
	}
	m := twinMetrics{}
	if m.span, err = span.Score(preds, golds(docs)); err != nil {
		return twinMetrics{}, err
	}
	if m.macroF1, err = MacroF1(classes, targets); err != nil {
		return twinMetrics{}, err
	}
	m.value = (m.macroF1 + m.span.EM) / 2
	return m, nil
}

// predict runs the model (dropout off, no autograd) on every window of
// docs, in batches of EvalBatchSize, and returns each document's decoding
// and predicted class.
func (s *twinSession) predict(ctx context.Context, docs []evidenceDoc) ([]span.Decoded, []int, error) {
	var refs []evidenceRef
	for i, d := range docs {
		for k := range d.windows {
			refs = append(refs, evidenceRef{i, k})
		}
	}
	heads := make([][]span.Window, len(docs))
	classes := make([]int, len(docs))
	for from := 0; from < len(refs); from += s.tcfg.EvalBatchSize {
		if err := ctx.Err(); err != nil {
			return nil, nil, err
		}
		part := refs[from:min(from+s.tcfg.EvalBatchSize, len(refs))]
		if err := s.predictBatch(docs, part, heads, classes); err != nil {
			return nil, nil, err
		}
	}
	decoded := make([]span.Decoded, len(docs))
	for i := range docs {
		var err error
		if decoded[i], err = span.Decode(heads[i], s.tw.QA.Decode); err != nil {
			return nil, nil, fmt.Errorf("%w: %w", activities.ErrInvalidConfig, err)
		}
	}
	return decoded, classes, nil
}

// predictBatch runs one batch of windows and appends each window's span
// logits to heads[doc] and its class vote to classes[doc].
func (s *twinSession) predictBatch(docs []evidenceDoc, part []evidenceRef, heads [][]span.Window, classes []int) (err error) {
	ws := make([]evidenceWindow, len(part))
	for i, r := range part {
		ws[i] = docs[r.doc].windows[r.win]
	}
	var out twinOutput
	model.WithGrad(false, func() { out, err = s.forward(ws, false) })
	if err != nil {
		return err
	}
	defer out.free()
	t := int(out.start.MustSize()[1])
	starts := out.start.MustTotype(gotch.Double, false).Float64Values(true)
	ends := out.end.MustTotype(gotch.Double, false).Float64Values(true)
	cls := out.cls.MustTotype(gotch.Double, false).Float64Values(true)
	for i, r := range part {
		w := ws[i]
		st, en := starts[i*t:(i+1)*t], ends[i*t:(i+1)*t]
		heads[r.doc] = append(heads[r.doc], span.Window{
			Offset: w.Offset, NullStart: st[0], NullEnd: en[0],
			Start: append([]float64(nil), st[w.TextStart:w.TextStart+w.TextLen]...),
			End:   append([]float64(nil), en[w.TextStart:w.TextStart+w.TextLen]...),
		})
		if argmax2(cls[2*i], cls[2*i+1]) == 1 {
			classes[r.doc] = 1
		}
	}
	return nil
}

func b2int(b bool) int {
	if b {
		return 1
	}
	return 0
}
