package activities_test

import (
	"strings"
	"testing"

	"github.com/redsm5/supermax-hpo/activities"
	"github.com/redsm5/supermax-hpo/hpo"
	"github.com/redsm5/supermax-hpo/hpo/agents"
)

func criteriaSpace(t *testing.T, o agents.Options) *hpo.Space {
	t.Helper()
	s, err := agents.Space(agents.Criteria, o)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestFitConfig(t *testing.T) {
	space := criteriaSpace(t, agents.Options{})
	config := map[string]hpo.Value{
		"optim.lr": hpo.Float(3e-5), "head.pooling": hpo.String("mean"), "model.name": hpo.String("roberta-base"),
		"no.such.param": hpo.Int(1),
	}
	kept, dropped, err := activities.FitConfig(space, config)
	if err != nil {
		t.Fatal(err)
	}
	if len(kept) != 3 || kept["optim.lr"].Float() != 3e-5 || strings.Join(dropped, ",") != "no.such.param" {
		t.Fatalf("kept %v, dropped %v", kept, dropped)
	}
	// Narrowed to other models: roberta-base is outside the current space.
	narrow := criteriaSpace(t, agents.Options{Models: []string{"bert-base-uncased"}})
	if _, _, err := activities.FitConfig(narrow, config); err == nil || !strings.Contains(err.Error(), "model.name") {
		t.Fatalf("config outside the narrowed space: got %v, want an error naming model.name", err)
	}
	if _, _, err := activities.FitConfig(space, map[string]hpo.Value{"optim.lr": hpo.Float(1)}); err == nil || !strings.Contains(err.Error(), "optim.lr") {
		t.Fatalf("lr 1 accepted: %v", err)
	}
}

// TestSuggestTakesEnqueued: trials with an enqueued configuration keep its
// values and sample only what it lacks; later trials are the sampler's.
func TestSuggestTakesEnqueued(t *testing.T) {
	f := newFixture(t, nil)
	st := f.initStudy(t, "s")
	req := tpeRequest(st.StudyID, 0, true)
	req.Enqueued = []map[string]hpo.Value{
		{"optim.lr": hpo.Float(3e-5), "head.pooling": hpo.String("attn")},
		{"optim.lr": hpo.Float(1e-4), "head.pooling": hpo.String("max"), "train.batch_size": hpo.Int(16)},
	}
	got := f.suggestBatch(t, req, 3)
	if len(got) != 3 {
		t.Fatalf("%d suggestions", len(got))
	}
	for i, want := range req.Enqueued {
		for name, v := range want {
			if got[i].Params[name] != v {
				t.Errorf("trial %d: %s = %v, want the enqueued %v", i, name, got[i].Params[name], v)
			}
		}
		if _, err := criteriaSpace(t, agents.Options{}).Decode(got[i].Internal); err != nil {
			t.Errorf("trial %d is not a valid point of the space: %v", i, err)
		}
	}
	if got[2].Params["optim.lr"] == hpo.Float(3e-5) || got[2].Params["optim.lr"] == hpo.Float(1e-4) {
		t.Errorf("trial 2 (not enqueued) has an enqueued lr %v", got[2].Params["optim.lr"])
	}
	// A retry returns what the ledger holds.
	again := f.suggestBatch(t, req, 2)
	if again[0].Params["optim.lr"] != hpo.Float(3e-5) {
		t.Errorf("retried suggestion changed: %v", again[0].Params)
	}
}
