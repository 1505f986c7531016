// Package ledgertest is the conformance suite of ledger.Ledger: every
// implementation (memory, sqlite, postgres) runs Run in its own tests, so they
// all keep the same contract — idempotent writes, immutable finished trials,
// the sentinel errors, dense numbers, Best by direction, incremental cursors
// and concurrent writers.
package ledgertest

import (
	"context"
	"errors"
	"math"
	"testing"
	"time"

	"github.com/redsm5/supermax-hpo/hpo"
	"github.com/redsm5/supermax-hpo/ledger"
)

// Factory returns a new, empty ledger for one subtest. Run closes it.
type Factory func(t *testing.T) ledger.Ledger

// Run runs the conformance suite against ledgers made by newLedger.
func Run(t *testing.T, newLedger Factory) {
	tests := []struct {
		name string
		fn   func(*testing.T, ledger.Ledger)
	}{
		{"Studies", testStudies},
		{"NumbersDense", testNumbersDense},
		{"PutTrial", testPutTrial},
		{"ParamRoundTrip", testParamRoundTrip},
		{"Report", testReport},
		{"Finish", testFinish},
		{"UserAttr", testUserAttr},
		{"BestMaximize", testBestMaximize},
		{"BestMinimize", testBestMinimize},
		{"Cursor", testCursor},
		{"Snapshots", testSnapshots},
		{"ConcurrentWriters", testConcurrentWriters},
		{"Canceled", testCanceled},
		{"Details", testDetails},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l := newLedger(t)
			t.Cleanup(func() {
				if err := l.Close(); err != nil {
					t.Errorf("Close: %v", err)
				}
			})
			tc.fn(t, l)
		})
	}
}

// t0 is a fixed start time; the ledger stores it, the suite never reads it.
var t0 = time.Date(2026, 1, 2, 3, 4, 5, 6000, time.UTC)

func ctxOf(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func mustStudy(t *testing.T, l ledger.Ledger, name string, dir hpo.Direction) ledger.Study {
	t.Helper()
	s, err := l.CreateStudy(ctxOf(t), name, dir)
	if err != nil {
		t.Fatalf("CreateStudy(%q): %v", name, err)
	}
	return s
}

func wantIs(t *testing.T, what string, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("%s: got error %v, want %v", what, err, target)
	}
}

