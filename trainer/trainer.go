//go:build gotch

package trainer

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"

	"github.com/sugarme/gotch"

	"github.com/redsm5/supermax-hpo/activities"
	"github.com/redsm5/supermax-hpo/model"
)

// Trainer trains criteria, evidence, share and joint trials on libtorch,
// one epoch per call. It implements activities.Trainer. The corpus is
// loaded once and each (study, model, max_length) is tokenized once (for
// evidence, share and joint, each (study, model, max_length, doc_stride)),
// then cached. Every call
// builds the model from the pretrained folder and the previous epoch's
// checkpoint and frees all its tensors before returning, so a worker's
// memory stays flat over many trials. Safe for concurrent use; note that
// libtorch's random generator is process-wide (see manualSeed).
type Trainer struct {
	cfg      Config
	cache    *corpusCache
	evidence *evidenceCache // evidence, share and joint documents, by windowing
}

var (
	_ activities.Trainer       = (*Trainer)(nil)
	_ activities.TestEvaluator = (*Trainer)(nil)
)

// New validates cfg and returns a trainer. With cfg.Threads > 0 it sets
// libtorch's intra-op thread count for the whole process.
func New(cfg Config) (*Trainer, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.Threads > 0 {
		setNumThreads(cfg.Threads)
	}
	return &Trainer{cfg: cfg, cache: newCorpusCache(cfg), evidence: newEvidenceCache(cfg)}, nil
}

// TrainEpoch trains epoch req.Epoch of a criteria, evidence, share or
// joint trial and returns its validation metric (criteria: macro-F1;
// evidence: span exact match, with token F1 and the others in Metrics,
// docs/evidence.md; share and joint: (macro-F1 + span exact match) / 2,
// docs/agents.md), following the checkpoint contract of
// activities.Trainer: it resumes from epoch req.Epoch−1's checkpoint (or
// returns the recorded result when req.Epoch already finished), and saves
// epoch req.Epoch's checkpoint atomically before returning. A mid-epoch
// Resume is not used: the epoch restarts from the previous checkpoint, with
// the same data order and random streams. Blocking; returns ctx.Err() at the
// next batch after cancellation, leaving the previous checkpoint intact.
// Errors wrap activities.ErrInvalidConfig, ErrCheckpointMissing or
// ErrOutOfMemory when they are one of those.
func (t *Trainer) TrainEpoch(ctx context.Context, req activities.EpochRequest) (activities.EpochResult, error) {
	// Every agent's libtorch work stays on one OS thread: gotch's calls
	// report errors through thread-local state (model package doc,
	// docs/tensor-lifetimes.md); code not yet routed through model/torch's
	// glue relies on this.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if req.Agent == agentEvidence {
		return t.trainEvidence(ctx, req)
	}
	if req.Agent != "criteria" && !isTwin(req.Agent) {
		return activities.EpochResult{}, fmt.Errorf("%w: agent %q: the gotch trainer implements criteria, evidence, share and joint", activities.ErrInvalidConfig, req.Agent)
	}
	if req.Epoch < 1 || req.Epoch > req.MaxEpochs || req.CheckpointDir == "" || req.Study == "" {
		return activities.EpochResult{}, fmt.Errorf("%w: study %q, epoch %d of %d, checkpoint dir %q",
			activities.ErrInvalidConfig, req.Study, req.Epoch, req.MaxEpochs, req.CheckpointDir)
	}
	if isTwin(req.Agent) {
		return t.trainTwin(ctx, req)
	}
	cfg, err := ParseCriteria(req.Params)
	if err != nil {
		return activities.EpochResult{}, err
	}
	hash, err := paramsHash(req.Params)
	if err != nil {
		return activities.EpochResult{}, err
	}
	if err := os.MkdirAll(req.CheckpointDir, 0o755); err != nil {
		return activities.EpochResult{}, fmt.Errorf("checkpoint dir: %w", err)
	}
	prev, done, err := startFrom(req, hash)
	if err != nil || done != nil {
		return deref(done), err
	}
	res, err := t.train(ctx, req, cfg, prev, hash)
	return res, classify(err)
}

func deref(r *activities.EpochResult) activities.EpochResult {
	if r == nil {
		return activities.EpochResult{}
	}
	return *r
}

// train builds the trial's model, trains one epoch, evaluates and saves.
func (t *Trainer) train(ctx context.Context, req activities.EpochRequest, cfg TrialConfig, prev *checkpointMeta, hash string) (activities.EpochResult, error) {
	// All of the epoch's libtorch work stays on one OS thread: gotch's
	// calls report errors through thread-local state (model package doc).
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	device, err := parseDevice(req.Device)
	if err != nil {
		return activities.EpochResult{}, err
	}
	modelDir, err := model.Resolve(cfg.Model, t.cfg.Models)
	if err != nil {
		return activities.EpochResult{}, fmt.Errorf("%w: %w", activities.ErrInvalidConfig, err)
	}
	ds, err := t.cache.get(datasetKey{study: req.Study, modelDir: modelDir, maxLength: cfg.MaxLength})
	if err != nil {
		return activities.EpochResult{}, err
	}
	s, err := newSession(t.cfg, cfg, req, modelDir, device, ds, prev)
	if err != nil {
		return activities.EpochResult{}, err
	}
	// Every tensor is freed explicitly (s.free); the collection and heap
	// trim give the freed C heap pages back to the system.
	defer releaseMemory()
	defer s.free()
	res, err := s.trainEpoch(ctx, req.Epoch)
	if err != nil {
		return activities.EpochResult{}, err
	}
	if err := s.save(prev, hash, res); err != nil {
		return activities.EpochResult{}, err
	}
	return res, nil
}

// parseDevice maps "cpu" (or "") and "cuda:N" to a gotch device; CUDA must
// be available.
func parseDevice(s string) (gotch.Device, error) {
	if s == "" || s == "cpu" {
		return gotch.CPU, nil
	}
	n, ok := strings.CutPrefix(s, "cuda:")
	idx, err := strconv.ParseUint(n, 10, 31)
	if !ok || err != nil {
		return gotch.CPU, fmt.Errorf("%w: device %q, want cpu or cuda:N", activities.ErrInvalidConfig, s)
	}
	if !gotch.CUDA.IsAvailable() || int64(idx) >= gotch.CUDA.DeviceCount() {
		return gotch.CPU, fmt.Errorf("%w: device %s: CUDA is not available here (%d devices)", activities.ErrInvalidConfig, s, gotch.CUDA.DeviceCount())
	}
	return gotch.CudaBuilder(uint(idx)), nil
}

// classify marks libtorch allocation failures as activities.ErrOutOfMemory.
// libtorch reports them only as text ("CUDA out of memory", "DefaultCPUAllocator:
// can't allocate memory"), so the message is the only signal there is.
func classify(err error) error {
	if err == nil || errors.Is(err, activities.ErrOutOfMemory) {
		return err
	}
	msg := strings.ToLower(err.Error())
	for _, s := range []string{"out of memory", "can't allocate memory", "not enough memory"} {
		if strings.Contains(msg, s) {
			return fmt.Errorf("%w: %w", activities.ErrOutOfMemory, err)
		}
	}
	return err
}
