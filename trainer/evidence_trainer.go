//go:build gotch

package trainer

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/redsm5/supermax-hpo/activities"
	"github.com/redsm5/supermax-hpo/trainer/span"
)

// agentEvidence is the evidence agent's name in requests (agents.Evidence).
const agentEvidence = "evidence"

// trainEvidence is TrainEpoch for the evidence agent: the same checkpoint
// contract as criteria (startFrom, save), with the span head and, under
// the calibrated policy, the fitted null threshold saved in the
// checkpoint.
func (t *Trainer) trainEvidence(ctx context.Context, req activities.EpochRequest) (activities.EpochResult, error) {
	if req.Epoch < 1 || req.Epoch > req.MaxEpochs || req.CheckpointDir == "" || req.Study == "" {
		return activities.EpochResult{}, fmt.Errorf("%w: study %q, epoch %d of %d, checkpoint dir %q",
			activities.ErrInvalidConfig, req.Study, req.Epoch, req.MaxEpochs, req.CheckpointDir)
	}
	cfg, err := ParseEvidence(req.Params)
	if err != nil {
		return activities.EpochResult{}, err
	}
	return runEpoch(ctx, req, func(prev *checkpointMeta) (*evidenceSession, error) {
		return t.openEvidence(req, cfg, prev)
	})
}

// openEvidence resolves the device, the model and the documents of a
// trial and builds its session.
func (t *Trainer) openEvidence(req activities.EpochRequest, cfg EvidenceConfig, prev *checkpointMeta) (*evidenceSession, error) {
	device, modelDir, d, err := t.spanInputs(req, cfg.Model, cfg.MaxLength, cfg.QA.DocStride)
	if err != nil {
		return nil, err
	}
	s, err := newEvidenceSession(t.cfg, cfg, req, modelDir, device, d, prev)
	return s, classify(err)
}

// evaluateEvidenceTest is EvaluateTest for the evidence agent: the best
// epoch's model (best/model.ot) decodes the test split under the trial's
// null policy — under calibrated, with the threshold fitted at the end of
// the best epoch — and it returns exact match as Value and every
// span.Metrics field by name.
func (t *Trainer) evaluateEvidenceTest(ctx context.Context, req activities.EpochRequest) (activities.TestResult, error) {
	cfg, err := ParseEvidence(req.Params)
	if err != nil {
		return activities.TestResult{}, err
	}
	meta, err := bestCheckpoint(req)
	if err != nil {
		return activities.TestResult{}, err
	}
	s, err := t.openEvidence(req, cfg, nil)
	if err != nil {
		return activities.TestResult{}, err
	}
	defer s.free()
	if cfg.QA.Null.Policy == span.NullCalibrated {
		if len(meta.NullThresholds) != meta.Epoch {
			return activities.TestResult{}, fmt.Errorf("%w: checkpoint of epoch %d in %s has %d fitted null thresholds", activities.ErrCheckpointMissing, meta.Epoch, req.CheckpointDir, len(meta.NullThresholds))
		}
		s.threshold = meta.NullThresholds[meta.BestEpoch-1]
	}
	if err := s.restoreModel(filepath.Join(req.CheckpointDir, bestModelFile)); err != nil {
		return activities.TestResult{}, err
	}
	if len(s.data.test) == 0 {
		return activities.TestResult{}, fmt.Errorf("%w: study %s has no evidence document in its test split", activities.ErrInvalidConfig, req.Study)
	}
	m, err := s.score(ctx, s.data.test)
	if err != nil {
		return activities.TestResult{}, classify(err)
	}
	return activities.TestResult{Value: m.EM, Metrics: s.metrics(m)}, nil
}
