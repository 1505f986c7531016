//go:build gotch

package model

import (
	"fmt"
	"math"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/nn"
	"github.com/sugarme/gotch/ts"
)

// debertaBody is DeBERTa-v3 (Hugging Face's DebertaV2Model in the layout
// validateDeBERTa admits): word (and token type) embeddings, optional
// embed_proj, LayerNorm, masked; layers with disentangled attention that
// adds content-to-position and position-to-content scores over
// log-bucketed relative positions, with the query/key projections shared
// between content and position.
type debertaBody struct {
	cfg            Config
	word, tokType  *ts.Tensor
	embProj        *ts.Tensor // [hidden, embedding] or nil
	embNorm        layerNorm
	relEmb         *ts.Tensor // [2*span, hidden]
	relNorm        layerNorm
	layers         []*debertaLayer
	dropout        float64
	span, pad      int64
	buckets, maxRP int
}

type debertaLayer struct {
	layer // query/key/value hold query_proj/key_proj/value_proj
}

func newDebertaBody(vs *nn.VarStore, cfg Config, opts EncoderOptions) *debertaBody {
	e, h := cfg.EmbeddingWidth(), cfg.HiddenSize
	span := cfg.debertaSpan()
	b := &debertaBody{
		cfg:     cfg,
		word:    embeddingVar(vs, "embeddings.word_embeddings", cfg.VocabSize, e),
		embNorm: newLayerNorm(vs, 0, "embeddings.LayerNorm", h, cfg.LayerNormEps),
		relEmb:  embeddingVar(vs, "encoder.rel_embeddings", 2*span, h),
		relNorm: newLayerNorm(vs, 0, "encoder.LayerNorm", h, cfg.LayerNormEps),
		dropout: opts.HiddenDropout, span: int64(span), pad: int64(cfg.PadTokenID),
		buckets: cfg.PositionBuckets, maxRP: cfg.debertaMaxRelative(),
	}
	if cfg.TypeVocabSize > 0 {
		b.tokType = embeddingVar(vs, "embeddings.token_type_embeddings", cfg.TypeVocabSize, e)
	}
	if e != h {
		bound := 1 / math.Sqrt(float64(e))
		b.embProj = pathAt(vs, 0, "embeddings.embed_proj").
			MustNewVar("weight", []int64{int64(h), int64(e)}, nn.NewUniformInit(-bound, bound))
	}
	for i := 0; i < cfg.NumHiddenLayers; i++ {
		b.layers = append(b.layers, newDebertaLayer(vs, cfg, opts, i))
	}
	return b
}

func newDebertaLayer(vs *nn.VarStore, cfg Config, opts EncoderOptions, i int) *debertaLayer {
	g, h, p := uint(i+1), cfg.HiddenSize, fmt.Sprintf("encoder.layer.%d.", i)
	return &debertaLayer{layer{
		query:       newLinear(vs, g, p+"attention.self.query_proj", h, h),
		key:         newLinear(vs, g, p+"attention.self.key_proj", h, h),
		value:       newLinear(vs, g, p+"attention.self.value_proj", h, h),
		attnOut:     newLinear(vs, g, p+"attention.output.dense", h, h),
		attnNorm:    newLayerNorm(vs, g, p+"attention.output.LayerNorm", h, cfg.LayerNormEps),
		inter:       newLinear(vs, g, p+"intermediate.dense", h, cfg.IntermediateSize),
		out:         newLinear(vs, g, p+"output.dense", cfg.IntermediateSize, h),
		outNorm:     newLayerNorm(vs, g, p+"output.LayerNorm", h, cfg.LayerNormEps),
		heads:       int64(cfg.NumAttentionHeads),
		headDim:     int64(h / cfg.NumAttentionHeads),
		act:         cfg.HiddenAct,
		dropout:     opts.HiddenDropout,
		attnDropout: opts.AttentionDropout,
	}}
}

// debertaInputs are what every layer shares in one forward pass.
type debertaInputs struct {
	rel      *ts.Tensor // LayerNorm'd relative embeddings [2*span, hidden]
	c2p, p2c *ts.Tensor // gather indices [T, T]
	masked   *ts.Tensor // bool [B, 1, T, T], true where query or key is padding
}

func (d debertaInputs) drop() {
	d.rel.MustDrop()
	d.c2p.MustDrop()
	d.p2c.MustDrop()
	d.masked.MustDrop()
}

func (b *debertaBody) forward(ids, typeIDs, mask *ts.Tensor, train bool) *ts.Tensor {
	hidden := b.embed(ids, typeIDs, mask, train)
	in := b.inputs(ids.MustSize()[1], mask, train, ids.MustDevice())
	defer in.drop()
	for _, l := range b.layers {
		next := l.forward(hidden, in, train)
		hidden.MustDrop()
		hidden = next
	}
	return hidden
}

func (b *debertaBody) embed(ids, typeIDs, mask *ts.Tensor, train bool) *ts.Tensor {
	x := ts.MustEmbedding(b.word, ids, b.pad, false, false)
	if b.tokType != nil {
		types := typeIDs
		if types == nil {
			types = ids.MustZerosLike(false)
			defer types.MustDrop()
		}
		x = x.MustAdd(ts.MustEmbedding(b.tokType, types, -1, false, false), true)
	}
	if b.embProj != nil {
		x = x.MustMatmul(b.embProj.MustT(false), true)
	}
	normed := b.embNorm.forward(x)
	x.MustDrop()
	keep := mask.MustTotype(gotch.Float, false).MustUnsqueeze(2, true)
	masked := normed.MustMul(keep, true)
	keep.MustDrop()
	out := ts.MustDropout(masked, b.dropout, train)
	masked.MustDrop()
	return out
}

