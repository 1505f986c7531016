//go:build gotch

package testsuite

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/redsm5/supermax-hpo/results"
)

// TestTuneSupermaxMakeTargetEvidenceGotch is issue 8's "done when" run,
// through the make target and scripts/tune-supermax.sh as a user types it:
//
//	N_TRIALS_EVIDENCE=6 PAR=2 HPO_EPOCHS=2 make tune-evidence-supermax
//
// with HPO_OUTDIR a temporary folder, no TEMPORAL_ADDRESS (so the starter
// starts the dev server of that outdir and two CPU workers in the
// background), the gotch trainer on the bundled fixture, and as the only
// model a tiny randomly initialised BERT that `starter tiny-model` writes
// (HPO_MODEL_CHOICES); the agent is evidence, the headline study.
// It asserts that the study ends, that the processes it started are gone,
// and that HPO_OUTDIR holds evidence_noaug-evidence-supermax_topk.json
// with test-split scores for its COMPLETE trials, best_config.json naming
// the best trial, trials.csv with one row per trial, and the best model
// folder. Binaries are built into a temporary folder (SUPERMAX_BIN).
func TestTuneSupermaxMakeTargetEvidenceGotch(t *testing.T) {
	if _, err := TemporalCLIPath(); err != nil {
		t.Skipf("skipping: needs the Temporal CLI (dev server): %v", err)
	}
	if _, err := exec.LookPath("make"); err != nil {
		t.Skip("skipping: no make")
	}
	repo, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	bin, outdir := filepath.Join(dir, "bin"), filepath.Join(dir, "runs")
	goBuild(t, repo, filepath.Join(bin, "starter"), "./starter")
	goBuild(t, repo, filepath.Join(bin, "worker"), "-tags", "gotch", "./worker")
	tiny := filepath.Join(dir, "tiny-bert")
	run(t, repo, nil, filepath.Join(bin, "starter"), "tiny-model", "--data-dir", filepath.Join(repo, fixtureDir[3:]), tiny)
	t.Cleanup(func() {
		// Only if the run failed midway: stop what it left in the background.
		cmd := exec.Command(filepath.Join(bin, "starter"), "tune-down", "--outdir", outdir, "--grace", "10s")
		_ = cmd.Run()
	})

	env := []string{"SUPERMAX_BIN=" + bin, "HPO_MODEL_CHOICES=" + tiny, "HPO_DATA_DIR=" + filepath.Join(repo, fixtureDir[3:]),
		"DEVICES=cpu", "HPO_TORCH_THREADS=1"}
	out := run(t, repo, env, "make", "--no-print-directory", "tune-evidence-supermax",
		"N_TRIALS_EVIDENCE=6", "PAR=2", "HPO_EPOCHS=2", "HPO_OUTDIR="+outdir)
	for _, want := range []string{"started study noaug-evidence-supermax", "Ctrl-C detaches", "ETA", "completed after",
		"stopping the dev server"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q", want)
		}
	}

	var top results.TopKFile
	readJSONFile(t, filepath.Join(outdir, "evidence_noaug-evidence-supermax_topk.json"), &top)
	if top.Trials != 6 || top.Complete == 0 || len(top.TopK) != min(10, top.Complete) {
		t.Fatalf("topk file: %d trials, %d complete, %d listed", top.Trials, top.Complete, len(top.TopK))
	}
	for _, tr := range top.TopK {
		if tr.Test == nil {
			t.Fatalf("top trial %d has no test score", tr.Number)
		}
		if _, ok := tr.Test.Metrics["test_f1"]; !ok {
			t.Errorf("top trial %d: test metrics %v lack the token F1 (test_f1)", tr.Number, tr.Test.Metrics)
		}
		v, ok := tr.Test.Metrics["test_em"]
		if !ok || v < 0 || v > 1 || tr.EpochsRun != 2 || tr.BestEpoch < 1 {
			t.Errorf("top trial %d: test score %+v, %d epochs, best epoch %d: want a test exact match in [0, 1], 2 epochs, a best epoch",
				tr.Number, *tr.Test, tr.EpochsRun, tr.BestEpoch)
		}
	}
	var best struct {
		Trial  int            `json:"trial"`
		Params map[string]any `json:"params"`
	}
	readJSONFile(t, filepath.Join(outdir, "best_config.json"), &best)
	if best.Trial != top.TopK[0].Number || best.Params["model.name"] != tiny {
		t.Errorf("best_config.json: trial %d model %v, want trial %d model %s", best.Trial, best.Params["model.name"], top.TopK[0].Number, tiny)
	}
	f, err := os.Open(filepath.Join(outdir, "trials.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil || len(rows) != 7 {
		t.Fatalf("trials.csv: %d rows, %v; want a header and 6 trials", len(rows), err)
	}
	if _, err := os.Stat(filepath.Join(outdir, "evidence_noaug-evidence-supermax_best_model", "best", "model.ot")); err != nil {
		t.Errorf("best model folder: %v", err)
	}
	if b, err := os.ReadFile(filepath.Join(outdir, "evidence_noaug-evidence-supermax_report.html")); err != nil || !bytes.Contains(b, []byte(`id="report-status"`)) {
		t.Errorf("HTML report: %v", err)
	}
	var st struct {
		Server  any   `json:"server"`
		Workers []any `json:"workers"`
	}
	readJSONFile(t, filepath.Join(outdir, ".supermax", "local.json"), &st)
	if st.Server != nil || len(st.Workers) != 0 {
		t.Errorf("local state after the study: %+v, want nothing left running", st)
	}
}

// goBuild builds pkg (with extra flags before it) into out.
func goBuild(t *testing.T, repo, out string, args ...string) {
	t.Helper()
	run(t, repo, nil, "go", append([]string{"build", "-o", out}, args...)...)
}

// run runs name with args in dir (env added to ours, TEMPORAL_ADDRESS
// removed), at most 20 minutes, and returns its output; failing fails t.
func run(t *testing.T, dir string, env []string, name string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "TEMPORAL_ADDRESS=") && !strings.HasPrefix(kv, "HPO_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, env...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out.String())
	}
	return out.String()
}

func readJSONFile(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}
