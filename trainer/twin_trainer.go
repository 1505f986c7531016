//go:build gotch

package trainer

import (
	"context"
	"fmt"

	"github.com/redsm5/supermax-hpo/activities"
	"github.com/redsm5/supermax-hpo/trainer/span"
)

// trainTwin is TrainEpoch for share and joint trials (request already
// checked): the checkpoint contract of the criteria agent (startFrom), with
// the checkpoint layout of twin_checkpoint.go.
func (t *Trainer) trainTwin(ctx context.Context, req activities.EpochRequest) (activities.EpochResult, error) {
	cfg, err := ParseTwin(req.Params)
	if err != nil {
		return activities.EpochResult{}, err
	}
	return runEpoch(ctx, req, func(prev *checkpointMeta) (*twinSession, error) {
		return t.openTwin(req, cfg, prev)
	})
}

// openTwin resolves the device, the model and the documents of a share or
// joint trial (the evidence agent's documents: one cache serves the three)
// and builds its session from prev (nil: the pretrained weights).
func (t *Trainer) openTwin(req activities.EpochRequest, cfg TwinConfig, prev *checkpointMeta) (*twinSession, error) {
	device, modelDir, d, err := t.spanInputs(req, cfg.Model, cfg.MaxLength, cfg.QA.DocStride)
	if err != nil {
		return nil, err
	}
	s, err := newTwinSession(t.cfg, cfg, req, modelDir, device, d, prev)
	return s, classify(err)
}

// evaluateTwinTest is EvaluateTest for share and joint trials: the best
// epoch's model (best-NNNN/) scored on the test split with the trial's
// decoding and null policy — under calibrated, the threshold fitted at the
// end of the best epoch. Value is (macro-F1 + span EM) / 2.
func (t *Trainer) evaluateTwinTest(ctx context.Context, req activities.EpochRequest) (activities.TestResult, error) {
	cfg, err := ParseTwin(req.Params)
	if err != nil {
		return activities.TestResult{}, err
	}
	meta, err := bestCheckpoint(req)
	if err != nil {
		return activities.TestResult{}, err
	}
	if err := ctx.Err(); err != nil {
		return activities.TestResult{}, err
	}
	s, err := t.openTwin(req, cfg, nil)
	if err != nil {
		return activities.TestResult{}, err
	}
	defer releaseMemory()
	defer s.free()
	if cfg.QA.Null.Policy == span.NullCalibrated {
		if len(meta.NullThresholds) != meta.Epoch {
			return activities.TestResult{}, fmt.Errorf("%w: checkpoint of epoch %d in %s has %d fitted null thresholds", activities.ErrCheckpointMissing, meta.Epoch, req.CheckpointDir, len(meta.NullThresholds))
		}
		s.threshold = meta.NullThresholds[meta.BestEpoch-1]
	}
	if err := s.restoreFolder(twinBestDir(meta.BestEpoch)); err != nil {
		return activities.TestResult{}, err
	}
	if len(s.data.test) == 0 {
		return activities.TestResult{}, fmt.Errorf("%w: study %s has no document in its test split", activities.ErrInvalidConfig, req.Study)
	}
	m, err := s.score(ctx, s.data.test)
	if err != nil {
		return activities.TestResult{}, classify(err)
	}
	return activities.TestResult{Value: m.value, Metrics: s.metrics(m)}, nil
}
