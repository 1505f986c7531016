//go:build gotch

package trainer

import (
	"fmt"
	"path/filepath"
	"runtime"
	"slices"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/nn"
	"github.com/sugarme/gotch/ts"

	"github.com/redsm5/supermax-hpo/activities"
	"github.com/redsm5/supermax-hpo/hpo"
	"github.com/redsm5/supermax-hpo/model"
	"github.com/redsm5/supermax-hpo/model/schedule"
	"github.com/redsm5/supermax-hpo/model/torch"
)

// session is one epoch's model, head, optimizer, schedule and loss. It owns
// libtorch tensors; free releases them.
type session struct {
	tcfg     Config
	cfg      TrialConfig
	req      activities.EpochRequest
	device   gotch.Device
	data     *dataset
	pre      *model.Pretrained
	head     *model.CriteriaHead
	opt      *model.Optimizer
	sched    *schedule.Schedule
	loss     *model.Loss
	perEpoch int // optimizer steps per epoch
	// nullThreshold, when set, is the epoch's fitted null threshold, which
	// save appends to the checkpoint's NullThresholds (evidence trials).
	nullThreshold *float64
}

// newSession builds the trial's model on device, restoring prev's model and
// optimizer when set. libtorch's generator is seeded from (seed, 0) first,
// so the head's random initialization is the same in every attempt.
func newSession(tcfg Config, cfg TrialConfig, req activities.EpochRequest, modelDir string, device gotch.Device, ds *dataset, prev *checkpointMeta) (*session, error) {
	s, err := openSession(tcfg, cfg, req, modelDir, device)
	if err != nil {
		return nil, err
	}
	s.data = ds
	if err := s.buildTrainables(prev); err != nil {
		s.free()
		return nil, err
	}
	return s, nil
}

// openSession seeds libtorch's generator from (seed, 0) and loads the
// trial's encoder on device: the part of a session every agent shares. The
// caller adds its head and calls buildOptimizer; free releases it all.
func openSession(tcfg Config, cfg TrialConfig, req activities.EpochRequest, modelDir string, device gotch.Device) (*session, error) {
	s := &session{tcfg: tcfg, cfg: cfg, req: req, device: device}
	manualSeed(hpo.TrialSeed(int64(req.Seed), 0))
	var err error
	s.pre, err = model.Load(modelDir, model.LoadOptions{
		Locations: tcfg.Models, Device: device, MaxLength: cfg.MaxLength,
		Encoder: &model.EncoderOptions{HiddenDropout: cfg.Dropout, AttentionDropout: cfg.AttnDropout},
	})
	if err != nil {
		return nil, fmt.Errorf("%w: %w", activities.ErrInvalidConfig, err)
	}
	return s, nil
}

// buildTrainables adds the head, restores a checkpoint, and builds the
// optimizer, schedule and loss.
func (s *session) buildTrainables(prev *checkpointMeta) error {
	cfg := s.cfg
	vs := s.pre.Encoder.VarStore()
	var err error
	// gotch's nn.Linear keeps its weight as a transposed view made when the
	// layer is built. A view made while this OS thread had autograd off
	// (libtorch grad mode is per thread, and gotch's ts.NoGrad can leave it
	// off on a thread) makes the next training forward fail with "A view
	// was created in no_grad mode ..." — through gotch's log.Fatal, ending
	// the worker. Build the head with grad mode on, on a locked thread.
	model.WithGrad(true, func() {
		s.head, err = model.NewCriteriaHead(vs.Root().Sub("head"), s.pre.Encoder.HiddenSize(), model.HeadConfig{
			Pooling: cfg.Pooling, Layers: cfg.HeadLayers, Hidden: cfg.HeadHidden, Activation: cfg.Activation, Dropout: cfg.HeadDropout,
		})
	})
	if err != nil {
		return fmt.Errorf("%w: %w", activities.ErrInvalidConfig, err)
	}
	if err := s.buildOptimizer(prev); err != nil {
		return err
	}
	return s.buildSchedule()
}

// buildOptimizer restores prev's model (when set) into every variable of
// the VarStore, the head's included, then builds the optimizer over the
// trainable ones and restores prev's optimizer state.
func (s *session) buildOptimizer(prev *checkpointMeta) error {
	cfg := s.cfg
	vs := s.pre.Encoder.VarStore()
	if prev != nil {
		if err := s.restoreModel(filepath.Join(s.req.CheckpointDir, prev.Dir, "model.ot")); err != nil {
			return err
		}
	}
	params, err := model.TrainableParams(vs, model.ParamPolicy{
		NumLayers: s.pre.Config.NumHiddenLayers, FreezeLayers: cfg.FreezeLayers, LayerDecay: cfg.LayerDecay,
	})
	if err != nil {
		return fmt.Errorf("%w: %w", activities.ErrInvalidConfig, err)
	}
	s.opt, err = model.NewOptimizer(model.OptimConfig{
		Name: cfg.Optim, WeightDecay: cfg.WeightDecay, Beta1: cfg.Beta1, Beta2: cfg.Beta2, Eps: cfg.Eps,
	}, params)
	if err != nil {
		return fmt.Errorf("%w: %w", activities.ErrInvalidConfig, err)
	}
	s.opt.UseKernel(fusedKernel{}) // one cgo call per optimizer phase
	if prev != nil {
		return s.restoreOptimizer(prev)
	}
	return nil
}

