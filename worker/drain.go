package main

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/redsm5/supermax-hpo/activities"
)

// errDraining is returned to an epoch that would start on a worker that is
// shutting down; TrainEpoch retries it, and once this worker is gone the
// trial continues in a session on another worker.
var errDraining = errors.New("worker is shutting down: epoch not started here")

// drainer lets running epochs finish before the SDK worker stops. With
// sessions, stopping the SDK worker ends this worker's sessions at once,
// which would cancel the epochs they run; so on SIGTERM the worker first
// drains (no new epochs, running ones finish and checkpoint), then stops.
// Safe for concurrent use.
type drainer struct {
	mu       sync.Mutex
	draining bool
	running  int
	idle     chan struct{} // closed when draining and running reaches 0
}

func newDrainer() *drainer { return &drainer{idle: make(chan struct{})} }

// wrapAll wraps every trainer of trainers.
func (d *drainer) wrapAll(trainers map[string]activities.Trainer) map[string]activities.Trainer {
	out := make(map[string]activities.Trainer, len(trainers))
	for kind, t := range trainers {
		out[kind] = d.wrap(t)
	}
	return out
}

// wrap returns t counted by the drainer; while draining, new epochs fail
// with errDraining.
func (d *drainer) wrap(t activities.Trainer) activities.Trainer {
	w := activities.TrainerFunc(func(ctx context.Context, req activities.EpochRequest) (activities.EpochResult, error) {
		if !d.enter() {
			return activities.EpochResult{}, fmt.Errorf("trial %d epoch %d: %w", req.Number, req.Epoch, errDraining)
		}
		defer d.leave()
		return t.TrainEpoch(ctx, req)
	})
	return d.keepEvaluator(t, w) // drain_evaluate.go
}

func (d *drainer) enter() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.draining {
		return false
	}
	d.running++
	return true
}

func (d *drainer) leave() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.running--
	if d.draining && d.running == 0 {
		close(d.idle)
	}
}

// drain refuses new epochs and blocks until the running ones have returned
// (true) or ctx ends (false). Call it once.
func (d *drainer) drain(ctx context.Context) bool {
	d.mu.Lock()
	d.draining = true
	if d.running == 0 {
		close(d.idle)
	}
	d.mu.Unlock()
	select {
	case <-d.idle:
		return true
	case <-ctx.Done():
		return false
	}
}
