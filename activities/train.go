package activities

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/redsm5/supermax-hpo/hpo"
)

// TrainRequest is the input of TrainEpoch.
type TrainRequest struct {
	Study     string               `json:"study"`
	Agent     string               `json:"agent"`
	Number    int                  `json:"number"`
	Params    map[string]hpo.Value `json:"params"`
	Seed      int64                `json:"seed"` // the study seed
	Epoch     int                  `json:"epoch"`
	MaxEpochs int                  `json:"max_epochs"`
	Outdir    string               `json:"outdir"`
	Trainer   string               `json:"trainer"`
	// SessionID lets the worker keep a trial on the device it used before.
	SessionID string `json:"session_id"`
}

// TrainEpoch trains one epoch of a trial with the trainer of its kind, on a
// free device of this worker, checkpointing under TrialDir. It heartbeats the
// trainer's progress; a retried attempt passes the last heartbeat to the
// trainer so it can resume mid-epoch. Cancellation (delivered through the
// heartbeat) cancels the trainer's context.
//
// Errors: out of memory, invalid configuration and a missing checkpoint are
// non-retryable application errors of types ErrTypeOutOfMemory,
// ErrTypeInvalidConfig and ErrTypeCheckpointMissing; every other failure is
// retryable.
func (a *Activities) TrainEpoch(ctx context.Context, req TrainRequest) (EpochResult, error) {
	trainer, err := a.trainerFor(req)
	if err != nil {
		return EpochResult{}, invalidConfig(err)
	}
	dir := TrialDir(req.Outdir, req.Study, req.Number)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return EpochResult{}, fmt.Errorf("trial %d: checkpoint folder: %w", req.Number, err)
	}
	hb := newHeartbeater(ctx, Progress{Epoch: req.Epoch})
	stop := hb.every(a.heartbeatEvery)
	defer stop()
	slot, err := a.devices.acquire(ctx, req.SessionID)
	if err != nil {
		return EpochResult{}, fmt.Errorf("trial %d epoch %d: %w", req.Number, req.Epoch, err)
	}
	defer a.devices.release(slot)
	device := a.devices.name(slot)
	res, err := trainer.TrainEpoch(ctx, EpochRequest{
		Study:         req.Study,
		Agent:         req.Agent,
		Number:        req.Number,
		Params:        req.Params,
		Seed:          trialSeed(req),
		Epoch:         req.Epoch,
		MaxEpochs:     req.MaxEpochs,
		CheckpointDir: dir,
		Device:        device,
		Resume:        resumePoint(ctx, req.Epoch),
		Progress:      hb.record,
	})
	if err != nil {
		return EpochResult{}, classify(ctx, fmt.Errorf("trial %d epoch %d on %s: %w", req.Number, req.Epoch, device, err))
	}
	return res, nil
}

// trainerFor checks the request and returns its trainer.
func (a *Activities) trainerFor(req TrainRequest) (Trainer, error) {
	if req.Study == "" || req.Study == "." || req.Study == ".." || strings.ContainsAny(req.Study, `/\`) {
		return nil, fmt.Errorf("study name %q cannot name a checkpoint folder (empty, dot, or has a slash)", req.Study)
	}
	if req.Epoch < 1 || (req.MaxEpochs > 0 && req.Epoch > req.MaxEpochs) {
		return nil, fmt.Errorf("trial %d: epoch %d outside 1..%d", req.Number, req.Epoch, req.MaxEpochs)
	}
	t, ok := a.trainers[req.Trainer]
	if !ok {
		return nil, fmt.Errorf("trial %d: trainer %q is not available on this worker (it has %s): %w",
			req.Number, req.Trainer, a.trainerKinds(), ErrInvalidConfig)
	}
	return t, nil
}

// trainerKinds lists the registered trainer kinds, sorted.
func (a *Activities) trainerKinds() string {
	kinds := make([]string, 0, len(a.trainers))
	for k := range a.trainers {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	if len(kinds) == 0 {
		return "none"
	}
	return strings.Join(kinds, ", ")
}

// trialSeed is the "seed" parameter when the space has one, else derived
// from the study seed and trial number.
func trialSeed(req TrainRequest) uint64 {
	if v, ok := req.Params["seed"]; ok && v.Kind() == hpo.KindInt {
		return uint64(v.Int())
	}
	return hpo.TrialSeed(req.Seed, req.Number)
}

// resumePoint returns the progress of an earlier attempt of this epoch.
func resumePoint(ctx context.Context, epoch int) *Progress {
	if !activity.HasHeartbeatDetails(ctx) {
		return nil
	}
	var p Progress
	if err := activity.GetHeartbeatDetails(ctx, &p); err != nil || p.Epoch != epoch || p.Step <= 0 {
		return nil
	}
	return &p
}

// classify turns a trainer error into the error the activity returns.
func classify(ctx context.Context, err error) error {
	switch {
	case ctx.Err() != nil && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)):
		return err
	case errors.Is(err, ErrOutOfMemory):
		return temporal.NewNonRetryableApplicationError(err.Error(), ErrTypeOutOfMemory, err)
	case errors.Is(err, ErrInvalidConfig):
		return temporal.NewNonRetryableApplicationError(err.Error(), ErrTypeInvalidConfig, err)
	case errors.Is(err, ErrCheckpointMissing):
		return temporal.NewNonRetryableApplicationError(err.Error(), ErrTypeCheckpointMissing, err)
	}
	return err
}

// heartbeater sends the latest progress as heartbeat details: on every
// trainer report (the SDK throttles) and on a timer, so a trainer busy in a
// long step still heartbeats and still receives cancellation.
type heartbeater struct {
	ctx  context.Context
	mu   sync.Mutex
	last Progress
}

func newHeartbeater(ctx context.Context, start Progress) *heartbeater {
	return &heartbeater{ctx: ctx, last: start}
}

// record stores p and heartbeats it.
func (h *heartbeater) record(p Progress) {
	h.mu.Lock()
	h.last = p
	h.mu.Unlock()
	activity.RecordHeartbeat(h.ctx, p)
}

// every heartbeats the last progress every d until the returned stop is called.
func (h *heartbeater) every(d time.Duration) (stop func()) {
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(d)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-h.ctx.Done():
				return
			case <-t.C:
				h.mu.Lock()
				p := h.last
				h.mu.Unlock()
				activity.RecordHeartbeat(h.ctx, p)
			}
		}
	}()
	return func() {
		close(done)
		<-finished
	}
}
