package pruners

import (
	"math"
	"testing"

	"github.com/redsm5/supermax-hpo/hpo"
)

// TestMedianStartupWarmupInterval: 2 startup trials, warmup 2, a check every
// 2 steps (at steps 2, 4, 6, ... or the first report after each).
func TestMedianStartupWarmupInterval(t *testing.T) {
	cfg := Config{Kind: KindMedian, NStartupTrials: 2, NWarmupSteps: 2, IntervalSteps: 2}
	p := mustNew(t, cfg, hpo.Study{Name: "median"})
	complete(t, p, 0, 0.5, 0.6, 0.7, 0.8, 0.9)
	expect(t, p, report{10, 1, 0.0, false}, report{10, 2, 0.0, false}) // 1 complete trial < 2
	p.Finish(10, hpo.Pruned, 0)                                        // pruned trials do not count
	expect(t, p, report{11, 2, 0.0, false})
	complete(t, p, 1, 0.3, 0.4, 0.5, 0.6, 0.7)
	// Medians of the two complete trials: 0.4 0.5 0.6 0.7 0.8 at steps 1-5.
	expect(t, p,
		report{2, 1, 0.0, false}, // step 1 < warmup
		report{2, 2, 0.1, true},  // 0.1 < 0.5
		report{3, 1, 0.0, false},
		report{3, 2, 0.5, false},  // best 0.5 is not below 0.5
		report{3, 3, 0.0, false},  // not a check step
		report{3, 4, 0.6, true},   // best 0.6 < 0.7
		report{4, 1, 0.9, false},  // warmup
		report{4, 3, 0.55, false}, // postponed check of step 2 runs at 3: best 0.9
		report{5, 1, 0.2, false},
		report{5, 3, 0.55, true}, // postponed check at 3: best 0.55 < 0.6
		report{6, 6, 0.0, false}, // no complete trial reached step 6
	)
}

// TestMedianUsesBestSoFar: a trial is judged on its best value, not its last.
func TestMedianUsesBestSoFar(t *testing.T) {
	p := mustNew(t, MedianConfig(), hpo.Study{Name: "median"})
	for n := 0; n < 5; n++ {
		complete(t, p, n, 0.5, 0.5, 0.5)
	}
	expect(t, p,
		report{5, 1, 0.6, false},
		report{5, 2, 0.1, false}, // best 0.6 >= 0.5
		report{6, 1, math.NaN(), true},
		report{7, 1, 0.4, true},
	)
}

func TestPercentileMaximizeAndMinimize(t *testing.T) {
	for _, tc := range []struct {
		dir        hpo.Direction
		keep, drop float64
	}{
		// percentile 25, maximize: numpy.percentile([1,2,3,4], 75) = 3.25.
		{hpo.Maximize, 3.25, 3.2},
		// minimize: numpy.percentile([1,2,3,4], 25) = 1.75.
		{hpo.Minimize, 1.75, 1.8},
	} {
		cfg := PercentileConfig(25)
		cfg.NStartupTrials = 4
		p := mustNew(t, cfg, hpo.Study{Name: "pct", Direction: tc.dir})
		for n, v := range []float64{4, 1, 3, 2} {
			complete(t, p, n, v)
		}
		p.Finish(3, hpo.Complete, 2) // a second Finish must not count twice
		expect(t, p, report{10, 1, tc.drop, true}, report{11, 1, tc.keep, false})
	}
}

// TestCutoffMatchesNumpy: values from numpy 2.4.6,
// repr(float(np.nanpercentile(np.array(values), q*100))).
func TestCutoffMatchesNumpy(t *testing.T) {
	cases := []struct {
		values []float64
		pct    float64
		want   float64
	}{
		{[]float64{0.1, 0.2, 0.7}, 62.5, 0.325},
		{[]float64{0.3, 0.1, 0.7, 0.9}, 50, 0.5},
		{[]float64{0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7}, 10, 0.16000000000000003},
		{[]float64{1e-3, 0.33, 0.61, 0.77, 0.999}, 71.3, 0.74632},
		// t >= 0.5, where numpy's b - diff*(1-t) and a + diff*t differ.
		{[]float64{0.025, 0.541, 0.939, 0.381}, 21.7, 0.25675600000000004},
	}
	for _, tc := range cases {
		// Minimize keeps the percentile as given (maximize would flip it).
		p := newPercentile(tc.pct, 0, 0, 1, hpo.Minimize)
		for n, v := range tc.values {
			p.observe(n, 1, v)
			p.finish(n, hpo.Complete)
		}
		if got, ok := p.cutoff(1); !ok || got != tc.want {
			t.Errorf("percentile %v of %v = %v (ok %v), want %v", tc.pct, tc.values, got, ok, tc.want)
		}
	}
}
