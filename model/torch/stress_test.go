//go:build gotch

package torch

import (
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/ts"
)

// errorStress runs lookup (an embedding that must fail: an id beyond the
// table) and valid (one that must succeed) from several goroutines while
// others keep every P busy, so that goroutines returning from cgo are often
// resumed on another OS thread. It returns how many failures were missed
// and how many successes reported an error.
// free disposes of valid's results.
func errorStress(t *testing.T, rounds int, lookup, valid func() (*ts.Tensor, error), free func(*ts.Tensor)) (missed, spurious int64) {
	t.Helper()
	stop := make(chan struct{})
	var busy sync.WaitGroup
	for i := 0; i < 2*runtime.GOMAXPROCS(0); i++ {
		busy.Add(1)
		go func() {
			defer busy.Done()
			x := 0
			for {
				select {
				case <-stop:
					return
				default:
				}
				for j := 0; j < 1e5; j++ {
					x += j
				}
				_ = x
			}
		}()
	}
	var work sync.WaitGroup
	for g := 0; g < 4; g++ {
		work.Add(1)
		go func() {
			defer work.Done()
			for i := 0; i < rounds; i++ {
				if out, err := lookup(); err == nil {
					atomic.AddInt64(&missed, 1)
					runtime.SetFinalizer(out, nil) // its handle is garbage: never free it
				}
				out, err := valid()
				if err != nil {
					atomic.AddInt64(&spurious, 1)
					continue
				}
				free(out)
			}
		}()
	}
	work.Wait()
	close(stop)
	busy.Wait()
	return missed, spurious
}

// rounds per goroutine of the stress tests.
const rounds = 60

func stressTables(t *testing.T) (w, bad, good *ts.Tensor) {
	t.Helper()
	var err error
	if w, err = Ones([]int64{8, 4}, gotch.Float, gotch.CPU); err != nil {
		t.Fatal(err)
	}
	if bad, err = FromInt64s([]int64{1, 100}, []int64{2}, gotch.CPU); err != nil {
		t.Fatal(err)
	}
	if good, err = FromInt64s([]int64{1, 2}, []int64{2}, gotch.CPU); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = Drop(w, bad, good) })
	return w, bad, good
}

// The glue reports every libtorch error to its own caller, however the
// goroutines move between OS threads.
func TestErrorsStayWithTheirCall(t *testing.T) {
	w, bad, good := stressTables(t)
	missed, spurious := errorStress(t, rounds,
		func() (*ts.Tensor, error) { return Embedding(w, bad, -1) },
		func() (*ts.Tensor, error) { return Embedding(w, good, -1) },
		func(x *ts.Tensor) {
			if err := Drop(x); err != nil {
				t.Error(err)
			}
		})
	if missed != 0 || spurious != 0 {
		t.Fatalf("%d failed lookups reported success, %d good ones reported an error", missed, spurious)
	}
}

// gotch's generated wrappers, under the same load, lose errors (set
// SUPERMAX_GOTCH_REPRO=1 to measure; docs/tensor-lifetimes.md).
func TestGotchErrorReproduction(t *testing.T) {
	if os.Getenv("SUPERMAX_GOTCH_REPRO") == "" {
		t.Skip("SUPERMAX_GOTCH_REPRO not set: this measures gotch's defect, it does not test this package")
	}
	w, bad, good := stressTables(t)
	missed, spurious := errorStress(t, rounds,
		func() (*ts.Tensor, error) { return ts.Embedding(w, bad, -1, false, false) },
		func() (*ts.Tensor, error) { return ts.Embedding(w, good, -1, false, false) },
		// Not freed: a misplaced error can make gotch's Drop fail after
		// freeing, and its finalizer then frees again.
		func(x *ts.Tensor) { runtime.SetFinalizer(x, nil) })
	t.Logf("gotch: %d of %d failed lookups reported success, %d of %d good ones an error", missed, 4*rounds, spurious, 4*rounds)
	if missed+spurious > 0 {
		t.Errorf("gotch lost or misplaced %d errors", missed+spurious)
	}
}
