package workflows

import (
	"errors"
	"fmt"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/redsm5/supermax-hpo/activities"
	"github.com/redsm5/supermax-hpo/hpo"
	"github.com/redsm5/supermax-hpo/hpo/pruners"
)

// StudyWorkflow runs a study to its end and returns its summary.
//
// Whenever slots are free it asks SuggestTrials for as many new trials as
// may start (free slots, trials left, this run's K budget) and starts them
// all as TrialWorkflow children in one workflow task, so never more than
// Parallel run (runs recorded before versionBatchSuggest start one trial per
// task). It feeds every epoch report to the pruner (its state lives here)
// and answers with a verdict or a prune signal; it counts trial-done
// signals, and asks the server (CheckTrials) about trials it has not heard
// from for Timeouts.TrialCheck, recording those that ended without telling
// it (study_liveness.go). It continues as new after
// TrialsPerRun trials started in one run or when the server suggests it,
// carrying only StudyCarry. It ends when NTrials trials have ended, after
// SignalStop once running trials finished, or on SignalCancel / workflow
// cancellation (running trials are cancelled and recorded FAIL "cancelled").
//
// Signals: SignalStop, SignalCancel, SignalSetParallelism (int),
// SignalPruneTrial (int); from trials SignalReport and SignalTrialDone.
// Query: QueryStatus -> StudyStatus. An invalid spec fails the workflow with
// a non-retryable "InvalidConfig" error, and so, before any trial starts,
// does a model.name choice that the study's trainer cannot load on a worker
// (CheckModels, first thing in the first run).
func StudyWorkflow(ctx workflow.Context, spec StudySpec) (StudyResult, error) {
	if err := spec.Validate(); err != nil {
		return StudyResult{}, temporal.NewNonRetryableApplicationError(err.Error(), activities.ErrTypeInvalidConfig, err)
	}
	spec.Timeouts = spec.Timeouts.withDefaults()
	s, err := newStudy(ctx, spec)
	if err != nil {
		return StudyResult{}, err
	}
	status := func() (StudyStatus, error) { return s.status(ctx) }
	if err := workflow.SetQueryHandler(ctx, QueryStatus, status); err != nil {
		return StudyResult{}, fmt.Errorf("study %q: register query: %w", spec.Study, err)
	}
	s.listen(ctx)
	if s.c.Run == 1 {
		if err := s.checkModels(ctx); err != nil {
			return StudyResult{}, err
		}
		if err := s.initLedger(ctx); err != nil {
			return StudyResult{}, err
		}
	}
	s.label(ctx)
	return s.run(ctx)
}

// newStudy builds the run's state from the spec and the carried state of
// the previous run, if any.
func newStudy(ctx workflow.Context, spec StudySpec) (*study, error) {
	pruner, err := pruners.New(spec.Pruner, spec.hpoStudy())
	if err != nil {
		return nil, temporal.NewNonRetryableApplicationError(err.Error(), activities.ErrTypeInvalidConfig, err)
	}
	s := &study{spec: spec, pruner: pruner, running: make(map[int]*RunningTrial), pruneSent: make(map[int]bool)}
	s.bg, _ = workflow.NewDisconnectedContext(ctx)
	if spec.Carry == nil {
		s.c = StudyCarry{Run: 1, Parallel: spec.Parallel}
		return s, nil
	}
	s.c = *spec.Carry
	s.c.Run++
	for i := range s.c.Running {
		r := s.c.Running[i]
		s.running[r.Number] = &r
	}
	if err := s.pruner.UnmarshalBinary(s.c.PrunerState); err != nil {
		return nil, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("study %q: carried pruner state: %v", spec.Study, err), activities.ErrTypeInvalidConfig, err)
	}
	s.spec.Carry = nil
	return s, nil
}

// versionCheckModels is the change ID of the model check at a study's
// start.
//   - DefaultVersion (runs recorded before): no check.
//   - checkModelsFirst: run 1 calls CheckModels before anything else, and
//     fails the study (non-retryable InvalidConfig, naming each model and
//     its problem) when a model.name choice cannot be loaded by a worker of
//     the task queue, instead of failing every trial.
const versionCheckModels = "study-check-models"

