package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/redsm5/supermax-hpo/hpo"
	"github.com/redsm5/supermax-hpo/ledger"
	"github.com/redsm5/supermax-hpo/ledger/postgres/pgtest"
	"github.com/redsm5/supermax-hpo/ledger/storage"
)

// optunaPython returns a Python with optuna: $OPTUNA_PYTHON, else the venv
// of scripts/python-env.sh. The test skips, saying why, without one.
func optunaPython(t *testing.T) string {
	t.Helper()
	py := os.Getenv("OPTUNA_PYTHON")
	if py == "" {
		cache := os.Getenv("SUPERMAX_CACHE")
		if cache == "" {
			home, _ := os.UserHomeDir()
			cache = filepath.Join(home, ".cache", "supermax-hpo")
		}
		py = filepath.Join(cache, "venv", "bin", "python")
	}
	out, err := exec.Command(py, "-c", "import optuna; print(optuna.__version__)").CombinedOutput()
	if err != nil {
		t.Skipf("no python with optuna at %s (set OPTUNA_PYTHON or run scripts/python-env.sh): %v: %s", py, err, out)
	}
	return py
}

// buildStarter builds this command into a temp dir.
func buildStarter(t *testing.T) string {
	t.Helper()
	goBin, err := exec.LookPath("go") // go test puts $GOROOT/bin first in PATH
	if err != nil {
		t.Fatalf("building the starter needs the go command: %v", err)
	}
	bin := filepath.Join(t.TempDir(), "starter")
	if out, err := exec.Command(goBin, "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func runCmd(t *testing.T, name string, args ...string) []byte {
	t.Helper()
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(name, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %v: %v\n%s", filepath.Base(name), args, err, stderr.String())
	}
	return stdout.Bytes()
}

// pyDump is what testdata/optuna_interop.py prints about a study.
type pyDump struct {
	Direction string    `json:"direction"`
	Trials    []pyTrial `json:"trials"`
	Best      *struct {
		Number int             `json:"number"`
		Value  json.RawMessage `json:"value"`
	} `json:"best"`
}

type pyTrial struct {
	Number        int                        `json:"number"`
	State         string                     `json:"state"`
	Value         json.RawMessage            `json:"value"`
	Params        map[string]hpo.Value       `json:"params"`
	Distributions map[string]json.RawMessage `json:"distributions"`
	Intermediate  map[string]json.RawMessage `json:"intermediate"`
	UserAttrs     map[string]json.RawMessage `json:"user_attrs"`
	HasStart      bool                       `json:"has_start"`
	HasComplete   bool                       `json:"has_complete"`
}

func pyOptuna(t *testing.T, py, mode, url, study string) pyDump {
	t.Helper()
	out := runCmd(t, py, filepath.Join("testdata", "optuna_interop.py"), mode, url, study)
	var d pyDump
	if err := json.Unmarshal(out, &d); err != nil {
		t.Fatalf("optuna printed %q: %v", out, err)
	}
	return d
}

// pyFloat decodes a dumped float: a number, null, or "nan"/"inf"/"-inf".
func pyFloat(t *testing.T, raw json.RawMessage) *float64 {
	t.Helper()
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("dumped value %s: %v", raw, err)
	}
	switch x := v.(type) {
	case nil:
		return nil
	case float64:
		return &x
	case string:
		f, err := strconv.ParseFloat(x, 64)
		if err != nil {
			t.Fatalf("dumped value %q: %v", x, err)
		}
		return &f
	}
	t.Fatalf("dumped value %s is not a number", raw)
	return nil
}

func sameValue(a, b hpo.Value) bool { return a.Kind() == b.Kind() && a.Equal(b) }

// expTrial is what the test expects optuna to see for one trial.
type expTrial struct {
	state        hpo.TrialState
	value        *float64
	params       map[string]hpo.Value
	intermediate map[int]float64
	attrs        map[string]string
}

