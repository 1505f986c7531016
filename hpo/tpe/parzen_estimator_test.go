package tpe

import (
	"math"
	"testing"

	"github.com/redsm5/supermax-hpo/hpo"
)

var defaultEP = estimatorParams{priorWeight: 1, magicClip: true}

func closeTo(a, b, tol float64) bool { return math.Abs(a-b) <= tol*math.Max(1, math.Abs(b)) }

func floatsClose(t *testing.T, what string, got, want []float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: got %v, want %v", what, got, want)
	}
	for i := range got {
		if !closeTo(got[i], want[i], 1e-12) {
			t.Fatalf("%s[%d]: got %v, want %v (all: %v)", what, i, got[i], want[i], got)
		}
	}
}

// TestNumericEstimator checks kernel centres, widths, weights and the
// mixture's log density. The widths are worked out in the comments from
// Optuna's compute_sigmas; every expected number was also printed by Optuna
// 5.0.0's _ParzenEstimator (prior_weight 1, magic clip on, endpoints off)
// for the same observations.
func TestNumericEstimator(t *testing.T) {
	tests := []struct {
		name       string
		obs        []float64
		dist       hpo.Distribution
		mu, sigma  []float64
		w          []float64
		x, logPDFs []float64
	}{
		{
			// sorted with bounds [0 2 5 6 10]: gaps 2|3, 3|1, 1|4 -> 3, 3, 4;
			// endpoints off: first = 5-2 = 3, last = 6-5 = 1; magic clip
			// minσ = 10/min(100, 3+2) = 2 -> 3, 3, 2; prior N(5, 10).
			name: "float", obs: []float64{2, 5, 6}, dist: hpo.FloatDistribution{Low: 0, High: 10},
			mu: []float64{2, 5, 6, 5}, sigma: []float64{3, 3, 2, 10}, w: []float64{0.25, 0.25, 0.25, 0.25},
			x: []float64{4, 0.5, 9}, logPDFs: []float64{-2.0598173440011758, -2.575875146280253, -2.8356057222700386},
		},
		{
			// log space: bounds ln 0.1, ln 1000; centres ln 1, ln 10, ln 100;
			// every gap ln 10; minσ = ln(10^4)/5 < ln 10.
			name: "float log", obs: []float64{1, 10, 100}, dist: hpo.FloatDistribution{Low: 0.1, High: 1000, Log: true},
			mu:    []float64{0, math.Log(10), math.Log(100), math.Log(10)},
			sigma: []float64{math.Log(10), math.Log(10), math.Log(10), math.Log(10000)},
			w:     []float64{0.25, 0.25, 0.25, 0.25},
			x:     []float64{3}, logPDFs: []float64{-2.041690660543023},
		},
		{
			// step widens the bounds to [-0.5, 10.5]; sorted [-.5 3 3 7 10.5]:
			// tie 3,3 ranked in observation order; endpoints off: first = 0,
			// last = 7-3 = 4; minσ = 11/5 = 2.2.
			name: "int ties", obs: []float64{3, 3, 7}, dist: hpo.IntDistribution{Low: 0, High: 10, Step: 1},
			mu: []float64{3, 3, 7, 5}, sigma: []float64{2.2, 4, 4, 11}, w: []float64{0.25, 0.25, 0.25, 0.25},
			x: []float64{3, 5}, logPDFs: []float64{-2.101666323612103, -2.191126089188003},
		},
		{
			// bounds [112, 528]; minσ = 416/6; the prior is N(320, 416).
			name: "int step 32", obs: []float64{128, 256, 256, 512}, dist: hpo.IntDistribution{Low: 128, High: 512, Step: 32},
			mu: []float64{128, 256, 256, 512, 320}, sigma: []float64{128, 128, 256, 256, 416}, w: []float64{0.2, 0.2, 0.2, 0.2, 0.2},
			x: []float64{160, 512}, logPDFs: []float64{-2.382657289561089, -2.9950611176369635},
		},
		{
			name: "no observations", obs: nil, dist: hpo.FloatDistribution{Low: 0, High: 10},
			mu: []float64{5}, sigma: []float64{10}, w: []float64{1},
			x: []float64{4}, logPDFs: []float64{-2.2666072925030964},
		},
		{
			// one observation: both gaps 5; minσ = 10/3.
			name: "one observation", obs: []float64{5}, dist: hpo.FloatDistribution{Low: 0, High: 10},
			mu: []float64{5, 5}, sigma: []float64{5, 10}, w: []float64{0.5, 0.5},
			x: []float64{4}, logPDFs: []float64{-2.2153861650893836},
		},
		{
			// two observations, endpoints off: each takes the inner gap 8.
			name: "endpoints off", obs: []float64{1, 9}, dist: hpo.FloatDistribution{Low: 0, High: 10},
			mu: []float64{1, 9, 5}, sigma: []float64{8, 8, 10}, w: []float64{1.0 / 3, 1.0 / 3, 1.0 / 3},
			x: []float64{1}, logPDFs: []float64{-2.3462798357020924},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := newParzen([][]float64{tc.obs}, len(tc.obs), []hpo.Distribution{tc.dist}, defaultEP, nil)
			floatsClose(t, "mu", m.dims[0].num.mu, tc.mu)
			floatsClose(t, "sigma", m.dims[0].num.sigma, tc.sigma)
			floatsClose(t, "weights", m.w, tc.w)
			var cands [][]float64
			for _, x := range tc.x {
				cands = append(cands, []float64{x})
			}
			var buf []float64
			floatsClose(t, "log pdf", m.logPDF(cands, &buf), tc.logPDFs)
			floatsClose(t, "compacted log pdf", m.compact().logPDF(cands, &buf), tc.logPDFs)
		})
	}
}

