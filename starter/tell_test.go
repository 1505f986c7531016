package main

import (
	"encoding/json"
	"errors"
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/redsm5/supermax-hpo/ledger"
)

func itoa(n int) string { return strconv.Itoa(n) }

func tellArgsFor(storage string, n int, extra ...string) []string {
	return append([]string{"tell", "--storage", storage, "--study-name", "s", "--trial-number", itoa(n)}, extra...)
}

func TestTellAndBest(t *testing.T) {
	storage := tempStorage(t)
	for i := 0; i < 4; i++ {
		askOnce(t, storage, "s", "--sampler", "random")
	}
	steps := [][]string{
		tellArgsFor(storage, 0, "--values", "0.25"),
		tellArgsFor(storage, 0, "--values", "0.25"), // repeated: a no-op
		tellArgsFor(storage, 1, "--values", "[0.75]"),
		tellArgsFor(storage, 2, "--state", "fail"),
		tellArgsFor(storage, 3, "--state", "pruned", "--values", "0.9"),
	}
	for _, args := range steps {
		if out, err := runStarter(t, args...); err != nil {
			t.Fatalf("%v: %v %s", args, err, out)
		}
	}
	_, err := runStarter(t, tellArgsFor(storage, 0, "--values", "0.5")...)
	if !errors.Is(err, ledger.ErrTrialFinished) || !strings.Contains(err.Error(), "--trial-number 0") {
		t.Fatalf("tell of a finished trial with another value: %v", err)
	}
	out, err := runStarter(t, "best", "--storage", storage, "--study-name", "s")
	if err != nil {
		t.Fatalf("best: %v", err)
	}
	var b struct {
		Number int
		Value  float64
		State  string
		Params map[string]json.RawMessage
	}
	if err := json.Unmarshal([]byte(out), &b); err != nil {
		t.Fatalf("best printed %q: %v", out, err)
	}
	if b.Number != 1 || b.Value != 0.75 || b.State != "COMPLETE" || len(b.Params) != 3 {
		t.Fatalf("best = %+v (%s)", b, out)
	}
}

func TestTellRejectsBadFlags(t *testing.T) {
	storage := tempStorage(t)
	askOnce(t, storage, "s", "--sampler", "random")
	cases := map[string][]string{
		"--values is required":    tellArgsFor(storage, 0),
		"--values is not allowed": tellArgsFor(storage, 0, "--state", "fail", "--values", "1"),
		"--state":                 tellArgsFor(storage, 0, "--state", "running", "--values", "1"),
		"--values: \"abc\"":       tellArgsFor(storage, 0, "--values", "abc"),
		"exactly one value":       tellArgsFor(storage, 0, "--values", "1,2"),
		"NaN":                     tellArgsFor(storage, 0, "--values", "nan"),
		"negative":                tellArgsFor(storage, -1, "--values", "1"),
	}
	for want, args := range cases {
		_, err := runStarter(t, args...)
		if !errors.Is(err, errUsage) || !strings.Contains(err.Error(), want) {
			t.Errorf("%v: got %v, want a usage error containing %q", args, err, want)
		}
	}
	_, err := runStarter(t, tellArgsFor(storage, 5, "--values", "1")...)
	if !errors.Is(err, ledger.ErrNotFound) {
		t.Errorf("tell of a missing trial: %v", err)
	}
	_, err = runStarter(t, "tell", "--storage", storage, "--study-name", "nope", "--trial-number", "0", "--values", "1")
	if !errors.Is(err, ledger.ErrNotFound) || !strings.Contains(err.Error(), "--study-name") {
		t.Errorf("tell of a missing study: %v", err)
	}
}

func TestBestWithoutCompleteTrial(t *testing.T) {
	storage := tempStorage(t)
	askOnce(t, storage, "s", "--sampler", "random")
	_, err := runStarter(t, "best", "--storage", storage, "--study-name", "s")
	if !errors.Is(err, ledger.ErrNotFound) {
		t.Fatalf("best of a study without a COMPLETE trial: %v", err)
	}
}

func TestJSONFloat(t *testing.T) {
	for in, want := range map[float64]string{0.5: "0.5", 1e300: "1e+300", math.Inf(1): `"inf"`, math.Inf(-1): `"-inf"`} {
		b, _ := jsonFloat(in).MarshalJSON()
		if string(b) != want {
			t.Errorf("jsonFloat(%v) = %s, want %s", in, b, want)
		}
	}
}
