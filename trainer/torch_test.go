//go:build gotch

package trainer

import (
	"testing"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/ts"
)

func TestManualSeedRepeatsDraws(t *testing.T) {
	draw := func(seed uint64) []float64 {
		manualSeed(seed)
		return ts.MustRandn([]int64{4}, gotch.Double, gotch.CPU).Float64Values(true)
	}
	a, b, c := draw(7), draw(7), draw(8)
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("same seed, different draws: %v %v", a, b)
		}
	}
	if a[0] == c[0] && a[1] == c[1] {
		t.Errorf("seeds 7 and 8 draw the same: %v", a)
	}
}

func TestSetNumThreads(t *testing.T) {
	prev := numThreads()
	defer setNumThreads(prev)
	setNumThreads(1)
	if got := numThreads(); got != 1 {
		t.Errorf("threads %d after setting 1", got)
	}
}
