package hpo

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// golden is testdata/optuna_golden.json, what Optuna 5.0.0 writes for the
// cases below; testdata/optuna_golden.py made it (the command is in there).
type golden struct {
	Optuna        string            `json:"optuna"`
	Distributions map[string]string `json:"distributions"`
	Deprecated    map[string]struct {
		In  string `json:"in"`
		Out string `json:"out"`
	} `json:"deprecated"`
	Values []string `json:"values"`
}

// goldenDistributions are the Go twins of DISTRIBUTIONS in optuna_golden.py.
func goldenDistributions() map[string]Distribution {
	return map[string]Distribution{
		"float":               FloatDistribution{Low: 0, High: 1},
		"float_neg":           FloatDistribution{Low: -5, High: 5},
		"float_log":           FloatDistribution{Low: 1e-6, High: 0.2, Log: true},
		"float_log_tiny":      FloatDistribution{Low: 1e-9, High: 1e-6, Log: true},
		"float_step":          FloatDistribution{Low: 0, High: 1, Step: 0.25},
		"float_step_adjusted": FloatDistribution{Low: 0, High: 1, Step: 0.3},
		"float_step_decimal":  FloatDistribution{Low: 0.1, High: 0.3, Step: 0.2},
		"float_big":           FloatDistribution{Low: 1234567.0, High: 1e16},
		"float_huge":          FloatDistribution{Low: -1e-7, High: 1e20},
		"float_single":        FloatDistribution{Low: 0.5, High: 0.5},
		"int":                 IntDistribution{Low: 1, High: 10, Step: 1},
		"int_step":            IntDistribution{Low: 32, High: 256, Step: 16},
		"int_step_adjusted":   IntDistribution{Low: 0, High: 10, Step: 3},
		"int_log":             IntDistribution{Low: 1, High: 1024, Step: 1, Log: true},
		"int_wide":            IntDistribution{Low: math.MinInt64, High: math.MaxInt64, Step: 3},
		"cat_strings":         CategoricalDistribution{Choices: []Value{String("adamw"), String("lion")}},
		"cat_mixed": CategoricalDistribution{Choices: []Value{Int(1), Float(2), Bool(true), None(), String("x"),
			Float(-0.5), Float(1e-5), Float(1e16)}},
		"cat_bools":   CategoricalDistribution{Choices: []Value{Bool(true), Bool(false)}},
		"cat_unicode": CategoricalDistribution{Choices: []Value{String("é中😀"), String("tab\tnl\ncr\r\x01\x7f"), String(`quote"back\slash/<>&`)}},
	}
}

// goldenValues are the Go twins of VALUES in optuna_golden.py.
func goldenValues() []Value {
	return []Value{Int(0), Int(1), Int(-7), Float(1), Float(math.Copysign(0, -1)), Float(0.5), Float(1e-5),
		Float(0.0001), Float(1e15), Float(1e16), Float(123456789.125), Float(5e-324), Float(math.MaxFloat64),
		Bool(true), Bool(false), None(), String(""), String("aé😀\x00")}
}

func readGolden(t *testing.T) golden {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "optuna_golden.json"))
	if err != nil {
		t.Fatal(err)
	}
	var g golden
	if err := json.Unmarshal(b, &g); err != nil {
		t.Fatalf("optuna_golden.json: %v", err)
	}
	return g
}

func TestDistributionJSONMatchesOptuna(t *testing.T) {
	g := readGolden(t)
	cases := goldenDistributions()
	if len(cases) != len(g.Distributions) {
		t.Fatalf("%d Go cases, %d golden ones: keep optuna_golden.py and this test in step", len(cases), len(g.Distributions))
	}
	for name, want := range g.Distributions {
		d, ok := cases[name]
		if !ok {
			t.Errorf("golden case %q has no Go twin", name)
			continue
		}
		got, err := MarshalDistribution(d)
		if err != nil || string(got) != want {
			t.Errorf("%s: MarshalDistribution = %s (err %v)\n                      optuna: %s", name, got, err, want)
		}
		back, err := UnmarshalDistribution([]byte(want))
		if err != nil {
			t.Errorf("%s: reading Optuna's JSON: %v", name, err)
			continue
		}
		if again, _ := MarshalDistribution(back); string(again) != want {
			t.Errorf("%s: Optuna's JSON read and written again: %s", name, again)
		}
	}
}

func TestDeprecatedDistributionsMatchOptuna(t *testing.T) {
	g := readGolden(t)
	if len(g.Deprecated) != 5 {
		t.Fatalf("%d deprecated cases, want the 5 deprecated names", len(g.Deprecated))
	}
	for name, c := range g.Deprecated {
		d, err := UnmarshalDistribution([]byte(c.In))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if got, err := MarshalDistribution(d); err != nil || string(got) != c.Out {
			t.Errorf("%s: %s read as %s (err %v), Optuna converts it to %s", name, c.In, got, err, c.Out)
		}
	}
}

func TestValueJSONMatchesPython(t *testing.T) {
	g := readGolden(t)
	vals := goldenValues()
	if len(vals) != len(g.Values) {
		t.Fatalf("%d Go values, %d golden ones", len(vals), len(g.Values))
	}
	for i, v := range vals {
		got, err := json.Marshal(v)
		if err != nil || string(got) != g.Values[i] {
			t.Errorf("value %d (%s): %s (err %v), Python writes %s", i, v, got, err, g.Values[i])
		}
	}
}

// TestOptunaGoldenLive reruns optuna_golden.py with real Optuna, when the
// project's venv is there, and checks the committed golden file is its output.
func TestOptunaGoldenLive(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: not starting Python")
	}
	cache := os.Getenv("SUPERMAX_CACHE")
	if cache == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			t.Skipf("no SUPERMAX_CACHE and no home directory (%v): cannot find the optuna venv", err)
		}
		cache = filepath.Join(home, ".cache", "supermax-hpo")
	}
	python := filepath.Join(cache, "venv", "bin", "python")
	if _, err := os.Stat(python); err != nil {
		t.Skipf("optuna venv missing (%s); run scripts/python-env.sh to compare with live Optuna", python)
	}
	out, err := exec.Command(python, filepath.Join("testdata", "optuna_golden.py")).Output()
	if err != nil {
		t.Fatalf("optuna_golden.py: %v", err)
	}
	want, err := os.ReadFile(filepath.Join("testdata", "optuna_golden.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out, want) {
		t.Errorf("live Optuna output differs from testdata/optuna_golden.json; regenerate it (command in optuna_golden.py) and review the diff:\n%s", out)
	}
}
