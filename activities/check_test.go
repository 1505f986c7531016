package activities_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/redsm5/supermax-hpo/activities"
	"github.com/redsm5/supermax-hpo/hpo/agents"
)

// checkingTrainer is a Trainer and ModelChecker that fails the models in bad
// and records every check.
type checkingTrainer struct {
	activities.Trainer
	bad     map[string]string
	mu      sync.Mutex
	checked map[string]int // model -> max length
}

func (c *checkingTrainer) CheckModel(_ context.Context, model string, maxLength int) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.checked[model] = maxLength
	if why, ok := c.bad[model]; ok {
		return fmt.Errorf("%w: %s", activities.ErrInvalidConfig, why)
	}
	return nil
}

func TestCheckModels(t *testing.T) {
	idle := activities.TrainerFunc(func(context.Context, activities.EpochRequest) (activities.EpochResult, error) {
		return activities.EpochResult{}, nil
	})
	ct := &checkingTrainer{Trainer: idle, checked: map[string]int{},
		bad: map[string]string{"/m/broken": `bad model weights: /m/broken/model.safetensors has no tensor "pooler"`}}
	f := newFixture(t, map[string]activities.Trainer{"gotch": ct, "simulated": idle})
	opts := agents.Options{Models: []string{"/m/ok-large", "roberta-base", "/m/broken"}}

	_, err := f.env.ExecuteActivity(f.acts.CheckModels, activities.CheckModelsRequest{Study: "s", Trainer: "gotch", AgentOptions: opts})
	assertAppError(t, err, activities.ErrTypeInvalidConfig)
	for _, want := range []string{`"/m/broken"`, "has no tensor", "1 of 3"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	want := map[string]int{"roberta-base": 512, "/m/ok-large": 384, "/m/broken": 512}
	if fmt.Sprint(ct.checked) != fmt.Sprint(want) {
		t.Errorf("checked %v, want %v (each choice at its longest tok.max_length)", ct.checked, want)
	}

	delete(ct.bad, "/m/broken")
	v, err := f.env.ExecuteActivity(f.acts.CheckModels, activities.CheckModelsRequest{Study: "s", Trainer: "gotch", AgentOptions: opts})
	if err != nil {
		t.Fatal(err)
	}
	var res activities.CheckModelsResult
	if err := v.Get(&res); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(res.Checked, agents.ModelChoices(opts)) {
		t.Errorf("checked %v, want the space's choices %v", res.Checked, agents.ModelChoices(opts))
	}

	// A trainer that is no ModelChecker has nothing to check; a missing trainer
	// kind is an invalid configuration.
	v, err = f.env.ExecuteActivity(f.acts.CheckModels, activities.CheckModelsRequest{Study: "s", Trainer: "simulated", AgentOptions: opts})
	if err != nil {
		t.Fatal(err)
	}
	if err := v.Get(&res); err != nil || len(res.Checked) != 0 {
		t.Errorf("simulated: %+v, %v; want nothing checked", res, err)
	}
	_, err = f.env.ExecuteActivity(f.acts.CheckModels, activities.CheckModelsRequest{Study: "s", Trainer: "tpu", AgentOptions: opts})
	assertAppError(t, err, activities.ErrTypeInvalidConfig)
}
