package tpe

import (
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"testing"
)

// TestLogGaussMass against closed forms: Φ(0) - Φ(-∞) = 1/2; Φ(1) - Φ(-1)
// = erf(1/√2); far tails through the asymptotic series, checked against
// log(erfc) where erfc is still representable.
func TestLogGaussMass(t *testing.T) {
	tests := []struct{ a, b, want float64 }{
		{math.Inf(-1), 0, math.Log(0.5)},
		{-1, 1, math.Log(math.Erf(1 / math.Sqrt2))},
		{2, math.Inf(1), math.Log(0.5 * math.Erfc(2/math.Sqrt2))},
		{-30, -25, math.Log(0.5*math.Erfc(25/math.Sqrt2) - 0.5*math.Erfc(30/math.Sqrt2))},
		{25, 30, math.Log(0.5*math.Erfc(25/math.Sqrt2) - 0.5*math.Erfc(30/math.Sqrt2))},
	}
	for _, tc := range tests {
		if got := logGaussMass(tc.a, tc.b); !closeTo(got, tc.want, 1e-12) {
			t.Errorf("logGaussMass(%v, %v) = %v, want %v", tc.a, tc.b, got, tc.want)
		}
	}
}

// simpsonLogMass is log ∫_{m-h}^{m+h} φ by composite Simpson's rule with
// 16 panels, relative to φ(m) so nothing underflows: error about
// (m h)⁴ / (180 · 16⁴), far below 1e-13 for the intervals tested.
func simpsonLogMass(m, h float64) float64 {
	const panels = 16
	step := 2 * h / panels
	sum := 0.0
	for i := 0; i <= panels; i++ {
		t := -h + float64(i)*step
		w := 2.0
		switch {
		case i == 0 || i == panels:
			w = 1
		case i%2 == 1:
			w = 4
		}
		sum += w * math.Exp(-m*t-0.5*t*t) // φ(m+t)/φ(m)
	}
	return -0.5*m*m - normLogC + math.Log(sum*step/3)
}

// TestLogIntervalMass: the narrow-interval expansion agrees with an
// independent quadrature to 1e-12 (relative) wherever it applies; wider
// intervals go to logGaussMass unchanged.
func TestLogIntervalMass(t *testing.T) {
	for _, h := range []float64{1e-6, 1e-5, 1e-4, 5e-4, 9.9e-4} {
		for m := -90.0; m <= 90; m += 0.731 {
			// the reference takes the interval as represented, [a, b]
			a, b := m-h, m+h
			got, want := logIntervalMass(a, b), simpsonLogMass(0.5*(a+b), 0.5*(b-a))
			if !closeTo(got, want, 1e-12) {
				t.Fatalf("h=%v m=%v: %v, quadrature %v", h, m, got, want)
			}
		}
	}
	for _, h := range []float64{0.01, 0.5} {
		for m := -12.0; m <= 12; m += 0.731 {
			if got, want := logIntervalMass(m-h, m+h), logGaussMass(m-h, m+h); got != want {
				t.Fatalf("h=%v m=%v: %v, want logGaussMass %v", h, m, got, want)
			}
		}
	}
}

// TestTruncnormPPF: the inverse CDF maps q back through Φ, stays inside
// [a, b], and hits the bounds at q = 0 and 1.
func TestTruncnormPPF(t *testing.T) {
	for _, ab := range [][2]float64{{-1, 1}, {-3, 0.5}, {0.5, 4}, {-40, -35}, {20, 60}, {-100, 100}} {
		a, b := ab[0], ab[1]
		qs := []float64{0.1, 0.5, 0.9}
		if a > -10 && b < 10 {
			qs = append(qs, 1e-9, 1-1e-9) // extreme quantiles lose precision in far tails, as in Optuna
		}
		for _, q := range qs {
			x := truncnormPPF(q, a, b)
			if x < a || x > b {
				t.Fatalf("ppf(%v; %v, %v) = %v outside", q, a, b, x)
			}
			// log of the mass below x relative to the whole interval is log q.
			got := logGaussMass(a, x) - logGaussMass(a, b)
			if math.Abs(got-math.Log(q)) > 1e-6*math.Max(1, math.Abs(math.Log(q))) {
				t.Fatalf("ppf(%v; %v, %v) = %v: mass below is exp(%v), want %v", q, a, b, x, got, q)
			}
		}
		if truncnormPPF(0, a, b) != a || truncnormPPF(1, a, b) != b {
			t.Fatalf("ppf at 0/1 must be the bounds %v, %v", a, b)
		}
	}
}

// TestTruncnormLogPDF: the standard normal truncated to [-1, 1] at 0 is
// φ(0)/erf(1/√2); outside the bounds it is -∞.
func TestTruncnormLogPDF(t *testing.T) {
	want := -normLogC - math.Log(math.Erf(1/math.Sqrt2))
	if got := truncnormLogPDF(0, 0, 1, -1, 1); !closeTo(got, want, 1e-14) {
		t.Fatalf("logpdf = %v, want %v", got, want)
	}
	// scale 2 over [-2, 2] is the same shape, density halved.
	if got := truncnormLogPDF(0, 0, 2, -2, 2); !closeTo(got, want-math.Log(2), 1e-14) {
		t.Fatalf("scaled logpdf = %v, want %v", got, want-math.Log(2))
	}
	if got := truncnormLogPDF(1.5, 0, 1, -1, 1); !math.IsInf(got, -1) {
		t.Fatalf("outside: %v, want -Inf", got)
	}
}

func TestStableArgsort(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{1, 2, 7, 300, 5000} {
		v := make([]float64, n)
		for i := range v {
			switch i % 3 {
			case 0:
				v[i] = float64(rng.IntN(10)) - 5 // ties, negatives, zero
			case 1:
				v[i] = rng.NormFloat64() * 1e6
			default:
				v[i] = math.Copysign(0, -1) // -0 ties with +0
			}
		}
		want := make([]int32, n)
		for i := range want {
			want[i] = int32(i)
		}
		sort.SliceStable(want, func(a, b int) bool { return v[want[a]] < v[want[b]] })
		if got := stableArgsort(v); !slices.Equal(got, want) {
			t.Fatalf("n=%d: argsort differs from a stable sort", n)
		}
	}
}

// TestDiscreteLogPDFPaths: the bulk evaluation of a discrete dimension
// (inlined expansion for a fine grid, shared table otherwise) equals the
// per-kernel logPDF to 1e-12.
func TestDiscreteLogPDFPaths(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, tc := range []struct {
		low, high, step float64
		n               int
	}{{1, 65535, 1, 3000}, {20, 512, 4, 3000}, {0, 10, 1, 50}} {
		obs := make([]float64, tc.n)
		for i := range obs {
			obs[i] = tc.low + tc.step*float64(rng.IntN(int((tc.high-tc.low)/tc.step)+1))
		}
		d := numericDim(obs, intDist(tc.low, tc.high, tc.step), defaultEP)
		col := []float64{obs[0], tc.low, tc.high, obs[len(obs)/2]}
		acc := make([]float64, len(col)*len(d.mu))
		d.addDiscreteLogPDF(col, acc)
		for j, x := range col {
			for k := range d.mu {
				if want := d.logPDF(k, x); !closeTo(acc[j*len(d.mu)+k], want, 1e-12) {
					t.Fatalf("grid %v step %v: x=%v kernel %d: %v, logPDF %v", tc.high, tc.step, x, k, acc[j*len(d.mu)+k], want)
				}
			}
		}
	}
}
