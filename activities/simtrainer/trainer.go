// Package simtrainer is the simulated trainer: deterministic learning curves
// (see Curve) instead of training, with the timing, heartbeats, checkpoints
// and failures of a real trainer. Tests, the demo without libtorch and the
// orchestration benchmarks use it; a study gets it only by naming trainer
// kind "simulated".
package simtrainer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/redsm5/supermax-hpo/activities"
)

// Parameters that inject failures (tests and demos add them to a trial's
// params; no agent's search space has them).
const (
	// ParamFail is "oom" (ErrOutOfMemory), "invalid" (ErrInvalidConfig) or
	// "transient" (a retryable error on the first attempt of the epoch only).
	ParamFail = "sim.fail"
	// ParamFailEpoch is the epoch (int, from 1) that fails; default 1.
	ParamFailEpoch = "sim.fail_epoch"
)

// CheckpointFile is the name of the checkpoint in a trial's folder.
const CheckpointFile = "sim-checkpoint.json"

// ProgressFile holds the position inside the running epoch, saved after
// every step as a real trainer saves every N steps; it is removed when the
// epoch's checkpoint is written.
const ProgressFile = "sim-progress.json"

// Config configures the simulated trainer.
type Config struct {
	// EpochDuration is how long one epoch takes (0: no waiting).
	EpochDuration time.Duration
	// Steps per epoch (0 means 10); progress is reported after each.
	Steps int
}

// Trainer is the simulated activities.Trainer. It holds no mutable state;
// one value is safe for concurrent use by trials with distinct folders.
type Trainer struct {
	duration time.Duration
	steps    int
}

// New returns a simulated trainer. A negative duration or step count is an error.
func New(cfg Config) (*Trainer, error) {
	if cfg.EpochDuration < 0 || cfg.Steps < 0 {
		return nil, fmt.Errorf("simulated trainer: negative epoch duration %v or steps %d", cfg.EpochDuration, cfg.Steps)
	}
	steps := cfg.Steps
	if steps == 0 {
		steps = 10
	}
	return &Trainer{duration: cfg.EpochDuration, steps: steps}, nil
}

// Checkpoint is what the simulated trainer saves after each epoch.
type Checkpoint struct {
	Epoch  int       `json:"epoch"`  // last epoch finished
	Values []float64 `json:"values"` // value of epochs 1..Epoch
	Losses []float64 `json:"losses"`
	// Resumes counts epochs that resumed from an earlier attempt's progress
	// (heartbeat details or the saved position) instead of starting at step
	// 0; LastResume is the latest.
	Resumes    int           `json:"resumes"`
	LastResume *ResumeRecord `json:"last_resume,omitempty"`
}

// ResumeRecord says where an epoch resumed.
type ResumeRecord struct {
	Epoch int `json:"epoch"`
	Step  int `json:"step"`
}

// ReadCheckpoint reads the checkpoint in dir; a missing file gives the zero
// Checkpoint (nothing trained yet).
func ReadCheckpoint(dir string) (Checkpoint, error) {
	var ck Checkpoint
	b, err := os.ReadFile(filepath.Join(dir, CheckpointFile))
	if errors.Is(err, os.ErrNotExist) {
		return ck, nil
	}
	if err != nil {
		return ck, fmt.Errorf("read checkpoint: %w", err)
	}
	if err := json.Unmarshal(b, &ck); err != nil {
		return ck, fmt.Errorf("checkpoint %s: %w", filepath.Join(dir, CheckpointFile), err)
	}
	if ck.Epoch != len(ck.Values) || ck.Epoch != len(ck.Losses) {
		return ck, fmt.Errorf("checkpoint %s: epoch %d but %d values", filepath.Join(dir, CheckpointFile), ck.Epoch, len(ck.Values))
	}
	return ck, nil
}

