package main

import (
	"math"

	"github.com/redsm5/supermax-hpo/hpo"
)

// problem is a test function to minimize over a search space. The same
// functions and spaces are written in optuna_bench.py.
type problem struct {
	name  string
	space *hpo.Space
	f     func(p map[string]float64) float64
	// noise is the standard deviation of Gaussian noise added to what the
	// sampler observes; the best value reported is the noiseless value of
	// the trial with the best observed value.
	noise float64
}

func floats(names []string, low, high float64) []hpo.Param {
	ps := make([]hpo.Param, len(names))
	for i, n := range names {
		ps[i] = hpo.Param{Name: n, Dist: hpo.FloatDistribution{Low: low, High: high}}
	}
	return ps
}

var x5 = []string{"x0", "x1", "x2", "x3", "x4"}

func vec(p map[string]float64) []float64 {
	v := make([]float64, len(x5))
	for i, n := range x5 {
		v[i] = p[n]
	}
	return v
}

// problems returns the suite: Branin (minimum 0.397887), Rosenbrock-5D,
// Ackley-5D, Rastrigin-5D (minimum 0 each), the mixed space, then
// Hartmann-6 (minimum -3.32237), Levy-10 (0), an integer and stepped
// space (0), twelve categoricals (0), a three-level conditional tree (0),
// and noisy Hartmann-6 and mixed-10 (noise σ 0.2 and 0.5; noiseless
// minima as above).
func problems() ([]problem, error) {
	var out []problem
	add := func(name string, f func(map[string]float64) float64, params ...hpo.Param) error {
		return addNoisy(&out, name, 0, f, params...)
	}
	errs := []error{
		add("branin", branin,
			hpo.Param{Name: "x1", Dist: hpo.FloatDistribution{Low: -5, High: 10}},
			hpo.Param{Name: "x2", Dist: hpo.FloatDistribution{Low: 0, High: 15}}),
		add("rosenbrock-5d", func(p map[string]float64) float64 { return rosenbrock(vec(p)) }, floats(x5, -5, 10)...),
		add("ackley-5d", func(p map[string]float64) float64 { return ackley(vec(p)) }, floats(x5, -32.768, 32.768)...),
		add("rastrigin-5d", func(p map[string]float64) float64 { return rastrigin(vec(p)) }, floats(x5, -5.12, 5.12)...),
		add("mixed-10", mixed, mixedParams()...),
		add("hartmann-6", func(p map[string]float64) float64 { return hartmann6(vecOf(p, x6)) }, floats(x6, 0, 1)...),
		add("levy-10", func(p map[string]float64) float64 { return levy(vecOf(p, x10)) }, floats(x10, -10, 10)...),
		add("int-stepped-6", intStepped, intSteppedParams()...),
		add("categorical-12", categorical12, categorical12Params()...),
		add("cond-tree", condTree, condTreeParams()...),
		addNoisy(&out, "noisy-hartmann-6", 0.2, func(p map[string]float64) float64 { return hartmann6(vecOf(p, x6)) }, floats(x6, 0, 1)...),
		addNoisy(&out, "noisy-mixed-10", 0.5, mixed, mixedParams()...),
	}
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

func branin(p map[string]float64) float64 {
	x1, x2 := p["x1"], p["x2"]
	b, c := 5.1/(4*math.Pi*math.Pi), 5/math.Pi
	t := x2 - b*x1*x1 + c*x1 - 6
	return t*t + 10*(1-1/(8*math.Pi))*math.Cos(x1) + 10
}

func rosenbrock(x []float64) float64 {
	s := 0.0
	for i := 0; i+1 < len(x); i++ {
		a, b := x[i+1]-x[i]*x[i], 1-x[i]
		s += 100*a*a + b*b
	}
	return s
}

func ackley(x []float64) float64 {
	n := float64(len(x))
	sq, cs := 0.0, 0.0
	for _, v := range x {
		sq += v * v
		cs += math.Cos(2 * math.Pi * v)
	}
	return -20*math.Exp(-0.2*math.Sqrt(sq/n)) - math.Exp(cs/n) + 20 + math.E
}

func rastrigin(x []float64) float64 {
	s := 10 * float64(len(x))
	for _, v := range x {
		s += v*v - 10*math.Cos(2*math.Pi*v)
	}
	return s
}

func strs(ss ...string) []hpo.Value {
	out := make([]hpo.Value, len(ss))
	for i, s := range ss {
		out[i] = hpo.String(s)
	}
	return out
}

// mixedParams: 10 parameters, three categorical, two of them conditional
// on the optimizer, a log float, a stepped int.
func mixedParams() []hpo.Param {
	return []hpo.Param{
		{Name: "opt", Dist: hpo.CategoricalDistribution{Choices: strs("sgd", "adam", "rmsprop")}},
		{Name: "lr", Dist: hpo.FloatDistribution{Low: 1e-5, High: 1, Log: true}},
		{Name: "momentum", Dist: hpo.FloatDistribution{Low: 0, High: 1}, Parent: "opt", When: strs("sgd")},
		{Name: "beta", Dist: hpo.FloatDistribution{Low: 0.8, High: 0.999}, Parent: "opt", When: strs("adam")},
		{Name: "layers", Dist: hpo.IntDistribution{Low: 1, High: 8, Step: 1}},
		{Name: "units", Dist: hpo.CategoricalDistribution{Choices: []hpo.Value{hpo.Int(32), hpo.Int(64), hpo.Int(128), hpo.Int(256), hpo.Int(512)}}},
		{Name: "dropout", Dist: hpo.FloatDistribution{Low: 0, High: 0.5}},
		{Name: "act", Dist: hpo.CategoricalDistribution{Choices: strs("relu", "tanh", "gelu")}},
		{Name: "wd", Dist: hpo.FloatDistribution{Low: 1e-6, High: 0.1, Log: true}},
		{Name: "batch", Dist: hpo.IntDistribution{Low: 16, High: 256, Step: 16}},
	}
}

// mixed is a synthetic loss (minimum 0: adam, lr 1e-3, beta 0.9, 4 layers,
// 256 units, dropout 0.1, gelu, wd 1e-4, batch 64). Internal values:
// categoricals are indexes.
func mixed(p map[string]float64) float64 {
	sq := func(x float64) float64 { return x * x }
	v := 0.0
	lr := math.Log10(p["lr"])
	switch p["opt"] {
	case 0: // sgd wants a larger lr and momentum 0.9
		v += 0.5 + sq(lr+1.5) + 4*sq(p["momentum"]-0.9)
	case 1: // adam
		v += sq(lr+3) + 100*sq(p["beta"]-0.9)
	default:
		v += 1 + sq(lr+3.5)
	}
	v += 0.25 * sq(p["layers"]-4)
	v += 0.3 * math.Abs(p["units"]-3)
	v += 8 * sq(p["dropout"]-0.1)
	if p["act"] != 2 {
		v += 0.3
	}
	v += 0.2 * sq(math.Log10(p["wd"])+4)
	v += sq((p["batch"] - 64) / 64)
	return v
}
