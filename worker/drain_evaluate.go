package main

import (
	"context"
	"fmt"

	"github.com/redsm5/supermax-hpo/activities"
)

// drainedEvaluator is a drained trainer that keeps the wrapped trainer's
// activities.TestEvaluator: test-split evaluations are counted and refused
// while draining, like epochs.
type drainedEvaluator struct {
	activities.Trainer
	ev activities.TestEvaluator
	d  *drainer
}

// EvaluateTest implements activities.TestEvaluator.
func (e drainedEvaluator) EvaluateTest(ctx context.Context, req activities.EpochRequest) (activities.TestResult, error) {
	if !e.d.enter() {
		return activities.TestResult{}, fmt.Errorf("trial %d test evaluation: %w", req.Number, errDraining)
	}
	defer e.d.leave()
	return e.ev.EvaluateTest(ctx, req)
}

// keepEvaluator returns wrapped with t's EvaluateTest when t has one.
func (d *drainer) keepEvaluator(t, wrapped activities.Trainer) activities.Trainer {
	if ev, ok := t.(activities.TestEvaluator); ok {
		return drainedEvaluator{Trainer: wrapped, ev: ev, d: d}
	}
	return wrapped
}
