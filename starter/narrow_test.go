package main

import (
	"errors"
	"slices"
	"testing"

	"github.com/redsm5/supermax-hpo/hpo/agents"
	"github.com/redsm5/supermax-hpo/workflows"
)

func TestNarrowedOptions(t *testing.T) {
	spec, err := workflows.DefaultStudySpec("criteria")
	if err != nil {
		t.Fatal(err)
	}
	spec.Trainer = workflows.TrainerSimulated
	head := agents.DefaultHeadLimits()
	head.LayersMax = 2
	spec.AgentOptions = agents.Options{Head: head}
	// --models only: the study's head limits stay.
	got, _, err := narrowedOptions(spec, workflows.StudyStatus{}, agents.Options{Models: []string{"roberta-base"}}, true, false)
	if err != nil || !slices.Equal(got.Models, []string{"roberta-base"}) || got.Head.LayersMax != 2 {
		t.Fatalf("narrowed %+v, %v", got, err)
	}
	// A later narrowing starts from the last one.
	st := workflows.StudyStatus{Space: []workflows.SpaceChange{{FromTrial: 3, Options: got}}}
	one := agents.DefaultHeadLimits()
	one.LayersMax = 1
	got2, _, err := narrowedOptions(spec, st, agents.Options{Head: one}, false, true)
	if err != nil || !slices.Equal(got2.Models, []string{"roberta-base"}) || got2.Head.LayersMax != 1 {
		t.Fatalf("second narrowing %+v, %v", got2, err)
	}
	// The gotch trainer's restrictions apply.
	spec.Trainer = workflows.TrainerGotch
	got3, _, err := narrowedOptions(spec, workflows.StudyStatus{}, agents.Options{Models: []string{"roberta-base"}}, true, false)
	if err != nil || slices.Contains(got3.Optimizers, "adamw_8bit") || len(got3.Optimizers) == 0 {
		t.Fatalf("gotch narrowing %+v, %v", got3, err)
	}
	if _, _, err := narrowedOptions(spec, workflows.StudyStatus{}, agents.Options{Models: []string{"no-such-model"}}, true, false); !errors.Is(err, errUsage) {
		t.Fatalf("unknown model: %v, want a usage error", err)
	}
}
