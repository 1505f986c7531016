package main

import (
	"fmt"
	"math"

	"github.com/redsm5/supermax-hpo/hpo"
)

// The problems of the suite beyond the original five. Each is written a
// second time in optuna_bench.py; internal values of categoricals are
// choice indexes.

func addNoisy(out *[]problem, name string, noise float64, f func(map[string]float64) float64, params ...hpo.Param) error {
	s, err := hpo.NewSpace(params...)
	if err != nil {
		return fmt.Errorf("problem %s: %w", name, err)
	}
	*out = append(*out, problem{name: name, space: s, f: f, noise: noise})
	return nil
}

func names(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s%d", prefix, i)
	}
	return out
}

var (
	x6  = names("x", 6)
	x10 = names("x", 10)
	c12 = names("c", 12)
)

func vecOf(p map[string]float64, ns []string) []float64 {
	v := make([]float64, len(ns))
	for i, n := range ns {
		v[i] = p[n]
	}
	return v
}

var (
	hartAlpha = [4]float64{1.0, 1.2, 3.0, 3.2}
	hartA     = [4][6]float64{
		{10, 3, 17, 3.5, 1.7, 8},
		{0.05, 10, 17, 0.1, 8, 14},
		{3, 3.5, 1.7, 10, 17, 8},
		{17, 8, 0.05, 10, 0.1, 14},
	}
	hartP = [4][6]float64{
		{1312, 1696, 5569, 124, 8283, 5886},
		{2329, 4135, 8307, 3736, 1004, 9991},
		{2348, 1451, 3522, 2883, 3047, 6650},
		{4047, 8828, 8732, 5743, 1091, 381},
	}
)

// hartmann6 is the Hartmann function on [0, 1]^6, minimum -3.32237.
func hartmann6(x []float64) float64 {
	s := 0.0
	for i := range 4 {
		e := 0.0
		for j := range 6 {
			d := x[j] - hartP[i][j]*1e-4
			e += hartA[i][j] * d * d
		}
		s += hartAlpha[i] * math.Exp(-e)
	}
	return -s
}

// levy is the Levy function on [-10, 10]^d, minimum 0 at (1, ..., 1).
func levy(x []float64) float64 {
	w := func(v float64) float64 { return 1 + (v-1)/4 }
	sq := func(v float64) float64 { return v * v }
	d := len(x)
	s := sq(math.Sin(math.Pi * w(x[0])))
	for i := 0; i+1 < d; i++ {
		wi := w(x[i])
		s += sq(wi-1) * (1 + 10*sq(math.Sin(math.Pi*wi+1)))
	}
	wd := w(x[d-1])
	return s + sq(wd-1)*(1+sq(math.Sin(2*math.Pi*wd)))
}

// intSteppedParams: three ints, an int on a step of 5, a float on a step of
// 0.25 and a log int.
func intSteppedParams() []hpo.Param {
	return []hpo.Param{
		{Name: "a", Dist: hpo.IntDistribution{Low: -10, High: 10, Step: 1}},
		{Name: "b", Dist: hpo.IntDistribution{Low: -10, High: 10, Step: 1}},
		{Name: "c", Dist: hpo.IntDistribution{Low: -10, High: 10, Step: 1}},
		{Name: "d", Dist: hpo.IntDistribution{Low: 0, High: 100, Step: 5}},
		{Name: "e", Dist: hpo.FloatDistribution{Low: -5, High: 5, Step: 0.25}},
		{Name: "g", Dist: hpo.IntDistribution{Low: 1, High: 1024, Step: 1, Log: true}},
	}
}

// intStepped has minimum 0 at a=3, b=-7, c=0, d=35, e=1.25, g=64.
func intStepped(p map[string]float64) float64 {
	sq := func(v float64) float64 { return v * v }
	return sq(p["a"]-3) + sq(p["b"]+7) + 2*math.Abs(p["c"]) + sq((p["d"]-35)/5) +
		4*sq(p["e"]-1.25) + sq(math.Log2(p["g"])-6)
}

