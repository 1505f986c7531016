package activities

import (
	"context"
	"errors"
	"fmt"

	"go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"

	"github.com/redsm5/supermax-hpo/hpo"
)

// Close statuses of TrialCheck.Status besides the server's own
// (COMPLETED, FAILED, CANCELED, TERMINATED, TIMED_OUT).
const (
	// StatusRunning: the trial's latest run is open.
	StatusRunning = "RUNNING"
	// StatusNotFound: the server knows no workflow of that ID (never
	// started, or deleted after the namespace's retention).
	StatusNotFound = "NOT_FOUND"
)

// TrialInspector tells the state of a trial's workflow: its latest run, so
// that a trial reset or continued as new is seen as the run that counts.
// The worker's default asks the Temporal server through the activity's
// client; tests in the SDK's test environment provide their own.
type TrialInspector interface {
	InspectTrial(ctx context.Context, workflowID string) (TrialCheck, error)
}

// CheckTrialsRequest is the input of CheckTrials.
type CheckTrialsRequest struct {
	// WorkflowIDs are the trials' workflow IDs, in the order the answer
	// keeps.
	WorkflowIDs []string `json:"workflow_ids"`
}

// CheckTrialsResult is the output of CheckTrials: one check per requested
// ID, in order.
type CheckTrialsResult struct {
	Checks []TrialCheck `json:"checks"`
}

// TrialCheck is the state of one trial's workflow.
type TrialCheck struct {
	WorkflowID string `json:"workflow_id"`
	// Status is StatusRunning, StatusNotFound or the close status of the
	// latest run as the server names it without its prefix (COMPLETED,
	// FAILED, CANCELED, TERMINATED, TIMED_OUT, CONTINUED_AS_NEW).
	Status string `json:"status"`
	// End is the trial's result when Status is COMPLETED.
	End *TrialEnd `json:"end,omitempty"`
	// Reason describes a close other than COMPLETED (the failure's message
	// when the server has one).
	Reason string `json:"reason,omitempty"`
}

// Closed reports whether the trial's workflow will do nothing more.
func (c TrialCheck) Closed() bool { return c.Status != StatusRunning }

// TrialEnd is the part of a completed trial workflow's result
// (workflows.TrialResult, whose JSON names these fields share) that the
// study needs to count the trial and, if the trial could not, record it.
type TrialEnd struct {
	State        hpo.TrialState `json:"state"`
	Value        *float64       `json:"value,omitempty"`
	Epochs       int            `json:"epochs"`
	Intermediate []float64      `json:"intermediate"`
	Reason       string         `json:"reason"`
	Unrecorded   bool           `json:"unrecorded,omitempty"`
}

// CheckTrials inspects the latest run of each trial workflow. It reads
// only; a trial the server does not know is reported StatusNotFound, not
// as an error. Other errors (the server unreachable) are retryable.
func (a *Activities) CheckTrials(ctx context.Context, req CheckTrialsRequest) (CheckTrialsResult, error) {
	insp := a.inspector
	if insp == nil {
		insp = clientInspector{}
	}
	res := CheckTrialsResult{Checks: make([]TrialCheck, 0, len(req.WorkflowIDs))}
	for _, id := range req.WorkflowIDs {
		c, err := insp.InspectTrial(ctx, id)
		if err != nil {
			return CheckTrialsResult{}, fmt.Errorf("check trial %s: %w", id, err)
		}
		c.WorkflowID = id
		res.Checks = append(res.Checks, c)
	}
	return res, nil
}

// clientInspector asks the server through the client of the worker that
// runs the activity.
type clientInspector struct{}

func (clientInspector) InspectTrial(ctx context.Context, id string) (TrialCheck, error) {
	cl := activity.GetClient(ctx)
	if cl == nil {
		return TrialCheck{}, errors.New("no Temporal client in the activity context")
	}
	return InspectWithClient(ctx, cl, id)
}

// InspectWithClient inspects the latest run of workflow id through cl: its
// status and, once it completed, its result.
func InspectWithClient(ctx context.Context, cl client.Client, id string) (TrialCheck, error) {
	d, err := cl.DescribeWorkflow(ctx, id, "")
	var nf *serviceerror.NotFound
	if errors.As(err, &nf) {
		return TrialCheck{Status: StatusNotFound, Reason: "no workflow " + id + " on the server"}, nil
	}
	if err != nil {
		return TrialCheck{}, fmt.Errorf("describe: %w", err)
	}
	info := d.RawResponse.GetWorkflowExecutionInfo()
	st := info.GetStatus()
	if st == enums.WORKFLOW_EXECUTION_STATUS_RUNNING {
		return TrialCheck{Status: StatusRunning}, nil
	}
	c := TrialCheck{Status: closeStatus(st)}
	var end TrialEnd
	err = cl.GetWorkflow(ctx, id, info.GetExecution().GetRunId()).Get(ctx, &end)
	switch {
	case st == enums.WORKFLOW_EXECUTION_STATUS_COMPLETED && err != nil:
		return TrialCheck{}, fmt.Errorf("result of completed run %s: %w", info.GetExecution().GetRunId(), err)
	case st == enums.WORKFLOW_EXECUTION_STATUS_COMPLETED:
		c.End = &end
	case err != nil:
		c.Reason = err.Error()
	default:
		c.Reason = "closed " + c.Status
	}
	return c, nil
}

// closeStatus is the server's status name without its prefix.
func closeStatus(st enums.WorkflowExecutionStatus) string {
	switch st {
	case enums.WORKFLOW_EXECUTION_STATUS_COMPLETED:
		return "COMPLETED"
	case enums.WORKFLOW_EXECUTION_STATUS_FAILED:
		return "FAILED"
	case enums.WORKFLOW_EXECUTION_STATUS_CANCELED:
		return "CANCELED"
	case enums.WORKFLOW_EXECUTION_STATUS_TERMINATED:
		return "TERMINATED"
	case enums.WORKFLOW_EXECUTION_STATUS_TIMED_OUT:
		return "TIMED_OUT"
	case enums.WORKFLOW_EXECUTION_STATUS_CONTINUED_AS_NEW:
		return "CONTINUED_AS_NEW"
	}
	return st.String()
}
