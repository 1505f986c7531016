package workflows

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/redsm5/supermax-hpo/activities"
)

// shortActivity returns ctx with the options of the short activities
// (suggest, ledger writes, clean-up): retried with backoff for up to 30
// attempts, except the non-retryable error types.
func shortActivity(ctx workflow.Context, t Timeouts) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: t.Activity,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:        time.Second,
			BackoffCoefficient:     2,
			MaximumInterval:        time.Minute,
			MaximumAttempts:        30,
			NonRetryableErrorTypes: activities.NonRetryableErrorTypes(),
		},
	})
}

// epochActivity returns ctx (a session context) with the options of
// TrainEpoch: the epoch's start-to-close and heartbeat timeouts, a bounded
// retry policy without the non-retryable types, and cancellation that waits
// until the activity has stopped, so a cancelled trial never leaves training
// running on a device that the next trial gets.
func epochActivity(ctx workflow.Context, t Timeouts) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: t.EpochStartToClose,
		HeartbeatTimeout:    t.EpochHeartbeat,
		WaitForCancellation: true,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:        time.Second,
			BackoffCoefficient:     2,
			MaximumInterval:        time.Minute,
			MaximumAttempts:        t.EpochMaxAttempts,
			NonRetryableErrorTypes: activities.NonRetryableErrorTypes(),
		},
	})
}

// sessionOptions are the options of a trial's session: one worker slot
// (device) for the trial's epochs.
func sessionOptions(t Timeouts, epochs int) *workflow.SessionOptions {
	return &workflow.SessionOptions{
		CreationTimeout:  t.SessionCreation,
		ExecutionTimeout: t.EpochStartToClose * time.Duration(epochs+1),
		HeartbeatTimeout: t.SessionHeartbeat,
	}
}
