package testsuite

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/redsm5/supermax-hpo/workflows"
)

// historiesDir holds histories recorded from a real dev server by
// scripts/record-histories.sh: every run of a study that continued as new,
// and trials. Its subfolders keep histories recorded with older workflow
// code (e.g. pre-batch-suggest/), which must still replay: running studies
// started before a change take the old branch of its workflow.GetVersion.
const historiesDir = "testdata/histories"

// TestReplayRecordedHistories replays every recorded history with today's
// workflow code. A failure means the code no longer makes the decisions it
// made when the history was recorded: running studies would fail the same
// way, so the change needs workflow.GetVersion (or, if no study can be
// running with the old code, re-recording).
func TestReplayRecordedHistories(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(historiesDir, "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	older, err := filepath.Glob(filepath.Join(historiesDir, "*", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	var studyRuns, trials int
	for _, f := range files {
		base := filepath.Base(f)
		switch {
		case strings.HasPrefix(base, "study-run-"):
			studyRuns++
		case strings.HasPrefix(base, "trial-"):
			trials++
		}
	}
	if studyRuns < 2 || trials < 1 {
		t.Fatalf("%s holds %d study runs and %d trials; want >= 2 runs (continue-as-new) and >= 1 trial: run scripts/record-histories.sh",
			historiesDir, studyRuns, trials)
	}
	for _, f := range append(files, older...) {
		name, _ := filepath.Rel(historiesDir, f)
		t.Run(name, func(t *testing.T) {
			if err := replay(f); err != nil {
				t.Fatalf("replay %s: %v", f, err)
			}
		})
	}
}

// TestReplayDetectsChangedHistory checks that the replayer does compare
// decisions: a history whose first study run scheduled a differently named
// activity (InitStudy, which every first run schedules) must not replay.
func TestReplayDetectsChangedHistory(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(historiesDir, "study-run-1.json"))
	if err != nil {
		t.Fatal(err)
	}
	changed := strings.ReplaceAll(string(b), `"InitStudy"`, `"InitStudyRenamed"`)
	if changed == string(b) {
		t.Fatal("study-run-1.json schedules no InitStudy activity")
	}
	f := filepath.Join(t.TempDir(), "changed.json")
	if err := os.WriteFile(f, []byte(changed), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := replay(f); err == nil {
		t.Fatal("a history with a renamed activity replayed without error")
	}
}

// replay replays one JSON history with the workflows registered as the
// worker registers them.
func replay(file string) error {
	r := worker.NewWorkflowReplayer()
	r.RegisterWorkflowWithOptions(workflows.StudyWorkflow, workflow.RegisterOptions{Name: workflows.StudyWorkflowName})
	r.RegisterWorkflowWithOptions(workflows.TrialWorkflow, workflow.RegisterOptions{Name: workflows.TrialWorkflowName})
	return r.ReplayWorkflowHistoryFromJSONFile(QuietLogger(), file)
}
