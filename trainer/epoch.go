//go:build gotch

package trainer

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"

	"github.com/sugarme/gotch/ts"

	"github.com/redsm5/supermax-hpo/activities"
	"github.com/redsm5/supermax-hpo/hpo"
	"github.com/redsm5/supermax-hpo/model"
	"github.com/redsm5/supermax-hpo/model/torch"
)

// trainEpoch runs one pass over the shuffled training set: a backward pass
// per batch, an optimizer update every GradAccum batches (and after the last
// batch), progress every ProgressEvery batches; then validation.
func (s *session) trainEpoch(ctx context.Context, epoch int) (activities.EpochResult, error) {
	manualSeed(hpo.TrialSeed(int64(s.req.Seed), epoch))
	n := len(s.data.train)
	order := rand.New(rand.NewPCG(s.req.Seed, uint64(epoch))).Perm(n)
	loss, err := s.trainPass(ctx, epoch, n, func(from, to int, scale float64) (float64, error) {
		return s.backward(order[from:to], scale)
	})
	if err != nil {
		return activities.EpochResult{}, err
	}
	f1, err := s.evaluate(s.data.validation)
	if err != nil {
		return activities.EpochResult{}, err
	}
	return activities.EpochResult{Epoch: epoch, Value: f1, TrainLoss: loss}, nil
}

// trainPass is one epoch's pass over n training items, in the order the
// caller gives backward: a backward pass per batch of at most BatchSize
// items (backward gets the batch's item range and the scale of its loss),
// an optimizer update every GradAccum batches and after the last one, and
// progress every ProgressEvery batches. The last accumulation group may be
// short; its losses are scaled by its own size, so that every update
// averages its batches. It returns the mean unscaled batch loss (0 for no
// batch), or ctx.Err() at the next batch after cancellation. Shared by the
// criteria, evidence, share and joint agents.
func (s *session) trainPass(ctx context.Context, epoch, n int, backward func(from, to int, scale float64) (float64, error)) (float64, error) {
	bs, accum := s.cfg.BatchSize, s.cfg.GradAccum
	batches := (n + bs - 1) / bs
	total := 0.0
	for b := 0; b < batches; b++ {
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		group := min(accum, batches-b/accum*accum)
		v, err := backward(b*bs, min((b+1)*bs, n), 1/float64(group))
		if err != nil {
			return 0, err
		}
		total += v
		if (b+1)%accum == 0 || b == batches-1 {
			if err := s.update(); err != nil {
				return 0, err
			}
		}
		if s.req.Progress != nil && ((b+1)%s.tcfg.ProgressEvery == 0 || b == batches-1) {
			s.req.Progress(activities.Progress{Epoch: epoch, Step: b + 1, Steps: batches, Loss: total / float64(b+1)})
		}
	}
	return total / float64(max(batches, 1)), nil
}

// backward runs forward and backward on the examples at idx, accumulating
// gradients of loss·scale, and returns the unscaled loss.
func (s *session) backward(idx []int, scale float64) (loss float64, err error) {
	exs := make([]model.Encoded, len(idx))
	targets := make([]int64, len(idx))
	for i, j := range idx {
		exs[i], targets[i] = s.data.train[j].enc, int64(s.data.train[j].target)
	}
	model.WithGrad(true, func() {
		var logits *ts.Tensor
		logits, err = s.forward(exs, true)
		if err != nil {
			return
		}
		defer dropTensors(logits)
		var y *ts.Tensor
		if y, err = torch.FromInt64s(targets, []int64{int64(len(targets))}, s.device); err != nil {
			return
		}
		defer dropTensors(y)
		var l *ts.Tensor
		if l, err = s.loss.Forward(logits, y); err != nil {
			return
		}
		defer dropTensors(l)
		if loss, err = torch.Float64(l); err != nil {
			return
		}
		var scaled *ts.Tensor
		if scaled, err = torch.MulScalar(l, scale); err != nil {
			return
		}
		err = torch.Backward(scaled)
		dropTensors(scaled)
	})
	if err != nil {
		return 0, fmt.Errorf("%w: training step: %w", model.ErrTorch, err)
	}
	return loss, nil
}

// dropTensors frees tensors the session owns; a failure to free cannot be
// acted on and is ignored.
func dropTensors(xs ...*ts.Tensor) { _ = torch.Drop(xs...) }

