package report_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"html"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redsm5/supermax-hpo/hpo"
	"github.com/redsm5/supermax-hpo/hpo/agents"
	"github.com/redsm5/supermax-hpo/hpo/random"
	"github.com/redsm5/supermax-hpo/ledger"
	"github.com/redsm5/supermax-hpo/ledger/memory"
	"github.com/redsm5/supermax-hpo/ledger/sqlite"
	"github.com/redsm5/supermax-hpo/report"
	"github.com/redsm5/supermax-hpo/results"
)

// generateStudy records n trials of the criteria space in a memory ledger:
// random parameters; the objective depends mostly on optim.lr and
// head.pooling; 70% complete (5–30 epochs), 25% pruned (1–4 epochs), 5%
// failed; the top 10 have test scores. Deterministic.
func generateStudy(t testing.TB, n int) *results.Study {
	t.Helper()
	return generateStudyIn(t, memory.New(), n)
}

// generateStudyIn is generateStudy recording into the empty ledger l.
func generateStudyIn(t testing.TB, l ledger.Ledger, n int) *results.Study {
	t.Helper()
	ctx := context.Background()
	space, err := agents.Space(agents.Criteria, agents.Options{})
	if err != nil {
		t.Fatal(err)
	}
	dists := map[string]hpo.Distribution{}
	for _, p := range space.Params() {
		dists[p.Name] = p.Dist
	}
	st, err := l.CreateStudy(ctx, "noaug-criteria-supermax", hpo.Maximize)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	t0 := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < n; i++ {
		params, err := random.SampleSpace(rng, space)
		if err != nil {
			t.Fatal(err)
		}
		ds := map[string]hpo.Distribution{}
		for name := range params {
			ds[name] = dists[name]
		}
		start := t0.Add(time.Duration(i) * 10 * time.Second)
		if err := l.PutTrial(ctx, st.ID, i, params, ds, start); err != nil {
			t.Fatal(err)
		}
		lr := math.Log10(params["optim.lr"])
		target := 0.7 - 0.08*math.Abs(lr+4.3) + 0.03*params["head.pooling"] + 0.02*rng.NormFloat64()
		state, epochs := hpo.Complete, 5+rng.IntN(26)
		switch r := rng.Float64(); {
		case r < 0.05:
			state, epochs = hpo.Fail, rng.IntN(3)
		case r < 0.30:
			state, epochs = hpo.Pruned, 1+rng.IntN(4)
		}
		best := math.Inf(-1)
		for e := 1; e <= epochs; e++ {
			v := target * (1 - 0.3*math.Exp(-float64(e))) * (1 + 0.005*rng.NormFloat64())
			best = max(best, v)
			if err := l.Report(ctx, st.ID, i, e, v); err != nil {
				t.Fatal(err)
			}
		}
		var value *float64
		if state != hpo.Fail {
			value = &best
		}
		end := start.Add(time.Duration(60+rng.IntN(540)) * time.Second)
		if err := l.Finish(ctx, st.ID, i, state, value, end); err != nil {
			t.Fatal(err)
		}
	}
	s, err := results.Load(ctx, l, st.Name, "criteria")
	if err != nil {
		t.Fatal(err)
	}
	for i, tr := range s.Top(10) {
		sc := results.TestScore{Metrics: map[string]float64{"test_macro_f1": *tr.Value - 0.02}}
		if i == 9 {
			sc = results.TestScore{Error: "checkpoint missing"}
		}
		if err := results.RecordTest(ctx, l, st.ID, tr.Number, sc); err != nil {
			t.Fatal(err)
		}
	}
	if s, err = results.Load(ctx, l, st.Name, "criteria"); err != nil {
		t.Fatal(err)
	}
	return s
}

// TestReportInChromium renders the report of an 8,000-trial study in
// headless Chromium and checks that the page's script ran without errors
// (its status line and the browser's console) and that every chart drew
// data points. It logs the file size, the script's render time and the
// browser's wall time (docs/benchmarks.md, "report").
func TestReportInChromium(t *testing.T) {
	browser, err := exec.LookPath("chromium")
	if err != nil {
		t.Skip("skipping: no chromium (scripts/browser-tools.sh installs Debian's package; make test runs it)")
	}
	s := generateStudy(t, 8000)
	dir := t.TempDir()
	path := filepath.Join(dir, "report.html")
	var buf bytes.Buffer
	if err := report.Write(&buf, s, report.Options{TopK: 10}); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"http://", "https://", "<link", "src=\""} {
		if i := bytes.Index(buf.Bytes(), []byte(bad)); i >= 0 && !strings.Contains(string(buf.Bytes()[max(0, i-20):i+40]), "docs/") {
			t.Errorf("report references %q (not self-contained): ...%s...", bad, buf.Bytes()[max(0, i-40):min(buf.Len(), i+60)])
		}
	}
	status, console, wall := render(t, browser, path, dir)
	t.Logf("8,000 trials: report %.2f MB, script render %d ms, chromium load+render %.1f s (wall, 2-core machine)",
		float64(buf.Len())/(1<<20), status.MS, wall.Seconds())
	if !status.OK || len(status.Errors) > 0 {
		t.Fatalf("report script errors: %v", status.Errors)
	}
	for _, line := range console {
		t.Errorf("browser console: %s", line)
	}
	for _, chart := range []string{"counts", "history", "intermediate", "importance", "parallel", "slices", "top"} {
		if status.Charts[chart] <= 0 {
			t.Errorf("chart %s drew %d points", chart, status.Charts[chart])
		}
	}
	if status.Charts["top"] != 10 {
		t.Errorf("top table has %d rows, want 10", status.Charts["top"])
	}
}

