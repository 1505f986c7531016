//go:build gotch

package testsuite

import (
	"context"
	"database/sql"
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	_ "modernc.org/sqlite" // the ledger's driver, for reading its user attributes

	"github.com/redsm5/supermax-hpo/activities"
	"github.com/redsm5/supermax-hpo/data"
	"github.com/redsm5/supermax-hpo/hpo/agents"
	"github.com/redsm5/supermax-hpo/hpo/pruners"
	"github.com/redsm5/supermax-hpo/trainer"
	"github.com/redsm5/supermax-hpo/workflows"
)

// TestGotchEvidenceStudy is issue 7's evidence study: 4 trials x 2 epochs
// of the evidence agent, trained by the gotch trainer on the fixture with a
// tiny BERT (trainer.WriteTinyModel, the only model.name choice), through
// StudyWorkflow and TrialWorkflow on a real dev server with an in-process
// worker wired as the worker binary (two CPU slots, parallel 2, SQLite
// ledger), the space restricted with trainer.RestrictOptions, no pruner
// and no early stopping. It asserts:
//   - the study COMPLETES with 4 COMPLETE trials, each exactly once in the
//     ledger, with the tiny model and choices the trainer implements;
//   - each trial's 2 epoch results came from the trainer, each value is the
//     epoch's validation exact match (Metrics "em") beside its token F1, the
//     ledger's intermediate values are those and its value their maximum;
//   - every epoch's metrics are in the ledger as the user attribute
//     activities.MetricsAttr(epoch), equal to what the trainer returned;
//   - the best trial's exact match is logged against the null-only baseline
//     (predicting "no evidence" for every pair), computed here from the
//     study's own validation split.
//
// It does not assert that the best exact match beats that baseline: a
// tiny random encoder does not learn the fixture's evidence sentences in 2
// epochs at the learning rates the space samples (in the trainer's tests
// it memorizes the 81 training pairs and stays below the baseline on
// validation); that needs a pretrained checkpoint (all-MiniLM-L6-v2, issue
// 7 item 5), which the model loader of this branch cannot read yet.
func TestGotchEvidenceStudy(t *testing.T) {
	e := newDevStudyEnv(t)
	tiny := filepath.Join(e.dir, "tiny-bert")
	if _, err := trainer.WriteTinyModel(tiny, fixtureDir); err != nil {
		t.Fatal(err)
	}
	spec := evidenceSpec(t, e, tiny)
	log := startGotchWorker(t, e, spec.Outdir)

	res, _ := e.runStudy(t, spec, 8*time.Minute)
	if res.State != workflows.StudyStateCompleted || res.Counts.Complete != 4 || res.Counts.Ended() != 4 {
		t.Fatalf("study ended %s with %+v, want COMPLETED with 4 complete trials", res.State, res.Counts)
	}
	trials := checkLedgerExactlyOnce(t, spec, 4)
	attrs := ledgerMetrics(t, spec)
	best, bestF1 := 0.0, 0.0
	for _, tr := range trials {
		checkGotchTrialParams(t, tr, tiny)
		eps := log.epochs(tr.Number)
		if len(eps) != 2 {
			t.Fatalf("trial %d: the trainer returned %d epochs, want 2", tr.Number, len(eps))
		}
		checkGotchTrialValues(t, tr, eps)
		for i, r := range eps {
			if r.Value != r.Metrics[trainer.MetricEM] || r.Metrics[trainer.MetricF1] < r.Value {
				t.Errorf("trial %d epoch %d: value %v with metrics %v, want the exact match and an F1 at least as high", tr.Number, i+1, r.Value, r.Metrics)
			}
			got := attrs[tr.Number][activities.MetricsAttr(i+1)]
			if len(got) == 0 || len(got) != len(r.Metrics) {
				t.Errorf("trial %d epoch %d: ledger metrics %v, trainer returned %v", tr.Number, i+1, got, r.Metrics)
			}
			for k, v := range r.Metrics {
				if got[k] != v {
					t.Errorf("trial %d epoch %d: ledger %s = %v, trainer returned %v", tr.Number, i+1, k, got[k], v)
				}
			}
			if r.Value == *tr.Value {
				bestF1 = max(bestF1, r.Metrics[trainer.MetricF1])
			}
		}
		t.Logf("trial %d: train loss %.4f %.4f, validation EM %.3f %.3f, F1 %.3f %.3f", tr.Number,
			eps[0].TrainLoss, eps[1].TrainLoss, eps[0].Value, eps[1].Value, eps[0].Metrics[trainer.MetricF1], eps[1].Metrics[trainer.MetricF1])
		best = max(best, *tr.Value)
	}
	t.Logf("best validation exact match %.3f (F1 %.3f); null-only baseline %.3f", best, bestF1, nullBaseline(t, spec))
}

