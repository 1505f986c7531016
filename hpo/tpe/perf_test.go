package tpe

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/redsm5/supermax-hpo/hpo"
)

// naiveLogSumExp is logSumExp as first written: max builtin, then one
// branch per term.
func naiveLogSumExp(v []float64) float64 {
	top := math.Inf(-1)
	for _, x := range v {
		top = max(top, x)
	}
	if math.IsInf(top, 0) || math.IsNaN(top) {
		return top
	}
	sum := 0.0
	for _, x := range v {
		if d := x - top; d > -64 {
			sum += math.Exp(d)
		}
	}
	return top + math.Log(sum)
}

func TestLogSumExpBufMatchesNaive(t *testing.T) {
	inf, nan := math.Inf(1), math.NaN()
	cases := [][]float64{
		nil,
		{0},
		{math.Copysign(0, -1), 0},
		{-64, 0}, {-64.000000001, 0}, {-63.999999999, 0},
		{-inf, -inf}, {-inf, 3}, {inf, 3}, {3, nan, 1}, {-inf, nan},
		{1e300, -1e300}, {-700, -750, -800},
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 200 {
		v := make([]float64, 1+r.IntN(300))
		for i := range v {
			v[i] = r.NormFloat64() * 40
		}
		cases = append(cases, v)
	}
	for _, v := range cases {
		got, want := logSumExpBuf(v, make([]float64, len(v))), naiveLogSumExp(v)
		if math.Float64bits(got) != math.Float64bits(want) && !(math.IsNaN(got) && math.IsNaN(want)) {
			t.Errorf("logSumExp(%v) = %v, want %v", v[:min(len(v), 5)], got, want)
		}
	}
}

// TestLogPDFSplitMatchesLogPDF checks the concurrent halves against one
// pass, bit for bit, on an estimator large enough to be split.
func TestLogPDFSplitMatchesLogPDF(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	obs := make([]float64, 5000)
	for i := range obs {
		obs[i] = r.Float64()*10 - 5
	}
	dists := []hpo.Distribution{hpo.FloatDistribution{Low: -5, High: 5}}
	m := newParzen([][]float64{obs}, len(obs), dists, defaultEP, nil)
	x := make([][]float64, 24)
	for j := range x {
		x[j] = []float64{r.Float64()*10 - 5}
	}
	var bufs [2][]float64
	var buf []float64
	got, want := m.logPDFSplit(x, &bufs), m.logPDF(x, &buf)
	if len(x)*len(m.w) < parallelKernels {
		t.Fatalf("%d kernels x %d candidates is below the split threshold", len(m.w), len(x))
	}
	for j := range want {
		if math.Float64bits(got[j]) != math.Float64bits(want[j]) {
			t.Errorf("candidate %d: split %v, whole %v", j, got[j], want[j])
		}
	}
}

// BenchmarkSample8000 times one suggestion over 8,000 trials of
// goldenSpace in each mode (bench/sampler's BenchmarkSuggest8000 does the
// same on the 42-parameter agent space).
func BenchmarkSample8000(b *testing.B) {
	space := goldenSpace(b)
	hist := goldenHistory(b, space, 8000)
	study := hpo.Study{Name: "bench", Direction: hpo.Minimize, Seed: 5}
	for _, mode := range modeNames() {
		s := newSampler(b, mode)
		b.Run(mode, func(b *testing.B) {
			n := 0
			for b.Loop() {
				if _, err := s.Sample(study, space, hist, 8000+n%10); err != nil {
					b.Fatal(err)
				}
				n++
			}
		})
	}
}

func TestFloatArena(t *testing.T) {
	var nilArena *floatArena
	if s := nilArena.take(3); len(s) != 3 || cap(s) != 3 {
		t.Fatalf("nil arena take(3) = len %d cap %d", len(s), cap(s))
	}
	var a floatArena
	fill := func(step int, sizes ...int) [][]float64 {
		var out [][]float64
		for i, n := range sizes {
			s := a.take(n)
			if len(s) != n || cap(s) != n {
				t.Fatalf("step %d: take(%d) = len %d cap %d", step, n, len(s), cap(s))
			}
			for j := range s {
				s[j] = float64(1000*i + j)
			}
			out = append(out, s)
		}
		return out
	}
	check := func(step int, got [][]float64) {
		for i, s := range got {
			for j, x := range s {
				if x != float64(1000*i+j) {
					t.Fatalf("step %d: slice %d overwritten at %d: %v", step, i, j, x)
				}
			}
		}
	}
	check(1, fill(1, 5, 7, 2)) // no block yet: allocated apart
	a.reset()
	got := fill(2, 7, 5, 2) // fits the block sized for step 1
	check(2, got)
	if len(a.buf) != 14 || a.over != 0 {
		t.Errorf("step 2: block %d floats, %d apart; want 14 and 0", len(a.buf), a.over)
	}
	if &got[0][0] != &a.buf[0] {
		t.Error("step 2 did not take from the block")
	}
	a.reset()
	check(3, fill(3, 10, 10)) // the second does not fit: allocated apart
	if a.over != 10 {
		t.Errorf("step 3: %d floats apart, want 10", a.over)
	}
}