// forward collates examples and returns the head's logits [B, 2].
func (s *session) forward(exs []model.Encoded, train bool) (*ts.Tensor, error) {
	batch, err := model.Collate(exs, int64(s.pre.Config.PadTokenID))
	if err != nil {
		return nil, err
	}
	hidden, err := s.pre.Encoder.ForwardBatch(batch, s.device, train)
	if err != nil {
		return nil, err
	}
	defer dropTensors(hidden)
	mask, err := torch.FromInt64s(batch.Mask, []int64{int64(batch.Size), int64(batch.Len)}, s.device)
	if err != nil {
		return nil, fmt.Errorf("%w: batch mask: %w", model.ErrTorch, err)
	}
	defer dropTensors(mask)
	return s.head.Forward(hidden, mask, train)
}

// update clips the gradients (train.clip_grad; 0 means no clipping), steps
// the optimizer at the schedule's learning rate, and clears gradients.
func (s *session) update() error {
	if s.cfg.ClipGrad > 0 {
		if _, err := s.opt.ClipGradNorm(s.cfg.ClipGrad); err != nil {
			return err
		}
	}
	if err := s.opt.Step(s.sched.LR(s.opt.Steps())); err != nil {
		return err
	}
	return s.opt.ZeroGrad()
}

// evaluate returns the macro-F1 of argmax predictions on val.
func (s *session) evaluate(val []example) (f1 float64, err error) {
	preds, targets := make([]int, 0, len(val)), make([]int, 0, len(val))
	for start := 0; start < len(val); start += s.tcfg.EvalBatchSize {
		part := val[start:min(start+s.tcfg.EvalBatchSize, len(val))]
		exs := make([]model.Encoded, len(part))
		for i, e := range part {
			exs[i] = e.enc
			targets = append(targets, e.target)
		}
		var logits *ts.Tensor
		model.WithGrad(false, func() { logits, err = s.forward(exs, false) })
		if err != nil {
			return 0, err
		}
		v, err := torch.Float64s(logits)
		dropTensors(logits)
		if err != nil {
			return 0, fmt.Errorf("%w: logits: %w", model.ErrTorch, err)
		}
		for i := range part {
			preds = append(preds, argmax2(v[2*i], v[2*i+1]))
		}
	}
	return MacroF1(preds, targets)
}

// saveBest writes the model to best/model.ot through a temporary file and
// a rename, so the file is always a complete model.
func (s *session) saveBest() error {
	dir := filepath.Join(s.req.CheckpointDir, filepath.Dir(bestModelFile))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("best model: %w", err)
	}
	tmp := filepath.Join(dir, ".model.ot.tmp")
	if err := s.pre.Encoder.VarStore().Save(tmp); err != nil {
		return fmt.Errorf("best model: %w", err)
	}
	if err := os.Rename(tmp, filepath.Join(s.req.CheckpointDir, bestModelFile)); err != nil {
		return fmt.Errorf("best model: %w", err)
	}
	return nil
}

func argmax2(a, b float64) int {
	if b > a {
		return 1
	}
	return 0
}

// save writes the epoch's model and optimizer state into a fresh folder,
// then commits the checkpoint index, then removes the previous folder.
func (s *session) save(prev *checkpointMeta, hash string, res activities.EpochResult) error {
	dirName := epochDir(res.Epoch)
	dir := filepath.Join(s.req.CheckpointDir, dirName)
	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	if err := s.pre.Encoder.VarStore().Save(filepath.Join(dir, "model.ot")); err != nil {
		return fmt.Errorf("checkpoint model: %w", err)
	}
	state, err := s.opt.StateTensors()
	if err != nil {
		return err
	}
	torch.Locked(func() { err = ts.SaveMultiNew(state, filepath.Join(dir, "optim.ot")) })
	for _, nt := range state {
		dropTensors(nt.Tensor)
	}
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
		if err := s.saveBest(); err != nil {
			return err
		}
	}
	if err := writeMeta(s.req.CheckpointDir, meta); err != nil {
		return err
	}
	if prev != nil && prev.Dir != dirName {
		_ = os.RemoveAll(filepath.Join(s.req.CheckpointDir, prev.Dir)) // a leftover folder only costs disk
	}
	return nil
}
