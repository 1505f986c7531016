package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/redsm5/supermax-hpo/hpo"
	"github.com/redsm5/supermax-hpo/ledger"
)

const testSpace = `{"x": {"name": "FloatDistribution", "attributes": {"low": -1, "high": 1, "step": null, "log": false}},
 "opt": {"name": "CategoricalDistribution", "attributes": {"choices": ["adamw", "lion", 3, 2.5, true, null]}},
 "layers": {"name": "IntDistribution", "attributes": {"low": 1, "high": 8, "step": 1, "log": false}}}`

// runStarter runs the starter's command line in-process and returns stdout.
func runStarter(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	app := newApp()
	app.Writer = &out
	app.ErrWriter = &out
	err := app.RunContext(context.Background(), append([]string{"starter"}, args...))
	return out.String(), err
}

func tempStorage(t *testing.T) string {
	return "sqlite:///" + filepath.Join(t.TempDir(), "study.db")
}

type asked struct {
	Number int                        `json:"number"`
	Params map[string]json.RawMessage `json:"params"`
}

func askOnce(t *testing.T, storage, study string, extra ...string) asked {
	t.Helper()
	args := append([]string{"ask", "--storage", storage, "--study-name", study, "--search-space", testSpace}, extra...)
	out, err := runStarter(t, args...)
	if err != nil {
		t.Fatalf("ask: %v (output %q)", err, out)
	}
	var a asked
	if err := json.Unmarshal([]byte(out), &a); err != nil {
		t.Fatalf("ask printed %q: %v", out, err)
	}
	return a
}

func TestAskNumbersAndParams(t *testing.T) {
	storage := tempStorage(t)
	for want := 0; want < 3; want++ {
		a := askOnce(t, storage, "s", "--sampler", "random")
		if a.Number != want || len(a.Params) != 3 {
			t.Fatalf("ask %d: got %+v", want, a)
		}
		var x float64
		if err := json.Unmarshal(a.Params["x"], &x); err != nil || x < -1 || x > 1 {
			t.Fatalf("x = %s, want a float in [-1, 1]", a.Params["x"])
		}
		var layers int
		if err := json.Unmarshal(a.Params["layers"], &layers); err != nil || layers < 1 || layers > 8 {
			t.Fatalf("layers = %s, want an int in [1, 8]", a.Params["layers"])
		}
	}
}

func TestAskIsDeterministicPerSeed(t *testing.T) {
	a := askOnce(t, tempStorage(t), "s", "--sampler", "random", "--seed", "7")
	b := askOnce(t, tempStorage(t), "s", "--sampler", "random", "--seed", "7")
	c := askOnce(t, tempStorage(t), "s", "--sampler", "random", "--seed", "8")
	if string(a.Params["x"]) != string(b.Params["x"]) {
		t.Fatalf("same seed, different x: %s vs %s", a.Params["x"], b.Params["x"])
	}
	if string(a.Params["x"]) == string(c.Params["x"]) {
		t.Fatalf("seeds 7 and 8 gave the same x %s", a.Params["x"])
	}
	// FNV-1a 64 of "s", computed independently (Python); the default seed
	// must never change, or resumed studies would sample differently.
	if got := StudySeed("s"); got != -5808537081944601822 {
		t.Fatalf("StudySeed(\"s\") = %d, want -5808537081944601822", got)
	}
	if StudySeed("t") == StudySeed("s") {
		t.Fatal("StudySeed ignores the name")
	}
}

func TestAskTPE(t *testing.T) {
	storage := tempStorage(t)
	for i := 0; i < 3; i++ {
		a := askOnce(t, storage, "tpe", "--sampler-kwargs", `{"n_startup_trials": 2}`)
		if _, err := runStarter(t, "tell", "--storage", storage, "--study-name", "tpe",
			"--trial-number", itoa(a.Number), "--values", "0.5"); err != nil {
			t.Fatalf("tell: %v", err)
		}
	}
}

func TestAskRejectsBadFlags(t *testing.T) {
	storage := tempStorage(t)
	base := []string{"ask", "--storage", storage, "--study-name", "s"}
	cases := map[string][]string{
		"--search-space":   {"--search-space", `{"x": {"name": "Nope", "attributes": {}}}`},
		"--sampler":        {"--search-space", testSpace, "--sampler", "cmaes"},
		"--sampler-kwargs": {"--search-space", testSpace, "--sampler-kwargs", `{"n_startup": 1}`},
		"--direction":      {"--search-space", testSpace, "--direction", "up"},
	}
	for flag, extra := range cases {
		_, err := runStarter(t, append(append([]string{}, base...), extra...)...)
		if !errors.Is(err, errUsage) || !strings.Contains(err.Error(), flag) {
			t.Errorf("%s: got %v, want a usage error naming the flag", flag, err)
		}
	}
	if _, err := runStarter(t, "ask", "--storage", "mysql://x", "--study-name", "s", "--search-space", testSpace); err == nil ||
		!strings.Contains(err.Error(), "--storage") {
		t.Errorf("bad --storage: %v", err)
	}
}

func TestAskDirectionConflict(t *testing.T) {
	storage := tempStorage(t)
	askOnce(t, storage, "s", "--direction", "minimize", "--sampler", "random")
	a := askOnce(t, storage, "s", "--sampler", "random") // keeps minimize
	if a.Number != 1 {
		t.Fatalf("second ask got number %d", a.Number)
	}
	_, err := runStarter(t, "ask", "--storage", storage, "--study-name", "s", "--search-space", testSpace, "--direction", "maximize")
	if !errors.Is(err, ledger.ErrConflict) || !strings.Contains(err.Error(), "--direction") {
		t.Fatalf("ask with the other direction: %v", err)
	}
}

func TestSpaceDistsCoversParams(t *testing.T) {
	space, err := hpo.ParseSearchSpaceJSON([]byte(testSpace))
	if err != nil {
		t.Fatal(err)
	}
	d := spaceDists(space, map[string]float64{"x": 0.5, "layers": 2})
	if len(d) != 2 || d["x"] == nil || d["layers"] == nil {
		t.Fatalf("spaceDists = %v", d)
	}
}
