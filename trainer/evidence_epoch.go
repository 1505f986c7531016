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

// Metric names of the evidence agent in EpochResult.Metrics and
// TestResult.Metrics (see span.Metrics).
const (
	MetricEM            = "em"             // span exact match: the trial's value
	MetricF1            = "f1"             // token F1
	MetricTopKEM        = "topk_em"        // exact match by any of the qa.topk kept spans
	MetricNullRate      = "null_rate"      // share of "no evidence" answers
	MetricNullThreshold = "null_threshold" // the fitted threshold (calibrated only)
)

// trainEpoch trains one pass over the epoch's windows (every answered
// window and a qa.neg_ratio share of the null ones, evidenceData.
// epochWindows): a backward pass per batch, an optimizer update every
// GradAccum batches (and after the last), progress every ProgressEvery
// batches. Then, under the calibrated policy, it fits the null threshold on
// the training split, and it scores the validation split.
func (s *evidenceSession) trainEpoch(ctx context.Context, epoch int) (activities.EpochResult, error) {
	manualSeed(hpo.TrialSeed(int64(s.req.Seed), epoch))
	refs := s.data.epochWindows(s.req.Seed, epoch, s.ecfg.QA.NegRatio)
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
	return activities.EpochResult{Epoch: epoch, Value: m.EM, TrainLoss: loss, Metrics: s.metrics(m)}, nil
}

// metrics are the named metrics of m, with the fitted threshold under the
// calibrated policy.
func (s *evidenceSession) metrics(m span.Metrics) map[string]float64 {
	out := map[string]float64{MetricEM: m.EM, MetricF1: m.F1, MetricTopKEM: m.TopKEM, MetricNullRate: m.NullRate}
	if s.ecfg.QA.Null.Policy == span.NullCalibrated {
		out[MetricNullThreshold] = s.threshold
	}
	return out
}

