package main

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/redsm5/supermax-hpo/activities"
)

func TestDrainWaitsForRunningEpochsAndRefusesNew(t *testing.T) {
	d := newDrainer()
	release := make(chan struct{})
	started := make(chan struct{})
	tr := d.wrap(activities.TrainerFunc(func(ctx context.Context, req activities.EpochRequest) (activities.EpochResult, error) {
		close(started)
		<-release
		return activities.EpochResult{Epoch: req.Epoch}, nil
	}))
	done := make(chan error, 1)
	go func() {
		_, err := tr.TrainEpoch(context.Background(), activities.EpochRequest{Epoch: 1})
		done <- err
	}()
	<-started
	drained := make(chan bool, 1)
	go func() { drained <- d.drain(context.Background()) }()
	// Wait until drain has switched the drainer to draining.
	for {
		d.mu.Lock()
		draining := d.draining
		d.mu.Unlock()
		if draining {
			break
		}
		time.Sleep(time.Millisecond)
	}
	if _, err := tr.TrainEpoch(context.Background(), activities.EpochRequest{Epoch: 2}); !errors.Is(err, errDraining) {
		t.Fatalf("new epoch while draining: err %v, want errDraining", err)
	}
	select {
	case <-drained:
		t.Fatal("drain returned while an epoch was running")
	case <-time.After(20 * time.Millisecond):
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if !<-drained {
		t.Fatal("drain reported a timeout")
	}
}

func TestDrainGivesUpWithContext(t *testing.T) {
	d := newDrainer()
	if !d.enter() {
		t.Fatal("enter refused before draining")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	if d.drain(ctx) {
		t.Fatal("drain succeeded with an epoch still running")
	}
	d.leave()
}

func TestDrainIdleReturnsAtOnce(t *testing.T) {
	if !newDrainer().drain(context.Background()) {
		t.Fatal("drain of an idle worker did not succeed")
	}
}

// evalTrainer is a trainer with a test evaluator.
type evalTrainer struct{ activities.Trainer }

func (evalTrainer) EvaluateTest(context.Context, activities.EpochRequest) (activities.TestResult, error) {
	return activities.TestResult{Value: 0.7}, nil
}

func TestDrainKeepsTestEvaluator(t *testing.T) {
	d := newDrainer()
	plain := activities.TrainerFunc(func(context.Context, activities.EpochRequest) (activities.EpochResult, error) {
		return activities.EpochResult{}, nil
	})
	if _, ok := d.wrap(plain).(activities.TestEvaluator); ok {
		t.Fatal("a trainer without EvaluateTest gained one")
	}
	ev, ok := d.wrap(evalTrainer{plain}).(activities.TestEvaluator)
	if !ok {
		t.Fatal("the drained trainer lost EvaluateTest")
	}
	if v, err := ev.EvaluateTest(context.Background(), activities.EpochRequest{}); err != nil || v.Value != 0.7 {
		t.Fatalf("EvaluateTest = %v, %v", v, err)
	}
	d.drain(context.Background())
	if _, err := ev.EvaluateTest(context.Background(), activities.EpochRequest{}); !errors.Is(err, errDraining) {
		t.Fatalf("EvaluateTest while draining: %v, want errDraining", err)
	}
}
