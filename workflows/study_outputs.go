package workflows

import (
	"fmt"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/redsm5/supermax-hpo/activities"
	"github.com/redsm5/supermax-hpo/results"
)

// OutputsWorkflowName is the registered name of OutputsWorkflow.
const OutputsWorkflowName = "OutputsWorkflow"

// versionStudyOutputs is the change ID of the outputs a completed study
// writes (StudySpec.Outputs). A study without Outputs never calls
// GetVersion for it, so histories recorded before it replay unchanged.
const versionStudyOutputs = "study-outputs"

// Outputs asks a study to write its results when it ends (see
// OutputsWorkflow). Nil in StudySpec.Outputs: no outputs, as before.
type Outputs struct {
	// TopK is how many of the best trials are scored on the test split and
	// listed in the topk file (>= 1). KeepBestK must be at least TopK, or
	// their checkpoints are gone.
	TopK int `json:"top_k"`
}

// OutputsInput is the input of OutputsWorkflow.
type OutputsInput struct {
	Study    string   `json:"study"`
	Agent    string   `json:"agent"`
	Storage  string   `json:"storage"`
	Outdir   string   `json:"outdir"`
	Trainer  string   `json:"trainer"`
	Seed     int64    `json:"seed"`
	Epochs   int      `json:"epochs"`
	TopK     int      `json:"top_k"`
	Timeouts Timeouts `json:"timeouts"`
}

// OutputsResult is what OutputsWorkflow returns.
type OutputsResult struct {
	Files results.Files `json:"files"`
	// Scored counts the trials with a test score; Unscored those whose
	// score records why there is none.
	Scored   int `json:"scored"`
	Unscored int `json:"unscored"`
}

// outputsInput is the outputs request of a study that ends.
func (s StudySpec) outputsInput() OutputsInput {
	return OutputsInput{Study: s.Study, Agent: s.Agent, Storage: s.Storage, Outdir: s.Outdir, Trainer: s.Trainer,
		Seed: s.Seed, Epochs: s.Epochs, TopK: s.Outputs.TopK, Timeouts: s.Timeouts}
}

// OutputsWorkflow writes a study's results: it picks the best TopK trials
// (TopTrials), scores each on the held-out test split on a worker that has
// the trainer (EvaluateTest, all at once; each records its score in the
// ledger), then writes the files (ExportResults). A trial that cannot be
// scored is listed with the reason; only ledger or file failures fail the
// workflow. Deterministic; started by a completed study (as a child) and
// by `starter export`.
func OutputsWorkflow(ctx workflow.Context, in OutputsInput) (OutputsResult, error) {
	if in.TopK < 1 || in.Study == "" || in.Storage == "" || in.Outdir == "" {
		err := fmt.Errorf("%w: outputs of study %q: top_k %d, storage %q, outdir %q", ErrInvalidSpec, in.Study, in.TopK, in.Storage, in.Outdir)
		return OutputsResult{}, temporal.NewNonRetryableApplicationError(err.Error(), activities.ErrTypeInvalidConfig, err)
	}
	t := in.Timeouts.withDefaults()
	var a *activities.Activities
	var top activities.TopTrialsResult
	err := workflow.ExecuteActivity(shortActivity(ctx, t), a.TopTrials, activities.TopTrialsRequest{
		Storage: in.Storage, Study: in.Study, Agent: in.Agent, K: in.TopK,
	}).Get(ctx, &top)
	if err != nil {
		return OutputsResult{}, fmt.Errorf("outputs of study %s: top trials: %w", in.Study, err)
	}
	var res OutputsResult
	futures := make([]workflow.Future, len(top.Trials))
	for i, tr := range top.Trials {
		futures[i] = workflow.ExecuteActivity(evaluateActivity(ctx, t), a.EvaluateTest, activities.EvaluateTestRequest{
			Study: in.Study, StudyID: top.StudyID, Storage: in.Storage, Agent: in.Agent, Number: tr.Number,
			Params: tr.Params, Seed: in.Seed, Epochs: in.Epochs, Outdir: in.Outdir, Trainer: in.Trainer, Metric: top.Metric,
		})
	}
	for i, f := range futures {
		var score results.TestScore
		if err := f.Get(ctx, &score); err != nil {
			return res, fmt.Errorf("outputs of study %s: test score of trial %d: %w", in.Study, top.Trials[i].Number, err)
		}
		if score.Error != "" {
			res.Unscored++
		} else {
			res.Scored++
		}
	}
	err = workflow.ExecuteActivity(shortActivity(ctx, t), a.ExportResults, activities.ExportRequest{
		Storage: in.Storage, Study: in.Study, Agent: in.Agent, Outdir: in.Outdir, TopK: in.TopK,
	}).Get(ctx, &res.Files)
	if err != nil {
		return res, fmt.Errorf("outputs of study %s: export: %w", in.Study, err)
	}
	return res, nil
}

// evaluateActivity returns ctx with the options of EvaluateTest: an
// epoch's timeouts (it runs a model over a split), bounded retries.
func evaluateActivity(ctx workflow.Context, t Timeouts) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: t.EpochStartToClose,
		HeartbeatTimeout:    t.EpochHeartbeat,
		RetryPolicy: &temporal.RetryPolicy{
			MaximumAttempts:        t.EpochMaxAttempts,
			NonRetryableErrorTypes: activities.NonRetryableErrorTypes(),
		},
	})
}

// OutputsWorkflowID is the workflow ID of a study's outputs run.
func OutputsWorkflowID(study string) string { return study + "/outputs" }

// writeOutputs runs OutputsWorkflow as a child of a study that completed
// or was stopped, when its spec asks for outputs; the study's result then
// waits for the files. A failure is logged: the study itself succeeded,
// and `starter export` writes the outputs again.
func (s *study) writeOutputs(ctx workflow.Context) {
	if s.spec.Outputs == nil || workflow.GetVersion(ctx, versionStudyOutputs, workflow.DefaultVersion, 1) < 1 {
		return
	}
	cctx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{
		WorkflowID: OutputsWorkflowID(s.spec.Study),
	})
	var res OutputsResult
	if err := workflow.ExecuteChildWorkflow(cctx, OutputsWorkflowName, s.spec.outputsInput()).Get(ctx, &res); err != nil {
		workflow.GetLogger(ctx).Warn("study: writing the outputs failed (starter export redoes it)", "error", err)
		return
	}
	workflow.GetLogger(ctx).Info("study: outputs written", "topk", res.Files.TopK, "scored", res.Scored, "unscored", res.Unscored)
}
