//go:build gotch

package model

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/nn"
	"github.com/sugarme/gotch/ts"
)

func TestSharedLayers(t *testing.T) {
	for _, tc := range []struct {
		ratio  float64
		layers int
		want   int
	}{
		{0, 12, 0}, {1, 12, 12}, {0.5, 12, 6}, {0.04, 12, 0}, {0.05, 12, 1}, {0.24, 2, 0}, {0.25, 2, 1}, {0.74, 2, 1}, {0.75, 2, 2}, {0.5, 24, 12},
	} {
		got, err := SharedLayers(tc.ratio, tc.layers)
		if err != nil || got != tc.want {
			t.Errorf("SharedLayers(%g, %d) = %d, %v; want %d", tc.ratio, tc.layers, got, err, tc.want)
		}
	}
	for _, bad := range []float64{-0.1, 1.01} {
		if _, err := SharedLayers(bad, 12); !errors.Is(err, ErrBadInput) {
			t.Errorf("SharedLayers(%g): err = %v, want ErrBadInput", bad, err)
		}
	}
}

// forwardSplit returns both branches' outputs on the fixture batch, dropout
// off.
func forwardSplit(t *testing.T, s *SplitEncoder, b Batch) (primary, secondary []float64) {
	t.Helper()
	var p, q *ts.Tensor
	var err error
	WithGrad(false, func() { p, q, err = s.ForwardBatch(b, gotch.CPU, false) })
	if err != nil {
		t.Fatal(err)
	}
	return p.Float64Values(true), q.Float64Values(true)
}

// TestSplitEncoderShareRatio checks, for BERT and DeBERTa-v3 and every
// number of shared layers of a 2-layer model, that the copy store holds
// exactly the unshared layers, that each copy starts from the encoder's
// (pretrained) values of the same name, that both branches then give the
// encoder's own output, and that changing a copy changes only the
// secondary branch.
func TestSplitEncoderShareRatio(t *testing.T) {
	for _, mt := range []string{"bert", "deberta-v2"} {
		p := loadTiny(t, mt, nil)
		b := encodeFixture(t, p)
		var want []float64
		WithGrad(false, func() {
			out, err := p.Encoder.ForwardBatch(b, gotch.CPU, false)
			if err != nil {
				t.Fatal(err)
			}
			want = out.Float64Values(true)
		})
		perLayer := 0
		for name := range WeightShapes(p.Config) {
			if strings.HasPrefix(name, "encoder.layer.0.") {
				perLayer++
			}
		}
		layers := p.Config.NumHiddenLayers
		for shared := 0; shared <= layers; shared++ {
			t.Run(fmt.Sprintf("%s/shared=%d", mt, shared), func(t *testing.T) {
				s, err := NewSplitEncoder(p.Encoder, shared)
				if err != nil {
					t.Fatal(err)
				}
				defer s.Free()
				copies := s.CopyStore().Variables()
				if got := len(copies); got != perLayer*(layers-shared) {
					t.Fatalf("%d copied variables, want %d (%d layers of %d)", got, perLayer*(layers-shared), layers-shared, perLayer)
				}
				encVars := p.Encoder.VarStore().Variables()
				for name, c := range copies {
					if l := depthOf(name) - 1; l < shared {
						t.Errorf("%s copied, but layer %d is shared", name, l)
					}
					e := encVars[name]
					if !slices.Equal(c.Float64Values(), e.Float64Values()) {
						t.Errorf("%s: the copy does not start from the encoder's values", name)
					}
				}
				primary, secondary := forwardSplit(t, s, b)
				if maxAbsDiff(primary, want) > 1e-6 || maxAbsDiff(secondary, want) > 1e-6 {
					t.Fatalf("branches differ from the encoder's output before training: %g, %g",
						maxAbsDiff(primary, want), maxAbsDiff(secondary, want))
				}
				if shared == layers {
					return
				}
				for _, c := range copies {
					WithGrad(false, func() { c.MustAddScalar_(ts.FloatScalar(0.01)) })
				}
				primary2, secondary2 := forwardSplit(t, s, b)
				if maxAbsDiff(primary2, primary) != 0 || maxAbsDiff(secondary2, secondary) < 1e-4 {
					t.Errorf("after changing the copies: primary moved %g (want 0), secondary %g (want > 0)",
						maxAbsDiff(primary2, primary), maxAbsDiff(secondary2, secondary))
				}
			})
		}
	}
}

// hasGrad reports whether v has a non-zero gradient.
func hasGrad(v *ts.Tensor) bool {
	g := v.MustGrad(false)
	if !g.MustDefined() {
		return false
	}
	return g.MustAbs(true).MustSum(gotch.Double, true).Float64Values(true)[0] > 0
}