// evidenceSpec is the evidence study of the test: 4 x 2, parallel 2, gotch
// trainer, the tiny model only, the space restricted to what the trainer
// implements.
func evidenceSpec(t *testing.T, e *devStudyEnv, tiny string) workflows.StudySpec {
	t.Helper()
	spec, err := workflows.DefaultStudySpec("evidence")
	if err != nil {
		t.Fatal(err)
	}
	spec.Study, spec.NTrials, spec.Parallel, spec.Epochs = "gotch-evidence", 4, 2, 2
	spec.Patience = 0
	spec.Pruner = pruners.NoneConfig()
	spec.Trainer = workflows.TrainerGotch
	spec.Outdir = filepath.Join(e.dir, "out")
	spec.Storage = "sqlite:///" + filepath.Join(e.dir, "ledger.db")
	spec.AgentOptions, _, err = trainer.RestrictOptions(agents.Options{Models: []string{tiny}})
	if err != nil {
		t.Fatal(err)
	}
	spec.Timeouts = workflows.Timeouts{EpochStartToClose: 3 * time.Minute, EpochHeartbeat: 30 * time.Second,
		Activity: 30 * time.Second, SessionCreation: 5 * time.Minute, SessionHeartbeat: 10 * time.Second, Verdict: 10 * time.Second}
	if err := spec.Validate(); err != nil {
		t.Fatal(err)
	}
	return spec
}

// ledgerMetrics reads every trial's activities.MetricsAttr user attributes
// from the study's SQLite ledger (Optuna's schema), by trial number and
// attribute key.
func ledgerMetrics(t *testing.T, spec workflows.StudySpec) map[int]map[string]map[string]float64 {
	t.Helper()
	db, err := sql.Open("sqlite", filepath.Clean(spec.Storage[len("sqlite:///"):]))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	rows, err := db.QueryContext(ctx, `SELECT t.number, a."key", a.value_json FROM trial_user_attributes a
		JOIN trials t ON t.trial_id = a.trial_id JOIN studies s ON s.study_id = t.study_id
		WHERE s.study_name = ? AND a."key" LIKE 'supermax_metrics_epoch_%'`, spec.Study)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[int]map[string]map[string]float64{}
	for rows.Next() {
		var n int
		var key, value string
		if err := rows.Scan(&n, &key, &value); err != nil {
			t.Fatal(err)
		}
		var m map[string]float64
		if err := json.Unmarshal([]byte(value), &m); err != nil {
			t.Fatalf("trial %d %s: %q: %v", n, key, value, err)
		}
		if out[n] == nil {
			out[n] = map[string]map[string]float64{}
		}
		out[n][key] = m
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// nullBaseline is the exact match of answering "no evidence" for every
// (post, criterion) pair of the study's validation split: the share of
// pairs without an evidence sentence.
func nullBaseline(t *testing.T, spec workflows.StudySpec) float64 {
	t.Helper()
	c, _, err := data.Load(fixtureDir, data.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	split, err := data.LoadOrCreateSplit(data.SplitPath(spec.Outdir, spec.Study), c.PostIDs(), data.DefaultSplitConfig())
	if err != nil {
		t.Fatal(err)
	}
	exs, _ := data.BuildEvidence(c, split.Validation)
	type pair struct {
		post  string
		label data.Label
	}
	answered, all := map[pair]bool{}, map[pair]bool{}
	for _, e := range exs {
		p := pair{e.PostID, e.Label}
		all[p] = true
		answered[p] = answered[p] || e.HasAnswer
	}
	nulls := 0
	for p := range all {
		if !answered[p] {
			nulls++
		}
	}
	if len(all) == 0 {
		t.Fatal("no evidence pairs in the validation split")
	}
	return float64(nulls) / float64(len(all))
}