func (b *debertaBody) inputs(t int64, mask *ts.Tensor, train bool, device gotch.Device) debertaInputs {
	normed := b.relNorm.forward(b.relEmb)
	rel := ts.MustDropout(normed, b.dropout, train)
	normed.MustDrop()
	c2p, p2c := relativeIndices(int(t), b.buckets, b.maxRP, int(b.span))
	shape := []int64{t, t}
	m := mask.MustTotype(gotch.Float, false)
	// Hugging Face: mask[b, j] * mask[b, i], as [B, 1, T, T].
	pair := m.MustUnsqueeze(1, false).MustUnsqueeze(2, true).MustMul(m.MustUnsqueeze(1, false).MustUnsqueeze(3, true), true)
	m.MustDrop()
	masked := pair.MustEq(ts.FloatScalar(0), true)
	return debertaInputs{rel: rel, c2p: int64Tensor(c2p, shape, device), p2c: int64Tensor(p2c, shape, device), masked: masked}
}

func (l *debertaLayer) forward(x *ts.Tensor, in debertaInputs, train bool) *ts.Tensor {
	ctx := l.attention(x, in, train)
	attended := l.residual(l.attnOut, l.attnNorm, ctx, x, train)
	ctx.MustDrop()
	inter := activate(l.act, l.inter.forward(attended))
	out := l.residual(l.out, l.outNorm, inter, attended, train)
	inter.MustDrop()
	attended.MustDrop()
	return out
}

// attention is DisentangledSelfAttention with share_att_key and c2p+p2c:
// scores = (q·kᵀ + c2p + p2c) / sqrt(3·head_dim), softmax over unmasked
// keys, masked rows and columns zeroed.
func (l *debertaLayer) attention(x *ts.Tensor, in debertaInputs, train bool) *ts.Tensor {
	shape := x.MustSize()
	b, t := shape[0], shape[1]
	span2 := in.rel.MustSize()[0]
	q := l.splitHeads(l.query.forward(x), b, t)
	k := l.splitHeads(l.key.forward(x), b, t)
	v := l.splitHeads(l.value.forward(x), b, t)
	rel := in.rel.MustUnsqueeze(0, false)
	posQ := l.splitHeads(l.query.forward(rel), 1, span2) // [1, heads, 2span, d]
	posK := l.splitHeads(l.key.forward(rel), 1, span2)
	rel.MustDrop()
	full := []int64{b, l.heads, t, t}
	scores := q.MustMatmul(k.MustTranspose(-1, -2, false), false)
	c2p := q.MustMatmul(posK.MustTranspose(-1, -2, true), true).
		MustGather(-1, in.c2p.MustExpand(full, true, false), false, true)
	p2c := k.MustMatmul(posQ.MustTranspose(-1, -2, true), true).
		MustGather(-1, in.p2c.MustExpand(full, true, false), false, true).MustTranspose(-1, -2, true)
	scores = scores.MustAdd(c2p, true).MustAdd(p2c, true).
		MustDivScalar(ts.FloatScalar(math.Sqrt(float64(3*l.headDim))), true)
	c2p.MustDrop()
	p2c.MustDrop()
	const minF32 = -3.4028234663852886e38
	probs := scores.MustMaskedFill(in.masked, ts.FloatScalar(minF32), true).
		MustSoftmax(-1, gotch.Float, true).MustMaskedFill(in.masked, ts.FloatScalar(0), true)
	dropped := ts.MustDropout(probs, l.attnDropout, train)
	probs.MustDrop()
	ctx := dropped.MustMatmul(v, true)
	v.MustDrop()
	return ctx.MustPermute([]int64{0, 2, 1, 3}, true).MustContiguous(true).
		MustView([]int64{b, t, l.heads * l.headDim}, true)
}

// relativeIndices returns the c2p and p2c gather indices [T, T] (row-major):
// clamp(±bucket(i-j) + span, 0, 2·span-1).
func relativeIndices(t, buckets, maxRel, span int) (c2p, p2c []int64) {
	c2p, p2c = make([]int64, t*t), make([]int64, t*t)
	clamp := func(v int) int64 { return int64(min(max(v, 0), 2*span-1)) }
	for i := 0; i < t; i++ {
		for j := 0; j < t; j++ {
			r := logBucket(i-j, buckets, maxRel)
			c2p[i*t+j], p2c[i*t+j] = clamp(r+span), clamp(-r+span)
		}
	}
	return c2p, p2c
}

// logBucket is Hugging Face's make_log_bucket_position for one relative
// position, computed in float32 as PyTorch does: positions within ±mid
// stay, farther ones are log-spaced up to max_relative_positions.
func logBucket(r, buckets, maxRel int) int {
	mid := buckets / 2
	if r < mid && r > -mid {
		return r
	}
	abs := r
	if abs < 0 {
		abs = -abs
	}
	if abs <= mid {
		return r
	}
	ratio := float32(abs) / float32(mid)
	base := float32(math.Log(float64(float32(float64(maxRel-1) / float64(mid)))))
	logPos := int(math.Ceil(float64(float32(math.Log(float64(ratio))) / base * float32(mid-1))))
	if r < 0 {
		return -(logPos + mid)
	}
	return logPos + mid
}
