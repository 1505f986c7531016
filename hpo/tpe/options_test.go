package tpe

import (
	"errors"
	"strings"
	"testing"
)

func TestDefaultOptionsAreOptunas(t *testing.T) {
	want := Options{NStartupTrials: 10, NEICandidates: 24, PriorWeight: 1, ConsiderMagicClip: true}
	if got := DefaultOptions(); got != want {
		t.Fatalf("DefaultOptions() = %+v, want %+v", got, want)
	}
	if err := want.Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		modify func(*Options)
		field  string
	}{
		{"negative startup", func(o *Options) { o.NStartupTrials = -1 }, "n_startup_trials"},
		{"no candidates", func(o *Options) { o.NEICandidates = 0 }, "n_ei_candidates"},
		{"huge candidates", func(o *Options) { o.NEICandidates = 1 << 20 }, "n_ei_candidates"},
		{"zero prior", func(o *Options) { o.PriorWeight = 0 }, "prior_weight"},
		{"group alone", func(o *Options) { o.Group = true }, "group needs multivariate"},
	}
	for _, tc := range tests {
		o := DefaultOptions()
		tc.modify(&o)
		err := o.Validate()
		if !errors.Is(err, ErrOptions) || !strings.Contains(err.Error(), tc.field) {
			t.Errorf("%s: got %v, want ErrOptions naming %s", tc.name, err, tc.field)
		}
		if _, err := New(o); !errors.Is(err, ErrOptions) {
			t.Errorf("%s: New accepted invalid options", tc.name)
		}
	}
}

func TestParseOptions(t *testing.T) {
	o, err := ParseOptions([]byte(`{"multivariate": true, "group": true, "constant_liar": true, "n_startup_trials": 20}`))
	if err != nil {
		t.Fatal(err)
	}
	want := DefaultOptions()
	want.Multivariate, want.Group, want.ConstantLiar, want.NStartupTrials = true, true, true, 20
	if o != want {
		t.Fatalf("got %+v, want %+v", o, want)
	}
	if o, err := ParseOptions(nil); err != nil || o != DefaultOptions() {
		t.Fatalf("empty kwargs: %+v, %v", o, err)
	}
	for _, bad := range []string{`{"seed": 1}`, `{"n_ei_candidate": 3}`, `{"group": true}`, `[1]`, `{"prior_weight": "x"}`} {
		if _, err := ParseOptions([]byte(bad)); !errors.Is(err, ErrOptions) {
			t.Errorf("%s: got %v, want ErrOptions", bad, err)
		}
	}
}
