// Package setup wires a Temporal worker the way the worker binary does —
// workflows under their fixed names, the activities, session slots, the
// trainers and the ledger opener — so that tests run in-process workers that
// execute exactly what the binary executes.
package setup

import (
	"time"

	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/redsm5/supermax-hpo/activities"
	"github.com/redsm5/supermax-hpo/workflows"
)

// WorkerOptions returns the worker options of a worker training on devices:
// one session slot per device (so at most len(devices) trials train at once
// and each keeps its device while it runs), and stopTimeout for running
// activities to finish after a stop before their contexts are cancelled.
func WorkerOptions(devices []string, stopTimeout time.Duration) worker.Options {
	return worker.Options{
		EnableSessionWorker:               true,
		MaxConcurrentSessionExecutionSize: len(devices),
		WorkerStopTimeout:                 stopTimeout,
	}
}

// Register registers StudyWorkflow and TrialWorkflow under their names in
// package workflows, and every exported method of acts as an activity.
func Register(r worker.Registry, acts *activities.Activities) {
	r.RegisterWorkflowWithOptions(workflows.StudyWorkflow, workflow.RegisterOptions{Name: workflows.StudyWorkflowName})
	r.RegisterWorkflowWithOptions(workflows.TrialWorkflow, workflow.RegisterOptions{Name: workflows.TrialWorkflowName})
	r.RegisterWorkflowWithOptions(workflows.OutputsWorkflow, workflow.RegisterOptions{Name: workflows.OutputsWorkflowName})
	r.RegisterActivity(acts)
}
