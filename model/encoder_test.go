//go:build gotch

package model

import (
	"math"
	"testing"

	"github.com/sugarme/gotch"
)

func loadTiny(t *testing.T, modelType string, opts *EncoderOptions) *Pretrained {
	t.Helper()
	dir, _ := writeTiny(t, modelType, func(c *TinyConfig) {
		if modelType == "electra" || modelType == "deberta-v2" {
			c.EmbeddingSize = 16
		}
	})
	p, err := Load(dir, LoadOptions{Device: gotch.CPU, MaxLength: 32, Encoder: opts})
	if err != nil {
		t.Fatalf("Load(%s): %v", modelType, err)
	}
	return p
}

func encodeFixture(t *testing.T, p *Pretrained) Batch {
	t.Helper()
	var encs []Encoded
	for _, pair := range fixtureTexts {
		e, err := p.Tokenizer.Encode(pair[0], pair[1])
		if err != nil {
			t.Fatal(err)
		}
		encs = append(encs, e)
	}
	b, err := Collate(encs, int64(p.Config.PadTokenID))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestEncoderForwardShapes(t *testing.T) {
	for _, mt := range []string{"bert", "roberta", "xlm-roberta", "electra", "deberta-v2"} {
		t.Run(mt, func(t *testing.T) {
			p := loadTiny(t, mt, nil)
			b := encodeFixture(t, p)
			out, err := p.Encoder.ForwardBatch(b, gotch.CPU, false)
			if err != nil {
				t.Fatal(err)
			}
			shape := out.MustSize()
			want := []int64{int64(b.Size), int64(b.Len), int64(p.Config.HiddenSize)}
			if len(shape) != 3 || shape[0] != want[0] || shape[1] != want[1] || shape[2] != want[2] {
				t.Fatalf("output shape %v, want %v", shape, want)
			}
			for _, v := range out.Float64Values() {
				if math.IsNaN(v) || math.IsInf(v, 0) {
					t.Fatalf("non-finite output %v", v)
				}
			}
		})
	}
}
