//go:build gotch

package trainer

import (
	"context"
	"fmt"
	"os"

	"github.com/redsm5/supermax-hpo/activities"
	"github.com/redsm5/supermax-hpo/model"
)

// isTwin reports whether agent is one of the two agents with a
// classification head and a span head on one split encoder.
func isTwin(agent string) bool { return agent == "share" || agent == "joint" }

// trainTwin is TrainEpoch for share and joint trials (request already
// checked): the same checkpoint contract as the criteria agent's, with
// the checkpoint layout of twin_checkpoint.go.
func (t *Trainer) trainTwin(ctx context.Context, req activities.EpochRequest) (activities.EpochResult, error) {
	cfg, err := ParseTwin(req.Params)
	if err != nil {
		return activities.EpochResult{}, err
	}
	hash, err := paramsHash(req.Params)
	if err != nil {
		return activities.EpochResult{}, err
	}
	if err := os.MkdirAll(req.CheckpointDir, 0o755); err != nil {
		return activities.EpochResult{}, fmt.Errorf("checkpoint dir: %w", err)
	}
	prev, done, err := startFrom(req, hash)
	if err != nil || done != nil {
		return deref(done), err
	}
	res, err := t.trainTwinEpoch(ctx, req, cfg, prev, hash)
	return res, classify(err)
}

// trainTwinEpoch builds the trial's model from prev's checkpoint (nil:
// the pretrained weights), trains one epoch, evaluates and saves.
func (t *Trainer) trainTwinEpoch(ctx context.Context, req activities.EpochRequest, cfg TwinConfig, prev *checkpointMeta, hash string) (activities.EpochResult, error) {
	s, err := t.openTwin(req, cfg, prev, true)
	if err != nil {
		return activities.EpochResult{}, err
	}
	defer releaseMemory()
	defer s.free()
	res, err := s.trainEpoch(ctx, req.Epoch)
	if err != nil {
		return activities.EpochResult{}, err
	}
	if err := s.save(prev, hash, res); err != nil {
		return activities.EpochResult{}, err
	}
	return res, nil
}

// openTwin resolves the device, model folder and documents of a share or
// joint trial and builds its session from checkpoint folder dir of meta:
// the last epoch's (withOptim, to train on) or the best epoch's.
func (t *Trainer) openTwin(req activities.EpochRequest, cfg TwinConfig, meta *checkpointMeta, train bool) (*twinSession, error) {
	device, err := parseDevice(req.Device)
	if err != nil {
		return nil, err
	}
	modelDir, err := model.Resolve(cfg.Model, t.cfg.Models)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", activities.ErrInvalidConfig, err)
	}
	ds, err := t.twins.get(twinKey{study: req.Study, modelDir: modelDir, maxLength: cfg.MaxLength, docStride: cfg.Span.DocStride})
	if err != nil {
		return nil, err
	}
	from, steps := "", 0
	switch {
	case meta != nil && train:
		from, steps = meta.Dir, meta.OptimizerSteps
	case meta != nil:
		from = twinBestDir(meta.BestEpoch)
	}
	return newTwinSession(t.cfg, cfg, req, modelDir, device, ds, from, steps, train)
}

// evaluateTwinTest is EvaluateTest for share and joint trials: the best
// epoch's model scored on the test split, (macro-F1 + span EM) / 2, with
// the trial's decoding and null policy (calibrated: fitted on the training
// split with that model).
func (t *Trainer) evaluateTwinTest(ctx context.Context, req activities.EpochRequest) (float64, error) {
	cfg, err := ParseTwin(req.Params)
	if err != nil {
		return 0, err
	}
	meta, err := finishedMeta(req)
	if err != nil {
		return 0, err
	}
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	s, err := t.openTwin(req, cfg, &meta, false)
	if err != nil {
		return 0, classify(err)
	}
	defer releaseMemory()
	defer s.free()
	m, err := s.score(ctx, s.data.test)
	return m.value, classify(err)
}

// finishedMeta reads the trial's checkpoint index, which must exist and
// belong to req's parameters. Errors wrap activities.ErrCheckpointMissing
// or ErrInvalidConfig.
func finishedMeta(req activities.EpochRequest) (checkpointMeta, error) {
	hash, err := paramsHash(req.Params)
	if err != nil {
		return checkpointMeta{}, err
	}
	meta, found, err := readMeta(req.CheckpointDir)
	switch {
	case err != nil:
		return checkpointMeta{}, err
	case !found:
		return checkpointMeta{}, fmt.Errorf("%w: no finished epoch in %s", activities.ErrCheckpointMissing, req.CheckpointDir)
	case meta.ParamsHash != hash:
		return checkpointMeta{}, fmt.Errorf("%w: checkpoint in %s was made with other parameters", activities.ErrInvalidConfig, req.CheckpointDir)
	}
	return meta, nil
}