// objective is a simple deterministic function of the asked parameters.
func objective(p map[string]hpo.Value) float64 {
	x := p["x"].Float()
	return (x-0.3)*(x-0.3) + 0.01*p["layers"].Float() + map[bool]float64{true: 0.5}[p["opt"].Kind() == hpo.KindNone]
}

// TestOptunaLoadsStudyDrivenByStarter drives a study with the starter binary
// (ask/tell) and the ledger API (intermediate values, user attributes) on a
// SQLite file, then checks that optuna.load_study sees the same trials,
// params, states, values, intermediate values and best trial.
func TestOptunaLoadsStudyDrivenByStarter(t *testing.T) {
	py := optunaPython(t)
	url := "sqlite:///" + filepath.Join(t.TempDir(), "go-made.db") // absolute: sqlite:////tmp/...
	checkOptunaSees(t, py, buildStarter(t), url, url)
}

// TestOptunaLoadsStudyDrivenByStarterOnPostgres runs both interop checks on
// PostgreSQL, with optuna connecting through psycopg2.
func TestOptunaLoadsStudyDrivenByStarterOnPostgres(t *testing.T) {
	py := optunaPython(t)
	srv, err := pgtest.Start(context.Background())
	if errors.Is(err, pgtest.ErrNoServer) {
		t.Skipf("PostgreSQL interop skipped: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := srv.Stop(); err != nil {
			t.Error(err)
		}
	}()
	bin := buildStarter(t)
	for i, check := range []func(t *testing.T, py, bin, url, pyURL string){checkOptunaSees, checkLedgerReadsOptuna} {
		url, err := srv.CreateDB(context.Background(), fmt.Sprintf("interop_%d", i))
		if err != nil {
			t.Fatal(err)
		}
		check(t, py, bin, url, strings.Replace(url, "postgresql://", "postgresql+psycopg2://", 1))
	}
}

// checkOptunaSees drives a study at url (ours) and compares it with what
// optuna loads from pyURL (the same database in SQLAlchemy's form).
func checkOptunaSees(t *testing.T, py, bin, url, pyURL string) {
	want := driveStudy(t, bin, url, "interop")
	got := pyOptuna(t, py, "dump", pyURL, "interop")
	if got.Direction != "MINIMIZE" || len(got.Trials) != len(want) {
		t.Fatalf("optuna sees direction %s and %d trials, want MINIMIZE and %d", got.Direction, len(got.Trials), len(want))
	}
	for i, pt := range got.Trials {
		checkTrial(t, pt, i, want[i])
	}
	best := -1
	for i, e := range want {
		if e.state == hpo.Complete && (best < 0 || *e.value < *want[best].value) {
			best = i
		}
	}
	if got.Best == nil || got.Best.Number != best || *pyFloat(t, got.Best.Value) != *want[best].value {
		t.Fatalf("optuna's best trial %+v, want trial %d value %v", got.Best, best, *want[best].value)
	}
	ctx := context.Background()
	l, err := storage.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	s, _ := l.GetStudy(ctx, "interop")
	if b, err := l.Best(ctx, s.ID); err != nil || b.Number != best {
		t.Fatalf("ledger Best = trial %d (%v), optuna says %d", b.Number, err, best)
	}
}

