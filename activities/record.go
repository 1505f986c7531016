package activities

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"time"

	"github.com/redsm5/supermax-hpo/hpo"
	"github.com/redsm5/supermax-hpo/ledger"
)

// ReasonAttr is the ledger user attribute holding why a trial ended
// (FinishTrial writes it), visible in optuna-dashboard.
const ReasonAttr = "supermax_reason"

// MetricsAttr is the ledger user attribute of a trial holding epoch e's
// further metrics (EpochResult.Metrics) as a JSON object, e.g.
// "supermax_metrics_epoch_2" = {"em":0.5,"f1":0.62,...}, beside the
// epoch's intermediate value.
func MetricsAttr(epoch int) string { return "supermax_metrics_epoch_" + strconv.Itoa(epoch) }

// IntermediateRequest is the input of RecordIntermediate.
type IntermediateRequest struct {
	Storage string  `json:"storage"`
	StudyID int64   `json:"study_id"`
	Number  int     `json:"number"`
	Epoch   int     `json:"epoch"`
	Value   float64 `json:"value"`
	// Metrics are the epoch's further metrics, written as MetricsAttr(Epoch)
	// when not empty.
	Metrics map[string]float64 `json:"metrics,omitempty"`
}

// RecordIntermediate writes the value of one epoch of a trial, and its
// metrics when it has some, to the ledger (upserts: idempotent).
func (a *Activities) RecordIntermediate(ctx context.Context, req IntermediateRequest) error {
	l, err := a.ledger(ctx, req.Storage)
	if err != nil {
		return err
	}
	if err := l.Report(ctx, req.StudyID, req.Number, req.Epoch, req.Value); err != nil {
		return ledgerError(fmt.Errorf("record epoch %d of trial %d: %w", req.Epoch, req.Number, err))
	}
	if err := writeMetrics(ctx, l, req.StudyID, req.Number, req.Epoch, req.Metrics); err != nil {
		return ledgerError(fmt.Errorf("record epoch %d of trial %d: %w", req.Epoch, req.Number, err))
	}
	return nil
}

// writeMetrics writes an epoch's metrics as MetricsAttr(epoch); nothing
// when there are none. encoding/json sorts the keys, so a repeated write
// is the same text (a no-op on a finished trial).
func writeMetrics(ctx context.Context, l ledger.Ledger, studyID int64, n, epoch int, m map[string]float64) error {
	if len(m) == 0 {
		return nil
	}
	b, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("metrics of epoch %d: %w", epoch, err)
	}
	return l.SetUserAttr(ctx, studyID, n, MetricsAttr(epoch), string(b))
}

// FinishRequest is the input of FinishTrial.
type FinishRequest struct {
	Storage string         `json:"storage"`
	StudyID int64          `json:"study_id"`
	Number  int            `json:"number"`
	State   hpo.TrialState `json:"state"`
	Value   *float64       `json:"value,omitempty"`
	Reason  string         `json:"reason"`
	// Values are intermediate values not yet in the ledger, of epochs
	// FromEpoch, FromEpoch+1, ...; FinishTrial writes them before the end.
	FromEpoch int       `json:"from_epoch,omitempty"`
	Values    []float64 `json:"values,omitempty"`
	// Metrics, when set, are those epochs' further metrics, index by index
	// with Values (nil entries: none), written as MetricsAttr.
	Metrics []map[string]float64 `json:"metrics,omitempty"`
}

// FinishResult is the output of FinishTrial.
type FinishResult struct {
	// AlreadyFinished is true when the trial had ended before, differently;
	// that first end stands (finished trials are immutable).
	AlreadyFinished bool `json:"already_finished"`
	// State and Value are the end the ledger holds once FinishTrial
	// returned: the requested one, or the first end when AlreadyFinished
	// (State is zero when that end could not be read).
	State hpo.TrialState `json:"state,omitempty"`
	Value *float64       `json:"value,omitempty"`
}

// FinishTrial records the end of a trial: its last intermediate values, its
// reason as a user attribute, then its final state and value. Idempotent:
// repeating it changes nothing, and a different end of a trial that already
// ended is reported in the result, not as an error (that first end stands).
func (a *Activities) FinishTrial(ctx context.Context, req FinishRequest) (FinishResult, error) {
	if !req.State.Finished() {
		return FinishResult{}, invalidConfig(fmt.Errorf("finish trial %d: state %s is not final", req.Number, req.State))
	}
	l, err := a.ledger(ctx, req.Storage)
	if err != nil {
		return FinishResult{}, err
	}
	err = writeLast(ctx, l, req)
	if err == nil {
		err = l.Finish(ctx, req.StudyID, req.Number, req.State, req.Value, time.Now())
	}
	if errors.Is(err, ledger.ErrTrialFinished) {
		return a.recordedEnd(ctx, l, req), nil
	}
	if err != nil {
		return FinishResult{}, ledgerError(fmt.Errorf("finish trial %d: %w", req.Number, err))
	}
	return FinishResult{State: req.State, Value: req.Value}, nil
}

