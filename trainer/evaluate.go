//go:build gotch

package trainer

import (
	"context"
	"fmt"
	"path/filepath"
	"runtime"

	"github.com/redsm5/supermax-hpo/activities"
	"github.com/redsm5/supermax-hpo/model"
)

// MetricMacroF1 is the criteria agent's metric in TestResult.Metrics.
const MetricMacroF1 = "macro_f1"

// EvaluateTest re-evaluates, on the study's held-out test split, the model
// of the trial's best epoch (kept in best/model.ot of req.CheckpointDir)
// with the agent's own metrics: for criteria Value is the macro-F1
// (Metrics "macro_f1"); for evidence Value is span exact match (Metrics
// "em", "f1", "topk_em", "null_rate", and "null_threshold" under the
// calibrated policy: the threshold fitted at the best epoch); for share and
// joint Value is (macro-F1 + span exact match) / 2 (Metrics "macro_f1",
// the evidence metrics and "mean_f1_em"; the model in best-NNNN/,
// docs/agents.md). req carries
// the trial's study, agent, parameters, seed, MaxEpochs, checkpoint folder
// and device, as for TrainEpoch; Epoch is ignored. It trains nothing and
// changes no file. Blocking; errors wrap activities.ErrCheckpointMissing
// when the trial has no finished epoch, or ErrInvalidConfig, as
// TrainEpoch's do.
func (t *Trainer) EvaluateTest(ctx context.Context, req activities.EpochRequest) (activities.TestResult, error) {
	runtime.LockOSThread() // every agent: see TrainEpoch
	defer runtime.UnlockOSThread()
	if req.Study == "" || req.MaxEpochs < 1 {
		return activities.TestResult{}, fmt.Errorf("%w: agent %q, study %q, %d epochs", activities.ErrInvalidConfig, req.Agent, req.Study, req.MaxEpochs)
	}
	if req.Agent == agentEvidence {
		return t.evaluateEvidenceTest(ctx, req)
	}
	if isTwin(req.Agent) {
		return t.evaluateTwinTest(ctx, req)
	}
	f1, err := t.evaluateBest(ctx, req, func(d *dataset) []example { return d.test })
	if err != nil {
		return activities.TestResult{}, err
	}
	return activities.TestResult{Value: f1, Metrics: map[string]float64{MetricMacroF1: f1}}, nil
}

// bestCheckpoint reads the trial's checkpoint index for evaluating its
// best epoch: it must exist and have been made with req's parameters.
func bestCheckpoint(req activities.EpochRequest) (checkpointMeta, error) {
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

// evaluateBest evaluates a criteria trial's best epoch's model on the part
// of the split that part selects.
func (t *Trainer) evaluateBest(ctx context.Context, req activities.EpochRequest, part func(*dataset) []example) (float64, error) {
	runtime.LockOSThread() // libtorch work on one OS thread: see train
	defer runtime.UnlockOSThread()
	if req.Agent != "criteria" {
		return 0, fmt.Errorf("%w: agent %q: the gotch trainer evaluates criteria and evidence", activities.ErrInvalidConfig, req.Agent)
	}
	cfg, err := ParseCriteria(req.Params)
	if err != nil {
		return 0, err
	}
	if _, err := bestCheckpoint(req); err != nil {
		return 0, err
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
