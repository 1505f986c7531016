package trainer

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/redsm5/supermax-hpo/activities"
	"github.com/redsm5/supermax-hpo/hpo"
)

// metaFile is the checkpoint's index in the trial's CheckpointDir; it is
// replaced atomically after the tensors of an epoch are on disk, so it
// always names a complete checkpoint.
const metaFile = "checkpoint.json"

// checkpointMeta is the JSON index of a trial's checkpoint.
type checkpointMeta struct {
	// Epoch is the last finished epoch; Dir the folder (relative to the
	// trial's CheckpointDir) holding its model.ot and optim.ot.
	Epoch int    `json:"epoch"`
	Dir   string `json:"dir"`
	// OptimizerSteps is the optimizer's update count, which is also the
	// schedule's position.
	OptimizerSteps int `json:"optimizer_steps"`
	// Seed is the trial seed. The RNG streams of epoch e are derived from
	// (Seed, e) at the start of e, so the seed and the epoch are the whole
	// RNG state a resumed trial needs.
	Seed uint64 `json:"seed"`
	// ParamsHash fingerprints the trial's parameters; a checkpoint of other
	// parameters is refused.
	ParamsHash string `json:"params_hash"`
	// Results holds every finished epoch's result, in order.
	Results []activities.EpochResult `json:"results"`
	// BestEpoch is the epoch with the highest validation value (the first
	// of equals); its model is kept in best/model.ot for evaluation on the
	// test split.
	BestEpoch int `json:"best_epoch"`
	// NullThresholds holds, for an evidence trial whose qa.null.policy is
	// calibrated, the null threshold fitted on the training split at the
	// end of each finished epoch, in order: the next epoch's fit starts
	// from the last one, and the test split is decoded with the best
	// epoch's. Absent for every other trial.
	NullThresholds []float64 `json:"null_thresholds,omitempty"`
}

// bestModelFile is where the best epoch's model lives, relative to the
// trial's CheckpointDir.
const bestModelFile = "best/model.ot"

// paramsHash is the SHA-256 of the parameters' JSON (encoding/json sorts
// map keys, so it is deterministic).
func paramsHash(params map[string]hpo.Value) (string, error) {
	b, err := json.Marshal(params)
	if err != nil {
		return "", fmt.Errorf("hash parameters: %w", err)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), nil
}

// readMeta reads dir's checkpoint index; found is false when there is none.
func readMeta(dir string) (m checkpointMeta, found bool, err error) {
	b, err := os.ReadFile(filepath.Join(dir, metaFile))
	if errors.Is(err, fs.ErrNotExist) {
		return m, false, nil
	}
	if err != nil {
		return m, false, fmt.Errorf("read checkpoint: %w", err)
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return m, false, fmt.Errorf("decode %s: %w", filepath.Join(dir, metaFile), err)
	}
	if m.Epoch != len(m.Results) || m.Dir == "" {
		return m, false, fmt.Errorf("checkpoint %s: epoch %d with %d results", dir, m.Epoch, len(m.Results))
	}
	return m, true, nil
}

// writeMeta replaces dir's checkpoint index atomically (temp file, rename).
func writeMeta(dir string, m checkpointMeta) error {
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return fmt.Errorf("encode checkpoint: %w", err)
	}
	tmp, err := os.CreateTemp(dir, ".checkpoint-*.json")
	if err != nil {
		return fmt.Errorf("write checkpoint: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", tmp.Name(), err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("close %s: %w", tmp.Name(), err)
	}
	if err := os.Rename(tmp.Name(), filepath.Join(dir, metaFile)); err != nil {
		return fmt.Errorf("commit checkpoint: %w", err)
	}
	return nil
}

// epochDir is the folder of epoch e's tensors.
func epochDir(e int) string { return fmt.Sprintf("epoch-%04d", e) }

// startFrom checks the checkpoint against the request: done is set when
// the epoch already finished (its recorded result is returned); otherwise
// prev is the checkpoint to resume (nil for epoch 1). Errors wrap
// activities.ErrCheckpointMissing or ErrInvalidConfig.
func startFrom(req activities.EpochRequest, hash string) (prev *checkpointMeta, done *activities.EpochResult, err error) {
	m, found, err := readMeta(req.CheckpointDir)
	if err != nil {
		return nil, nil, err
	}
	if found && m.ParamsHash != hash {
		return nil, nil, fmt.Errorf("%w: checkpoint in %s was made with other parameters", activities.ErrInvalidConfig, req.CheckpointDir)
	}
	switch {
	case found && m.Epoch >= req.Epoch:
		r := m.Results[req.Epoch-1]
		r.Resumed, r.ResumedAtStep = true, 0
		return nil, &r, nil
	case req.Epoch == 1:
		return nil, nil, nil
	case !found || m.Epoch != req.Epoch-1:
		return nil, nil, fmt.Errorf("%w: epoch %d needs epoch %d's checkpoint in %s (found epoch %d)",
			activities.ErrCheckpointMissing, req.Epoch, req.Epoch-1, req.CheckpointDir, m.Epoch)
	}
	return &m, nil, nil
}