// TestWriteSQLiteLedger writes the study TestReportInChromium renders into
// a new SQLite ledger (Optuna's schema) at $SUPERMAX_REPORT_LEDGER, for
// opening it with other tools (scripts/optuna-dashboard-check.sh); skipped
// when the variable is unset. It checks the file reads back as the same
// study.
func TestWriteSQLiteLedger(t *testing.T) {
	path := os.Getenv("SUPERMAX_REPORT_LEDGER")
	if path == "" {
		t.Skip("skipping: SUPERMAX_REPORT_LEDGER (the SQLite file to write) is unset")
	}
	if _, err := os.Stat(path); err == nil {
		t.Fatalf("SUPERMAX_REPORT_LEDGER=%s: file exists; give a new path", path)
	}
	n := 8000
	if v := os.Getenv("SUPERMAX_REPORT_TRIALS"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 10 {
			t.Fatalf("SUPERMAX_REPORT_TRIALS=%q: want an integer ≥ 10", v)
		}
	}
	ctx := context.Background()
	l, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := l.Close(); err != nil {
			t.Error(err)
		}
	}()
	s := generateStudyIn(t, l, n)
	want := generateStudy(t, n)
	if len(s.Trials) != n || len(want.Trials) != n {
		t.Fatalf("sqlite ledger holds %d trials, memory %d, want %d", len(s.Trials), len(want.Trials), n)
	}
	for i := range s.Trials {
		a, b := s.Trials[i], want.Trials[i]
		if a.Number != b.Number || a.State != b.State || len(a.Params) != len(b.Params) || len(a.Intermediate) != len(b.Intermediate) {
			t.Fatalf("trial %d differs between the sqlite and memory ledgers:\n%+v\n%+v", i, a, b)
		}
	}
	t.Logf("wrote %d trials to %s", n, path)
}

// pageStatus is the report's #report-status line.
type pageStatus struct {
	OK     bool           `json:"ok"`
	Errors []string       `json:"errors"`
	Charts map[string]int `json:"charts"`
	MS     int            `json:"ms"`
}

var statusRE = regexp.MustCompile(`(?s)<pre id="report-status">(.*?)</pre>`)

// render loads path in headless Chromium and returns the page's status,
// the console lines Chromium logged at warning level or above, and the
// wall time.
func render(t *testing.T, browser, path, dir string) (pageStatus, []string, time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
		"--no-first-run", "--user-data-dir="+filepath.Join(dir, "profile"), "--enable-logging=stderr", "--v=0",
		"--virtual-time-budget=30000", "--dump-dom", "file://"+path)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium: %v\n%s", err, stderr.String())
	}
	wall := time.Since(start)
	m := statusRE.FindSubmatch(stdout.Bytes())
	if m == nil {
		t.Fatalf("no report status in the rendered page (did the script run?)\nstderr:\n%s", stderr.String())
	}
	var st pageStatus
	if err := json.Unmarshal([]byte(html.UnescapeString(string(m[1]))), &st); err != nil {
		t.Fatalf("report status %q: %v", m[1], err)
	}
	var console []string
	for _, line := range strings.Split(stderr.String(), "\n") {
		if strings.Contains(line, "CONSOLE") || strings.Contains(line, "Uncaught") {
			console = append(console, line)
		}
	}
	return st, console, wall
}

// TestImportanceRanksTheDrivingParameters: head.pooling and optim.lr drive
// the generated objective (pooling explains about twice the variance lr
// does), so they must rank first and second, above every parameter that
// only adds noise.
func TestImportanceRanksTheDrivingParameters(t *testing.T) {
	s := generateStudy(t, 600)
	var buf bytes.Buffer
	if err := report.Write(&buf, s, report.Options{}); err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`"importance":\[\{"name":"([^"]+)","value":[0-9.e-]+\},\{"name":"([^"]+)"`).FindSubmatch(buf.Bytes())
	if m == nil {
		t.Fatal("no importance in the report data")
	}
	if string(m[1]) != "head.pooling" || string(m[2]) != "optim.lr" {
		t.Errorf("most important parameters %s, %s; want head.pooling, optim.lr", m[1], m[2])
	}
	var total float64
	for _, x := range regexp.MustCompile(`\{"name":"[^"]+","value":([0-9.e-]+)\}`).FindAllSubmatch(buf.Bytes(), -1) {
		var v float64
		fmt.Sscan(string(x[1]), &v)
		total += v
	}
	if math.Abs(total-1) > 1e-9 {
		t.Errorf("importances sum to %v, want 1", total)
	}
}
