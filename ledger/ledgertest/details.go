package ledgertest

import (
	"testing"
	"time"

	"github.com/redsm5/supermax-hpo/hpo"
	"github.com/redsm5/supermax-hpo/ledger"
)

// testDetails checks ledger.Details: trial records with times, values,
// intermediate values and user attributes; study user attributes that can
// be replaced, also after every trial finished.
func testDetails(t *testing.T, l ledger.Ledger) {
	d, ok := l.(ledger.Details)
	if !ok {
		t.Fatalf("%T does not implement ledger.Details", l)
	}
	ctx := ctxOf(t)
	s := mustStudy(t, l, "details", hpo.Maximize)
	other := mustStudy(t, l, "other", hpo.Maximize)
	p, dists := space3(0.25, 8, 1)
	wantOK(t, "PutTrial 0", l.PutTrial(ctx, s.ID, 0, p, dists, t0))
	wantOK(t, "PutTrial 1", l.PutTrial(ctx, s.ID, 1, p, dists, t0.Add(time.Minute)))
	wantOK(t, "PutTrial other", l.PutTrial(ctx, other.ID, 0, p, dists, t0))
	wantOK(t, "Report", l.Report(ctx, s.ID, 0, 1, 0.5))
	wantOK(t, "SetUserAttr", l.SetUserAttr(ctx, s.ID, 0, "reason", `"max epochs"`))
	wantOK(t, "Finish", l.Finish(ctx, s.ID, 0, hpo.Complete, f(0.5), t0.Add(time.Hour)))

	recs, err := d.TrialRecords(ctx, s.ID)
	wantOK(t, "TrialRecords", err)
	if len(recs) != 2 || recs[0].Number != 0 || recs[1].Number != 1 {
		t.Fatalf("TrialRecords: %d records %+v, want trials 0 and 1", len(recs), recs)
	}
	r0, r1 := recs[0], recs[1]
	if !r0.Start.Equal(t0.Truncate(time.Microsecond)) || !r0.Complete.Equal(t0.Add(time.Hour).Truncate(time.Microsecond)) {
		t.Errorf("trial 0 times %v - %v, want %v - %v", r0.Start, r0.Complete, t0, t0.Add(time.Hour))
	}
	if r0.State != hpo.Complete || r0.Value == nil || *r0.Value != 0.5 || r0.Intermediate[1] != 0.5 || r0.Params["x"] != 0.25 {
		t.Errorf("trial 0 record %+v", r0.Trial)
	}
	if r0.UserAttrs["reason"] != `"max epochs"` {
		t.Errorf("trial 0 user attrs %v", r0.UserAttrs)
	}
	if r1.State != hpo.Running || !r1.Complete.IsZero() || !r1.Start.Equal(t0.Add(time.Minute).Truncate(time.Microsecond)) {
		t.Errorf("trial 1 record: state %v, times %v - %v", r1.State, r1.Start, r1.Complete)
	}

	wantOK(t, "SetStudyUserAttr", d.SetStudyUserAttr(ctx, s.ID, "test:0", `{"value": 0.4}`))
	wantOK(t, "SetStudyUserAttr again", d.SetStudyUserAttr(ctx, s.ID, "test:0", `{"value": 0.45}`))
	wantOK(t, "SetStudyUserAttr other key", d.SetStudyUserAttr(ctx, s.ID, "k", `1`))
	if err := d.SetStudyUserAttr(ctx, s.ID, "bad", `{not json`); err == nil {
		t.Error("SetStudyUserAttr accepted a value that is not JSON")
	}
	_, err = d.StudyUserAttrs(ctx, 9999)
	wantIs(t, "StudyUserAttrs of an unknown study", err, ledger.ErrNotFound)
	wantIs(t, "SetStudyUserAttr of an unknown study", d.SetStudyUserAttr(ctx, 9999, "k", "1"), ledger.ErrNotFound)
	attrs, err := d.StudyUserAttrs(ctx, s.ID)
	wantOK(t, "StudyUserAttrs", err)
	if len(attrs) != 2 || attrs["test:0"] != `{"value": 0.45}` || attrs["k"] != "1" {
		t.Errorf("StudyUserAttrs = %v", attrs)
	}
	if o, err := d.StudyUserAttrs(ctx, other.ID); err != nil || len(o) != 0 {
		t.Errorf("other study's attrs = %v, %v; want none", o, err)
	}
}
