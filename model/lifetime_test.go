//go:build gotch

package model

import (
	"errors"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/sugarme/gotch"
)

// TestForwardErrorsUnderLoad is the crash of issue 10 made frequent:
// TestForwardReturnsLibtorchErrors's failing forward pass (a token id beyond
// the vocabulary, so the first embedding fails), from several goroutines at
// once while others keep every P busy, so that goroutines coming back from
// cgo are often resumed on another OS thread, and with collections running
// all along. On gotch's wrappers a failed embedding's error was then read on
// the wrong thread and missed, its never-written result slot became a tensor,
// and the next operation (DeBERTa's embed_proj matmul, BERT's add) crashed
// with SIGSEGV; see docs/tensor-lifetimes.md. Every failing pass must report
// ErrTorch and every good one must succeed.
func TestForwardErrorsUnderLoad(t *testing.T) {
	rounds := 12
	if testing.Short() {
		rounds = 4
	}
	for _, mt := range []string{"deberta-v2", "bert"} {
		p := loadTiny(t, mt, nil)
		good := encodeFixture(t, p)
		stop := make(chan struct{})
		var busy sync.WaitGroup
		for i := 0; i < 2*runtime.GOMAXPROCS(0); i++ {
			busy.Add(1)
			go func() {
				defer busy.Done()
				for n := 0; ; n++ {
					select {
					case <-stop:
						return
					default:
					}
					if n%64 == 0 {
						runtime.GC()
					}
					x := 0
					for j := 0; j < 1e5; j++ {
						x += j
					}
					_ = x
				}
			}()
		}
		var work sync.WaitGroup
		errs := make(chan error, 64)
		for g := 0; g < 4; g++ {
			work.Add(1)
			go func() {
				defer work.Done()
				for i := 0; i < rounds; i++ {
					bad := encodeFixture(t, p)
					bad.IDs[1] = int64(p.Config.VocabSize + 10)
					out, err := p.Encoder.ForwardBatch(bad, gotch.CPU, true)
					if !errors.Is(err, ErrTorch) || !strings.Contains(err.Error(), "index") {
						drop(out)
						errs <- err
						return
					}
					out, err = p.Encoder.ForwardBatch(good, gotch.CPU, true)
					if err != nil {
						errs <- err
						return
					}
					drop(out)
				}
			}()
		}
		work.Wait()
		close(stop)
		busy.Wait()
		close(errs)
		for err := range errs {
			t.Errorf("%s: out-of-vocabulary pass gave %v, or a good pass failed", mt, err)
		}
	}
}
