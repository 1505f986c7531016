//go:build gotch

package trainer

import (
	"fmt"
	"math"
	"path/filepath"

	"github.com/sugarme/gotch"

	"github.com/redsm5/supermax-hpo/activities"
	"github.com/redsm5/supermax-hpo/hpo"
	"github.com/redsm5/supermax-hpo/model"
	"github.com/redsm5/supermax-hpo/model/schedule"
)

// Files of a share or joint checkpoint folder (epoch-NNNN/ or best-NNNN/):
// the encoder's VarStore with the heads (and the joint injector), the
// secondary branch's layer copies (absent when every layer is shared),
// and the optimizer state (epoch folders only).
const (
	twinModelFile  = "model.ot"
	twinBranchFile = "branch.ot"
	twinOptimFile  = "optim.ot"
)

// branchPrefix makes the secondary branch's parameter names unique in the
// optimizer: its copies carry the encoder's own variable names.
const branchPrefix = "branch/"

// twinSession is one epoch's share or joint model (docs/agents.md): a
// SplitEncoder whose primary branch feeds the span head and whose
// secondary branch feeds the classification head; for joint the
// classification head's pooled vector is also projected onto every token
// of the primary branch before the span head. It owns libtorch tensors;
// free releases them.
type twinSession struct {
	tcfg     Config
	cfg      TwinConfig
	joint    bool
	req      activities.EpochRequest
	device   gotch.Device
	data     *twinData
	pre      *model.Pretrained
	split    *model.SplitEncoder
	cls      *model.CriteriaHead
	span     *model.SpanHead
	inject   *model.Injector // joint only
	opt      *model.Optimizer
	sched    *schedule.Schedule
	clsLoss  *model.Loss
	qaLoss   *model.QALoss
	perEpoch int // optimizer steps per epoch
	nullKept int // null training windows per epoch
}

// newTwinSession builds the trial's model on device and restores the
// checkpoint folder from (relative to the trial's CheckpointDir) when it is
// not empty; withOptim also restores the optimizer state saved there at
// step steps. libtorch's generator is seeded from (seed, 0) first, so the
// heads start the same in every attempt.
func newTwinSession(tcfg Config, cfg TwinConfig, req activities.EpochRequest, modelDir string, device gotch.Device, ds *twinData, from string, steps int, withOptim bool) (*twinSession, error) {
	s := &twinSession{tcfg: tcfg, cfg: cfg, joint: req.Agent == "joint", req: req, device: device, data: ds}
	manualSeed(hpo.TrialSeed(int64(req.Seed), 0))
	var err error
	s.pre, err = model.Load(modelDir, model.LoadOptions{
		Locations: tcfg.Models, Device: device, MaxLength: cfg.MaxLength,
		Encoder: &model.EncoderOptions{HiddenDropout: cfg.Dropout, AttentionDropout: cfg.AttnDropout},
	})
	if err != nil {
		return nil, fmt.Errorf("%w: %w", activities.ErrInvalidConfig, err)
	}
	if err := s.build(from, steps, withOptim); err != nil {
		s.free()
		return nil, err
	}
	return s, nil
}

// build splits the encoder, adds the heads, restores a checkpoint, and
// builds the optimizer, schedule and losses.
func (s *twinSession) build(from string, steps int, withOptim bool) error {
	shared, err := model.SharedLayers(s.cfg.ShareRatio, s.pre.Config.NumHiddenLayers)
	if err != nil {
		return fmt.Errorf("%w: joint.share_ratio: %w", activities.ErrInvalidConfig, err)
	}
	if s.split, err = model.NewSplitEncoder(s.pre.Encoder, shared); err != nil {
		return err
	}
	if err := s.buildHeads(); err != nil {
		return err
	}
	if from != "" {
		if err := s.restoreModel(from); err != nil {
			return err
		}
	}
	params, err := s.trainableParams()
	if err != nil {
		return err
	}
	s.opt, err = model.NewOptimizer(model.OptimConfig{
		Name: s.cfg.Optim, WeightDecay: s.cfg.WeightDecay, Beta1: s.cfg.Beta1, Beta2: s.cfg.Beta2, Eps: s.cfg.Eps,
	}, params)
	if err != nil {
		return fmt.Errorf("%w: %w", activities.ErrInvalidConfig, err)
	}
	s.opt.UseKernel(fusedKernel{})
	if withOptim && from != "" {
		if err := restoreOptimizerFrom(s.opt, filepath.Join(s.req.CheckpointDir, from, twinOptimFile), steps, s.device); err != nil {
			return err
		}
	}
	return s.buildScheduleAndLosses()
}

