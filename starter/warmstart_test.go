package main

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/redsm5/supermax-hpo/hpo"
	"github.com/redsm5/supermax-hpo/hpo/agents"
	"github.com/redsm5/supermax-hpo/ledger/memory"
	"github.com/redsm5/supermax-hpo/workflows"
)

func TestParseWarmStart(t *testing.T) {
	for _, tc := range []struct {
		in    string
		study string
		k     int
	}{{"old", "old", 10}, {"old:3", "old", 3}, {"a:b:20", "a", 0}} {
		s, k, err := parseWarmStart(tc.in)
		if tc.k == 0 {
			if !errors.Is(err, errUsage) {
				t.Errorf("%q: got %v, want a usage error", tc.in, err)
			}
			continue
		}
		if err != nil || s != tc.study || k != tc.k {
			t.Errorf("%q = %q, %d, %v; want %q, %d", tc.in, s, k, err, tc.study, tc.k)
		}
	}
	for _, bad := range []string{":3", "old:0", "old:21", "old:x"} {
		if _, _, err := parseWarmStart(bad); !errors.Is(err, errUsage) {
			t.Errorf("%q: got %v, want a usage error", bad, err)
		}
	}
}

// TestWarmStartConfigs: the best trials that fit the current space are
// taken best first; one outside it (a model no longer in the choices) is
// left out with a note.
func TestWarmStartConfigs(t *testing.T) {
	ctx := context.Background()
	l := memory.New()
	st, err := l.CreateStudy(ctx, "old", hpo.Maximize)
	if err != nil {
		t.Fatal(err)
	}
	models := hpo.CategoricalDistribution{Choices: []hpo.Value{hpo.String("bert-base-uncased"), hpo.String("roberta-base")}}
	lr := hpo.FloatDistribution{Low: 5e-6, High: 3e-4, Log: true}
	for n, c := range []struct {
		model float64
		value float64
	}{{0, 0.5}, {1, 0.9}, {0, 0.7}} {
		err := l.PutTrial(ctx, st.ID, n, map[string]float64{"model.name": c.model, "optim.lr": 1e-4},
			map[string]hpo.Distribution{"model.name": models, "optim.lr": lr}, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		v := c.value
		if err := l.Finish(ctx, st.ID, n, hpo.Complete, &v, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	spec, err := workflows.DefaultStudySpec("criteria")
	if err != nil {
		t.Fatal(err)
	}
	spec.AgentOptions = agents.Options{Models: []string{"bert-base-uncased"}}
	configs, notes, err := warmStartConfigs(ctx, l, &spec, "old", 3)
	if err != nil {
		t.Fatal(err)
	}
	if len(configs) != 2 || configs[0]["model.name"].Str() != "bert-base-uncased" || len(notes) != 1 || !strings.Contains(notes[0], "trial 1") {
		t.Fatalf("configs %v, notes %q; want trials 2 and 0, trial 1 left out", configs, notes)
	}
	spec.AgentOptions = agents.Options{Models: []string{"roberta-large"}}
	if _, _, err := warmStartConfigs(ctx, l, &spec, "old", 3); !errors.Is(err, errUsage) {
		t.Fatalf("no fitting trial: got %v, want a usage error", err)
	}
	if _, _, err := warmStartConfigs(ctx, l, &spec, "nope", 3); !errors.Is(err, errUsage) {
		t.Fatalf("unknown study: got %v, want a usage error", err)
	}
}