// TestCategoricalEstimator: observations a, c, c of {a, b, c}: K = 4
// kernels, each observation row is 1/4 on every choice plus 1 on its own,
// over 1 + 3/4: hit 5/7, miss 1/7; the prior row is uniform. The mixture
// densities are 1/4 of the column sums: p(a) = (5/7+1/7+1/7+1/3)/4 = 1/3,
// p(b) = (3/7+1/3)/4 = 4/21, p(c) = (1/7+10/7+1/3)/4 = 10/21. Optuna 5.0.0
// prints the same logs (-1.0986122886681098, -1.6582280766035324,
// -0.7419373447293772).
func TestCategoricalEstimator(t *testing.T) {
	dist := hpo.CategoricalDistribution{Choices: []hpo.Value{hpo.String("a"), hpo.String("b"), hpo.String("c")}}
	m := newParzen([][]float64{{0, 2, 2}}, 3, []hpo.Distribution{dist}, defaultEP, nil)
	c := m.dims[0].cat
	floatsClose(t, "hit/miss", []float64{c.hit, c.miss}, []float64{5.0 / 7, 1.0 / 7})
	want := []float64{math.Log(1.0 / 3), math.Log(4.0 / 21), math.Log(10.0 / 21)}
	var buf []float64
	cands := [][]float64{{0}, {1}, {2}}
	floatsClose(t, "log pdf", m.logPDF(cands, &buf), want)
	compact := m.compact()
	if len(compact.w) != 3 {
		t.Fatalf("compacted kernels: got %d, want 3 (a, c and the prior)", len(compact.w))
	}
	floatsClose(t, "compacted log pdf", compact.logPDF(cands, &buf), want)
}

// TestMultivariateEstimator: a product of the "float" dimension above and
// the categorical one; Optuna 5.0.0 gives these log densities for
// (x=4, c) and (x=6, a).
func TestMultivariateEstimator(t *testing.T) {
	dists := []hpo.Distribution{
		hpo.FloatDistribution{Low: 0, High: 10},
		hpo.CategoricalDistribution{Choices: []hpo.Value{hpo.String("a"), hpo.String("b"), hpo.String("c")}},
	}
	m := newParzen([][]float64{{2, 5, 6}, {0, 2, 2}}, 3, dists, defaultEP, nil)
	var buf []float64
	got := m.logPDF([][]float64{{4, 2}, {6, 0}}, &buf)
	floatsClose(t, "log pdf", got, []float64{-2.8013565342916227, -3.3804159036151264})
}