// buildSchedule sizes the schedule for the trial's whole epoch budget and
// builds the loss with the training set's class counts.
func (s *session) buildSchedule() error {
	cfg := s.cfg
	if err := s.scheduleFor(len(s.data.train)); err != nil {
		return err
	}
	var err error
	s.loss, err = model.NewLoss(model.LossConfig{
		Type: cfg.LossType, LabelSmoothing: cfg.LabelSmooth, Gamma: cfg.Gamma, Alpha: cfg.Alpha, Balance: cfg.Balance,
	}, s.data.counts)
	if err != nil {
		return fmt.Errorf("%w: %w", activities.ErrInvalidConfig, err)
	}
	return nil
}

// scheduleFor sizes the schedule for the trial's whole epoch budget at n
// training examples per epoch.
func (s *session) scheduleFor(n int) error {
	cfg := s.cfg
	batches := (n + cfg.BatchSize - 1) / cfg.BatchSize
	s.perEpoch = (batches + cfg.GradAccum - 1) / cfg.GradAccum
	var err error
	s.sched, err = schedule.New(schedule.Config{
		Name: schedule.Name(cfg.Sched), BaseLR: cfg.LR, TotalSteps: s.perEpoch * s.req.MaxEpochs,
		WarmupRatio: cfg.WarmupRatio, Cycles: cfg.Cycles, Power: cfg.PolyPower,
	})
	if err != nil {
		return fmt.Errorf("%w: %w", activities.ErrInvalidConfig, err)
	}
	return nil
}

// restoreModel copies the checkpoint's tensors at path into the model's
// variables (restoreStore).
func (s *session) restoreModel(path string) error {
	return restoreStore(s.pre.Encoder.VarStore(), path, s.device)
}

// restoreStore copies the tensors saved at path into vs's variables,
// matched by name and shape; the file must hold exactly vs's variables.
// (gotch's VarStore.Load does the same but ends with ts.CleanUp, which
// sleeps a full second.) Errors wrap activities.ErrCheckpointMissing.
func restoreStore(vs *nn.VarStore, path string, device gotch.Device) (err error) {
	runtime.LockOSThread() // gotch calls: see the model package doc
	defer runtime.UnlockOSThread()
	named, err := ts.LoadMultiWithDevice(path, device)
	if err != nil {
		return fmt.Errorf("%w: restore %s: %w", activities.ErrCheckpointMissing, path, err)
	}
	defer dropNamed(named)
	saved := make(map[string]*ts.Tensor, len(named))
	for _, nt := range named {
		saved[nt.Name] = nt.Tensor
	}
	vars := vs.Variables()
	if len(vars) != len(saved) {
		return fmt.Errorf("%w: %s holds %d tensors, the model has %d", activities.ErrCheckpointMissing, path, len(saved), len(vars))
	}
	model.WithGrad(false, func() {
		for name, v := range vars {
			src, ok := saved[name]
			if !ok || !slices.Equal(src.MustSize(), v.MustSize()) {
				err = fmt.Errorf("%w: %s: tensor %q missing or of another shape", activities.ErrCheckpointMissing, path, name)
				return
			}
			if err = torch.Copy(&v, src); err != nil {
				err = fmt.Errorf("%w: restore %s: tensor %q: %w", model.ErrTorch, path, name, err)
				return
			}
		}
	})
	return err
}

func dropNamed(named []ts.NamedTensor) {
	for _, nt := range named {
		dropTensors(nt.Tensor)
	}
}

func (s *session) restoreOptimizer(prev *checkpointMeta) error {
	return restoreOptimizerFrom(s.opt, filepath.Join(s.req.CheckpointDir, prev.Dir, "optim.ot"), prev.OptimizerSteps, s.device)
}

// restoreOptimizerFrom loads the optimizer state saved at path, at step
// steps. Errors wrap activities.ErrCheckpointMissing.
func restoreOptimizerFrom(opt *model.Optimizer, path string, steps int, device gotch.Device) error {
	runtime.LockOSThread() // gotch calls: see the model package doc
	defer runtime.UnlockOSThread()
	named, err := ts.LoadMultiWithDevice(path, device)
	if err != nil {
		return fmt.Errorf("%w: restore %s: %w", activities.ErrCheckpointMissing, path, err)
	}
	defer dropNamed(named)
	if err := opt.LoadState(named, steps); err != nil {
		return fmt.Errorf("%w: restore %s: %w", activities.ErrCheckpointMissing, path, err)
	}
	return nil
}

// free releases every tensor of the session.
func (s *session) free() {
	if s.opt != nil {
		s.opt.Free()
	}
	if s.head != nil {
		s.head.Free()
	}
	if s.pre != nil {
		torch.Locked(s.pre.Encoder.VarStore().Destroy)
	}
}
