package agents

import (
	"errors"
	"testing"

	"github.com/redsm5/supermax-hpo/hpo"
)

func TestParseAgent(t *testing.T) {
	for _, a := range Agents() {
		got, err := ParseAgent(string(a))
		if err != nil || got != a {
			t.Errorf("ParseAgent(%q) = %q, %v", a, got, err)
		}
	}
	for _, s := range []string{"", "Criteria", "both", " joint"} {
		if _, err := ParseAgent(s); !errors.Is(err, ErrUnknownAgent) {
			t.Errorf("ParseAgent(%q): err = %v, want ErrUnknownAgent", s, err)
		}
	}
}

func TestDefaults(t *testing.T) {
	want := map[Agent]StudyDefaults{
		Criteria: {5000, "noaug-criteria-supermax", "val_macro_f1", hpo.Maximize},
		Evidence: {8000, "noaug-evidence-supermax", "val_span_em", hpo.Maximize},
		Share:    {3000, "noaug-share-supermax", "val_mean_f1_em", hpo.Maximize},
		Joint:    {3000, "noaug-joint-supermax", "val_mean_f1_em", hpo.Maximize},
	}
	for a, w := range want {
		got, err := Defaults(a)
		if err != nil || got != w {
			t.Errorf("Defaults(%s) = %+v, %v; want %+v", a, got, err, w)
		}
	}
	if _, err := Defaults("x"); !errors.Is(err, ErrUnknownAgent) {
		t.Errorf("Defaults(x): err = %v, want ErrUnknownAgent", err)
	}
}

func TestAgentsFreshSlices(t *testing.T) {
	Agents()[0], Models()[0], Optimizers()[0] = "x", "x", "x"
	if Agents()[0] != Criteria || Models()[0] != "bert-base-uncased" || Optimizers()[0] != "adamw" {
		t.Error("a caller's change to a returned slice leaked into the package")
	}
}