// buildHeads adds the classification head ("cls_head"), the span head
// ("span_head") and for joint the injector ("inject") to the encoder's
// VarStore, with autograd on (see session.buildTrainables).
func (s *twinSession) buildHeads() error {
	vs, width, c := s.pre.Encoder.VarStore(), s.pre.Encoder.HiddenSize(), s.cfg
	var err error
	model.WithGrad(true, func() {
		s.cls, err = model.NewCriteriaHead(vs.Root().Sub("cls_head"), width, model.HeadConfig{
			Pooling: c.Pooling, Layers: c.HeadLayers, Hidden: c.HeadHidden, Activation: c.Activation, Dropout: c.HeadDropout,
		})
		if err != nil {
			return
		}
		s.span, err = model.NewSpanHead(vs, "span_head", width, model.SpanHeadConfig{
			Layers: c.HeadLayers, Hidden: c.HeadHidden, Activation: c.Activation, Dropout: c.HeadDropout,
		})
		if err != nil || !s.joint {
			return
		}
		s.inject, err = model.NewInjector(vs.Root().Sub("inject"), width)
	})
	if err != nil {
		return fmt.Errorf("%w: %w", activities.ErrInvalidConfig, err)
	}
	return nil
}

// trainableParams applies train.freeze_encoder_layers and
// optim.layerwise_lr_decay to both VarStores alike (the copies carry the
// depths of the layers they copy) and prefixes the copies' names.
func (s *twinSession) trainableParams() ([]model.Param, error) {
	pol := model.ParamPolicy{NumLayers: s.pre.Config.NumHiddenLayers, FreezeLayers: s.cfg.FreezeLayers, LayerDecay: s.cfg.LayerDecay}
	params, err := model.TrainableParams(s.pre.Encoder.VarStore(), pol)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", activities.ErrInvalidConfig, err)
	}
	branch, err := model.TrainableParams(s.split.CopyStore(), pol)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", activities.ErrInvalidConfig, err)
	}
	for _, p := range branch {
		p.Name = branchPrefix + p.Name
		params = append(params, p)
	}
	return params, nil
}

// buildScheduleAndLosses sizes the schedule for the trial's epoch budget
// (every answered training window and round(qa.neg_ratio × null windows)
// per epoch) and builds the classification loss, whose class counts are
// those of an epoch's windows, and the span loss.
func (s *twinSession) buildScheduleAndLosses() error {
	c := s.cfg
	s.nullKept = int(math.Round(c.Span.NegRatio * float64(len(s.data.null))))
	n := len(s.data.answered) + s.nullKept
	if n == 0 {
		return fmt.Errorf("%w: qa.neg_ratio %g leaves no training window", activities.ErrInvalidConfig, c.Span.NegRatio)
	}
	batches := (n + c.BatchSize - 1) / c.BatchSize
	s.perEpoch = (batches + c.GradAccum - 1) / c.GradAccum
	var err error
	s.sched, err = schedule.New(schedule.Config{
		Name: schedule.Name(c.Sched), BaseLR: c.LR, TotalSteps: s.perEpoch * s.req.MaxEpochs,
		WarmupRatio: c.WarmupRatio, Cycles: c.Cycles, Power: c.PolyPower,
	})
	if err != nil {
		return fmt.Errorf("%w: %w", activities.ErrInvalidConfig, err)
	}
	s.clsLoss, err = model.NewLoss(model.LossConfig{
		Type: c.LossType, LabelSmoothing: c.LabelSmooth, Gamma: c.Gamma, Alpha: c.Alpha, Balance: c.Balance,
	}, []int{s.nullKept, len(s.data.answered)})
	if err != nil {
		return fmt.Errorf("%w: %w", activities.ErrInvalidConfig, err)
	}
	s.qaLoss, err = model.NewQALoss(model.QALossConfig{
		Type: c.Span.LossType, LabelSmoothing: c.Span.LabelSmooth, Gamma: c.Span.Gamma, Alpha: c.Span.Alpha,
	})
	if err != nil {
		return fmt.Errorf("%w: %w", activities.ErrInvalidConfig, err)
	}
	return nil
}

// restoreModel copies the tensors of checkpoint folder dir into both
// VarStores.
func (s *twinSession) restoreModel(dir string) error {
	base := filepath.Join(s.req.CheckpointDir, dir)
	if err := restoreStore(s.pre.Encoder.VarStore(), filepath.Join(base, twinModelFile), s.device); err != nil {
		return err
	}
	if len(s.split.CopyStore().Variables()) == 0 {
		return nil
	}
	return restoreStore(s.split.CopyStore(), filepath.Join(base, twinBranchFile), s.device)
}

// free releases every tensor of the session.
func (s *twinSession) free() {
	if s.opt != nil {
		s.opt.Free()
	}
	if s.split != nil {
		s.split.Free()
	}
	if s.pre != nil {
		s.pre.Encoder.VarStore().Destroy()
	}
}
