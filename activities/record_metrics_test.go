package activities_test

import (
	"context"
	"strconv"
	"sync"
	"testing"

	"go.temporal.io/sdk/testsuite"

	"github.com/redsm5/supermax-hpo/activities"
	"github.com/redsm5/supermax-hpo/hpo"
	"github.com/redsm5/supermax-hpo/ledger"
	"github.com/redsm5/supermax-hpo/ledger/memory"
)

// attrLedger is a ledger that remembers the user attributes set through it.
type attrLedger struct {
	ledger.Ledger
	mu    sync.Mutex
	attrs map[string]string // "<trial>/<key>" -> JSON
}

func (l *attrLedger) SetUserAttr(ctx context.Context, studyID int64, n int, key, valueJSON string) error {
	if err := l.Ledger.SetUserAttr(ctx, studyID, n, key, valueJSON); err != nil {
		return err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.attrs[strconv.Itoa(n)+"/"+key] = valueJSON
	return nil
}

// TestEpochMetricsReachTheLedger: RecordIntermediate and FinishTrial write
// an epoch's further metrics as MetricsAttr(epoch) beside its value, as
// JSON with sorted keys; epochs without metrics write none; repeating the
// writes after the end is harmless.
func TestEpochMetricsReachTheLedger(t *testing.T) {
	l := &attrLedger{Ledger: memory.New(), attrs: map[string]string{}}
	acts, err := activities.New(activities.Config{OpenLedger: func(context.Context, string) (ledger.Ledger, error) { return l, nil }})
	if err != nil {
		t.Fatal(err)
	}
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestActivityEnvironment()
	env.RegisterActivity(acts)
	f := &fixture{env: env, acts: acts}
	st := f.initStudy(t, "s")
	f.suggest(t, st.StudyID, 0)
	rec := activities.IntermediateRequest{Storage: "mem", StudyID: st.StudyID, Number: 0, Epoch: 1, Value: 0.25,
		Metrics: map[string]float64{"f1": 0.5, "em": 0.25}}
	if _, err := env.ExecuteActivity(acts.RecordIntermediate, rec); err != nil {
		t.Fatal(err)
	}
	v := 0.5
	fin := activities.FinishRequest{Storage: "mem", StudyID: st.StudyID, Number: 0, State: hpo.Complete, Value: &v, Reason: "max epochs",
		FromEpoch: 2, Values: []float64{0.5, 0.4}, Metrics: []map[string]float64{{"f1": 0.75}, nil}}
	finish(t, f, fin)
	want := map[string]string{
		"0/" + activities.MetricsAttr(1): `{"em":0.25,"f1":0.5}`,
		"0/" + activities.MetricsAttr(2): `{"f1":0.75}`,
	}
	for k, w := range want {
		if got := l.attrs[k]; got != w {
			t.Errorf("%s = %q, want %q", k, got, w)
		}
	}
	if got, ok := l.attrs["0/"+activities.MetricsAttr(3)]; ok {
		t.Errorf("epoch 3 has no metrics but wrote %q", got)
	}
	if _, err := env.ExecuteActivity(acts.RecordIntermediate, rec); err != nil {
		t.Errorf("repeated RecordIntermediate after the end: %v", err)
	}
	if r := finish(t, f, fin); r.AlreadyFinished {
		t.Error("repeated FinishTrial reported another end")
	}
}
