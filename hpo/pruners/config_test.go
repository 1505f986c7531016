package pruners

import (
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/redsm5/supermax-hpo/hpo"
)

func TestDefaultConfig(t *testing.T) {
	want := Config{Kind: KindHyperband, MinResource: 1, MaxResource: 100, ReductionFactor: 3, Patience: 2}
	if got := DefaultConfig(100); got != want {
		t.Fatalf("DefaultConfig(100) = %+v, want %+v", got, want)
	}
	for name, cfg := range allConfigs() {
		if err := cfg.Validate(); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestConfigJSONRoundTrip(t *testing.T) {
	for name, cfg := range allConfigs() {
		raw, err := json.Marshal(cfg)
		if err != nil {
			t.Fatal(err)
		}
		got, err := ParseConfig(raw)
		if err != nil || got != cfg {
			t.Errorf("%s: ParseConfig(%s) = %+v, %v; want %+v", name, raw, got, err, cfg)
		}
	}
	raw, _ := json.Marshal(DefaultConfig(100))
	const want = `{"kind":"hyperband","min_resource":1,"reduction_factor":3,"max_resource":100,"patience":2}`
	if string(raw) != want {
		t.Errorf("DefaultConfig(100) JSON = %s, want %s", raw, want)
	}
}

func TestValidateRejects(t *testing.T) {
	hb := HyperbandConfig(100)
	with := func(c Config, edit func(*Config)) Config { edit(&c); return c }
	cases := []struct {
		cfg  Config
		want string // part of the message: the field and the problem
	}{
		{Config{Kind: "asha"}, `unknown kind "asha"`},
		{Config{}, `unknown kind ""`},
		{with(MedianConfig(), func(c *Config) { c.IntervalSteps = 0 }), "interval_steps = 0, want >= 1"},
		{with(MedianConfig(), func(c *Config) { c.NStartupTrials = -1 }), "n_startup_trials = -1"},
		{with(MedianConfig(), func(c *Config) { c.NWarmupSteps = -2 }), "n_warmup_steps = -2"},
		{with(MedianConfig(), func(c *Config) { c.Percentile = 40 }), "percentile is not used"},
		{with(MedianConfig(), func(c *Config) { c.ReductionFactor = 3 }), "reduction_factor is not used"},
		{PercentileConfig(101), "percentile = 101, want 0 to 100"},
		{PercentileConfig(math.NaN()), "percentile = NaN"},
		{with(SuccessiveHalvingConfig(), func(c *Config) { c.ReductionFactor = 1 }), "reduction_factor = 1"},
		{with(SuccessiveHalvingConfig(), func(c *Config) { c.MinResource = 0 }), "min_resource = 0"},
		{with(SuccessiveHalvingConfig(), func(c *Config) { c.MinEarlyStoppingRate = -1 }), "min_early_stopping_rate = -1"},
		{with(SuccessiveHalvingConfig(), func(c *Config) { c.MaxResource = 10 }), "max_resource is not used"},
		{HyperbandConfig(0), "max_resource = 0, want min_resource (1)"},
		{with(hb, func(c *Config) { c.MinResource = 200 }), "max_resource = 100, want min_resource (200)"},
		{with(hb, func(c *Config) { c.MinEarlyStoppingRate = 1 }), "min_early_stopping_rate is not used"},
		{with(hb, func(c *Config) { c.IntervalSteps = 1 }), "interval_steps is not used"},
		{with(hb, func(c *Config) { c.Patience = -1 }), "patience = -1"},
		{with(hb, func(c *Config) { c.Patience, c.MinDelta = 2, -0.1 }), "min_delta = -0.1"},
		{with(hb, func(c *Config) { c.MinDelta = 0.1 }), "min_delta is set but patience is 0"},
		{Config{Kind: KindNone, Patience: 2}, `kind "none" takes no other field`},
		{Config{Kind: KindNone, NStartupTrials: 5}, `kind "none" takes no other field`},
	}
	for _, tc := range cases {
		err := tc.cfg.Validate()
		if !errors.Is(err, ErrInvalidConfig) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Validate(%+v) = %v, want ErrInvalidConfig mentioning %q", tc.cfg, err, tc.want)
		}
		if _, err := New(tc.cfg, hpo.Study{Name: "s"}); !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("New(%+v) = %v, want ErrInvalidConfig", tc.cfg, err)
		}
	}
}

func TestParseConfigRejects(t *testing.T) {
	for _, raw := range []string{
		`{"kind":"median","n_startup_trials":5,"interval_steps":1,"patiense":2}`, // unknown field
		`{"kind":"median",`,                     // broken JSON
		`{"kind":"hyperband","min_resource":1}`, // invalid: max_resource
	} {
		if _, err := ParseConfig([]byte(raw)); !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("ParseConfig(%s) = %v, want ErrInvalidConfig", raw, err)
		}
	}
}

func TestNewRejectsUnknownDirection(t *testing.T) {
	if _, err := New(MedianConfig(), hpo.Study{Name: "s", Direction: 9}); !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("New with direction 9 = %v, want ErrInvalidConfig", err)
	}
}
