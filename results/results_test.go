package results_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/redsm5/supermax-hpo/hpo"
	"github.com/redsm5/supermax-hpo/ledger"
	"github.com/redsm5/supermax-hpo/ledger/sqlite"
	"github.com/redsm5/supermax-hpo/results"
)

var t0 = time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)

// fill records five trials: 0 complete 0.6 (3 epochs, best 2), 1 pruned,
// 2 complete 0.8 (2 epochs), 3 failed, 4 complete 0.7.
func fill(t *testing.T, l ledger.Ledger) ledger.Study {
	t.Helper()
	ctx := context.Background()
	s, err := l.CreateStudy(ctx, "noaug-criteria-supermax", hpo.Maximize)
	if err != nil {
		t.Fatal(err)
	}
	dists := map[string]hpo.Distribution{
		"optim.lr":   hpo.FloatDistribution{Low: 1e-6, High: 1e-3, Log: true},
		"model.name": hpo.CategoricalDistribution{Choices: []hpo.Value{hpo.String("bert-base-uncased"), hpo.String("roberta-base")}},
	}
	type tr struct {
		state  hpo.TrialState
		curve  []float64
		value  *float64
		choice float64
	}
	v := func(x float64) *float64 { return &x }
	for n, c := range []tr{
		{hpo.Complete, []float64{0.5, 0.6, 0.55}, v(0.6), 0},
		{hpo.Pruned, []float64{0.1}, v(0.1), 1},
		{hpo.Complete, []float64{0.7, 0.8}, v(0.8), 1},
		{hpo.Fail, nil, nil, 0},
		{hpo.Complete, []float64{0.7}, v(0.7), 0},
	} {
		start := t0.Add(time.Duration(n) * time.Minute)
		if err := l.PutTrial(ctx, s.ID, n, map[string]float64{"optim.lr": 1e-4 * float64(n+1), "model.name": c.choice}, dists, start); err != nil {
			t.Fatal(err)
		}
		for e, x := range c.curve {
			if err := l.Report(ctx, s.ID, n, e+1, x); err != nil {
				t.Fatal(err)
			}
		}
		if err := l.Finish(ctx, s.ID, n, c.state, c.value, start.Add(90*time.Second)); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

func TestWrite(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	l, err := sqlite.Open(ctx, filepath.Join(dir, "supermax.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	s := fill(t, l)
	if err := results.RecordAgent(ctx, l, s.ID, "criteria"); err != nil {
		t.Fatal(err)
	}
	if err := results.RecordTest(ctx, l, s.ID, 2, results.TestScore{Metrics: map[string]float64{"test_macro_f1": 0.75}}); err != nil {
		t.Fatal(err)
	}
	if err := results.RecordTest(ctx, l, s.ID, 4, results.TestScore{Error: "checkpoint missing"}); err != nil {
		t.Fatal(err)
	}
	st, err := results.Load(ctx, l, s.Name, "")
	if err != nil {
		t.Fatal(err)
	}
	trialDir := filepath.Join(dir, "trials")
	if err := os.MkdirAll(filepath.Join(trialDir, "2", "best"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(trialDir, "2", "best", "model.ot"), []byte("weights"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out")
	files, err := results.Write(st, results.Options{Outdir: out, TopK: 2,
		TrialDir: func(n int) string { return filepath.Join(trialDir, string(rune('0'+n))) }})
	if err != nil {
		t.Fatal(err)
	}

	var top results.TopKFile
	readJSON(t, files.TopK, &top)
	if filepath.Base(files.TopK) != "criteria_noaug-criteria-supermax_topk.json" {
		t.Errorf("topk file name %s", files.TopK)
	}
	if top.Trials != 5 || top.Complete != 3 || len(top.TopK) != 2 || top.Metric != "val_macro_f1" {
		t.Fatalf("topk header %+v", top)
	}
	first, second := top.TopK[0], top.TopK[1]
	if first.Number != 2 || first.Value != 0.8 || first.EpochsRun != 2 || first.BestEpoch != 2 || first.DurationSeconds != 90 {
		t.Errorf("first %+v", first)
	}
	if first.Test == nil || first.Test.Metrics["test_macro_f1"] != 0.75 || first.Params["model.name"].Str() != "roberta-base" {
		t.Errorf("first's test %+v params %v", first.Test, first.Params)
	}
	if second.Number != 4 || second.Test == nil || second.Test.Error != "checkpoint missing" {
		t.Errorf("second %+v", second)
	}

	var best struct {
		Trial  int                `json:"trial"`
		Params map[string]any     `json:"params"`
		Test   results.TestScore  `json:"test_metrics"`
		Value  float64            `json:"value"`
		Extra  map[string]float64 `json:"-"`
	}
	readJSON(t, files.BestConfig, &best)
	if best.Trial != 2 || best.Value != 0.8 || best.Params["model.name"] != "roberta-base" {
		t.Errorf("best_config %+v", best)
	}

	f, err := os.Open(files.TrialsCSV)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 6 || strings.Join(rows[0], ",") != "number,state,value,duration_s,epochs,best_epoch,test_macro_f1,model.name,optim.lr" {
		t.Fatalf("csv header %v, %d rows", rows[0], len(rows))
	}
	if got := strings.Join(rows[1], ","); got != "0,COMPLETE,0.6,90.000,3,2,,bert-base-uncased,0.0001" {
		t.Errorf("csv row 0 = %s", got)
	}
	if got := strings.Join(rows[3], ","); got != "2,COMPLETE,0.8,90.000,2,2,0.75,roberta-base,0.00030000000000000003" {
		t.Errorf("csv row 2 = %s", got)
	}
	if rows[4][1] != "FAIL" || rows[4][2] != "" {
		t.Errorf("csv row 3 = %v", rows[4])
	}
	b, err := os.ReadFile(filepath.Join(files.BestModel, "best", "model.ot"))
	if err != nil || string(b) != "weights" {
		t.Errorf("best model folder: %q, %v", b, err)
	}
	// Written again (e.g. starter export after the study), the files are replaced.
	if _, err := results.Write(st, results.Options{Outdir: out, TopK: 1, TrialDir: func(n int) string { return filepath.Join(trialDir, "2") }}); err != nil {
		t.Fatal(err)
	}
}

func TestLoadErrors(t *testing.T) {
	ctx := context.Background()
	l, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "x.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if _, err := results.Load(ctx, l, "nope", "criteria"); err == nil || !strings.Contains(err.Error(), "nope") {
		t.Errorf("unknown study: %v", err)
	}
	s := fill(t, l)
	if _, err := results.Load(ctx, l, s.Name, ""); err == nil || !strings.Contains(err.Error(), "--agent") {
		t.Errorf("no agent: %v", err)
	}
	if _, err := results.Load(ctx, l, s.Name, "nobody"); err == nil {
		t.Error("unknown agent accepted")
	}
	st, err := results.Load(ctx, l, s.Name, "criteria")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := results.Write(st, results.Options{Outdir: t.TempDir(), TopK: 0}); err == nil {
		t.Error("top-k 0 accepted")
	}
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v\n%s", path, err, b)
	}
}