// checkModelsFirst is the version of versionCheckModels that checks.
const checkModelsFirst workflow.Version = 1

// checkModels runs CheckModels on a worker (it must read the worker's model
// folders, so it is an activity) when this run records checkModelsFirst.
func (s *study) checkModels(ctx workflow.Context) error {
	if workflow.GetVersion(ctx, versionCheckModels, workflow.DefaultVersion, checkModelsFirst) == workflow.DefaultVersion {
		return nil
	}
	var a *activities.Activities
	var r activities.CheckModelsResult
	err := workflow.ExecuteActivity(shortActivity(ctx, s.spec.Timeouts), a.CheckModels, activities.CheckModelsRequest{
		Study: s.spec.Study, Trainer: s.spec.Trainer, AgentOptions: s.spec.AgentOptions,
	}).Get(ctx, &r)
	var app *temporal.ApplicationError
	if errors.As(err, &app) && app.Type() == activities.ErrTypeInvalidConfig {
		// The study fails with the activity's own message and type, not
		// wrapped in the SDK's retryable wrapError.
		return temporal.NewNonRetryableApplicationError(app.Message(), activities.ErrTypeInvalidConfig, nil)
	}
	if err != nil {
		return fmt.Errorf("study %q: check models: %w", s.spec.Study, err)
	}
	return nil
}

// initLedger creates the study in the ledger and numbers its trials after
// the ones already there.
func (s *study) initLedger(ctx workflow.Context) error {
	var a *activities.Activities
	var r activities.InitStudyResult
	err := workflow.ExecuteActivity(shortActivity(ctx, s.spec.Timeouts), a.InitStudy, activities.InitStudyRequest{
		Study: s.spec.Study, Storage: s.spec.Storage, Direction: s.spec.Direction,
	}).Get(ctx, &r)
	if err != nil {
		return fmt.Errorf("study %q: init ledger: %w", s.spec.Study, err)
	}
	s.c.StudyID, s.c.FirstNumber, s.c.NextNumber = r.StudyID, r.NextNumber, r.NextNumber
	return nil
}

// run is the study's main loop: start trials while there is room, and end,
// cancel or continue as new when it is time.
func (s *study) run(ctx workflow.Context) (StudyResult, error) {
	s.batch = batchVersion(ctx)
	s.startLiveness(ctx)
	for {
		err := workflow.Await(ctx, func() bool {
			return s.cancelling || s.done() || s.canStart() || s.timeToContinue(ctx)
		})
		switch {
		case err != nil || s.cancelling:
			return s.cancel(ctx)
		case s.done():
			return s.complete(ctx)
		case s.timeToContinue(ctx):
			return s.continueAsNew(ctx)
		}
		if err := s.startTrials(ctx); err != nil {
			if ctx.Err() != nil {
				return s.cancel(ctx)
			}
			return StudyResult{}, err
		}
	}
}

// started is the number of trials this study has suggested.
func (s *study) started() int { return s.c.NextNumber - s.c.FirstNumber }

// canStart: room for one more trial.
func (s *study) canStart() bool {
	return !s.c.Stopping && s.started() < s.spec.NTrials && len(s.running) < s.c.Parallel
}

// done: no trial runs and none will start.
func (s *study) done() bool {
	return len(s.running) == 0 && (s.c.Stopping || s.started() >= s.spec.NTrials)
}

// timeToContinue: K trials started in this run, or the server suggests
// continuing as new (history too long).
func (s *study) timeToContinue(ctx workflow.Context) bool {
	if s.spec.TrialsPerRun > 0 && s.startedThisRun >= s.spec.TrialsPerRun {
		return true
	}
	return workflow.GetInfo(ctx).GetContinueAsNewSuggested()
}

// direction is the study's direction.
func (s *study) direction() hpo.Direction { return s.spec.direction() }