func categorical12Params() []hpo.Param {
	ps := make([]hpo.Param, len(c12))
	for i, n := range c12 {
		ps[i] = hpo.Param{Name: n, Dist: hpo.CategoricalDistribution{Choices: strs("a", "b", "c", "d")}}
	}
	return ps
}

// categorical12: choice i should be (3i+1) mod 4 (cost 1 + 0.1i when not),
// and two neighbours with the same choice cost 0.5; minimum 0.
func categorical12(p map[string]float64) float64 {
	v := 0.0
	for i, n := range c12 {
		if int(p[n]) != (3*i+1)%4 {
			v += 1 + 0.1*float64(i)
		}
		if i+1 < len(c12) && p[n] == p[c12[i+1]] {
			v += 0.5
		}
	}
	return v
}

// condTreeParams: a three-level tree like the agents' spaces: the family
// decides which parameters exist, and under two families a second choice
// decides again.
func condTreeParams() []hpo.Param {
	return []hpo.Param{
		{Name: "family", Dist: hpo.CategoricalDistribution{Choices: strs("linear", "tree", "net")}},
		{Name: "penalty", Dist: hpo.CategoricalDistribution{Choices: strs("l1", "l2", "none")}, Parent: "family", When: strs("linear")},
		{Name: "C", Dist: hpo.FloatDistribution{Low: 1e-4, High: 1e2, Log: true}, Parent: "family", When: strs("linear")},
		{Name: "alpha", Dist: hpo.FloatDistribution{Low: 0, High: 1}, Parent: "penalty", When: strs("l1", "l2")},
		{Name: "depth", Dist: hpo.IntDistribution{Low: 1, High: 12, Step: 1}, Parent: "family", When: strs("tree")},
		{Name: "boost", Dist: hpo.CategoricalDistribution{Choices: strs("no", "yes")}, Parent: "family", When: strs("tree")},
		{Name: "rate", Dist: hpo.FloatDistribution{Low: 1e-3, High: 1, Log: true}, Parent: "boost", When: strs("yes")},
		{Name: "n_est", Dist: hpo.IntDistribution{Low: 10, High: 500, Step: 10}, Parent: "boost", When: strs("yes")},
		{Name: "layers", Dist: hpo.IntDistribution{Low: 1, High: 6, Step: 1}, Parent: "family", When: strs("net")},
		{Name: "lr", Dist: hpo.FloatDistribution{Low: 1e-5, High: 1e-1, Log: true}, Parent: "family", When: strs("net")},
		{Name: "opt", Dist: hpo.CategoricalDistribution{Choices: strs("sgd", "adam")}, Parent: "family", When: strs("net")},
		{Name: "momentum", Dist: hpo.FloatDistribution{Low: 0, High: 1}, Parent: "opt", When: strs("sgd")},
		{Name: "beta2", Dist: hpo.FloatDistribution{Low: 0.9, High: 0.9999}, Parent: "opt", When: strs("adam")},
	}
}

// condTree: minimum 0 (net, 3 layers, lr 1e-3, adam, beta2 0.999); the best
// linear model scores 0.8, the best tree 0.4.
func condTree(p map[string]float64) float64 {
	sq := func(v float64) float64 { return v * v }
	switch p["family"] {
	case 0: // linear
		v := 0.8 + 0.1*sq(math.Log10(p["C"]))
		switch p["penalty"] {
		case 0:
			v += sq(p["alpha"] - 0.3)
		case 1:
			v += 0.05 + sq(p["alpha"]-0.7)
		default:
			v += 0.2
		}
		return v
	case 1: // tree
		v := 0.4 + 0.02*sq(p["depth"]-6)
		if p["boost"] == 0 {
			return v + 0.3
		}
		return v + 0.3*sq(math.Log10(p["rate"])+1.5) + 0.2*sq((p["n_est"]-200)/200)
	default: // net
		v := 0.05*sq(p["layers"]-3) + 0.3*sq(math.Log10(p["lr"])+3)
		if p["opt"] == 0 {
			return v + 0.2 + sq(p["momentum"]-0.9)
		}
		return v + 100*sq(p["beta2"]-0.999)
	}
}
