//go:build gotch

package trainer

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/redsm5/supermax-hpo/activities"
	"github.com/redsm5/supermax-hpo/model"
)

// EvaluateTest returns the agent's metric, on the study's held-out test
// split, of the model of the trial's best epoch: for criteria the macro-F1
// (the model kept in best/model.ot of req.CheckpointDir), for share and
// joint (macro-F1 + span exact match) / 2 (the model in best-NNNN/). req carries the trial's study, agent, parameters,
// seed, MaxEpochs, checkpoint folder and device, as for TrainEpoch; Epoch
// is ignored. It trains nothing and changes no file. Blocking; errors wrap
// activities.ErrCheckpointMissing when the trial has no finished epoch, or
// ErrInvalidConfig, as TrainEpoch's do.
func (t *Trainer) EvaluateTest(ctx context.Context, req activities.EpochRequest) (float64, error) {
	if isTwin(req.Agent) && req.Study != "" && req.MaxEpochs >= 1 {
		return t.evaluateTwinTest(ctx, req)
	}
	return t.evaluateBest(ctx, req, func(d *dataset) []example { return d.test })
}

// evaluateBest evaluates the best epoch's model on the part of the split
// that part selects.
func (t *Trainer) evaluateBest(ctx context.Context, req activities.EpochRequest, part func(*dataset) []example) (float64, error) {
	if req.Agent != "criteria" || req.Study == "" || req.MaxEpochs < 1 {
		return 0, fmt.Errorf("%w: agent %q, study %q, %d epochs", activities.ErrInvalidConfig, req.Agent, req.Study, req.MaxEpochs)
	}
	cfg, err := ParseCriteria(req.Params)
	if err != nil {
		return 0, err
	}
	hash, err := paramsHash(req.Params)
	if err != nil {
		return 0, err
	}
	meta, found, err := readMeta(req.CheckpointDir)
	switch {
	case err != nil:
		return 0, err
	case !found:
		return 0, fmt.Errorf("%w: no finished epoch in %s", activities.ErrCheckpointMissing, req.CheckpointDir)
	case meta.ParamsHash != hash:
		return 0, fmt.Errorf("%w: checkpoint in %s was made with other parameters", activities.ErrInvalidConfig, req.CheckpointDir)
	}
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	device, err := parseDevice(req.Device)
	if err != nil {
		return 0, err
	}
	modelDir, err := model.Resolve(cfg.Model, t.cfg.Models)
	if err != nil {
		return 0, fmt.Errorf("%w: %w", activities.ErrInvalidConfig, err)
	}
	ds, err := t.cache.get(datasetKey{study: req.Study, modelDir: modelDir, maxLength: cfg.MaxLength})
	if err != nil {
		return 0, err
	}
	s, err := newSession(t.cfg, cfg, req, modelDir, device, ds, nil)
	if err != nil {
		return 0, err
	}
	defer s.free()
	if err := s.restoreModel(filepath.Join(req.CheckpointDir, bestModelFile)); err != nil {
		return 0, err
	}
	f1, err := s.evaluate(part(ds))
	return f1, classify(err)
}
