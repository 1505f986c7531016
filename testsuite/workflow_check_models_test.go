package testsuite

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"

	"github.com/redsm5/supermax-hpo/activities"
	"github.com/redsm5/supermax-hpo/workflows"
)

// modelCheckingTrainer is the simulated trainer with a model check that
// fails the models in bad (as the gotch trainer fails a folder it cannot
// load).
type modelCheckingTrainer struct {
	activities.Trainer
	bad map[string]string
}

func (m modelCheckingTrainer) CheckModel(_ context.Context, model string, _ int) error {
	if why, ok := m.bad[model]; ok {
		return fmt.Errorf("%w: %s", activities.ErrInvalidConfig, why)
	}
	return nil
}

// activityLog records the names of the activities a harness's study starts.
type activityLog struct {
	mu    sync.Mutex
	names []string
}

func (l *activityLog) listen(h *wfHarness) {
	h.env.SetOnActivityStartedListener(func(info *activity.Info, _ context.Context, _ converter.EncodedValues) {
		l.mu.Lock()
		defer l.mu.Unlock()
		l.names = append(l.names, info.ActivityType.Name)
	})
}

// TestStudyFailsBeforeFirstTrialWhenAModelCannotLoad: the study's first
// activity is CheckModels; a model.name choice the trainer cannot load fails
// the study with a non-retryable InvalidConfig error naming the model and
// the problem, before the ledger is touched (no InitStudy) or any trial starts.
func TestStudyFailsBeforeFirstTrialWhenAModelCannotLoad(t *testing.T) {
	const why = `bad model weights: /models/minilm/model.safetensors: tensor "embeddings.word_embeddings.weight" has shape [3, 4]`
	h := newWFHarness(t, wfOptions{trainer: func(sim activities.Trainer) activities.Trainer {
		return modelCheckingTrainer{Trainer: sim, bad: map[string]string{"/models/minilm": why}}
	}})
	var log activityLog
	log.listen(h)
	spec := h.spec(6, 2, 2)
	spec.AgentOptions.Models = []string{"/models/minilm", "bert-base-uncased"}
	h.env.ExecuteWorkflow(workflows.StudyWorkflow, spec)
	if !h.env.IsWorkflowCompleted() {
		t.Fatal("study did not end")
	}
	err := h.env.GetWorkflowError()
	var app *temporal.ApplicationError
	if !errors.As(err, &app) || app.Type() != activities.ErrTypeInvalidConfig {
		t.Fatalf("study error = %v, want an InvalidConfig application error", err)
	}
	for _, want := range []string{`"/models/minilm"`, why} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("study error %q lacks %q", err, want)
		}
	}
	if len(log.names) != 1 || log.names[0] != "CheckModels" {
		t.Errorf("activities started: %v, want only CheckModels", log.names)
	}
	if len(h.children) != 0 {
		t.Errorf("%d trials ran, want none", len(h.children))
	}
}

// TestStudyChecksModelsFirst: with loadable models the check passes and the
// study runs as before; CheckModels is its first activity.
func TestStudyChecksModelsFirst(t *testing.T) {
	h := newWFHarness(t, wfOptions{trainer: func(sim activities.Trainer) activities.Trainer {
		return modelCheckingTrainer{Trainer: sim}
	}})
	var log activityLog
	log.listen(h)
	res := h.run(h.spec(2, 1, 1))
	if res.Counts.Complete != 2 {
		t.Fatalf("result %+v, want 2 complete", res)
	}
	if len(log.names) == 0 || log.names[0] != "CheckModels" || strings.Count(strings.Join(log.names, ","), "CheckModels") != 1 {
		t.Errorf("activities started: %v, want CheckModels first and once", log.names)
	}
}
