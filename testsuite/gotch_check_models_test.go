//go:build gotch

package testsuite

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/redsm5/supermax-hpo/activities"
	"github.com/redsm5/supermax-hpo/trainer"
)

// CheckModel passes the study's model check to the wrapped trainer (so the
// gotch studies of these tests run it), when that trainer has one.
func (l *epochLog) CheckModel(ctx context.Context, model string, maxLength int) error {
	if c, ok := l.inner.(activities.ModelChecker); ok {
		return c.CheckModel(ctx, model, maxLength)
	}
	return nil
}

// TestGotchStudyWithBrokenModelFailsFirst: on a real dev server with the
// gotch trainer, a study whose only model folder has a truncated
// model.safetensors fails at once with InvalidConfig naming the folder and
// the file, having trained nothing and started no trial.
func TestGotchStudyWithBrokenModelFailsFirst(t *testing.T) {
	e := newDevStudyEnv(t)
	tiny := filepath.Join(e.dir, "tiny-bert")
	if _, err := trainer.WriteTinyModel(tiny, fixtureDir); err != nil {
		t.Fatal(err)
	}
	weights := filepath.Join(tiny, "model.safetensors")
	if err := os.Truncate(weights, 100); err != nil {
		t.Fatal(err)
	}
	spec := gotchSpec(t, e, tiny)
	spec.Study = "gotch-broken-model"
	log := startGotchWorker(t, e, spec.Outdir)
	e.start(t, spec)
	_, err := e.waitResult(spec.Study, 2*time.Minute)
	var app *temporal.ApplicationError
	if !errors.As(err, &app) || app.Type() != activities.ErrTypeInvalidConfig {
		t.Fatalf("study error = %v, want an InvalidConfig application error", err)
	}
	for _, want := range []string{tiny, weights, "bad model weights"} {
		if !strings.Contains(app.Message(), want) {
			t.Errorf("failure %q lacks %q", app.Message(), want)
		}
	}
	t.Logf("the study failed before its first trial: %s", app.Message())
	log.mu.Lock()
	defer log.mu.Unlock()
	if len(log.byTry) != 0 {
		t.Errorf("%d trials trained, want none", len(log.byTry))
	}
}
