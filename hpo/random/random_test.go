package random

import (
	"errors"
	"maps"
	"math"
	"testing"

	"github.com/redsm5/supermax-hpo/hpo"
)

func strs(ss ...string) []hpo.Value {
	out := make([]hpo.Value, len(ss))
	for i, s := range ss {
		out[i] = hpo.String(s)
	}
	return out
}

// TestDrawDistributions draws 20,000 values per distribution and checks the
// domain, the grid and the spread: each of 4 equal bins (in log space for
// log distributions) holds 25% ± 2% of the draws (binomial σ is 0.3%).
func TestDrawDistributions(t *testing.T) {
	tests := []struct {
		name string
		d    hpo.Distribution
		bin  func(x float64) int
	}{
		{"float", hpo.FloatDistribution{Low: -2, High: 2}, func(x float64) int { return int((x + 2) / 1) }},
		{"float log", hpo.FloatDistribution{Low: 1e-4, High: 1, Log: true}, func(x float64) int { return int(math.Log10(x) + 4) }},
		{"float step", hpo.FloatDistribution{Low: 0, High: 0.75, Step: 0.25}, func(x float64) int { return int(math.Round(x / 0.25)) }},
		{"int", hpo.IntDistribution{Low: 1, High: 4, Step: 1}, func(x float64) int { return int(x) - 1 }},
		{"int step", hpo.IntDistribution{Low: 128, High: 224, Step: 32}, func(x float64) int { return int(x-128) / 32 }},
		{"int log", hpo.IntDistribution{Low: 1, High: 10000, Log: true, Step: 1}, func(x float64) int { return min(3, int(math.Log10(x+0.5))) }},
		{"categorical", hpo.CategoricalDistribution{Choices: strs("a", "b", "c", "d")}, func(x float64) int { return int(x) }},
	}
	const n = 20000
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rng := NewRand(1, 2)
			var bins [4]int
			for range n {
				x := Draw(rng, tc.d)
				if !tc.d.Contains(x) {
					t.Fatalf("draw %v outside %+v", x, tc.d)
				}
				b := tc.bin(x)
				if b < 0 || b > 3 {
					t.Fatalf("draw %v in no bin", x)
				}
				bins[b]++
			}
			for b, c := range bins {
				if f := float64(c) / n; math.Abs(f-0.25) > 0.02 && tc.name != "int log" {
					t.Fatalf("bin %d holds %.3f of the draws, want 0.25: %v", b, f, bins)
				}
			}
		})
	}
}

// TestIntLogEndpoints: Optuna widens a log int to [log(low-0.5),
// log(high+0.5)], so 1 (of 1..3) gets log(1.5/0.5)/log(3.5/0.5) = 56%.
func TestIntLogEndpoints(t *testing.T) {
	rng := NewRand(3, 4)
	ones := 0
	for range 20000 {
		if Draw(rng, hpo.IntDistribution{Low: 1, High: 3, Log: true, Step: 1}) == 1 {
			ones++
		}
	}
	want := math.Log(3) / math.Log(7)
	if f := float64(ones) / 20000; math.Abs(f-want) > 0.02 {
		t.Fatalf("P(1) = %.3f, want %.3f", f, want)
	}
}

func condSpace(t *testing.T) *hpo.Space {
	t.Helper()
	s, err := hpo.NewSpace(
		hpo.Param{Name: "kind", Dist: hpo.CategoricalDistribution{Choices: strs("a", "b")}},
		hpo.Param{Name: "y", Dist: hpo.FloatDistribution{Low: 0, High: 1}, Parent: "kind", When: strs("a")},
		hpo.Param{Name: "n", Dist: hpo.IntDistribution{Low: 1, High: 10, Step: 1}, Narrow: func(c map[string]hpo.Value) hpo.Distribution {
			if c["kind"].Str() == "a" {
				return hpo.IntDistribution{Low: 1, High: 3, Step: 1}
			}
			return nil
		}},
		hpo.Param{Name: "c", Dist: hpo.CategoricalDistribution{Choices: strs("x", "y", "z")}, Narrow: func(c map[string]hpo.Value) hpo.Distribution {
			if c["kind"].Str() == "b" {
				return hpo.CategoricalDistribution{Choices: strs("z")}
			}
			return nil
		}},
	)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSampleRespectsSpace(t *testing.T) {
	space := condSpace(t)
	s := New()
	seen := map[string]bool{}
	for n := range 500 {
		p, err := s.Sample(hpo.Study{Seed: 9}, space, nil, n)
		if err != nil {
			t.Fatal(err)
		}
		v, err := space.Decode(p)
		if err != nil {
			t.Fatalf("trial %d: %v: %v", n, p, err)
		}
		kind := v["kind"].Str()
		seen[kind] = true
		if _, hasY := p["y"]; hasY != (kind == "a") {
			t.Fatalf("trial %d: y present=%v under kind %s", n, hasY, kind)
		}
		if kind == "a" && p["n"] > 3 || kind == "b" && v["c"].Str() != "z" {
			t.Fatalf("trial %d: constraint broken: %v", n, v)
		}
	}
	if !seen["a"] || !seen["b"] {
		t.Fatalf("500 trials never drew both kinds: %v", seen)
	}
}

func TestSampleDeterministic(t *testing.T) {
	space := condSpace(t)
	s := New()
	a, _ := s.Sample(hpo.Study{Seed: 1}, space, nil, 7)
	b, _ := s.Sample(hpo.Study{Seed: 1}, space, nil, 7)
	c, _ := s.Sample(hpo.Study{Seed: 2}, space, nil, 7)
	d, _ := s.Sample(hpo.Study{Seed: 1}, space, nil, 8)
	if !maps.Equal(a, b) {
		t.Fatalf("same seed and number differ: %v, %v", a, b)
	}
	if maps.Equal(a, c) || maps.Equal(a, d) {
		t.Fatalf("another seed or number gave the same draw: %v", a)
	}
}

func TestSampleErrors(t *testing.T) {
	if _, err := New().Sample(hpo.Study{}, nil, nil, 0); !errors.Is(err, ErrNoSpace) {
		t.Fatalf("nil space: %v", err)
	}
	tests := []struct {
		name string
		p    hpo.Param
	}{
		{"empty choices", hpo.Param{Name: "c", Dist: hpo.CategoricalDistribution{Choices: strs("a")},
			Narrow: func(map[string]hpo.Value) hpo.Distribution { return hpo.CategoricalDistribution{} }}},
		{"other kind", hpo.Param{Name: "c", Dist: hpo.CategoricalDistribution{Choices: strs("a")},
			Narrow: func(map[string]hpo.Value) hpo.Distribution { return hpo.IntDistribution{Low: 0, High: 1, Step: 1} }}},
		{"choice not in dist", hpo.Param{Name: "c", Dist: hpo.CategoricalDistribution{Choices: strs("a")},
			Narrow: func(map[string]hpo.Value) hpo.Distribution { return hpo.CategoricalDistribution{Choices: strs("q")} }}},
		{"off grid", hpo.Param{Name: "n", Dist: hpo.IntDistribution{Low: 0, High: 10, Step: 2},
			Narrow: func(map[string]hpo.Value) hpo.Distribution { return hpo.IntDistribution{Low: 1, High: 1, Step: 1} }}},
	}
	for _, tc := range tests {
		space, err := hpo.NewSpace(tc.p)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := New().Sample(hpo.Study{}, space, nil, 0); !errors.Is(err, ErrDomain) {
			t.Errorf("%s: got %v, want ErrDomain", tc.name, err)
		}
	}
}