// driveStudy runs 15 asks and tells: every fourth trial is pruned after
// reporting three steps, trial 6 fails with a reason attribute, every fifth
// reports two steps and completes, the others complete.
func driveStudy(t *testing.T, bin, url, study string) []expTrial {
	ctx := context.Background()
	l, err := storage.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	var want []expTrial
	for i := 0; i < 15; i++ {
		var a struct {
			Number int                  `json:"number"`
			Params map[string]hpo.Value `json:"params"`
		}
		out := runCmd(t, bin, "ask", "--storage", url, "--study-name", study, "--direction", "minimize",
			"--sampler-kwargs", `{"n_startup_trials": 5, "multivariate": true}`, "--search-space", testSpace)
		if err := json.Unmarshal(out, &a); err != nil || a.Number != i {
			t.Fatalf("ask %d printed %q (%v)", i, out, err)
		}
		s, err := l.GetStudy(ctx, study)
		if err != nil {
			t.Fatal(err)
		}
		e := expTrial{params: a.Params, intermediate: map[int]float64{}, attrs: map[string]string{}}
		v := objective(a.Params)
		tell := []string{"tell", "--storage", url, "--study-name", study, "--trial-number", strconv.Itoa(i)}
		steps := map[bool]int{true: 3}[i%4 == 1] + map[bool]int{true: 2}[i%5 == 0]
		for step := 1; step <= steps; step++ {
			iv := v + 1/float64(step)
			if err := l.Report(ctx, s.ID, i, step, iv); err != nil {
				t.Fatal(err)
			}
			e.intermediate[step] = iv
		}
		switch {
		case i%4 == 1: // pruned without a value: optuna's rule gives it the last intermediate value
			e.state, e.value = hpo.Pruned, floatPtr(e.intermediate[steps])
			tell = append(tell, "--state", "pruned")
		case i == 6:
			if err := l.SetUserAttr(ctx, s.ID, i, "fail_reason", `"out of memory"`); err != nil {
				t.Fatal(err)
			}
			e.state, e.attrs["fail_reason"] = hpo.Fail, `"out of memory"`
			tell = append(tell, "--state", "fail")
		default:
			e.state, e.value = hpo.Complete, floatPtr(v)
			tell = append(tell, "--values", strconv.FormatFloat(v, 'g', -1, 64))
		}
		runCmd(t, bin, tell...)
		want = append(want, e)
	}
	return want
}

func floatPtr(x float64) *float64 { return &x }

func fmtValue(v *float64) string {
	if v == nil {
		return "none"
	}
	return strconv.FormatFloat(*v, 'g', -1, 64)
}

func checkTrial(t *testing.T, pt pyTrial, i int, e expTrial) {
	t.Helper()
	if pt.Number != i || pt.State != e.state.String() || !pt.HasStart || !pt.HasComplete {
		t.Fatalf("trial %d: optuna sees %+v, want state %s", i, pt, e.state)
	}
	if !ledger.SameValue(pyFloat(t, pt.Value), e.value) {
		t.Errorf("trial %d: optuna value %s, want %s", i, pt.Value, fmtValue(e.value))
	}
	if len(pt.Params) != len(e.params) {
		t.Errorf("trial %d: optuna params %v, want %v", i, pt.Params, e.params)
	}
	for name, v := range e.params {
		if !sameValue(pt.Params[name], v) {
			t.Errorf("trial %d param %s: optuna %v (%d), ask printed %v (%d)", i, name, pt.Params[name], pt.Params[name].Kind(), v, v.Kind())
		}
	}
	if len(pt.Intermediate) != len(e.intermediate) {
		t.Errorf("trial %d: optuna intermediate values %v, want %v", i, pt.Intermediate, e.intermediate)
	}
	for step, v := range e.intermediate {
		if got := pyFloat(t, pt.Intermediate[strconv.Itoa(step)]); got == nil || *got != v {
			t.Errorf("trial %d step %d: optuna %s, want %v", i, step, pt.Intermediate[strconv.Itoa(step)], v)
		}
	}
	for k, v := range e.attrs {
		if !jsonEqual(pt.UserAttrs[k], v) {
			t.Errorf("trial %d user attr %s: optuna %s, want %s", i, k, pt.UserAttrs[k], v)
		}
	}
}

func jsonEqual(a json.RawMessage, b string) bool {
	var x, y any
	return json.Unmarshal(a, &x) == nil && json.Unmarshal([]byte(b), &y) == nil && fmt.Sprint(x) == fmt.Sprint(y)
}

// TestLedgerReadsStudyMadeByOptuna lets python optuna create a study (every
// distribution kind, NaN and infinite values, pruned, failed and running
// trials), reads it with our ledger, then adds a trial with the starter and
// checks that optuna still loads it.
func TestLedgerReadsStudyMadeByOptuna(t *testing.T) {
	py := optunaPython(t)
	url := "sqlite:///" + filepath.Join(t.TempDir(), "py-made.db")
	checkLedgerReadsOptuna(t, py, buildStarter(t), url, url)
}

