//go:build gotch

package trainer

import (
	"context"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/sugarme/gotch/ts"
)

// liveTensors counts the tensors gotch has not released, after letting the
// garbage collector run the finalizers of unreachable ones.
func liveTensors(t *testing.T) int {
	t.Helper()
	for range 3 {
		runtime.GC()
		time.Sleep(20 * time.Millisecond)
	}
	report := ts.CheckCMemLeak()
	_, list, ok := strings.Cut(report, "Tensors not been released: [")
	list, _, ok2 := strings.Cut(list, "]\n")
	if !ok || !ok2 {
		t.Fatalf("cannot read gotch's memory report:\n%s", report)
	}
	return strings.Count(list, `"`) / 2
}

// TestMemoryStaysFlat trains several one-epoch trials in one trainer and
// checks that no tensor outlives its trial: the live count after the last
// trial equals the count after the first.
func TestMemoryStaysFlat(t *testing.T) {
	if testing.Short() {
		t.Skip("trains 6 tiny epochs")
	}
	tr := newTestTrainer(t)
	counts := make([]int, 0, 6)
	for i := range 6 {
		if _, err := tr.TrainEpoch(context.Background(), request(tinyParams(t), t.TempDir(), 1, 2)); err != nil {
			t.Fatal(err)
		}
		counts = append(counts, liveTensors(t))
		t.Logf("after trial %d: %d live tensors", i, counts[i])
	}
	if counts[len(counts)-1] > counts[0] {
		t.Errorf("live tensors grew over trials: %v", counts)
	}
}
