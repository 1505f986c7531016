//go:build gotch

package trainer

import (
	"fmt"
	"path/filepath"

	"github.com/sugarme/gotch"

	"github.com/redsm5/supermax-hpo/activities"
	"github.com/redsm5/supermax-hpo/model"
	"github.com/redsm5/supermax-hpo/trainer/span"
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
// of the primary branch before the span head. The embedded session owns
// the encoder's VarStore (heads and injector included) and the optimizer;
// the SplitEncoder owns the copies; free releases them all.
type twinSession struct {
	*session
	tw      TwinConfig
	joint   bool
	data    *evidenceData
	split   *model.SplitEncoder
	cls     *model.CriteriaHead
	span    *model.SpanHead
	inject  *model.Injector // joint only
	clsLoss *model.Loss
	qaLoss  *model.QALoss
	// threshold is the null threshold under the calibrated policy: the
	// previous epoch's fitted one, or qa.null.threshold before the first.
	threshold float64
}

// newTwinSession builds the trial's model on device, restoring prev's
// model, optimizer and fitted null threshold when set. libtorch's
// generator is seeded from (seed, 0) first (openSession), so the heads
// start the same in every attempt.
func newTwinSession(tcfg Config, tw TwinConfig, req activities.EpochRequest, modelDir string, device gotch.Device, d *evidenceData, prev *checkpointMeta) (*twinSession, error) {
	base, err := openSession(tcfg, tw.TrialConfig, req, modelDir, device)
	if err != nil {
		return nil, err
	}
	s := &twinSession{session: base, tw: tw, joint: req.Agent == agentJoint, data: d, threshold: tw.QA.Null.Threshold}
	if err := s.build(prev); err != nil {
		s.free()
		return nil, err
	}
	return s, nil
}

// build splits the encoder, adds the heads, restores prev, and builds the
// optimizer, the schedule and the losses.
func (s *twinSession) build(prev *checkpointMeta) error {
	shared, err := model.SharedLayers(s.tw.ShareRatio, s.pre.Config.NumHiddenLayers)
	if err != nil {
		return fmt.Errorf("%w: joint.share_ratio: %w", activities.ErrInvalidConfig, err)
	}
	if s.split, err = model.NewSplitEncoder(s.pre.Encoder, shared); err != nil {
		return err
	}
	if err := s.buildHeads(); err != nil {
		return err
	}
	if prev != nil {
		if err := s.restoreFolder(prev.Dir); err != nil {
			return err
		}
	}
	params, err := s.trainableParams()
	if err != nil {
		return err
	}
	c := s.tw
	s.opt, err = model.NewOptimizer(model.OptimConfig{
		Name: c.Optim, WeightDecay: c.WeightDecay, Beta1: c.Beta1, Beta2: c.Beta2, Eps: c.Eps,
	}, params)
	if err != nil {
		return fmt.Errorf("%w: %w", activities.ErrInvalidConfig, err)
	}
	s.opt.UseKernel(fusedKernel{}) // fewer gotch calls, less leaked memory
	if prev != nil {
		path := filepath.Join(s.req.CheckpointDir, prev.Dir, twinOptimFile)
		if err := restoreOptimizerFrom(s.opt, path, prev.OptimizerSteps, s.device); err != nil {
			return err
		}
		if c.QA.Null.Policy == span.NullCalibrated {
			if len(prev.NullThresholds) != prev.Epoch {
				return fmt.Errorf("%w: checkpoint of epoch %d in %s has %d fitted null thresholds", activities.ErrCheckpointMissing, prev.Epoch, s.req.CheckpointDir, len(prev.NullThresholds))
			}
			s.threshold = prev.NullThresholds[prev.Epoch-1]
		}
	}
	return s.buildLosses()
}

// buildHeads adds the classification head ("cls_head"), the span head
// (spanHeadPrefix) and for joint the injector ("inject") to the encoder's
// VarStore, with autograd on (see session.buildTrainables).
func (s *twinSession) buildHeads() error {
	vs, width, c := s.pre.Encoder.VarStore(), s.pre.Encoder.HiddenSize(), s.tw
	var err error
	model.WithGrad(true, func() {
		s.cls, err = model.NewCriteriaHead(vs.Root().Sub("cls_head"), width, model.HeadConfig{
			Pooling: c.Pooling, Layers: c.HeadLayers, Hidden: c.HeadHidden, Activation: c.Activation, Dropout: c.HeadDropout,
		})
		if err != nil {
			return
		}
		s.span, err = model.NewSpanHead(vs, spanHeadPrefix, width, model.SpanHeadConfig{
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
	pol := model.ParamPolicy{NumLayers: s.pre.Config.NumHiddenLayers, FreezeLayers: s.tw.FreezeLayers, LayerDecay: s.tw.LayerDecay}
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

// buildLosses sizes the schedule for the epoch's windows (the same count
// every epoch, evidenceData.epochWindows) and builds the classification
// loss, whose class counts are an epoch's null and answered windows, and
// the span loss.
func (s *twinSession) buildLosses() error {
	c := s.tw
	n := s.data.epochWindowCount(c.QA.NegRatio)
	if err := s.scheduleFor(n); err != nil {
		return err
	}
	var err error
	s.clsLoss, err = model.NewLoss(model.LossConfig{
		Type: c.LossType, LabelSmoothing: c.LabelSmooth, Gamma: c.Gamma, Alpha: c.Alpha, Balance: c.Balance,
	}, []int{n - len(s.data.answered), len(s.data.answered)})
	if err != nil {
		return fmt.Errorf("%w: %w", activities.ErrInvalidConfig, err)
	}
	s.qaLoss, err = model.NewQALoss(model.QALossConfig{
		Type: c.QA.LossType, LabelSmoothing: c.QA.LabelSmooth, Gamma: c.QA.Gamma, Alpha: c.QA.Alpha,
	})
	if err != nil {
		return fmt.Errorf("%w: %w", activities.ErrInvalidConfig, err)
	}
	return nil
}

// restoreFolder copies the tensors of checkpoint folder dir (relative to
// the trial's CheckpointDir) into both VarStores.
func (s *twinSession) restoreFolder(dir string) error {
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
	if s.split != nil {
		s.split.Free()
	}
	s.session.free()
}
