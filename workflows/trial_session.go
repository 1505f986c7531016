package workflows

import (
	"fmt"

	"go.temporal.io/sdk/workflow"

	"github.com/redsm5/supermax-hpo/activities"
)

// maxSessionRestarts bounds how many times one trial replaces a failed
// session (a worker that died) before it fails.
const maxSessionRestarts = 10

// session is the trial's current session: the worker slot its epochs run on.
type session struct {
	ctx  workflow.Context
	opts *workflow.SessionOptions
}

// openSession creates the trial's first session; it blocks until a worker
// has a free slot (at most Timeouts.SessionCreation).
func (t *trial) openSession(ctx workflow.Context) (*session, error) {
	opts := sessionOptions(t.in.Timeouts, t.in.Epochs)
	sctx, err := workflow.CreateSession(ctx, opts)
	if err != nil {
		return nil, fmt.Errorf("trial %d: open a session: %w", t.in.Number, err)
	}
	return &session{ctx: sctx, opts: opts}, nil
}

// train runs TrainEpoch for epoch in the session. When the session fails
// (its worker died or stopped heartbeating) it opens a new session and runs
// the epoch again there; the trainer resumes from the trial's checkpoint.
func (s *session) train(ctx workflow.Context, t *trial, epoch int) (activities.EpochResult, error) {
	var a *activities.Activities
	for {
		req := activities.TrainRequest{
			Study: t.in.Study, Agent: t.in.Agent, Number: t.in.Number, Params: t.in.Params, Seed: t.in.Seed,
			Epoch: epoch, MaxEpochs: t.in.Epochs, Outdir: t.in.Outdir, Trainer: t.in.Trainer,
			SessionID: workflow.GetSessionInfo(s.ctx).SessionID,
		}
		var r activities.EpochResult
		err := workflow.ExecuteActivity(epochActivity(s.ctx, t.in.Timeouts), a.TrainEpoch, req).Get(ctx, &r)
		if err == nil {
			return r, nil
		}
		if ctx.Err() != nil || !s.failed() {
			return r, err
		}
		if t.sessionRestarts >= maxSessionRestarts {
			return r, fmt.Errorf("trial %d: %d sessions lost, last at epoch %d: %w", t.in.Number, t.sessionRestarts+1, epoch, err)
		}
		if err := s.replace(ctx); err != nil {
			return r, err
		}
		t.sessionRestarts++
		workflow.GetLogger(ctx).Warn("trial: session lost, resuming in a new one",
			"trial", t.in.Number, "epoch", epoch, "restarts", t.sessionRestarts)
	}
}

// failed reports whether the session's worker was lost.
func (s *session) failed() bool {
	info := workflow.GetSessionInfo(s.ctx)
	return info != nil && info.SessionState == workflow.SessionStateFailed
}

// replace completes the failed session and opens a new one.
func (s *session) replace(ctx workflow.Context) error {
	workflow.CompleteSession(s.ctx)
	sctx, err := workflow.CreateSession(ctx, s.opts)
	if err != nil {
		return fmt.Errorf("open a new session after a lost worker: %w", err)
	}
	s.ctx = sctx
	return nil
}
