package main

import (
	"bytes"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"

	"github.com/redsm5/supermax-hpo/workflows"
)

// parseSpec runs the root flags over args and returns specFromCLI's answer.
func parseSpec(t *testing.T, args ...string) (workflows.StudySpec, error) {
	t.Helper()
	var spec workflows.StudySpec
	var specErr error
	app := &cli.App{Name: "starter", Flags: studyFlags(), Action: func(c *cli.Context) error {
		spec, _, specErr = specFromCLI(c)
		return nil
	}}
	if err := app.Run(append([]string{"starter"}, args...)); err != nil {
		t.Fatalf("flags %v: %v", args, err)
	}
	return spec, specErr
}

func TestSpecFromFlags(t *testing.T) {
	dir := t.TempDir()
	spec, err := parseSpec(t, "--agent", "evidence", "--n-trials", "30", "--parallel", "3", "--study", "s1",
		"--outdir", dir, "--epochs", "7", "--patience", "2", "--min-delta", "0.01", "--trainer", "simulated")
	if err != nil {
		t.Fatal(err)
	}
	if spec.Agent != "evidence" || spec.NTrials != 30 || spec.Parallel != 3 || spec.Study != "s1" ||
		spec.Epochs != 7 || spec.Patience != 2 || spec.MinDelta != 0.01 || spec.Trainer != workflows.TrainerSimulated {
		t.Fatalf("flags not applied: %+v", spec)
	}
	if spec.Outdir != dir || spec.Storage != "sqlite:///"+filepath.Join(dir, "supermax.db") {
		t.Fatalf("outdir %q storage %q", spec.Outdir, spec.Storage)
	}
}

func TestSpecDefaultsAndEnv(t *testing.T) {
	t.Setenv("HPO_EPOCHS", "12")
	t.Setenv("HPO_PATIENCE", "3")
	t.Setenv("HPO_MIN_DELTA", "0.5")
	t.Setenv("HPO_OUTDIR", "rel-out")
	t.Setenv("HPO_MODEL_CHOICES", "roberta-base")
	spec, err := parseSpec(t, "--agent", "criteria")
	if err != nil {
		t.Fatal(err)
	}
	def, err := workflows.DefaultStudySpec("criteria")
	if err != nil {
		t.Fatal(err)
	}
	if spec.Study != def.Study || spec.NTrials != def.NTrials || spec.Trainer != workflows.TrainerGotch {
		t.Fatalf("defaults lost: %+v", spec)
	}
	if spec.Epochs != 12 || spec.Patience != 3 || spec.MinDelta != 0.5 {
		t.Fatalf("HPO_* not applied: epochs %d patience %d min delta %v", spec.Epochs, spec.Patience, spec.MinDelta)
	}
	if !filepath.IsAbs(spec.Outdir) || filepath.Base(spec.Outdir) != "rel-out" {
		t.Fatalf("outdir %q not made absolute", spec.Outdir)
	}
	if len(spec.AgentOptions.Models) != 1 || spec.AgentOptions.Models[0] != "roberta-base" {
		t.Fatalf("HPO_MODEL_CHOICES not applied: %+v", spec.AgentOptions)
	}
}

func TestSpecRejectsBadInput(t *testing.T) {
	for name, args := range map[string][]string{
		"no agent":      {},
		"unknown agent": {"--agent", "nobody"},
		"zero parallel": {"--agent", "share", "--parallel", "0"},
		"bad trainer":   {"--agent", "share", "--trainer", "torch"},
		"zero epochs":   {"--agent", "share", "--epochs", "0"},
	} {
		if _, err := parseSpec(t, args...); !errors.Is(err, errUsage) {
			t.Errorf("%s: err = %v, want errUsage", name, err)
		}
	}
	t.Setenv("HPO_MODEL_CHOICES", "gpt-5")
	if _, err := parseSpec(t, "--agent", "joint"); !errors.Is(err, errUsage) || !strings.Contains(err.Error(), "HPO_MODEL_CHOICES") {
		t.Errorf("bad HPO_MODEL_CHOICES: err = %v", err)
	}
}

func TestWorkflowLinkEscapesIDs(t *testing.T) {
	got := workflowLink("http://127.0.0.1:8233/", "default", "s1/trial-3")
	if want := "http://127.0.0.1:8233/namespaces/default/workflows/s1%2Ftrial-3"; got != want {
		t.Fatalf("got %s, want %s", got, want)
	}
}

func TestRenderFrame(t *testing.T) {
	v := 0.61
	st := workflows.StudyStatus{Study: "s", Agent: "evidence", State: workflows.StudyStateRunning, Run: 2, NTrials: 40,
		Counts:  workflows.Counts{Running: 2, Complete: 8, Pruned: 1, Fail: 1},
		Running: []workflows.RunningTrial{{Number: 11, Epoch: 3, LastValue: &v}, {Number: 12}},
		Best:    &workflows.BestTrial{Number: 4, Value: 0.75}, Parallel: 2, HistoryLength: 321}
	frame := renderFrame(st)
	want := []string{
		"study s · agent evidence · RUNNING · run 2 · parallel 2 · history 321 events",
		"[##########..............................] 10/40 ended · complete 8, pruned 1, failed 1, running 2",
		"best: trial 4, value 0.7500",
		"  trial 11     epoch 3    last 0.6100",
		"  trial 12     epoch 0    last -",
	}
	if strings.Join(frame, "\n") != strings.Join(want, "\n") {
		t.Fatalf("frame:\n%s\nwant:\n%s", strings.Join(frame, "\n"), strings.Join(want, "\n"))
	}
}

func TestRedraw(t *testing.T) {
	var buf bytes.Buffer
	var shown []string
	redraw(&buf, []string{"a", "b"}, &shown, true)
	redraw(&buf, []string{"c"}, &shown, true)
	if got, want := buf.String(), "a\nb\n\033[2A\033[Jc\n"; got != want {
		t.Fatalf("tty redraw wrote %q, want %q", got, want)
	}
	buf.Reset()
	shown = nil
	redraw(&buf, []string{"x"}, &shown, false)
	redraw(&buf, []string{"x"}, &shown, false)
	if n := strings.Count(buf.String(), "x\n"); n != 1 {
		t.Fatalf("non-tty redraw printed an unchanged frame %d times: %q", n, buf.String())
	}
}
