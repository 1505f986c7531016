//go:build gotch

package model

import (
	"testing"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/ts"
)

// BenchmarkEncoder times one forward (eval, no autograd) and one forward +
// backward (training, dropout 0.1) on a batch of 8 × 128 tokens, for the
// tiny test shape and a small BERT shape (4 layers, 256 wide, 4 heads):
//
//	go test -tags gotch -run '^$' -bench BenchmarkEncoder -benchtime 10x ./model
func BenchmarkEncoder(b *testing.B) {
	shapes := []struct {
		name                         string
		hidden, layers, heads, inter int
	}{
		{"tiny-2x32", 32, 2, 4, 64},
		{"small-4x256", 256, 4, 4, 1024},
	}
	for _, s := range shapes {
		dir := b.TempDir()
		c := DefaultTinyConfig("bert", fixtureWords())
		c.HiddenSize, c.NumLayers, c.NumHeads, c.IntermediateSize, c.MaxPositions = s.hidden, s.layers, s.heads, s.inter, 128
		if _, err := WriteTinyModel(dir, c); err != nil {
			b.Fatal(err)
		}
		p, err := Load(dir, LoadOptions{MaxLength: 128})
		if err != nil {
			b.Fatal(err)
		}
		batch := benchBatch(p.Config.VocabSize, 8, 128)
		b.Run(s.name+"/forward", func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				WithGrad(false, func() { mustForward(b, p, batch, false).MustDrop() })
			}
			b.ReportMetric(float64(b.N*batch.Size)/b.Elapsed().Seconds(), "examples/s")
		})
		b.Run(s.name+"/forward-backward", func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				WithGrad(true, func() {
					loss := mustForward(b, p, batch, true).MustMean(gotch.Float, true)
					loss.MustBackward()
					loss.MustDrop()
				})
			}
			b.ReportMetric(float64(b.N*batch.Size)/b.Elapsed().Seconds(), "examples/s")
		})
	}
}

func mustForward(b *testing.B, p *Pretrained, batch Batch, train bool) *ts.Tensor {
	out, err := p.Encoder.ForwardBatch(batch, gotch.CPU, train)
	if err != nil {
		b.Fatal(err)
	}
	return out
}

// benchBatch is a full batch of deterministic token ids (no padding).
func benchBatch(vocab, size, length int) Batch {
	bt := Batch{Size: size, Len: length}
	for i := 0; i < size*length; i++ {
		bt.IDs = append(bt.IDs, int64(5+(i*7919)%(vocab-5)))
		bt.TypeIDs = append(bt.TypeIDs, int64((i%length)/(length/2)))
		bt.Mask = append(bt.Mask, 1)
	}
	return bt
}
