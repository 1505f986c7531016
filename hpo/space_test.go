package hpo

import (
	"strings"
	"testing"
)

func cat(choices ...string) CategoricalDistribution {
	vs := make([]Value, len(choices))
	for i, c := range choices {
		vs[i] = String(c)
	}
	return CategoricalDistribution{Choices: vs}
}

func TestNewSpaceErrors(t *testing.T) {
	opt := Param{Name: "opt", Dist: cat("adam", "sgd")}
	x := Param{Name: "x", Dist: FloatDistribution{Low: 0, High: 1}}
	tests := []struct {
		params  []Param
		problem string
	}{
		{[]Param{{Dist: x.Dist}}, "parameter 0 has no name"},
		{[]Param{x, x}, `"x" defined twice`},
		{[]Param{{Name: "y"}}, `"y" has no distribution`},
		{[]Param{{Name: "y", Dist: IntDistribution{Low: 1, High: 0, Step: 1}}}, `"y": int distribution: low 1 > high 0`},
		{[]Param{{Name: "b", Dist: x.Dist, Parent: "opt", When: []Value{String("adam")}}, opt}, `depends on "opt", which is not defined before it`},
		{[]Param{x, {Name: "b", Dist: x.Dist, Parent: "x", When: []Value{Float(0)}}}, `parent "x" of "b" is not categorical`},
		{[]Param{opt, {Name: "b", Dist: x.Dist, Parent: "opt"}}, `no choices in When`},
		{[]Param{opt, {Name: "b", Dist: x.Dist, Parent: "opt", When: []Value{String("lion")}}}, `"lion" is not a choice of "opt"`},
	}
	for _, tt := range tests {
		_, err := NewSpace(tt.params...)
		if err == nil || !strings.Contains(err.Error(), tt.problem) {
			t.Errorf("err = %v, want one naming %q", err, tt.problem)
		}
	}
}

// testSpace: opt ∈ {adam, sgd}; beta only under adam; n int 1..10 narrowed
// to 1..5 when opt is sgd.
func testSpace(t *testing.T) *Space {
	t.Helper()
	s, err := NewSpace(
		Param{Name: "opt", Dist: cat("adam", "sgd")},
		Param{Name: "beta", Dist: FloatDistribution{Low: 0.8, High: 0.99}, Parent: "opt", When: []Value{String("adam")}},
		Param{Name: "n", Dist: IntDistribution{Low: 1, High: 10, Step: 1}, Narrow: func(c map[string]Value) Distribution {
			if v, ok := c["opt"]; ok && v.Str() == "sgd" {
				return IntDistribution{Low: 1, High: 5, Step: 1}
			}
			return nil
		}},
	)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSpaceAccessors(t *testing.T) {
	s := testSpace(t)
	if s.Len() != 3 || s.Params()[1].Name != "beta" {
		t.Fatalf("Len %d, Params %v", s.Len(), s.Params())
	}
	beta, ok := s.Lookup("beta")
	if !ok || beta.Parent != "opt" {
		t.Errorf("Lookup(beta) = %v, %v", beta, ok)
	}
	if _, ok := s.Lookup("gamma"); ok {
		t.Error("Lookup(gamma) found a parameter")
	}
	adam, sgd := map[string]Value{"opt": String("adam")}, map[string]Value{"opt": String("sgd")}
	if !beta.Active(adam) || beta.Active(sgd) || beta.Active(map[string]Value{}) {
		t.Error("beta must be active under adam only")
	}
	n, _ := s.Lookup("n")
	if !n.Active(sgd) {
		t.Error("an unconditional parameter is always active")
	}
	if d := n.Domain(sgd); d != (IntDistribution{Low: 1, High: 5, Step: 1}) {
		t.Errorf("Domain under sgd = %#v", d)
	}
	if d := n.Domain(adam); d != n.Dist {
		t.Errorf("Domain when Narrow returns nil = %#v, want Dist", d)
	}
	if d := beta.Domain(adam); d != beta.Dist {
		t.Errorf("Domain without Narrow = %#v, want Dist", d)
	}
}

func TestDecode(t *testing.T) {
	s := testSpace(t)
	got, err := s.Decode(map[string]float64{"opt": 0, "beta": 0.9, "n": 10})
	if err != nil || len(got) != 3 || got["opt"] != String("adam") || got["beta"] != Float(0.9) || got["n"] != Int(10) {
		t.Errorf("Decode = %v, %v", got, err)
	}
	got, err = s.Decode(map[string]float64{"opt": 1, "n": 5})
	if err != nil || len(got) != 2 || got["opt"] != String("sgd") {
		t.Errorf("Decode under sgd = %v, %v", got, err)
	}
	bad := []struct {
		internal map[string]float64
		problem  string
	}{
		{map[string]float64{"opt": 1, "beta": 0.9, "n": 1}, `"beta" is set but inactive`},
		{map[string]float64{"opt": 0, "n": 1}, `"beta" is missing`},
		{map[string]float64{"opt": 2, "n": 1}, `"opt": internal value 2 outside`},
		{map[string]float64{"opt": 0, "beta": 1.5, "n": 1}, `"beta": internal value 1.5`},
		{map[string]float64{"opt": 1, "n": 6}, `"n": 6 violates the space's constraint`},
		{map[string]float64{"opt": 1, "n": 1, "zz": 1, "aa": 2}, `"aa" is not in the search space`},
	}
	for _, b := range bad {
		if _, err := s.Decode(b.internal); err == nil || !strings.Contains(err.Error(), b.problem) {
			t.Errorf("Decode(%v): err = %v, want one naming %q", b.internal, err, b.problem)
		}
	}
}