// TestSplitEncoderGradients backpropagates from one branch at a time and
// checks which variables get gradients: from the primary branch the
// embeddings, the shared layers and the encoder's own top layer, never the
// copies; from the secondary branch the embeddings, the shared layers and
// the copies, never the encoder's own top layer.
func TestSplitEncoderGradients(t *testing.T) {
	p := loadTiny(t, "bert", nil)
	b := encodeFixture(t, p)
	s, err := NewSplitEncoder(p.Encoder, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Free()
	enc, copies := p.Encoder.VarStore(), s.CopyStore()
	const emb, shared, top = "embeddings.word_embeddings.weight", "encoder.layer.0.output.dense.weight", "encoder.layer.1.output.dense.weight"
	for _, branch := range []string{"primary", "secondary"} {
		t.Run(branch, func(t *testing.T) {
			for _, vs := range []*nn.VarStore{enc, copies} {
				for _, v := range vs.Variables() {
					v.ZeroGrad()
				}
			}
			WithGrad(true, func() {
				primary, secondary, err := s.ForwardBatch(b, gotch.CPU, true)
				if err != nil {
					t.Fatal(err)
				}
				out := primary
				if branch == "secondary" {
					out = secondary
				}
				loss := out.MustPowTensorScalar(ts.FloatScalar(2), false).MustMean(gotch.Float, true)
				loss.MustBackward()
				loss.MustDrop()
				primary.MustDrop()
				secondary.MustDrop()
			})
			ev, cv := enc.Variables(), copies.Variables()
			e, sh, own, cp := ev[emb], ev[shared], ev[top], cv[top]
			wantOwn, wantCopy := branch == "primary", branch == "secondary"
			if !hasGrad(&e) || !hasGrad(&sh) || hasGrad(&own) != wantOwn || hasGrad(&cp) != wantCopy {
				t.Errorf("gradients: embeddings %v, shared layer %v, encoder's top layer %v (want %v), its copy %v (want %v)",
					hasGrad(&e), hasGrad(&sh), hasGrad(&own), wantOwn, hasGrad(&cp), wantCopy)
			}
		})
	}
}

func TestSplitEncoderRejectsBadShared(t *testing.T) {
	p := loadTiny(t, "bert", nil)
	for _, n := range []int{-1, p.Config.NumHiddenLayers + 1} {
		if _, err := NewSplitEncoder(p.Encoder, n); !errors.Is(err, ErrBadInput) {
			t.Errorf("NewSplitEncoder(%d): err = %v, want ErrBadInput", n, err)
		}
	}
}

// TestInjector checks the joint bridge: the pooled vector's projection is
// added to every token, and a gradient reaches the pooled vector.
func TestInjector(t *testing.T) {
	vs := nn.NewVarStore(gotch.CPU)
	var j *Injector
	var err error
	WithGrad(true, func() { j, err = NewInjector(vs.Root().Sub("inject"), 4) })
	if err != nil {
		t.Fatal(err)
	}
	tokens := ts.MustRandn([]int64{2, 3, 4}, gotch.Float, gotch.CPU)
	pooled := ts.MustRandn([]int64{2, 4}, gotch.Float, gotch.CPU).MustSetRequiresGrad(true, true)
	var out, shift *ts.Tensor
	WithGrad(true, func() {
		out, err = j.Forward(tokens, pooled)
		if err != nil {
			t.Fatal(err)
		}
		shift = out.MustSub(tokens, false) // [2, 3, 4]: the same vector at every token
		loss := out.MustSum(gotch.Float, false)
		loss.MustBackward()
		loss.MustDrop()
	})
	v := shift.Float64Values(true)
	for b := 0; b < 2; b++ {
		row := v[b*12 : b*12+4]
		if maxAbsDiff(row, make([]float64, 4)) == 0 {
			t.Errorf("batch %d: the injection added nothing", b)
		}
		for tok := 1; tok < 3; tok++ {
			if d := maxAbsDiff(v[b*12+tok*4:b*12+tok*4+4], row); d > 1e-6 {
				t.Errorf("batch %d token %d: shift differs from token 0's by %g", b, tok, d)
			}
		}
	}
	if !hasGrad(pooled) {
		t.Error("no gradient reached the pooled vector")
	}
	if _, err := j.Forward(tokens, ts.MustZeros([]int64{2, 5}, gotch.Float, gotch.CPU)); !errors.Is(err, ErrBadInput) {
		t.Errorf("mismatched widths: err = %v, want ErrBadInput", err)
	}
}
