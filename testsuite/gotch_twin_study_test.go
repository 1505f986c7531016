//go:build gotch

package testsuite

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/redsm5/supermax-hpo/activities"
	"github.com/redsm5/supermax-hpo/hpo"
	"github.com/redsm5/supermax-hpo/hpo/agents"
	"github.com/redsm5/supermax-hpo/hpo/pruners"
	"github.com/redsm5/supermax-hpo/trainer"
	"github.com/redsm5/supermax-hpo/workflows"
)

// TestGotchShareAndJointStudies is issue 7's "done when" for the share and
// joint agents: for each, a study of 4 trials x 2 epochs, trained by the
// gotch trainer on the fixture with the tiny BERT of trainer.WriteTinyModel
// (the only model.name choice), runs through StudyWorkflow and
// TrialWorkflow on a real dev server with an in-process worker wired as the
// worker binary (two CPU slots, parallel 2, SQLite ledger), over the
// agent's whole space restricted by trainer.RestrictOptions. It asserts that
// the study completes with every trial COMPLETE or PRUNED exactly once in
// the ledger, with the tiny model and choices the trainer implements, that
// each complete trial's intermediate values are the (macro-F1 + span EM) /
// 2 the trainer returned, its value their maximum, and that each epoch's
// metrics (macro-F1, the span metrics) are in the ledger beside them. It does not assert
// that the tiny random model learns the spans in 2 epochs (it does not:
// trainer/twin_test.go logs its values).
func TestGotchShareAndJointStudies(t *testing.T) {
	for _, agent := range []string{"share", "joint"} {
		t.Run(agent, func(t *testing.T) {
			e := newDevStudyEnv(t)
			tiny := filepath.Join(e.dir, "tiny-bert")
			if _, err := trainer.WriteTinyModel(tiny, fixtureDir); err != nil {
				t.Fatal(err)
			}
			spec := twinStudySpec(t, e, tiny, agent)
			log := startGotchWorker(t, e, spec.Outdir)
			res, _ := e.runStudy(t, spec, 10*time.Minute)
			if res.State != workflows.StudyStateCompleted || res.Counts.Ended() != 4 || res.Counts.Complete+res.Counts.Pruned != 4 {
				t.Fatalf("study ended %s with %+v, want COMPLETED with 4 complete or pruned trials", res.State, res.Counts)
			}
			trials := checkLedgerExactlyOnce(t, spec, 4)
			attrs := ledgerMetrics(t, spec)
			for _, tr := range trials {
				checkGotchTrialParams(t, tr, tiny)
				if tr.State == hpo.Pruned {
					continue
				}
				eps := log.epochs(tr.Number)
				if len(eps) != 2 {
					t.Fatalf("trial %d: the trainer returned %d epochs, want 2", tr.Number, len(eps))
				}
				checkGotchTrialValues(t, tr, eps)
				for i, r := range eps {
					m := r.Metrics
					if r.Value != m[trainer.MetricMeanF1EM] || r.Value != (m[trainer.MetricMacroF1]+m[trainer.MetricEM])/2 {
						t.Errorf("trial %d epoch %d: value %v with metrics %v, want (macro-F1 + EM) / 2", tr.Number, i+1, r.Value, m)
					}
					got := attrs[tr.Number][activities.MetricsAttr(i+1)]
					for k, v := range m {
						if got[k] != v || len(got) != len(m) {
							t.Errorf("trial %d epoch %d: ledger metrics %v, trainer returned %v", tr.Number, i+1, got, m)
							break
						}
					}
				}
				t.Logf("%s trial %d: train loss %.4f %.4f, validation (macro-F1 + EM)/2 %.3f %.3f",
					agent, tr.Number, eps[0].TrainLoss, eps[1].TrainLoss, eps[0].Value, eps[1].Value)
			}
		})
	}
}

// twinStudySpec is a share or joint study of the test: 4 x 2, parallel 2,
// gotch trainer, no pruner and no early stopping, the tiny model only.
func twinStudySpec(t *testing.T, e *devStudyEnv, tiny, agent string) workflows.StudySpec {
	t.Helper()
	spec, err := workflows.DefaultStudySpec(agent)
	if err != nil {
		t.Fatal(err)
	}
	spec.Study, spec.NTrials, spec.Parallel, spec.Epochs = "gotch-"+agent, 4, 2, 2
	spec.Patience = 0
	spec.Pruner = pruners.NoneConfig()
	spec.Trainer = workflows.TrainerGotch
	spec.Outdir = filepath.Join(e.dir, "out")
	spec.Storage = "sqlite:///" + filepath.Join(e.dir, "ledger.db")
	spec.AgentOptions, _, err = trainer.RestrictOptions(agents.Options{Models: []string{tiny}})
	if err != nil {
		t.Fatal(err)
	}
	spec.Timeouts = workflows.Timeouts{EpochStartToClose: 5 * time.Minute, EpochHeartbeat: 30 * time.Second,
		Activity: 30 * time.Second, SessionCreation: 5 * time.Minute, SessionHeartbeat: 10 * time.Second, Verdict: 10 * time.Second}
	if err := spec.Validate(); err != nil {
		t.Fatal(err)
	}
	return spec
}
