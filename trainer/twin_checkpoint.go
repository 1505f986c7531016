//go:build gotch

package trainer

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/sugarme/gotch/ts"

	"github.com/redsm5/supermax-hpo/activities"
)

// A share or joint checkpoint follows the checkpoint contract of
// activities.Trainer with the index of checkpoint.go (checkpoint.json,
// replaced atomically last). Its tensors are in two VarStores, so the best
// epoch's model cannot be one file replaced by a rename as the criteria
// agent's best/model.ot is: it is written into a fresh folder best-NNNN/
// (twinBestDir) that the index names through BestEpoch once it is complete;
// the previous best folder is removed after the index is committed. Under
// the calibrated null policy the index also keeps each epoch's fitted
// threshold (NullThresholds), as the evidence agent's does.

// twinBestDir is the folder of epoch e's model kept as the best one.
func twinBestDir(e int) string { return fmt.Sprintf("best-%04d", e) }

// saveModel writes both VarStores into folder dir (created fresh).
func (s *twinSession) saveModel(dir string) error {
	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	if err := s.pre.Encoder.VarStore().Save(filepath.Join(dir, twinModelFile)); err != nil {
		return fmt.Errorf("checkpoint model: %w", err)
	}
	if len(s.split.CopyStore().Variables()) > 0 {
		if err := s.split.CopyStore().Save(filepath.Join(dir, twinBranchFile)); err != nil {
			return fmt.Errorf("checkpoint branch: %w", err)
		}
	}
	return nil
}

// save writes epoch res.Epoch's model and optimizer state into a fresh
// folder (and, when it is the best epoch so far, its model into a fresh
// best folder), then commits the index, then removes the folders the index
// no longer names.
func (s *twinSession) save(prev *checkpointMeta, hash string, res activities.EpochResult) error {
	dirName := epochDir(res.Epoch)
	dir := filepath.Join(s.req.CheckpointDir, dirName)
	if err := s.saveModel(dir); err != nil {
		return err
	}
	state, err := s.opt.StateTensors()
	if err != nil {
		return err
	}
	err = ts.SaveMultiNew(state, filepath.Join(dir, twinOptimFile))
	dropNamed(state)
	if err != nil {
		return fmt.Errorf("checkpoint optimizer: %w", err)
	}
	meta := checkpointMeta{Epoch: res.Epoch, Dir: dirName, OptimizerSteps: s.opt.Steps(), Seed: s.req.Seed, ParamsHash: hash, BestEpoch: res.Epoch}
	if prev != nil {
		meta.NullThresholds = append(meta.NullThresholds, prev.NullThresholds...)
		meta.Results = append(meta.Results, prev.Results...)
		if prev.Results[prev.BestEpoch-1].Value >= res.Value {
			meta.BestEpoch = prev.BestEpoch
		}
	}
	meta.Results = append(meta.Results, res)
	if s.nullThreshold != nil {
		meta.NullThresholds = append(meta.NullThresholds, *s.nullThreshold)
	}
	if meta.BestEpoch == res.Epoch {
		if err := s.saveModel(filepath.Join(s.req.CheckpointDir, twinBestDir(res.Epoch))); err != nil {
			return err
		}
	}
	if err := writeMeta(s.req.CheckpointDir, meta); err != nil {
		return err
	}
	// Leftover folders only cost disk.
	if prev != nil && prev.Dir != dirName {
		_ = os.RemoveAll(filepath.Join(s.req.CheckpointDir, prev.Dir))
	}
	if prev != nil && prev.BestEpoch != meta.BestEpoch {
		_ = os.RemoveAll(filepath.Join(s.req.CheckpointDir, twinBestDir(prev.BestEpoch)))
	}
	return nil
}