func wantOK(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func f(x float64) *float64 { return &x }

var (
	xDist = hpo.FloatDistribution{Low: 0, High: 1}
	nDist = hpo.IntDistribution{Low: 1, High: 64, Log: true, Step: 1}
	cDist = hpo.CategoricalDistribution{Choices: []hpo.Value{hpo.String("adamw"), hpo.Int(3), hpo.Float(2.5), hpo.Bool(true), hpo.None()}}
)

// space3 is a small space of three kinds of parameter.
func space3(x float64, n int64, c int) (map[string]float64, map[string]hpo.Distribution) {
	return map[string]float64{"x": x, "n": float64(n), "c": float64(c)},
		map[string]hpo.Distribution{"x": xDist, "n": nDist, "c": cDist}
}

func testStudies(t *testing.T, l ledger.Ledger) {
	ctx := ctxOf(t)
	a := mustStudy(t, l, "alpha", hpo.Maximize)
	b := mustStudy(t, l, "beta", hpo.Minimize)
	if a.ID == b.ID || a.Name != "alpha" || b.Direction != hpo.Minimize {
		t.Fatalf("studies %+v and %+v", a, b)
	}
	again, err := l.CreateStudy(ctx, "alpha", hpo.Maximize)
	wantOK(t, "CreateStudy again", err)
	if again != a {
		t.Fatalf("CreateStudy again = %+v, want %+v", again, a)
	}
	_, err = l.CreateStudy(ctx, "alpha", hpo.Minimize)
	wantIs(t, "CreateStudy with other direction", err, ledger.ErrConflict)
	got, err := l.GetStudy(ctx, "beta")
	wantOK(t, "GetStudy", err)
	if got != b {
		t.Fatalf("GetStudy = %+v, want %+v", got, b)
	}
	_, err = l.GetStudy(ctx, "gamma")
	wantIs(t, "GetStudy of a missing study", err, ledger.ErrNotFound)
	if _, err := l.CreateStudy(ctx, "", hpo.Maximize); err == nil {
		t.Fatal("CreateStudy with an empty name succeeded")
	}
	missing := a.ID + b.ID + 100
	_, err = l.NextTrial(ctx, missing, t0)
	wantIs(t, "NextTrial of a missing study", err, ledger.ErrNotFound)
	_, _, err = l.Trials(ctx, missing, ledger.Cursor{})
	wantIs(t, "Trials of a missing study", err, ledger.ErrNotFound)
	_, err = l.Best(ctx, missing)
	wantIs(t, "Best of a missing study", err, ledger.ErrNotFound)
	wantIs(t, "Finish in a missing study", l.Finish(ctx, missing, 0, hpo.Fail, nil, t0), ledger.ErrNotFound)
}

func testNumbersDense(t *testing.T, l ledger.Ledger) {
	ctx := ctxOf(t)
	a := mustStudy(t, l, "a", hpo.Maximize)
	b := mustStudy(t, l, "b", hpo.Maximize)
	for i := 0; i < 4; i++ {
		for _, s := range []ledger.Study{a, b} {
			n, err := l.NextTrial(ctx, s.ID, t0)
			wantOK(t, "NextTrial", err)
			if n != i {
				t.Fatalf("study %s: NextTrial = %d, want %d", s.Name, n, i)
			}
		}
	}
	p, d := space3(0.5, 2, 0)
	wantOK(t, "PutTrial at the next number", l.PutTrial(ctx, a.ID, 4, p, d, t0))
	wantIs(t, "PutTrial beyond the next number", l.PutTrial(ctx, a.ID, 6, p, d, t0), ledger.ErrGap)
	n, err := l.NextTrial(ctx, a.ID, t0)
	wantOK(t, "NextTrial after PutTrial", err)
	if n != 5 {
		t.Fatalf("NextTrial after PutTrial(4) = %d, want 5", n)
	}
	if err := l.PutTrial(ctx, a.ID, -1, p, d, t0); err == nil {
		t.Fatal("PutTrial with a negative number succeeded")
	}
}

func testPutTrial(t *testing.T, l ledger.Ledger) {
	ctx := ctxOf(t)
	s := mustStudy(t, l, "put", hpo.Maximize)
	p, d := space3(0.25, 8, 2)
	wantOK(t, "PutTrial", l.PutTrial(ctx, s.ID, 0, p, d, t0))
	wantOK(t, "PutTrial repeated", l.PutTrial(ctx, s.ID, 0, p, d, t0))
	p2, d2 := space3(0.75, 8, 2)
	wantIs(t, "PutTrial with other values", l.PutTrial(ctx, s.ID, 0, p2, d2, t0), ledger.ErrConflict)
	d3 := map[string]hpo.Distribution{"x": hpo.FloatDistribution{Low: 0, High: 2}, "n": nDist, "c": cDist}
	wantIs(t, "PutTrial with another distribution", l.PutTrial(ctx, s.ID, 0, p, d3, t0), ledger.ErrConflict)

	n, err := l.NextTrial(ctx, s.ID, t0)
	wantOK(t, "NextTrial", err)
	wantOK(t, "PutTrial fills a NextTrial trial", l.PutTrial(ctx, s.ID, n, p2, d2, t0))
	trials := readAll(t, l, s.ID)
	if len(trials) != 2 || !ledger.SameParams(trials[1].Params, trials[1].Dists, p2, d2) {
		t.Fatalf("after filling trial 1: %+v", trials)
	}

	bad, bd := space3(1.5, 8, 2)
	if err := l.PutTrial(ctx, s.ID, 2, bad, bd, t0); err == nil {
		t.Fatal("PutTrial with x=1.5 outside [0,1] succeeded")
	}
	delete(bd, "c")
	if err := l.PutTrial(ctx, s.ID, 2, p, bd, t0); err == nil {
		t.Fatal("PutTrial with a parameter lacking its distribution succeeded")
	}
	wantIs(t, "PutTrial of a missing study", l.PutTrial(ctx, s.ID+100, 0, p, d, t0), ledger.ErrNotFound)
	wantOK(t, "Finish", l.Finish(ctx, s.ID, 0, hpo.Complete, f(1), t0))
	wantOK(t, "PutTrial repeated on a finished trial", l.PutTrial(ctx, s.ID, 0, p, d, t0))
}

// testParamRoundTrip writes every kind of distribution and reads it back.
func testParamRoundTrip(t *testing.T, l ledger.Ledger) {
	ctx := ctxOf(t)
	s := mustStudy(t, l, "roundtrip", hpo.Maximize)
	cases := []struct {
		d hpo.Distribution
		x float64
	}{
		{hpo.FloatDistribution{Low: -3.5, High: 1e10}, 0.1 + 0.2},
		{hpo.FloatDistribution{Low: 1e-9, High: 1e-6, Log: true}, 3.3333333333333335e-8},
		{hpo.FloatDistribution{Low: 0, High: 1, Step: 0.25}, 0.75},
		{hpo.IntDistribution{Low: 32, High: 1024, Step: 32}, 384},
		{hpo.IntDistribution{Low: -5, High: 5, Step: 1}, -5},
		{cDist, 4},
		{hpo.CategoricalDistribution{Choices: []hpo.Value{hpo.Bool(false), hpo.Bool(true)}}, 1},
		{hpo.CategoricalDistribution{Choices: []hpo.Value{hpo.Float(1), hpo.String("ünï \"q\"")}}, 1},
	}
	for i, c := range cases {
		p := map[string]float64{"p": c.x}
		d := map[string]hpo.Distribution{"p": c.d}
		wantOK(t, "PutTrial", l.PutTrial(ctx, s.ID, i, p, d, t0))
	}
	trials := readAll(t, l, s.ID)
	for i, c := range cases {
		got := trials[i]
		if !ledger.SameFloat(got.Params["p"], c.x) || !ledger.SameDistribution(got.Dists["p"], c.d) {
			t.Errorf("case %d: read back %v %#v, wrote %v %#v", i, got.Params["p"], got.Dists["p"], c.x, c.d)
		}
	}
}

func testReport(t *testing.T, l ledger.Ledger) {
	ctx := ctxOf(t)
	s := mustStudy(t, l, "report", hpo.Maximize)
	n, err := l.NextTrial(ctx, s.ID, t0)
	wantOK(t, "NextTrial", err)
	wantOK(t, "Report", l.Report(ctx, s.ID, n, 1, 0.5))
	wantOK(t, "Report again (upsert)", l.Report(ctx, s.ID, n, 1, 0.6))
	for step, v := range map[int]float64{2: math.NaN(), 3: math.Inf(1), 4: math.Inf(-1), 0: -1e300} {
		wantOK(t, "Report", l.Report(ctx, s.ID, n, step, v))
	}
	wantOK(t, "Finish", l.Finish(ctx, s.ID, n, hpo.Pruned, nil, t0))
	wantOK(t, "Report repeated after Finish", l.Report(ctx, s.ID, n, 1, 0.6))
	wantOK(t, "NaN report repeated after Finish", l.Report(ctx, s.ID, n, 2, math.NaN()))
	wantIs(t, "Report of a new value after Finish", l.Report(ctx, s.ID, n, 1, 0.7), ledger.ErrTrialFinished)
	wantIs(t, "Report of a new step after Finish", l.Report(ctx, s.ID, n, 9, 0.7), ledger.ErrTrialFinished)
	wantIs(t, "Report to a missing trial", l.Report(ctx, s.ID, n+1, 1, 0.7), ledger.ErrNotFound)

	got := readAll(t, l, s.ID)[0].Intermediate
	want := map[int]float64{0: -1e300, 1: 0.6, 2: math.NaN(), 3: math.Inf(1), 4: math.Inf(-1)}
	if len(got) != len(want) {
		t.Fatalf("intermediate values %v, want %v", got, want)
	}
	for step, v := range want {
		if !ledger.SameFloat(got[step], v) {
			t.Errorf("step %d: %v, want %v", step, got[step], v)
		}
	}
}

func testFinish(t *testing.T, l ledger.Ledger) {
	ctx := ctxOf(t)
	s := mustStudy(t, l, "finish", hpo.Maximize)
	for i := 0; i < 4; i++ {
		_, err := l.NextTrial(ctx, s.ID, t0)
		wantOK(t, "NextTrial", err)
	}
	wantOK(t, "Finish complete", l.Finish(ctx, s.ID, 0, hpo.Complete, f(0.9), t0))
	wantOK(t, "Finish repeated", l.Finish(ctx, s.ID, 0, hpo.Complete, f(0.9), t0.Add(time.Hour)))
	wantIs(t, "Finish with another value", l.Finish(ctx, s.ID, 0, hpo.Complete, f(0.8), t0), ledger.ErrTrialFinished)
	wantIs(t, "Finish in another state", l.Finish(ctx, s.ID, 0, hpo.Pruned, f(0.9), t0), ledger.ErrTrialFinished)
	wantOK(t, "Finish fail", l.Finish(ctx, s.ID, 1, hpo.Fail, nil, t0))
	wantOK(t, "Finish complete +Inf", l.Finish(ctx, s.ID, 2, hpo.Complete, f(math.Inf(1)), t0))
	for _, bad := range []struct {
		state hpo.TrialState
		value *float64
	}{{hpo.Complete, nil}, {hpo.Fail, f(1)}, {hpo.Complete, f(math.NaN())}, {hpo.Running, nil}} {
		if err := l.Finish(ctx, s.ID, 3, bad.state, bad.value, t0); err == nil {
			t.Errorf("Finish(%s, %v) succeeded", bad.state, bad.value)
		}
	}
	wantIs(t, "Finish of a missing trial", l.Finish(ctx, s.ID, 4, hpo.Fail, nil, t0), ledger.ErrNotFound)
	trials := readAll(t, l, s.ID)
	wantStates := []hpo.TrialState{hpo.Complete, hpo.Fail, hpo.Complete, hpo.Running}
	for i, w := range wantStates {
		if trials[i].State != w {
			t.Errorf("trial %d state %s, want %s", i, trials[i].State, w)
		}
	}
	if trials[1].Value != nil || *trials[0].Value != 0.9 || !math.IsInf(*trials[2].Value, 1) {
		t.Errorf("values: %v %v %v", trials[0].Value, trials[1].Value, trials[2].Value)
	}
}

func testUserAttr(t *testing.T, l ledger.Ledger) {
	ctx := ctxOf(t)
	s := mustStudy(t, l, "attrs", hpo.Maximize)
	n, err := l.NextTrial(ctx, s.ID, t0)
	wantOK(t, "NextTrial", err)
	wantOK(t, "SetUserAttr", l.SetUserAttr(ctx, s.ID, n, "reason", `"oom"`))
	wantOK(t, "SetUserAttr overwrite", l.SetUserAttr(ctx, s.ID, n, "reason", `{"epoch": 3}`))
	if err := l.SetUserAttr(ctx, s.ID, n, "bad", `{oops`); err == nil {
		t.Error("SetUserAttr with text that is not JSON succeeded")
	}
	wantOK(t, "Finish", l.Finish(ctx, s.ID, n, hpo.Fail, nil, t0))
	wantOK(t, "SetUserAttr repeated after Finish", l.SetUserAttr(ctx, s.ID, n, "reason", `{"epoch": 3}`))
	wantIs(t, "SetUserAttr changed after Finish", l.SetUserAttr(ctx, s.ID, n, "reason", `1`), ledger.ErrTrialFinished)
	wantIs(t, "SetUserAttr of a missing trial", l.SetUserAttr(ctx, s.ID, n+1, "k", `1`), ledger.ErrNotFound)
}

// readAll reads every trial of a study with the zero cursor.
func readAll(t *testing.T, l ledger.Ledger, studyID int64) []hpo.Trial {
	t.Helper()
	trials, _, err := l.Trials(ctxOf(t), studyID, ledger.Cursor{})
	if err != nil {
		t.Fatalf("Trials: %v", err)
	}
	for i, tr := range trials {
		if tr.Number != i {
			t.Fatalf("trial at position %d has number %d", i, tr.Number)
		}
	}
	return trials
}
