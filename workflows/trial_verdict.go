package workflows

import (
	"go.temporal.io/sdk/workflow"
)

// versionCancelVerdictTimer is the change ID of the trial's verdict wait.
//   - DefaultVersion (runs recorded before): workflow.AwaitWithTimeout,
//     whose timer stays pending after the verdict came; it fires later (one
//     TimerFired event and one more workflow task per epoch, for a trial
//     that outlives Timeouts.Verdict).
//   - cancelVerdictTimer: the wait's timer is cancelled as soon as the
//     verdict (or a prune) came: one TimerCanceled event instead.
const versionCancelVerdictTimer = "trial-cancel-verdict-timer"

// cancelVerdictTimer is the version of versionCancelVerdictTimer that
// cancels the timer.
const cancelVerdictTimer workflow.Version = 1

// decideVerdictWait decides, once per trial run, at its first verdict wait
// (so a trial that never waits records no marker), how it waits.
func (t *trial) decideVerdictWait(ctx workflow.Context) {
	if !t.verdictWaitDecided {
		t.verdictWait = workflow.GetVersion(ctx, versionCancelVerdictTimer, workflow.DefaultVersion, cancelVerdictTimer)
		t.verdictWaitDecided = true
	}
}

// awaitOrTimeout waits until done holds or Timeouts.Verdict passes, and
// reports whether done held. On the new path no timer starts when done
// already holds, and the timer is cancelled when done holds first.
func (t *trial) awaitOrTimeout(ctx workflow.Context, done func() bool) (bool, error) {
	t.decideVerdictWait(ctx)
	if t.verdictWait < cancelVerdictTimer {
		return workflow.AwaitWithTimeout(ctx, t.in.Timeouts.Verdict, done)
	}
	if done() {
		return true, nil // no timer to start
	}
	tctx, cancel := workflow.WithCancel(ctx)
	defer cancel() // cancels the timer if it has not fired
	timer := workflow.NewTimer(tctx, t.in.Timeouts.Verdict)
	if err := workflow.Await(ctx, func() bool { return done() || timer.IsReady() }); err != nil {
		return false, err
	}
	return done(), nil
}