// TestWeights: Optuna's default_weights; numpy.linspace(1/26, 1, 1) is
// [1/26], linspace(1/30, 1, 5) steps by (29/30)/4.
func TestWeights(t *testing.T) {
	tests := []struct {
		n    int
		head []float64
	}{
		{0, []float64{}},
		{3, []float64{1, 1, 1}},
		{25, []float64{1, 1, 1}},
		{26, []float64{1.0 / 26, 1, 1}},
		{30, []float64{1.0 / 30, 0.275, 0.5166666666666667, 0.7583333333333333, 1, 1}},
	}
	for _, tc := range tests {
		w := defaultWeights(tc.n)
		if len(w) != tc.n {
			t.Fatalf("defaultWeights(%d) has %d entries", tc.n, len(w))
		}
		floatsClose(t, "weights", w[:len(tc.head)], tc.head)
		for _, v := range w[max(0, tc.n-25):] {
			if v != 1 {
				t.Fatalf("defaultWeights(%d): newest 25 must weigh 1, got %v", tc.n, w)
			}
		}
	}
	floatsClose(t, "mixture weights", mixtureWeights(3, 2), []float64{0.2, 0.2, 0.2, 0.4})
}

func TestNoMagicClipKeepsNarrowKernels(t *testing.T) {
	// gaps 0.1 and 9.8: without the clip the kernel at 0.1 stays 0.1 wide
	// (Optuna's EPS floor only), with it 10/4 = 2.5.
	obs := []float64{0.1, 0.2}
	off := newParzen([][]float64{obs}, 2, []hpo.Distribution{hpo.FloatDistribution{Low: 0, High: 10}}, estimatorParams{priorWeight: 1}, nil)
	on := newParzen([][]float64{obs}, 2, []hpo.Distribution{hpo.FloatDistribution{Low: 0, High: 10}}, defaultEP, nil)
	floatsClose(t, "sigma without clip", off.dims[0].num.sigma[:2], []float64{0.1, 0.1})
	floatsClose(t, "sigma with clip", on.dims[0].num.sigma[:2], []float64{2.5, 2.5})
}

func intDist(low, high, step float64) hpo.IntDistribution {
	return hpo.IntDistribution{Low: int64(low), High: int64(high), Step: int64(step)}
}

// TestMultivariateBandwidthIsOptuna5s: since Optuna 5.0 (commit 180265b56,
// "Enable multivariate by default in TPESampler") a multivariate estimator
// gives each dimension the same neighbour-gap bandwidths as an independent
// one; Optuna 4.x used 0.2·n^(-1/(d+4))·(high-low) for every kernel
// (1.65 for x here). The kernels and log densities below are what Optuna
// 5.0.0's _ParzenEstimator (multivariate=True, consider_endpoints=False)
// prints for this 3-dimensional estimator.
func TestMultivariateBandwidthIsOptuna5s(t *testing.T) {
	dists := []hpo.Distribution{
		hpo.FloatDistribution{Low: 0, High: 10},
		hpo.FloatDistribution{Low: 1e-4, High: 1, Log: true},
		hpo.IntDistribution{Low: 1, High: 9, Step: 1},
	}
	cols := [][]float64{{2, 5, 6, 9.5}, {1e-3, 0.5, 1e-2, 2e-4}, {3, 3, 7, 1}}
	m := newParzen(cols, 4, dists, defaultEP, nil)
	floatsClose(t, "x sigma", m.dims[0].num.sigma, []float64{3, 3, 3.5, 3.5, 10})
	floatsClose(t, "lr mu", m.dims[1].num.mu, []float64{-6.907755278982137, -0.6931471805599453, -4.605170185988091, -8.517193191416238, -4.605170185988091})
	floatsClose(t, "lr sigma", m.dims[1].num.sigma, []float64{2.302585092994046, 3.9120230054281455, 3.9120230054281455, 1.6094379124341014, 9.210340371976182})
	floatsClose(t, "n sigma", m.dims[2].num.sigma, []float64{2, 4, 4, 2, 9})
	var buf []float64
	floatsClose(t, "log pdf", m.logPDF([][]float64{{4, 1e-2, 3}, {8, 1e-3, 6}}, &buf), []float64{-6.302342992073842, -6.981214983983344})
}
