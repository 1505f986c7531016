package testsuite

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"go.temporal.io/sdk/workflow"

	"github.com/redsm5/supermax-hpo/activities"
	"github.com/redsm5/supermax-hpo/results"
	"github.com/redsm5/supermax-hpo/workflows"
)

// testScorer is a trainer that also scores trials on the test split: 0.5 +
// number/100, and ErrCheckpointMissing for the trial numbered missing.
type testScorer struct {
	activities.Trainer
	missing int
}

func (s testScorer) EvaluateTest(ctx context.Context, req activities.EpochRequest) (activities.TestResult, error) {
	if req.Number == s.missing {
		return activities.TestResult{}, fmt.Errorf("no checkpoint: %w", activities.ErrCheckpointMissing)
	}
	if _, err := os.Stat(req.CheckpointDir); err != nil {
		return activities.TestResult{}, fmt.Errorf("checkpoint folder: %w", err)
	}
	return activities.TestResult{Value: 0.5 + float64(req.Number)/100}, nil
}

// TestStudyWritesOutputs runs a study that asks for outputs and checks the
// test scores in the ledger and the files in the outdir.
func TestStudyWritesOutputs(t *testing.T) {
	h := newWFHarness(t, wfOptions{trainer: func(inner activities.Trainer) activities.Trainer {
		return testScorer{Trainer: inner, missing: -1}
	}})
	h.env.RegisterWorkflowWithOptions(workflows.OutputsWorkflow, workflow.RegisterOptions{Name: workflows.OutputsWorkflowName})
	spec := h.spec(6, 2, 2)
	spec.Outputs = &workflows.Outputs{TopK: 3}
	res := h.run(spec)
	if res.Counts.Complete != 6 {
		t.Fatalf("study result %+v, want 6 complete", res)
	}
	st, err := results.Load(context.Background(), h.ledger, spec.Study, "")
	if err != nil {
		t.Fatal(err)
	}
	top := st.Top(3)
	if len(st.Test) != 3 {
		t.Fatalf("test scores recorded for %d trials, want 3: %+v", len(st.Test), st.Test)
	}
	for _, tr := range top {
		sc, ok := st.Test[tr.Number]
		if want := 0.5 + float64(tr.Number)/100; !ok || sc.Metrics["test_macro_f1"] != want {
			t.Errorf("trial %d test score %+v, want test_macro_f1 %v", tr.Number, sc, want)
		}
	}
	var file results.TopKFile
	b, err := os.ReadFile(filepath.Join(h.outdir, results.TopKName("criteria", spec.Study)))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &file); err != nil {
		t.Fatal(err)
	}
	if len(file.TopK) != 3 || file.TopK[0].Number != top[0].Number || file.TopK[0].Test == nil {
		t.Fatalf("topk file %+v, want the 3 best with test scores", file)
	}
	for _, name := range []string{"best_config.json", "trials.csv", "criteria_" + spec.Study + "_best_model"} {
		if _, err := os.Stat(filepath.Join(h.outdir, name)); err != nil {
			t.Errorf("output %s: %v", name, err)
		}
	}
}

// TestOutputsUnscoredTrial checks that a trial without a checkpoint is
// listed with the reason and does not fail the outputs.
func TestOutputsUnscoredTrial(t *testing.T) {
	h := newWFHarness(t, wfOptions{trainer: func(inner activities.Trainer) activities.Trainer {
		return testScorer{Trainer: inner, missing: -1}
	}})
	spec := h.spec(4, 2, 1)
	h.run(spec)
	st, err := results.Load(context.Background(), h.ledger, spec.Study, "criteria")
	if err != nil {
		t.Fatal(err)
	}
	best := st.Top(1)[0].Number
	h2 := newWFHarness(t, wfOptions{ledger: h.ledger, outdir: h.outdir, trainer: func(inner activities.Trainer) activities.Trainer {
		return testScorer{Trainer: inner, missing: best}
	}})
	h2.env.ExecuteWorkflow(workflows.OutputsWorkflow, workflows.OutputsInput{
		Study: spec.Study, Agent: "criteria", Storage: spec.Storage, Outdir: spec.Outdir, Trainer: spec.Trainer,
		Seed: spec.Seed, Epochs: spec.Epochs, TopK: 2, Timeouts: spec.Timeouts,
	})
	var res workflows.OutputsResult
	if err := h2.env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	if err := h2.env.GetWorkflowResult(&res); err != nil {
		t.Fatal(err)
	}
	if res.Scored != 1 || res.Unscored != 1 || res.Files.TopK == "" {
		t.Fatalf("outputs result %+v, want 1 scored, 1 unscored, files written", res)
	}
	st, err = results.Load(context.Background(), h.ledger, spec.Study, "criteria")
	if err != nil {
		t.Fatal(err)
	}
	if sc := st.Test[best]; sc.Error == "" || len(sc.Metrics) != 0 {
		t.Fatalf("best trial %d's score %+v, want the reason it has none", best, sc)
	}
}

// TestOutputsInvalidInput: a bad request fails at once, naming the field.
func TestOutputsInvalidInput(t *testing.T) {
	h := newWFHarness(t, wfOptions{})
	h.env.ExecuteWorkflow(workflows.OutputsWorkflow, workflows.OutputsInput{Study: "s", Storage: "memory://", Outdir: "/tmp", TopK: 0})
	if err := h.env.GetWorkflowError(); err == nil {
		t.Fatal("top_k 0 accepted")
	}
}

func TestSpecOutputsNeedKeptCheckpoints(t *testing.T) {
	spec, err := workflows.DefaultStudySpec("criteria")
	if err != nil {
		t.Fatal(err)
	}
	spec.Outputs = &workflows.Outputs{TopK: 10}
	if err := spec.Validate(); err == nil {
		t.Fatal("top_k 10 with keep_best_k 5 accepted")
	}
	spec.KeepBestK = 10
	if err := spec.Validate(); err != nil {
		t.Fatal(err)
	}
}
