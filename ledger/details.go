package ledger

import (
	"context"
	"time"

	"github.com/redsm5/supermax-hpo/hpo"
)

// TrialRecord is a trial as study summaries read it (export, report): the
// hpo.Trial plus its times and user attributes.
type TrialRecord struct {
	hpo.Trial
	// Start and Complete are the trial's datetime_start and
	// datetime_complete; zero when not recorded (Complete while running).
	Start, Complete time.Time
	// UserAttrs maps each user attribute key to its JSON text.
	UserAttrs map[string]string
}

// Details is what a ledger offers beyond Ledger for summaries of a whole
// study. It is a separate interface so that Ledger stays the small
// contract the workflows need; the SQL ledgers (sqlite, postgres) and the
// memory ledger implement it.
//
// Study user attributes are how results computed after a study's trials
// finished (test-split scores) are recorded: finished trials are immutable
// (as in Optuna, whose set_trial_user_attr refuses them), a study's user
// attributes are not.
type Details interface {
	// TrialRecords returns every trial of the study, sorted by number, in
	// one consistent read. Blocking; costs a full read of the study.
	TrialRecords(ctx context.Context, studyID int64) ([]TrialRecord, error)
	// SetStudyUserAttr sets (or replaces) a user attribute of the study;
	// valueJSON is JSON text. Idempotent.
	SetStudyUserAttr(ctx context.Context, studyID int64, key, valueJSON string) error
	// StudyUserAttrs returns the study's user attributes, key -> JSON text.
	StudyUserAttrs(ctx context.Context, studyID int64) (map[string]string, error)
}