// recordedEnd is the result of a FinishTrial that found the trial already
// finished: the end the ledger holds, read through the study's trial cache
// (State stays zero if it cannot be read: the caller keeps its own view).
func (a *Activities) recordedEnd(ctx context.Context, l ledger.Ledger, req FinishRequest) FinishResult {
	res := FinishResult{AlreadyFinished: true}
	c := a.cache(req.Storage, req.StudyID)
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.refresh(ctx, l); err != nil {
		return res
	}
	if t, ok := c.trial(req.Number); ok && t.State.Finished() {
		res.State, res.Value = t.State, t.Value
	}
	return res
}

// writeLast writes a finishing trial's last intermediate values and reason.
func writeLast(ctx context.Context, l ledger.Ledger, req FinishRequest) error {
	for i, v := range req.Values {
		if err := l.Report(ctx, req.StudyID, req.Number, req.FromEpoch+i, v); err != nil {
			return fmt.Errorf("epoch %d: %w", req.FromEpoch+i, err)
		}
	}
	for i, m := range req.Metrics {
		if err := writeMetrics(ctx, l, req.StudyID, req.Number, req.FromEpoch+i, m); err != nil {
			return err
		}
	}
	reason, err := json.Marshal(req.Reason)
	if err != nil {
		return fmt.Errorf("reason: %w", err)
	}
	return l.SetUserAttr(ctx, req.StudyID, req.Number, ReasonAttr, string(reason))
}

// CleanupRequest is the input of CleanupCheckpoints.
type CleanupRequest struct {
	Study     string `json:"study"`
	StudyID   int64  `json:"study_id"`
	Storage   string `json:"storage"`
	Outdir    string `json:"outdir"`
	Direction string `json:"direction"`
	KeepBestK int    `json:"keep_best_k"`
}

// CleanupResult is the output of CleanupCheckpoints.
type CleanupResult struct {
	Kept    []int `json:"kept"`    // trial numbers whose checkpoints stay
	Removed []int `json:"removed"` // trial numbers whose checkpoints were deleted now
}

// CleanupCheckpoints keeps the checkpoint folders of the KeepBestK best
// COMPLETE trials and deletes those of every other finished trial. Running
// trials are never touched (they may need to resume). KeepBestK 0 keeps
// everything. Idempotent.
func (a *Activities) CleanupCheckpoints(ctx context.Context, req CleanupRequest) (CleanupResult, error) {
	if req.KeepBestK <= 0 {
		return CleanupResult{}, nil
	}
	dir, err := hpo.ParseDirection(req.Direction)
	if err != nil {
		return CleanupResult{}, invalidConfig(fmt.Errorf("cleanup checkpoints of %q: %w", req.Study, err))
	}
	l, err := a.ledger(ctx, req.Storage)
	if err != nil {
		return CleanupResult{}, err
	}
	c := a.cache(req.Storage, req.StudyID)
	c.mu.Lock()
	if err := c.refresh(ctx, l); err != nil {
		c.mu.Unlock()
		return CleanupResult{}, err
	}
	keep, drop := splitBest(c.history(-1), dir, req.KeepBestK)
	c.mu.Unlock()
	res := CleanupResult{Kept: keep}
	for _, n := range drop {
		path := TrialDir(req.Outdir, req.Study, n)
		if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err := os.RemoveAll(path); err != nil {
			return res, fmt.Errorf("cleanup checkpoints of %q: %w", req.Study, err)
		}
		res.Removed = append(res.Removed, n)
	}
	return res, nil
}

// splitBest returns the numbers of the k best COMPLETE trials (best first)
// and of every other finished trial (ascending).
func splitBest(trials []hpo.Trial, dir hpo.Direction, k int) (keep, drop []int) {
	var complete []hpo.Trial
	for _, t := range trials {
		if t.State == hpo.Complete && t.Value != nil {
			complete = append(complete, t)
		}
	}
	sort.SliceStable(complete, func(i, j int) bool { return dir.Better(*complete[i].Value, *complete[j].Value) })
	kept := make(map[int]bool, k)
	for i := 0; i < len(complete) && i < k; i++ {
		keep = append(keep, complete[i].Number)
		kept[complete[i].Number] = true
	}
	for _, t := range trials {
		if t.State.Finished() && !kept[t.Number] {
			drop = append(drop, t.Number)
		}
	}
	return keep, drop
}

// TrialDir is the checkpoint folder of trial n: <outdir>/<study>/trials/<n>.
func TrialDir(outdir, study string, n int) string {
	return filepath.Join(outdir, study, "trials", strconv.Itoa(n))
}
