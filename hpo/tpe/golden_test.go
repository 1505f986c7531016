package tpe

import (
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/redsm5/supermax-hpo/hpo"
	"github.com/redsm5/supermax-hpo/hpo/random"
)

// updateGolden rewrites testdata/golden_suggestions.json from the current
// code. The file was written by the sampler before its performance work
// (commit 5ee664b), so TestGoldenSuggestions proves later changes give
// bit-identical suggestions.
var updateGolden = flag.Bool("update-golden", false, "rewrite testdata/golden_suggestions.json")

const goldenFile = "testdata/golden_suggestions.json"

// goldenSpace exercises every kernel path: categoricals (one narrowed),
// linear and log floats, a stepped float, a wide int (the narrow-grid
// expansion), small and log ints, conditionals and a narrowed int.
func goldenSpace(t testing.TB) *hpo.Space {
	t.Helper()
	bools := []hpo.Value{hpo.Bool(false), hpo.Bool(true)}
	s, err := hpo.NewSpace(
		hpo.Param{Name: "kind", Dist: hpo.CategoricalDistribution{Choices: strs("a", "b", "c")}},
		hpo.Param{Name: "seed", Dist: hpo.IntDistribution{Low: 1, High: 65535, Step: 1}},
		hpo.Param{Name: "lr", Dist: hpo.FloatDistribution{Low: 1e-6, High: 1e-1, Log: true}},
		hpo.Param{Name: "x", Dist: hpo.FloatDistribution{Low: -5, High: 5}},
		hpo.Param{Name: "q", Dist: hpo.FloatDistribution{Low: 0, High: 1, Step: 0.05}},
		hpo.Param{Name: "layers", Dist: hpo.IntDistribution{Low: 1, High: 8, Step: 1}},
		hpo.Param{Name: "hidden", Dist: hpo.IntDistribution{Low: 16, High: 4096, Step: 1, Log: true}},
		hpo.Param{Name: "flag", Dist: hpo.CategoricalDistribution{Choices: bools}},
		hpo.Param{Name: "y", Dist: hpo.FloatDistribution{Low: 1e-3, High: 1, Log: true}, Parent: "kind", When: strs("a")},
		hpo.Param{Name: "z", Dist: hpo.IntDistribution{Low: 0, High: 100, Step: 5}, Parent: "kind", When: strs("b", "c")},
		hpo.Param{Name: "n", Dist: hpo.IntDistribution{Low: 1, High: 10, Step: 1}, Narrow: func(c map[string]hpo.Value) hpo.Distribution {
			if c["kind"].Str() == "a" {
				return hpo.IntDistribution{Low: 1, High: 4, Step: 1}
			}
			return nil
		}},
		hpo.Param{Name: "c", Dist: hpo.CategoricalDistribution{Choices: strs("x", "y", "w")}, Narrow: func(c map[string]hpo.Value) hpo.Distribution {
			if c["kind"].Str() == "b" {
				return hpo.CategoricalDistribution{Choices: strs("y", "w")}
			}
			return nil
		}},
	)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// goldenHistory is n trials drawn at random and scored by a smooth
// function, with every kind of trial a ledger holds: COMPLETE, PRUNED (with
// and without intermediate values), RUNNING, FAIL, a COMPLETE trial
// without a value, and categorical values recorded under other choices.
func goldenHistory(t testing.TB, space *hpo.Space, n int) []hpo.Trial {
	t.Helper()
	r := random.New()
	reordered := hpo.CategoricalDistribution{Choices: strs("w", "x", "y")}
	hist := make([]hpo.Trial, 0, n)
	for i := range n {
		p, err := r.Sample(hpo.Study{Seed: 11}, space, nil, i)
		if err != nil {
			t.Fatal(err)
		}
		dists := make(map[string]hpo.Distribution, len(p))
		for _, q := range space.Params() {
			if _, ok := p[q.Name]; ok {
				dists[q.Name] = q.Dist
			}
		}
		if c, ok := p["c"]; ok && i%13 == 0 {
			full, _ := space.Lookup("c")
			y, err := reordered.ToInternal(full.Dist.ToExternal(c))
			if err != nil {
				t.Fatal(err)
			}
			p["c"], dists["c"] = y, reordered
		}
		v := condObjective(p) + math.Abs(math.Log10(p["lr"])+3) + p["q"] - p["layers"]/8
		tr := hpo.Trial{Number: i, State: hpo.Complete, Value: &v, Params: p, Dists: dists}
		switch {
		case i%17 == 5:
			tr.State, tr.Intermediate = hpo.Pruned, map[int]float64{1: v + 1, 1 + i%4: v + 0.5}
		case i%29 == 7:
			tr.State, tr.Value = hpo.Pruned, nil
		case i%23 == 3:
			tr.State, tr.Value = hpo.Running, nil
		case i%31 == 2:
			tr.State, tr.Value = hpo.Fail, nil
		case i%37 == 1:
			tr.Value = nil
		}
		hist = append(hist, tr)
	}
	return hist
}

// goldenCase is one recorded suggestion: each value as the hex of its bits.
type goldenCase struct {
	Mode      string            `json:"mode"`
	Direction string            `json:"direction"`
	History   int               `json:"history"`
	Number    int               `json:"number"`
	Params    map[string]string `json:"params"`
}

func goldenCases(t testing.TB) []goldenCase {
	t.Helper()
	space := goldenSpace(t)
	hist := goldenHistory(t, space, 3000)
	var out []goldenCase
	for _, mode := range modeNames() {
		s := newSampler(t, mode)
		for _, dir := range []hpo.Direction{hpo.Minimize, hpo.Maximize} {
			for _, n := range []int{12, 40, 300, 3000} {
				for _, number := range []int{n, n + 1, n / 2} {
					p, err := s.Sample(hpo.Study{Name: "golden", Direction: dir, Seed: 5}, space, hist[:n], number)
					if err != nil {
						t.Fatalf("%s %s n=%d number=%d: %v", mode, dir, n, number, err)
					}
					c := goldenCase{Mode: mode, Direction: dir.String(), History: n, Number: number, Params: map[string]string{}}
					for k, x := range p {
						c.Params[k] = fmt.Sprintf("%016x", math.Float64bits(x))
					}
					out = append(out, c)
				}
			}
		}
	}
	return out
}

// TestGoldenSuggestions checks that suggestions are bit-identical to the
// ones recorded in testdata/golden_suggestions.json.
func TestGoldenSuggestions(t *testing.T) {
	got := goldenCases(t)
	if *updateGolden {
		b, err := json.MarshalIndent(got, "", " ")
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.FromSlash(goldenFile), append(b, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	b, err := os.ReadFile(filepath.FromSlash(goldenFile))
	if err != nil {
		t.Fatal(err)
	}
	var want []goldenCase
	if err := json.Unmarshal(b, &want); err != nil {
		t.Fatalf("%s: %v", goldenFile, err)
	}
	if len(got) != len(want) {
		t.Fatalf("%d cases, golden file has %d", len(got), len(want))
	}
	for i := range want {
		g, w := got[i], want[i]
		if g.Mode != w.Mode || g.Direction != w.Direction || g.History != w.History || g.Number != w.Number {
			t.Fatalf("case %d is %+v, golden file has %+v", i, g, w)
		}
		keys := slices.Sorted(func(yield func(string) bool) {
			for k := range w.Params {
				if !yield(k) {
					return
				}
			}
		})
		if len(g.Params) != len(w.Params) {
			t.Errorf("%s %s history %d trial %d: params %v, want %v", w.Mode, w.Direction, w.History, w.Number, g.Params, w.Params)
			continue
		}
		for _, k := range keys {
			if g.Params[k] != w.Params[k] {
				t.Errorf("%s %s history %d trial %d: %s = %s, want %s", w.Mode, w.Direction, w.History, w.Number, k, g.Params[k], w.Params[k])
			}
		}
	}
}