// calibrate fits the null threshold on the training split under the
// calibrated policy (span.FitThreshold, starting from the current one) and
// keeps it for validation and for the checkpoint. Other policies: nothing.
func (s *evidenceSession) calibrate(ctx context.Context) error {
	if s.ecfg.QA.Null.Policy != span.NullCalibrated {
		return nil
	}
	decoded, err := s.decode(ctx, s.data.train)
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

// score decodes docs, makes the null decision and returns the metrics.
func (s *evidenceSession) score(ctx context.Context, docs []evidenceDoc) (span.Metrics, error) {
	decoded, err := s.decode(ctx, docs)
	if err != nil {
		return span.Metrics{}, err
	}
	policy := s.ecfg.QA.Null
	if policy.Policy == span.NullCalibrated {
		policy.Threshold = s.threshold
	}
	preds, err := span.Decide(decoded, policy)
	if err != nil {
		return span.Metrics{}, fmt.Errorf("%w: %w", activities.ErrInvalidConfig, err)
	}
	return span.Score(preds, golds(docs))
}

// backward runs forward and backward on the training windows at refs,
// accumulating gradients of loss·scale, and returns the unscaled loss.
func (s *evidenceSession) backward(refs []evidenceRef, scale float64) (loss float64, err error) {
	ws := make([]evidenceWindow, len(refs))
	starts, ends := make([]int64, len(refs)), make([]int64, len(refs))
	for i, r := range refs {
		ws[i] = s.data.train[r.doc].windows[r.win]
		starts[i], ends[i] = int64(ws[i].start), int64(ws[i].end)
	}
	model.WithGrad(true, func() {
		var start, end *ts.Tensor
		var length int
		start, end, length, err = s.forward(ws, true)
		if err != nil {
			return
		}
		defer start.MustDrop()
		defer end.MustDrop()
		var allowed, sy, ey *ts.Tensor
		if allowed, err = s.int64s(allowedPositions(ws, length), int64(len(ws)), int64(length)); err != nil {
			return
		}
		defer allowed.MustDrop()
		if sy, err = s.int64s(starts, int64(len(ws))); err != nil {
			return
		}
		defer sy.MustDrop()
		if ey, err = s.int64s(ends, int64(len(ws))); err != nil {
			return
		}
		defer ey.MustDrop()
		var l *ts.Tensor
		if l, err = s.qa.Forward(start, end, allowed, sy, ey); err != nil {
			return
		}
		loss = l.MustTotype(gotch.Double, false).Float64Values(true)[0]
		scaled := l.MustMulScalar(ts.FloatScalar(scale), true)
		err = scaled.Backward()
		scaled.MustDrop()
	})
	return loss, err
}

// allowedPositions is the [B, length] mask of positions an answer may
// start or end at: the first token (the null answer) and each window's
// post tokens; 0 at the criterion, special tokens and padding.
func allowedPositions(ws []evidenceWindow, length int) []int64 {
	out := make([]int64, len(ws)*length)
	for i, w := range ws {
		row := out[i*length : (i+1)*length]
		row[0] = 1
		for k := w.TextStart; k < w.TextStart+w.TextLen; k++ {
			row[k] = 1
		}
	}
	return out
}

// int64s makes an int64 tensor of shape on the session's device; the
// caller owns it.
func (s *evidenceSession) int64s(data []int64, shape ...int64) (*ts.Tensor, error) {
	t, err := ts.OfSlice(data)
	if err != nil {
		return nil, fmt.Errorf("tensor: %w", err)
	}
	v, err := t.View(shape, true)
	if err != nil {
		return nil, fmt.Errorf("tensor: %w", err)
	}
	if s.device.Name == gotch.CPU.Name {
		return v, nil
	}
	on, err := v.To(s.device, true)
	if err != nil {
		return nil, fmt.Errorf("tensor to %v: %w", s.device, err)
	}
	return on, nil
}

// forward collates windows and returns the span head's start and end
// logits [B, T] (the caller owns both) and T.
func (s *evidenceSession) forward(ws []evidenceWindow, train bool) (start, end *ts.Tensor, length int, err error) {
	exs := make([]model.Encoded, len(ws))
	for i, w := range ws {
		exs[i] = w.Encoded
	}
	batch, err := model.Collate(exs, int64(s.pre.Config.PadTokenID))
	if err != nil {
		return nil, nil, 0, err
	}
	hidden, err := s.pre.Encoder.ForwardBatch(batch, s.device, train)
	if err != nil {
		return nil, nil, 0, err
	}
	defer hidden.MustDrop()
	start, end, err = s.head.Forward(hidden, train)
	return start, end, batch.Len, err
}

// decode runs the model without dropout over every window of docs, in
// batches of EvalBatchSize windows, and decodes each document
// (span.Decode with the trial's qa.* settings). It returns ctx.Err() at
// the next batch after cancellation.
func (s *evidenceSession) decode(ctx context.Context, docs []evidenceDoc) ([]span.Decoded, error) {
	var refs []evidenceRef
	for i, d := range docs {
		for k := range d.windows {
			refs = append(refs, evidenceRef{i, k})
		}
	}
	heads := make([][]span.Window, len(docs))
	for from := 0; from < len(refs); from += s.tcfg.EvalBatchSize {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		part := refs[from:min(from+s.tcfg.EvalBatchSize, len(refs))]
		if err := s.logits(docs, part, heads); err != nil {
			return nil, err
		}
	}
	out := make([]span.Decoded, len(docs))
	for i := range docs {
		var err error
		if out[i], err = span.Decode(heads[i], s.ecfg.QA.Decode); err != nil {
			return nil, fmt.Errorf("%w: %w", activities.ErrInvalidConfig, err)
		}
	}
	return out, nil
}

// logits runs the windows at refs and appends each one's head output, as
// a span.Window, to heads[doc].
func (s *evidenceSession) logits(docs []evidenceDoc, refs []evidenceRef, heads [][]span.Window) (err error) {
	ws := make([]evidenceWindow, len(refs))
	for i, r := range refs {
		ws[i] = docs[r.doc].windows[r.win]
	}
	var start, end *ts.Tensor
	var length int
	model.WithGrad(false, func() { start, end, length, err = s.forward(ws, false) })
	if err != nil {
		return err
	}
	st := start.MustTotype(gotch.Double, true).Float64Values(true)
	en := end.MustTotype(gotch.Double, true).Float64Values(true)
	for i, r := range refs {
		w := ws[i]
		row := i * length
		heads[r.doc] = append(heads[r.doc], span.Window{
			Offset: w.Offset, NullStart: st[row], NullEnd: en[row],
			Start: st[row+w.TextStart : row+w.TextStart+w.TextLen],
			End:   en[row+w.TextStart : row+w.TextStart+w.TextLen],
		})
	}
	return nil
}