// TrainEpoch implements activities.Trainer: it waits the epoch duration in
// steps (reporting progress and saving its position after each, returning
// ctx.Err() promptly on cancellation), then saves the epoch's value and loss
// in the checkpoint. It follows the checkpoint contract of
// activities.Trainer, and resumes mid-epoch at the later of req.Resume and
// the saved position — so an epoch interrupted by a dead worker resumes on
// another worker sharing the outdir, where no heartbeat details exist.
func (t *Trainer) TrainEpoch(ctx context.Context, req activities.EpochRequest) (activities.EpochResult, error) {
	ck, err := ReadCheckpoint(req.CheckpointDir)
	if err != nil {
		return activities.EpochResult{}, err
	}
	if ck.Epoch >= req.Epoch {
		i := req.Epoch - 1
		return activities.EpochResult{Epoch: req.Epoch, Value: ck.Values[i], TrainLoss: ck.Losses[i], Resumed: true, ResumedAtStep: t.steps}, nil
	}
	if ck.Epoch < req.Epoch-1 {
		return activities.EpochResult{}, fmt.Errorf("epoch %d needs the checkpoint of epoch %d, found epoch %d in %s: %w",
			req.Epoch, req.Epoch-1, ck.Epoch, req.CheckpointDir, activities.ErrCheckpointMissing)
	}
	if err := injectedFailure(req); err != nil {
		return activities.EpochResult{}, err
	}
	start := t.resumeStep(req)
	curve := NewCurve(req.Params, req.Seed)
	if err := t.run(ctx, req, curve, start); err != nil {
		return activities.EpochResult{}, err
	}
	res := activities.EpochResult{Epoch: req.Epoch, Value: curve.Value(req.Epoch), TrainLoss: curve.Loss(req.Epoch)}
	ck.Epoch = req.Epoch
	ck.Values = append(ck.Values, res.Value)
	ck.Losses = append(ck.Losses, res.TrainLoss)
	if start > 0 {
		res.Resumed, res.ResumedAtStep = true, start
		ck.Resumes++
		ck.LastResume = &ResumeRecord{Epoch: req.Epoch, Step: start}
	}
	if err := writeJSON(req.CheckpointDir, CheckpointFile, ck); err != nil {
		return activities.EpochResult{}, err
	}
	if err := os.Remove(filepath.Join(req.CheckpointDir, ProgressFile)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return activities.EpochResult{}, fmt.Errorf("remove progress: %w", err)
	}
	return res, nil
}

// resumeStep is where this attempt of the epoch starts: the later of the
// heartbeat's step (req.Resume) and the saved progress of this epoch, or 0.
func (t *Trainer) resumeStep(req activities.EpochRequest) int {
	start := 0
	if r := req.Resume; r != nil && r.Epoch == req.Epoch {
		start = r.Step
	}
	if p, err := readProgress(req.CheckpointDir); err == nil && p.Epoch == req.Epoch && p.Step > start {
		start = p.Step
	}
	if start <= 0 || start >= t.steps {
		return 0
	}
	return start
}

// readProgress reads the saved position inside an epoch.
func readProgress(dir string) (ResumeRecord, error) {
	var p ResumeRecord
	b, err := os.ReadFile(filepath.Join(dir, ProgressFile))
	if err != nil {
		return p, err
	}
	return p, json.Unmarshal(b, &p)
}

// run waits out the steps from start, reporting progress after each.
func (t *Trainer) run(ctx context.Context, req activities.EpochRequest, curve Curve, start int) error {
	step := t.duration / time.Duration(t.steps)
	for s := start + 1; s <= t.steps; s++ {
		if err := sleep(ctx, step); err != nil {
			return err
		}
		if s < t.steps {
			if err := writeJSON(req.CheckpointDir, ProgressFile, ResumeRecord{Epoch: req.Epoch, Step: s}); err != nil {
				return err
			}
		}
		if req.Progress != nil {
			req.Progress(activities.Progress{Epoch: req.Epoch, Step: s, Steps: t.steps, Loss: curve.StepLoss(req.Epoch, s, t.steps)})
		}
	}
	return nil
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return nil
	}
}

// injectedFailure returns the failure the trial's params ask for at this epoch.
func injectedFailure(req activities.EpochRequest) error {
	kind, ok := req.Params[ParamFail]
	if !ok {
		return nil
	}
	epoch := int64(1)
	if v, ok := req.Params[ParamFailEpoch]; ok {
		epoch = v.Int()
	}
	if int64(req.Epoch) != epoch {
		return nil
	}
	switch kind.Str() {
	case "oom":
		return fmt.Errorf("simulated: CUDA out of memory at epoch %d: %w", req.Epoch, activities.ErrOutOfMemory)
	case "invalid":
		return fmt.Errorf("simulated: invalid configuration at epoch %d: %w", req.Epoch, activities.ErrInvalidConfig)
	case "transient":
		marker := filepath.Join(req.CheckpointDir, fmt.Sprintf("sim-transient-%d", req.Epoch))
		if _, err := os.Stat(marker); err == nil {
			return nil
		}
		if err := os.WriteFile(marker, nil, 0o644); err != nil {
			return fmt.Errorf("simulated transient failure marker: %w", err)
		}
		return fmt.Errorf("simulated transient failure at epoch %d", req.Epoch)
	}
	return fmt.Errorf("simulated: %s = %s is not oom, invalid or transient: %w", ParamFail, kind, activities.ErrInvalidConfig)
}

// writeJSON saves v as dir/name atomically (temporary file, then rename).
func writeJSON(dir, name string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode %s: %w", name, err)
	}
	tmp, err := os.CreateTemp(dir, name+".*")
	if err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", name, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	if err := os.Rename(tmp.Name(), filepath.Join(dir, name)); err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	return nil
}
