package tpe

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"sort"
	"testing"

	"github.com/redsm5/supermax-hpo/hpo"
	"github.com/redsm5/supermax-hpo/hpo/random"
)

func strs(ss ...string) []hpo.Value {
	out := make([]hpo.Value, len(ss))
	for i, s := range ss {
		out[i] = hpo.String(s)
	}
	return out
}

// condSpace is a small conditional, constrained space: y exists only
// under kind "a", z only under "b"; n is narrowed to [1, 4] when kind is
// "a"; c loses choice "x" when kind is "b".
func condSpace(t testing.TB) *hpo.Space {
	t.Helper()
	s, err := hpo.NewSpace(
		hpo.Param{Name: "kind", Dist: hpo.CategoricalDistribution{Choices: strs("a", "b")}},
		hpo.Param{Name: "x", Dist: hpo.FloatDistribution{Low: -5, High: 5}},
		hpo.Param{Name: "y", Dist: hpo.FloatDistribution{Low: 1e-3, High: 1, Log: true}, Parent: "kind", When: strs("a")},
		hpo.Param{Name: "z", Dist: hpo.IntDistribution{Low: 0, High: 100, Step: 5}, Parent: "kind", When: strs("b")},
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

// condObjective prefers kind a, x near 1, small y, small n and choice "x"
// (which the constraint forbids under b).
func condObjective(p map[string]float64) float64 {
	v := (p["x"] - 1) * (p["x"] - 1)
	if y, ok := p["y"]; ok {
		v += math.Log10(y) + 3
	}
	if z, ok := p["z"]; ok {
		v += z / 20
	}
	return v + p["n"] + p["c"]
}

var modes = map[string]func(*Options){
	"independent":  func(*Options) {},
	"multivariate": func(o *Options) { o.Multivariate = true },
	"group":        func(o *Options) { o.Multivariate, o.Group = true, true },
	"group+liar":   func(o *Options) { o.Multivariate, o.Group, o.ConstantLiar = true, true, true },
}

func modeNames() []string { return slices.Sorted(maps.Keys(modes)) }

func newSampler(t testing.TB, mode string) *Sampler {
	t.Helper()
	o := DefaultOptions()
	modes[mode](&o)
	s, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// runStudy samples n trials sequentially and returns the history.
func runStudy(t testing.TB, s hpo.Sampler, study hpo.Study, space *hpo.Space, n int, f func(map[string]float64) float64) []hpo.Trial {
	t.Helper()
	var hist []hpo.Trial
	for i := range n {
		p, err := s.Sample(study, space, hist, i)
		if err != nil {
			t.Fatalf("trial %d: %v", i, err)
		}
		v := f(p)
		hist = append(hist, hpo.Trial{Number: i, State: hpo.Complete, Value: &v, Params: p})
	}
	return hist
}

// checkTrial asserts that params are exactly the active parameters of
// space, each inside its narrowed domain (hpo.Space.Decode checks both).
func checkTrial(t *testing.T, space *hpo.Space, p map[string]float64) {
	t.Helper()
	if _, err := space.Decode(p); err != nil {
		t.Fatalf("invalid suggestion %v: %v", p, err)
	}
}

func TestConditionalAndConstraintsRespected(t *testing.T) {
	space := condSpace(t)
	for _, mode := range modeNames() {
		t.Run(mode, func(t *testing.T) {
			hist := runStudy(t, newSampler(t, mode), hpo.Study{Direction: hpo.Minimize, Seed: 7}, space, 60, condObjective)
			for _, tr := range hist {
				checkTrial(t, space, tr.Params)
				_, hasY := tr.Params["y"]
				_, hasZ := tr.Params["z"]
				if kindA := tr.Params["kind"] == 0; hasY != kindA || hasZ == kindA {
					t.Fatalf("trial %d: conditionals wrong: %v", tr.Number, tr.Params)
				}
			}
		})
	}
}

func TestDeterministicAndOrderIndependent(t *testing.T) {
	space := condSpace(t)
	study := hpo.Study{Direction: hpo.Minimize, Seed: 11}
	for _, mode := range modeNames() {
		t.Run(mode, func(t *testing.T) {
			s := newSampler(t, mode)
			hist := runStudy(t, s, study, space, 30, condObjective)
			// add running trials 30, 31 so the liar has something to see.
			hist = append(hist, hpo.Trial{Number: 30, State: hpo.Running, Params: hist[3].Params},
				hpo.Trial{Number: 31, State: hpo.Running, Params: hist[4].Params})
			a32, err := s.Sample(study, space, hist, 32)
			if err != nil {
				t.Fatal(err)
			}
			a33, _ := s.Sample(study, space, hist, 33)
			b33, _ := s.Sample(study, space, hist, 33) // other order
			b32, _ := s.Sample(study, space, hist, 32)
			if !maps.Equal(a32, b32) || !maps.Equal(a33, b33) {
				t.Fatalf("not deterministic: %v vs %v, %v vs %v", a32, b32, a33, b33)
			}
			if maps.Equal(a32, a33) {
				t.Fatalf("trials 32 and 33 got the same parameters %v: seeds not per trial", a32)
			}
			other, _ := s.Sample(hpo.Study{Direction: hpo.Minimize, Seed: 12}, space, hist, 32)
			if maps.Equal(a32, other) {
				t.Fatalf("another study seed gave the same suggestion %v", other)
			}
		})
	}
}

// TestStartupIsRandom: before n_startup_trials finished trials, TPE gives
// exactly the random sampler's draw from the same trial seed.
func TestStartupIsRandom(t *testing.T) {
	space := condSpace(t)
	study := hpo.Study{Direction: hpo.Minimize, Seed: 5}
	hist := runStudy(t, random.New(), study, space, 9, condObjective)
	s := newSampler(t, "group")
	got, err := s.Sample(study, space, hist, 9)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := random.New().Sample(study, space, nil, 9)
	if !maps.Equal(got, want) {
		t.Fatalf("startup: got %v, want the random draw %v", got, want)
	}
	hist = runStudy(t, random.New(), study, space, 10, condObjective)
	got, _ = s.Sample(study, space, hist, 10)
	want, _ = random.New().Sample(study, space, nil, 10)
	if maps.Equal(got, want) {
		t.Fatalf("after 10 finished trials TPE still returns the random draw")
	}
}

func quadratic(p map[string]float64) float64 {
	return (p["x"]-1.5)*(p["x"]-1.5) + (p["y"]+2)*(p["y"]+2)
}

// TestTPEBeatsRandom: on a 2-D quadratic, the median over 12 seeds of the
// best value after 60 trials must be at least 3 times lower for TPE (every
// mode) than for random search. With these fixed seeds TPE's median is
// 6 (independent) to 16 times lower; a broken estimator or an inverted split fails.
func TestTPEBeatsRandom(t *testing.T) {
	space, err := hpo.NewSpace(
		hpo.Param{Name: "x", Dist: hpo.FloatDistribution{Low: -10, High: 10}},
		hpo.Param{Name: "y", Dist: hpo.FloatDistribution{Low: -10, High: 10}},
	)
	if err != nil {
		t.Fatal(err)
	}
	medianBest := func(s hpo.Sampler) float64 {
		var bests []float64
		for seed := range int64(12) {
			hist := runStudy(t, s, hpo.Study{Direction: hpo.Minimize, Seed: seed}, space, 60, quadratic)
			best := math.Inf(1)
			for _, tr := range hist {
				best = min(best, *tr.Value)
			}
			bests = append(bests, best)
		}
		sort.Float64s(bests)
		return (bests[5] + bests[6]) / 2
	}
	rnd := medianBest(random.New())
	for _, mode := range modeNames() {
		tpe := medianBest(newSampler(t, mode))
		t.Logf("%s: median best %.4g, random %.4g", mode, tpe, rnd)
		if tpe*3 > rnd {
			t.Errorf("%s: TPE median best %.4g is not 3x better than random %.4g", mode, tpe, rnd)
		}
	}
}

// TestMaximizeUsesDirection: the same objective negated and maximized
// must reach the same optimum region.
func TestMaximizeUsesDirection(t *testing.T) {
	space, _ := hpo.NewSpace(hpo.Param{Name: "x", Dist: hpo.FloatDistribution{Low: -10, High: 10}},
		hpo.Param{Name: "y", Dist: hpo.FloatDistribution{Low: -10, High: 10}})
	neg := func(p map[string]float64) float64 { return -quadratic(p) }
	hist := runStudy(t, newSampler(t, "independent"), hpo.Study{Direction: hpo.Maximize, Seed: 3}, space, 60, neg)
	best := math.Inf(-1)
	for _, tr := range hist {
		best = max(best, *tr.Value)
	}
	if best < -1 {
		t.Fatalf("maximizing -quadratic reached only %v", best)
	}
}

// TestConstantLiarAvoidsRunning: with many running trials parked at one
// point, the liar counts them as bad, so the suggestion moves away from
// the good region they sit in; without the liar it goes there.
func TestConstantLiarAvoidsRunning(t *testing.T) {
	space, _ := hpo.NewSpace(hpo.Param{Name: "x", Dist: hpo.FloatDistribution{Low: 0, High: 10}})
	var hist []hpo.Trial
	for i := range 40 { // x = 0.25 i; best near x = 2
		x := 0.25 * float64(i)
		v := math.Abs(x - 2)
		hist = append(hist, hpo.Trial{Number: i, State: hpo.Complete, Value: &v, Params: map[string]float64{"x": x}})
	}
	for i := 40; i < 140; i++ {
		hist = append(hist, hpo.Trial{Number: i, State: hpo.Running, Params: map[string]float64{"x": 2}})
	}
	dist := func(liar bool) float64 {
		o := DefaultOptions()
		o.ConstantLiar = liar
		s, _ := New(o)
		total := 0.0
		for n := 140; n < 160; n++ {
			p, err := s.Sample(hpo.Study{Direction: hpo.Minimize, Seed: 1}, space, hist, n)
			if err != nil {
				t.Fatal(err)
			}
			total += math.Abs(p["x"] - 2)
		}
		return total / 20
	}
	without, with := dist(false), dist(true)
	t.Logf("mean distance from x=2: %.3f with liar, %.3f without", with, without)
	if with < 2*without {
		t.Fatalf("mean distance from the running point: %.3f with liar, %.3f without; the liar should push away", with, without)
	}
}

func TestGroups(t *testing.T) {
	space := condSpace(t)
	hist := runStudy(t, random.New(), hpo.Study{Seed: 2}, space, 30, condObjective)
	s := splitTrials(hist, 99, hpo.Minimize, false)
	obs := newObserved(space, s)
	names := func(groups [][]int) string {
		var out [][]string
		for _, g := range groups {
			var ns []string
			for _, i := range g {
				ns = append(ns, space.Params()[i].Name)
			}
			out = append(out, ns)
		}
		return fmt.Sprint(out)
	}
	if got := names(obs.groups(Options{Multivariate: true})); got != "[[kind x n c]]" {
		t.Errorf("intersection: %s, want [[kind x n c]]", got)
	}
	if got := names(obs.groups(Options{Multivariate: true, Group: true})); got != "[[kind x n c] [y] [z]]" {
		t.Errorf("group decomposition: %s, want [[kind x n c] [y] [z]]", got)
	}
	if obs.groups(DefaultOptions()) != nil {
		t.Errorf("independent TPE must have no groups")
	}
}

func TestSampleErrors(t *testing.T) {
	s := newSampler(t, "independent")
	if _, err := s.Sample(hpo.Study{}, nil, nil, 0); !errors.Is(err, ErrNoSpace) {
		t.Fatalf("nil space: %v, want ErrNoSpace", err)
	}
	bad, _ := hpo.NewSpace(hpo.Param{Name: "c", Dist: hpo.CategoricalDistribution{Choices: strs("a", "b")},
		Narrow: func(map[string]hpo.Value) hpo.Distribution { return hpo.CategoricalDistribution{} }})
	if _, err := s.Sample(hpo.Study{}, bad, nil, 0); !errors.Is(err, random.ErrDomain) {
		t.Fatalf("empty narrowed domain: %v, want ErrDomain", err)
	}
	hist := runStudy(t, random.New(), hpo.Study{}, condSpace(t), 12, condObjective)
	if _, err := s.Sample(hpo.Study{}, bad, hist, 12); !errors.Is(err, random.ErrDomain) {
		t.Fatalf("empty narrowed domain after startup: %v, want ErrDomain", err)
	}
}

// TestConcurrentUse: one Sampler shared by goroutines (as an activity
// worker shares it) gives each trial the same suggestion as a serial run.
// Run with -race.
func TestConcurrentUse(t *testing.T) {
	space := condSpace(t)
	study := hpo.Study{Direction: hpo.Minimize, Seed: 4}
	s := newSampler(t, "group+liar")
	hist := runStudy(t, s, study, space, 20, condObjective)
	want := make([]map[string]float64, 8)
	for i := range want {
		want[i], _ = s.Sample(study, space, hist, 20+i)
	}
	got := make([]map[string]float64, 8)
	errs := make(chan error, 8)
	for i := range got {
		go func() {
			var err error
			got[i], err = s.Sample(study, space, hist, 20+i)
			errs <- err
		}()
	}
	for range got {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	for i := range got {
		if !maps.Equal(got[i], want[i]) {
			t.Fatalf("trial %d: concurrent %v, serial %v", 20+i, got[i], want[i])
		}
	}
}

// TestConstraintAgainstHistory: the good trials all sit outside the domain
// the constraint now allows (kind "a" with n = 8..10, recorded before n was
// narrowed to [1, 4] under "a"); the bad ones have kind "b". TPE picks kind
// "a" in most of 300 seeds per mode, so the constraint is exercised against
// a history that pulls the other way, and every draw must keep n inside
// [1, 4] (checkTrial decodes it against the space).
func TestConstraintAgainstHistory(t *testing.T) {
	space := condSpace(t)
	var hist []hpo.Trial
	for i := range 40 {
		p := map[string]float64{"kind": 0, "x": 1, "y": 0.01, "n": float64(8 + i%3), "c": 0}
		v := float64(i % 5)
		if i%2 == 1 {
			p = map[string]float64{"kind": 1, "x": 0, "z": 50, "n": float64(1 + i%4), "c": 1}
			v = 10
		}
		hist = append(hist, hpo.Trial{Number: i, State: hpo.Complete, Value: &v, Params: p})
	}
	for _, mode := range modeNames() {
		s := newSampler(t, mode)
		seenN, kindA := map[float64]int{}, 0
		for seed := range int64(300) {
			p, err := s.Sample(hpo.Study{Direction: hpo.Minimize, Seed: seed}, space, hist, 40)
			if err != nil {
				t.Fatal(err)
			}
			checkTrial(t, space, p)
			if p["kind"] == 0 {
				seenN[p["n"]]++
				kindA++
			}
		}
		t.Logf("%s: n under kind a: %v", mode, seenN)
		if kindA < 150 {
			t.Errorf("%s: kind a in only %d of 300 draws; the test needs TPE to follow the good trials", mode, kindA)
		}
	}
}
