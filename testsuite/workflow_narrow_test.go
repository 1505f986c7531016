package testsuite

import (
	"context"
	"encoding/json"
	"sync"
	"testing"

	"go.temporal.io/sdk/testsuite"

	"github.com/redsm5/supermax-hpo/activities"
	"github.com/redsm5/supermax-hpo/hpo/agents"
	"github.com/redsm5/supermax-hpo/ledger"
	"github.com/redsm5/supermax-hpo/results"
	"github.com/redsm5/supermax-hpo/workflows"
)

// TestStudyNarrowsWhileRunning narrows a running study's model choices to
// roberta-base (SignalNarrow, as `starter narrow --models roberta-base`
// sends it) during trial 1's first epoch: every trial suggested after the
// signal samples only roberta-base, the study records the change (from
// which trial) in its state and the ledger, and it runs all its trials.
func TestStudyNarrowsWhileRunning(t *testing.T) {
	narrowed := agents.Options{Models: []string{"roberta-base"}}
	var once sync.Once
	h := newWFHarness(t, wfOptions{beforeEpoch: func(env *testsuite.TestWorkflowEnvironment, req activities.EpochRequest) {
		if req.Number == 1 && req.Epoch == 1 {
			once.Do(func() { env.SignalWorkflow(workflows.SignalNarrow, narrowed) })
		}
	}})
	spec := h.spec(12, 2, 2)
	res := h.run(spec)
	if res.Counts.Complete != 12 {
		t.Fatalf("study %+v, want 12 complete", res.Counts)
	}
	ctx := context.Background()
	st, err := h.ledger.GetStudy(ctx, spec.Study)
	if err != nil {
		t.Fatal(err)
	}
	var d ledger.Details = h.ledger
	attrs, err := d.StudyUserAttrs(ctx, st.ID)
	if err != nil {
		t.Fatal(err)
	}
	from := -1
	for n := 0; n < 12; n++ {
		if v, ok := attrs[activities.SpaceAttrKey(n)]; ok {
			var o agents.Options
			if err := json.Unmarshal([]byte(v), &o); err != nil || len(o.Models) != 1 || o.Models[0] != "roberta-base" {
				t.Fatalf("recorded space %s: %v", v, err)
			}
			from = n
		}
	}
	if from < 2 || from > 11 {
		t.Fatalf("narrowing recorded from trial %d (attrs %v), want a trial after the first two", from, attrs)
	}
	s, err := results.Load(ctx, h.ledger, spec.Study, "criteria")
	if err != nil {
		t.Fatal(err)
	}
	others := 0
	for _, tr := range s.Trials {
		model := results.Params(tr)["model.name"].Str()
		if tr.Number >= from && model != "roberta-base" {
			t.Errorf("trial %d (after the narrowing from %d) has model %s", tr.Number, from, model)
		}
		if tr.Number < from && model != "roberta-base" {
			others++
		}
	}
	if others == 0 {
		t.Log("no trial before the narrowing happened to sample another model (possible, not an error)")
	}
}

// TestValidateNarrow: options that are not a narrowing are refused.
func TestValidateNarrow(t *testing.T) {
	if err := workflows.ValidateNarrow("criteria", agents.Options{Models: []string{"roberta-base"}}); err != nil {
		t.Fatal(err)
	}
	if err := workflows.ValidateNarrow("criteria", agents.Options{Models: []string{"gpt-2"}}); err == nil {
		t.Fatal("an unknown model accepted")
	}
	if err := workflows.ValidateNarrow("nobody", agents.Options{}); err == nil {
		t.Fatal("an unknown agent accepted")
	}
}