// checkLedgerReadsOptuna lets optuna make a study at pyURL, reads it with
// our ledger at url, adds a trial with the starter and reloads it in optuna.
func checkLedgerReadsOptuna(t *testing.T, py, bin, url, pyURL string) {
	want := pyOptuna(t, py, "make", pyURL, "pystudy")
	ctx := context.Background()
	l, err := storage.Open(ctx, url)
	if err != nil {
		t.Fatalf("open optuna's file: %v", err)
	}
	s, err := l.GetStudy(ctx, "pystudy")
	if err != nil || s.Direction != hpo.Maximize {
		t.Fatalf("GetStudy = %+v, %v", s, err)
	}
	trials, _, err := l.Trials(ctx, s.ID, ledger.Cursor{})
	if err != nil || len(trials) != len(want.Trials) {
		t.Fatalf("Trials: %d trials, %v; optuna has %d", len(trials), err, len(want.Trials))
	}
	for i, tr := range trials {
		compareWithOptuna(t, tr, want.Trials[i])
	}
	b, err := l.Best(ctx, s.ID)
	if err != nil || want.Best == nil || b.Number != want.Best.Number || !ledger.SameValue(b.Value, pyFloat(t, want.Best.Value)) {
		t.Fatalf("Best = %d %v (%v), optuna says %+v", b.Number, b.Value, err, want.Best)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}

	out := runCmd(t, bin, "ask", "--storage", url, "--study-name", "pystudy", "--sampler", "random", "--search-space", testSpace)
	n := len(want.Trials)
	if !bytes.HasPrefix(out, []byte(fmt.Sprintf(`{"number":%d,`, n))) {
		t.Fatalf("ask on optuna's study printed %s, want number %d", out, n)
	}
	runCmd(t, bin, "tell", "--storage", url, "--study-name", "pystudy", "--trial-number", strconv.Itoa(n), "--values", "-inf")
	again := pyOptuna(t, py, "dump", pyURL, "pystudy")
	last := again.Trials[len(again.Trials)-1]
	if len(again.Trials) != n+1 || last.State != "COMPLETE" || string(last.Value) != `"-inf"` || len(last.Params) != 3 {
		t.Fatalf("optuna sees the starter's trial as %+v", last)
	}
}

func compareWithOptuna(t *testing.T, tr hpo.Trial, pt pyTrial) {
	t.Helper()
	if tr.Number != pt.Number || tr.State.String() != pt.State || !ledger.SameValue(tr.Value, pyFloat(t, pt.Value)) {
		t.Fatalf("trial %d: ledger %s %v, optuna %s %s", pt.Number, tr.State, tr.Value, pt.State, pt.Value)
	}
	if len(tr.Params) != len(pt.Params) {
		t.Fatalf("trial %d: ledger params %v, optuna %v", pt.Number, tr.Params, pt.Params)
	}
	for name, x := range tr.Params {
		d := tr.Dists[name]
		if ext := d.ToExternal(x); !sameValue(ext, pt.Params[name]) {
			t.Errorf("trial %d param %s: ledger %v, optuna %v", pt.Number, name, ext, pt.Params[name])
		}
		pd, err := hpo.UnmarshalDistribution(pt.Distributions[name])
		if err != nil || !ledger.SameDistribution(d, pd) {
			t.Errorf("trial %d param %s: ledger distribution %#v, optuna %s (%v)", pt.Number, name, d, pt.Distributions[name], err)
		}
	}
	if len(tr.Intermediate) != len(pt.Intermediate) {
		t.Fatalf("trial %d: ledger intermediate %v, optuna %v", pt.Number, tr.Intermediate, pt.Intermediate)
	}
	for step, v := range tr.Intermediate {
		if got := pyFloat(t, pt.Intermediate[strconv.Itoa(step)]); got == nil || !ledger.SameFloat(*got, v) {
			t.Errorf("trial %d step %d: ledger %v, optuna %s", pt.Number, step, v, pt.Intermediate[strconv.Itoa(step)])
		}
	}
}
