package agents

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/redsm5/supermax-hpo/hpo"
)

func choiceStrings(t *testing.T, s *hpo.Space, name string) []string {
	t.Helper()
	p, ok := s.Lookup(name)
	if !ok {
		t.Fatalf("no parameter %s", name)
	}
	var out []string
	for _, c := range p.Dist.(hpo.CategoricalDistribution).Choices {
		out = append(out, c.String())
	}
	return out
}

func TestLocalModelChoices(t *testing.T) {
	opt := Options{Models: []string{"/tmp/z/tiny-bert", "roberta-base", "/data/large-disk/tiny", "bert-base-uncased"}}
	s, err := Space(Criteria, opt)
	if err != nil {
		t.Fatal(err)
	}
	got := choiceStrings(t, s, "model.name")
	want := []string{`"bert-base-uncased"`, `"roberta-base"`, `"/data/large-disk/tiny"`, `"/tmp/z/tiny-bert"`}
	if !slices.Equal(got, want) {
		t.Fatalf("model.name choices %v, want %v (names in Models() order, then folders sorted)", got, want)
	}
	if line := opt.Narrowing()[0]; !strings.HasPrefix(line, "model.name: bert-base-uncased, roberta-base, /data/large-disk/tiny, /tmp/z/tiny-bert (of ") {
		t.Errorf("narrowing line %q", line)
	}
	env, err := OptionsFromEnv(func(k string) string {
		if k == EnvModelChoices {
			return "/tmp/z/tiny-bert, roberta-base"
		}
		return ""
	})
	if err != nil || !slices.Equal(env.Models, []string{"/tmp/z/tiny-bert", "roberta-base"}) {
		t.Errorf("HPO_MODEL_CHOICES with a folder: %+v, %v", env, err)
	}
}

func TestLocalModelRefusals(t *testing.T) {
	for _, bad := range []string{"tiny-bert", "./tiny-bert", "models/tiny", "/", "/tmp/../tiny", "/tmp/tiny/"} {
		err := Options{Models: []string{bad}}.Validate()
		if !errors.Is(err, ErrInvalidOptions) || !strings.Contains(err.Error(), bad) {
			t.Errorf("model %q: %v, want ErrInvalidOptions naming it", bad, err)
		}
	}
}

func TestHeavinessOfFolders(t *testing.T) {
	for model, want := range map[string]bool{
		"/data/large-disk/tiny-bert":         false,
		"/models/bert-large-uncased":         true,
		"/models/xlm-roberta-base":           true,
		"microsoft/deberta-v3-base":          true,
		"google/electra-base-discriminator":  false,
		"google/electra-large-discriminator": true,
	} {
		if got := IsHeavy(model); got != want {
			t.Errorf("IsHeavy(%q) = %v, want %v", model, got, want)
		}
	}
	// A base folder keeps the base limits: tok.max_length up to 512.
	s, err := Space(Criteria, Options{Models: []string{"/data/large-disk/tiny-bert"}})
	if err != nil {
		t.Fatal(err)
	}
	p, _ := s.Lookup("tok.max_length")
	d := p.Domain(map[string]hpo.Value{"model.name": hpo.String("/data/large-disk/tiny-bert")}).(hpo.IntDistribution)
	if d.High != 512 {
		t.Errorf("tok.max_length of a base folder up to %d, want 512", d.High)
	}
}

func TestGradCheckpointingChoices(t *testing.T) {
	opt := Options{GradCheckpointing: []bool{false}}
	s, err := Space(Criteria, opt)
	if err != nil {
		t.Fatal(err)
	}
	if got := choiceStrings(t, s, "train.grad_checkpointing"); !slices.Equal(got, []string{"false"}) {
		t.Errorf("train.grad_checkpointing choices %v, want [false]", got)
	}
	if got := opt.Narrowing(); !slices.Equal(got, []string{"train.grad_checkpointing: false (of true, false)"}) {
		t.Errorf("narrowing %q", got)
	}
	full, _ := Space(Criteria, Options{})
	if got := choiceStrings(t, full, "train.grad_checkpointing"); !slices.Equal(got, []string{"true", "false"}) {
		t.Errorf("original train.grad_checkpointing choices %v", got)
	}
	for _, bad := range [][]bool{{}, {true, true}, {false, true, false}} {
		if err := (Options{GradCheckpointing: bad}).Validate(); !errors.Is(err, ErrInvalidOptions) {
			t.Errorf("grad_checkpointing %v: %v, want ErrInvalidOptions", bad, err)
		}
	}
}

// TestModelChoicesAndMaxLength: ModelChoices is exactly the space's
// model.name distribution, and MaxLength(m) is the upper end of the
// tok.max_length the space allows once m is chosen.
func TestModelChoicesAndMaxLength(t *testing.T) {
	for _, opt := range []Options{{}, {Models: []string{"/tmp/z/tiny-bert", "roberta-large", "xlm-roberta-base"}}} {
		s, err := Space(Criteria, opt)
		if err != nil {
			t.Fatal(err)
		}
		var want []string
		for _, m := range ModelChoices(opt) {
			want = append(want, hpo.String(m).String())
		}
		if got := choiceStrings(t, s, "model.name"); !slices.Equal(got, want) {
			t.Fatalf("ModelChoices %v, space %v", want, got)
		}
		p, _ := s.Lookup(pMaxLength)
		for _, m := range ModelChoices(opt) {
			d := p.Narrow(map[string]hpo.Value{pModel: hpo.String(m)}).(hpo.IntDistribution)
			if int(d.High) != MaxLength(m) {
				t.Errorf("%s: tok.max_length up to %d, MaxLength %d", m, d.High, MaxLength(m))
			}
		}
	}
}
