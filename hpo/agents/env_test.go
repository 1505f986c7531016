package agents

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestOptionsFromEnvValid(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want Options
	}{
		{"unset", nil, Options{}},
		{"blank", map[string]string{EnvModelChoices: "  ", EnvHeadLimits: " "}, Options{}},
		{"models", map[string]string{EnvModelChoices: " roberta-base ,bert-base-uncased"},
			Options{Models: []string{"roberta-base", "bert-base-uncased"}}},
		{"all head keys", map[string]string{EnvHeadLimits: `{"layers_min": 2, "layers_max": 2, "hidden_choices": [512, 256], "dropout_max": 0}`},
			Options{Head: HeadLimits{LayersMin: 2, LayersMax: 2, HiddenChoices: []int{512, 256}, DropoutMax: 0}}},
		{"one head key", map[string]string{EnvHeadLimits: `{"layers_max": 3}`},
			Options{Head: HeadLimits{LayersMin: 1, LayersMax: 3, HiddenChoices: headHiddenChoices(), DropoutMax: 0.5}}},
		{"empty object", map[string]string{EnvHeadLimits: `{}`}, Options{Head: DefaultHeadLimits()}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := OptionsFromEnv(env(tt.env))
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got.Models, tt.want.Models) || !sameHead(got.Head, tt.want.Head) || got.Optimizers != nil {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
			if _, err := Space(Share, got); err != nil {
				t.Errorf("Space with these options: %v", err)
			}
		})
	}
}

func sameHead(a, b HeadLimits) bool {
	return a.LayersMin == b.LayersMin && a.LayersMax == b.LayersMax && a.DropoutMax == b.DropoutMax &&
		slices.Equal(a.HiddenChoices, b.HiddenChoices)
}

func TestOptionsFromEnvInvalid(t *testing.T) {
	tests := []struct {
		name, variable, value, problem string
	}{
		{"unknown model", EnvModelChoices, "bert-base-uncased,gpt2", `"gpt2" is not one of`},
		{"duplicate model", EnvModelChoices, "roberta-base,roberta-base", "appears twice"},
		{"empty entry", EnvModelChoices, "roberta-base,,bert-base-uncased", "entry 2"},
		{"only commas", EnvModelChoices, ",", "entry 1"},
		{"bad JSON", EnvHeadLimits, `{"layers_min": `, "not a JSON object"},
		{"not an object", EnvHeadLimits, `[1, 2]`, "not a JSON object"},
		{"null", EnvHeadLimits, `null`, "not a JSON object"},
		{"trailing text", EnvHeadLimits, `{} x`, "text after"},
		{"unknown key", EnvHeadLimits, `{"layers": 2}`, `unknown key "layers"`},
		{"min > max", EnvHeadLimits, `{"layers_min": 3, "layers_max": 2}`, "layers_min 3 is greater than layers_max 2"},
		{"min > default max", EnvHeadLimits, `{"layers_min": 5}`, "layers_min 5 is outside the original range"},
		{"max below range", EnvHeadLimits, `{"layers_max": 0}`, "layers_max 0 is outside"},
		{"empty list", EnvHeadLimits, `{"hidden_choices": []}`, "hidden_choices is empty"},
		{"hidden out of range", EnvHeadLimits, `{"hidden_choices": [256, 300]}`, "300 is not one of the original sizes"},
		{"hidden twice", EnvHeadLimits, `{"hidden_choices": [256, 256]}`, "256 appears twice"},
		{"dropout out of range", EnvHeadLimits, `{"dropout_max": 0.7}`, "dropout_max 0.7 is outside"},
		{"negative dropout", EnvHeadLimits, `{"dropout_max": -0.1}`, "dropout_max -0.1 is outside"},
		{"float layers", EnvHeadLimits, `{"layers_min": 1.5}`, "layers_min must be an integer"},
		{"null key", EnvHeadLimits, `{"layers_min": null}`, "layers_min must be an integer"},
		{"string dropout", EnvHeadLimits, `{"dropout_max": "0.1"}`, "dropout_max must be a number"},
		{"hidden not a list", EnvHeadLimits, `{"hidden_choices": 256}`, "hidden_choices must be a list"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := OptionsFromEnv(env(map[string]string{tt.variable: tt.value}))
			if err == nil {
				t.Fatalf("%s=%s accepted", tt.variable, tt.value)
			}
			if !errors.Is(err, ErrInvalidOptions) {
				t.Errorf("err = %v, want ErrInvalidOptions", err)
			}
			if msg := err.Error(); !strings.HasPrefix(msg, tt.variable+": ") || !strings.Contains(msg, tt.problem) {
				t.Errorf("err = %q, want it to start with %s and name %q", msg, tt.variable, tt.problem)
			}
		})
	}
}

func TestOptionsValidate(t *testing.T) {
	bad := []Options{
		{Models: []string{}},
		{Optimizers: []string{"sgd"}},
		{Optimizers: []string{"lion", "lion"}},
		{Head: HeadLimits{LayersMax: 2}}, // incomplete: LayersMin 0
	}
	for _, o := range bad {
		if err := o.Validate(); !errors.Is(err, ErrInvalidOptions) {
			t.Errorf("%+v: Validate = %v, want ErrInvalidOptions", o, err)
		}
	}
	if err := (Options{Head: DefaultHeadLimits(), Models: Models(), Optimizers: Optimizers()}).Validate(); err != nil {
		t.Errorf("the original space as explicit options: %v", err)
	}
}

// TestOptionsJSONRoundTrip: Options travel in workflow payloads as JSON and
// must build the same space on the other side.
func TestOptionsJSONRoundTrip(t *testing.T) {
	for _, opt := range []Options{
		{},
		{Models: []string{"roberta-base"}, Optimizers: []string{"adamw"}, Head: HeadLimits{LayersMin: 1, LayersMax: 1, HiddenChoices: []int{768}, DropoutMax: 0}},
	} {
		b, err := json.Marshal(opt)
		if err != nil {
			t.Fatal(err)
		}
		var back Options
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatal(err)
		}
		s1, s2 := mustSpace(t, Joint, opt), mustSpace(t, Joint, back)
		for i, p := range s1.Params() {
			if !sameDist(p.Dist, s2.Params()[i].Dist) {
				t.Errorf("%s: %s changed through JSON %s", p.Name, p.Name, b)
			}
		}
	}
}
