package workflows_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/redsm5/supermax-hpo/workflows"
)

func TestDefaultStudySpecIsValid(t *testing.T) {
	for _, agent := range []string{"criteria", "evidence", "share", "joint"} {
		spec, err := workflows.DefaultStudySpec(agent)
		if err != nil {
			t.Fatal(err)
		}
		if err := spec.Validate(); err != nil {
			t.Errorf("%s: %v", agent, err)
		}
		if spec.Study != "noaug-"+agent+"-supermax" || spec.Epochs != 100 || spec.Patience != 20 || spec.Parallel != 4 {
			t.Errorf("%s: defaults %+v differ from the original system", agent, spec)
		}
	}
	if _, err := workflows.DefaultStudySpec("nope"); err == nil {
		t.Error("unknown agent accepted")
	}
}

func TestValidateNamesTheBadField(t *testing.T) {
	cases := map[string]func(*workflows.StudySpec){
		"study":          func(s *workflows.StudySpec) { s.Study = "" },
		"study ":         func(s *workflows.StudySpec) { s.Study = "a/b" },
		"agent":          func(s *workflows.StudySpec) { s.Agent = "x" },
		"n_trials":       func(s *workflows.StudySpec) { s.NTrials = 0 },
		"parallel":       func(s *workflows.StudySpec) { s.Parallel = 0 },
		"epochs":         func(s *workflows.StudySpec) { s.Epochs = 0 },
		"trials_per_run": func(s *workflows.StudySpec) { s.TrialsPerRun = -1 },
		"keep_best_k":    func(s *workflows.StudySpec) { s.KeepBestK = -1 },
		"storage":        func(s *workflows.StudySpec) { s.Storage = "" },
		"outdir":         func(s *workflows.StudySpec) { s.Outdir = "" },
		"trainer":        func(s *workflows.StudySpec) { s.Trainer = "torch" },
		"sampler":        func(s *workflows.StudySpec) { s.Sampler = "grid" },
		"direction":      func(s *workflows.StudySpec) { s.Direction = "up" },
		"patience":       func(s *workflows.StudySpec) { s.Patience = -1 },
		"min_delta":      func(s *workflows.StudySpec) { s.MinDelta = -1 },
		"tpe":            func(s *workflows.StudySpec) { s.TPE.NEICandidates = 0 },
		"pruner":         func(s *workflows.StudySpec) { s.Pruner.Kind = "magic" },
	}
	for field, mutate := range cases {
		spec, err := workflows.DefaultStudySpec("criteria")
		if err != nil {
			t.Fatal(err)
		}
		mutate(&spec)
		err = spec.Validate()
		if !errors.Is(err, workflows.ErrInvalidSpec) || !strings.Contains(err.Error(), strings.TrimSpace(field)) {
			t.Errorf("%s: err = %v, want ErrInvalidSpec naming %q", field, err, field)
		}
	}
}

func TestTrialWorkflowID(t *testing.T) {
	if got := workflows.TrialWorkflowID("noaug-criteria-supermax", 42); got != "noaug-criteria-supermax/trial-42" {
		t.Fatalf("TrialWorkflowID = %q", got)
	}
}

func TestSearchAttributesAreUniqueAndTyped(t *testing.T) {
	seen := map[string]bool{}
	for _, a := range workflows.SearchAttributes() {
		if seen[a.Name] || !strings.HasPrefix(a.Name, "Supermax") {
			t.Errorf("attribute %q repeated or unprefixed", a.Name)
		}
		seen[a.Name] = true
		switch a.Type {
		case "Keyword", "Int", "Double":
		default:
			t.Errorf("attribute %q has type %q", a.Name, a.Type)
		}
	}
}
