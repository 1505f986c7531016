//go:build gotch

package model

import (
	"math"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/ts"

	"github.com/redsm5/supermax-hpo/model/torch"
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
	span  int
}

func newDebertaBody(bd *builder, cfg Config, opts EncoderOptions) *debertaBody {
	e, h := cfg.EmbeddingWidth(), cfg.HiddenSize
	span := cfg.debertaSpan()
	b := &debertaBody{
		cfg:     cfg,
		word:    embeddingVar(bd, "embeddings.word_embeddings", cfg.VocabSize, e),
		embNorm: newLayerNorm(bd, 0, "embeddings.LayerNorm", h, cfg.LayerNormEps),
		relEmb:  embeddingVar(bd, "encoder.rel_embeddings", 2*span, h),
		relNorm: newLayerNorm(bd, 0, "encoder.LayerNorm", h, cfg.LayerNormEps),
		dropout: opts.HiddenDropout, span: int64(span), pad: int64(cfg.PadTokenID),
		buckets: cfg.PositionBuckets, maxRP: cfg.debertaMaxRelative(),
	}
	if cfg.TypeVocabSize > 0 {
		b.tokType = embeddingVar(bd, "embeddings.token_type_embeddings", cfg.TypeVocabSize, e)
	}
	if e != h {
		b.embProj = bd.variable(0, "embeddings.embed_proj", "weight", []int64{int64(h), int64(e)}, initUniform, 1/math.Sqrt(float64(e)))
	}
	for i := 0; i < cfg.NumHiddenLayers; i++ {
		b.layers = append(b.layers, newDebertaLayer(bd, cfg, opts, i))
	}
	return b
}

func newDebertaLayer(bd *builder, cfg Config, opts EncoderOptions, i int) *debertaLayer {
	l := newLayerNamed(bd, cfg, opts, i, [3]string{"query_proj", "key_proj", "value_proj"})
	return &debertaLayer{span: cfg.debertaSpan(), layer: *l}
}

// debertaInputs are what every layer shares in one forward pass.
type debertaInputs struct {
	rel      *ts.Tensor // LayerNorm'd relative embeddings [1, 2*span, hidden]
	c2p, p2c *ts.Tensor // gather indices expanded to [B, heads, T, T]
	masked   *ts.Tensor // bool [B, 1, T, T], true where query or key is padding
}

func (b *debertaBody) forward(tp *tape, in forwardInputs, train bool) *ts.Tensor {
	hidden := b.embed(tp, in, train)
	shared := b.inputs(tp, in, train)
	defer drop(shared.rel, shared.c2p, shared.p2c, shared.masked)
	for _, l := range b.layers {
		next := l.forward(tp, hidden, shared, in.shape[0], in.shape[1], train)
		drop(hidden)
		hidden = next
	}
	return hidden
}

func (b *debertaBody) embed(tp *tape, in forwardInputs, train bool) *ts.Tensor {
	x := tp.embedding(b.word, in.ids, b.pad)
	if b.tokType != nil {
		types := in.typeIDs
		if types == nil {
			types = tp.zerosLike(in.ids)
			defer drop(types)
		}
		typ := tp.embedding(b.tokType, types, -1)
		x = tp.add(x, typ, true)
		drop(typ)
	}
	if b.embProj != nil {
		w := tp.glue("t", nil, false, func() (*ts.Tensor, error) { return torch.T(b.embProj) })
		x = tp.matmul(x, w, true)
		drop(w)
	}
	normed := tp.layerNorm(x, b.embNorm)
	drop(x)
	keep := tp.unsqueeze(tp.totype(in.mask, gotch.Float, false), 2, true)
	masked := tp.mul(normed, keep, true)
	drop(keep)
	out := tp.dropout(masked, b.dropout, train)
	drop(masked)
	return out
}

func (b *debertaBody) inputs(tp *tape, in forwardInputs, train bool) debertaInputs {
	t := in.shape[1]
	normed := tp.layerNorm(b.relEmb, b.relNorm)
	rel := tp.unsqueeze(tp.dropout(normed, b.dropout, train), 0, true)
	drop(normed)
	c2p, p2c := relativeIndices(int(t), b.buckets, b.maxRP, int(b.span))
	full := []int64{in.shape[0], int64(b.cfg.NumAttentionHeads), t, t}
	m := tp.totype(in.mask, gotch.Float, false)
	// Hugging Face: mask[b, j] * mask[b, i], as [B, 1, T, T].
	keys := tp.unsqueeze(tp.unsqueeze(m, 1, false), 2, true)
	queries := tp.unsqueeze(tp.unsqueeze(m, 1, false), 3, true)
	drop(m)
	pair := tp.mul(keys, queries, true)
	drop(queries)
	return debertaInputs{
		rel:    rel,
		c2p:    tp.expand(tp.int64s(c2p, []int64{t, t}, in.device), full, true),
		p2c:    tp.expand(tp.int64s(p2c, []int64{t, t}, in.device), full, true),
		masked: tp.glue("eq", pair, true, func() (*ts.Tensor, error) { return torch.EqScalar(pair, 0) }),
	}
}

func (l *debertaLayer) forward(tp *tape, x *ts.Tensor, in debertaInputs, b, t int64, train bool) *ts.Tensor {
	ctx := l.attention(tp, x, in, b, t, train)
	return l.feedForward(tp, ctx, x, train)
}

// attention is DisentangledSelfAttention with share_att_key and c2p+p2c:
// scores = (q·kᵀ + c2p + p2c) / sqrt(3·head_dim), softmax over unmasked
// keys, masked rows and columns zeroed.
func (l *debertaLayer) attention(tp *tape, x *ts.Tensor, in debertaInputs, b, t int64, train bool) *ts.Tensor {
	span2 := int64(2 * l.span)
	q := l.splitHeads(tp, tp.linear(x, l.query), b, t)
	k := l.splitHeads(tp, tp.linear(x, l.key), b, t)
	v := l.splitHeads(tp, tp.linear(x, l.value), b, t)
	posQ := tp.transpose(l.splitHeads(tp, tp.linear(in.rel, l.query), 1, span2), -1, -2, true) // [1, h, d, 2span]
	posK := tp.transpose(l.splitHeads(tp, tp.linear(in.rel, l.key), 1, span2), -1, -2, true)
	kt := tp.transpose(k, -1, -2, false)
	scores := tp.matmul(q, kt, false)
	drop(kt)
	c2p := tp.gather(tp.matmul(q, posK, true), in.c2p, true)
	p2c := tp.transpose(tp.gather(tp.matmul(k, posQ, true), in.p2c, true), -1, -2, true)
	drop(posK, posQ)
	scores = tp.add(tp.add(scores, c2p, true), p2c, true)
	drop(c2p, p2c)
	scores = tp.mulScalar(scores, 1/math.Sqrt(float64(3*l.headDim)), true)
	probs := tp.maskedFill(tp.softmax(tp.maskedFill(scores, in.masked, minFloat32, true), true), in.masked, 0, true)
	return l.context(tp, probs, v, b, t, train)
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
