//go:build gotch

package trainer

import (
	"fmt"

	"github.com/sugarme/gotch"

	"github.com/redsm5/supermax-hpo/activities"
	"github.com/redsm5/supermax-hpo/model"
	"github.com/redsm5/supermax-hpo/trainer/span"
)

// spanHeadPrefix is where the span head's variables live in the encoder's
// VarStore ("span_head.mlp.0.weight", ...): outside the encoder's names,
// so model.ParamPolicy treats them as head variables.
const spanHeadPrefix = "span_head"

// evidenceSession is one evidence epoch's encoder, span head, optimizer,
// schedule and loss. The embedded session owns the encoder's VarStore —
// the span head's variables included — and the optimizer state; free
// releases them all. The span head and the QA loss hold no tensors of
// their own.
type evidenceSession struct {
	*session
	ecfg EvidenceConfig
	data *evidenceData
	head *model.SpanHead
	qa   *model.QALoss
	// threshold is the null threshold the epoch starts from under the
	// calibrated policy: the previous epoch's fitted one, or
	// qa.null.threshold before the first epoch.
	threshold float64
}

// newEvidenceSession builds the trial's encoder and span head on device,
// restoring prev's model, optimizer and fitted null threshold when set.
// libtorch's generator is seeded from (seed, 0) first, so the head's
// random initialization is the same in every attempt.
func newEvidenceSession(tcfg Config, ecfg EvidenceConfig, req activities.EpochRequest, modelDir string, device gotch.Device, d *evidenceData, prev *checkpointMeta) (*evidenceSession, error) {
	base, err := openSession(tcfg, ecfg.TrialConfig, req, modelDir, device)
	if err != nil {
		return nil, err
	}
	s := &evidenceSession{session: base, ecfg: ecfg, data: d, threshold: ecfg.QA.Null.Threshold}
	if err := s.build(prev); err != nil {
		s.free()
		return nil, err
	}
	return s, nil
}

// build adds the span head, restores a checkpoint, and builds the
// optimizer, the schedule (sized by the epoch's window count, the same in
// every epoch) and the QA loss.
func (s *evidenceSession) build(prev *checkpointMeta) error {
	cfg := s.ecfg
	var err error
	// Built with grad mode on, on a locked thread, as the criteria head
	// is (see session.buildTrainables).
	model.WithGrad(true, func() {
		s.head, err = model.NewSpanHead(s.pre.Encoder.VarStore(), spanHeadPrefix, s.pre.Encoder.HiddenSize(), model.SpanHeadConfig{
			Layers: cfg.HeadLayers, Hidden: cfg.HeadHidden, Activation: cfg.Activation, Dropout: cfg.HeadDropout,
		})
	})
	if err != nil {
		return fmt.Errorf("%w: %w", activities.ErrInvalidConfig, err)
	}
	if err := s.buildOptimizer(prev); err != nil {
		return err
	}
	if prev != nil && cfg.QA.Null.Policy == span.NullCalibrated {
		if len(prev.NullThresholds) != prev.Epoch {
			return fmt.Errorf("%w: checkpoint of epoch %d in %s has %d fitted null thresholds", activities.ErrCheckpointMissing, prev.Epoch, s.req.CheckpointDir, len(prev.NullThresholds))
		}
		s.threshold = prev.NullThresholds[prev.Epoch-1]
	}
	if err := s.scheduleFor(s.data.epochWindowCount(cfg.QA.NegRatio)); err != nil {
		return err
	}
	s.qa, err = model.NewQALoss(model.QALossConfig{
		Type: cfg.QA.LossType, LabelSmoothing: cfg.QA.LabelSmooth, Gamma: cfg.QA.Gamma, Alpha: cfg.QA.Alpha,
	})
	if err != nil {
		return fmt.Errorf("%w: %w", activities.ErrInvalidConfig, err)
	}
	return nil
}
