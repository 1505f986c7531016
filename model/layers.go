//go:build gotch

package model

import (
	"fmt"
	"math"
	"strings"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/nn"
	"github.com/sugarme/gotch/ts"
)

// pathAt returns the VarStore path for a dotted name, built from the root
// each time: gotch's Path.Sub appends to a shared slice, so two sub-paths
// branched from one kept Path can overwrite each other's last element.
func pathAt(vs *nn.VarStore, group uint, dotted string) *nn.Path {
	p := vs.Root()
	for _, part := range strings.Split(dotted, ".") {
		p = p.Sub(part)
	}
	p.SetGroup(group)
	return p
}

// linear is y = x Wᵀ + b with W [out, in] stored as "<name>.weight".
type linear struct{ w, b *ts.Tensor }

func newLinear(vs *nn.VarStore, group uint, name string, in, out int) linear {
	p := pathAt(vs, group, name)
	bound := 1 / math.Sqrt(float64(in))
	return linear{
		w: p.MustNewVar("weight", []int64{int64(out), int64(in)}, nn.NewUniformInit(-bound, bound)),
		b: p.MustNewVar("bias", []int64{int64(out)}, nn.NewConstInit(0)),
	}
}

func (l linear) forward(x *ts.Tensor) *ts.Tensor { return ts.MustLinear(x, l.w, l.b) }

// layerNorm over the last dimension, stored as "<name>.weight"/".bias".
type layerNorm struct {
	w, b *ts.Tensor
	dim  int64
	eps  float64
}

func newLayerNorm(vs *nn.VarStore, group uint, name string, dim int, eps float64) layerNorm {
	p := pathAt(vs, group, name)
	return layerNorm{
		w:   p.MustNewVar("weight", []int64{int64(dim)}, nn.NewConstInit(1)),
		b:   p.MustNewVar("bias", []int64{int64(dim)}, nn.NewConstInit(0)),
		dim: int64(dim), eps: eps,
	}
}

func (n layerNorm) forward(x *ts.Tensor) *ts.Tensor {
	return ts.MustLayerNorm(x, []int64{n.dim}, n.w, n.b, n.eps, false)
}

func embeddingVar(vs *nn.VarStore, name string, rows, width int) *ts.Tensor {
	return pathAt(vs, 0, name).MustNewVar("weight", []int64{int64(rows), int64(width)}, nn.NewRandnInit(0, 0.02))
}

// embeddings: word + position + token type, LayerNorm, dropout, and for
// ELECTRA with embedding_size != hidden_size the embeddings_project.
type embeddings struct {
	cfg                 Config
	word, pos, tokType  *ts.Tensor
	norm                layerNorm
	project             *linear
	dropout             float64
	positionOffset, pad int64
	roberta             bool
}

func newEmbeddings(vs *nn.VarStore, cfg Config, opts EncoderOptions) *embeddings {
	width := cfg.EmbeddingWidth()
	fam, _ := cfg.Family()
	e := &embeddings{
		cfg:            cfg,
		word:           embeddingVar(vs, "embeddings.word_embeddings", cfg.VocabSize, width),
		pos:            embeddingVar(vs, "embeddings.position_embeddings", cfg.MaxPositionEmbeddings, width),
		tokType:        embeddingVar(vs, "embeddings.token_type_embeddings", cfg.TypeVocabSize, width),
		norm:           newLayerNorm(vs, 0, "embeddings.LayerNorm", width, cfg.LayerNormEps),
		dropout:        opts.HiddenDropout,
		positionOffset: int64(cfg.PositionOffset()),
		pad:            int64(cfg.PadTokenID),
		roberta:        fam == FamilyRoBERTa,
	}
	if width != cfg.HiddenSize {
		p := newLinear(vs, 0, "embeddings_project", width, cfg.HiddenSize)
		e.project = &p
	}
	return e
}

func (e *embeddings) forward(ids, typeIDs, mask *ts.Tensor, train bool) *ts.Tensor {
	positions := e.positionIDs(ids)
	defer positions.MustDrop()
	types := typeIDs
	if types == nil || e.roberta {
		types = ids.MustZerosLike(false)
		defer types.MustDrop()
	}
	word := ts.MustEmbedding(e.word, ids, e.pad, false, false)
	pos := ts.MustEmbedding(e.pos, positions, -1, false, false)
	typ := ts.MustEmbedding(e.tokType, types, -1, false, false)
	sum := word.MustAdd(pos, true).MustAdd(typ, true)
	pos.MustDrop()
	typ.MustDrop()
	normed := e.norm.forward(sum)
	sum.MustDrop()
	out := ts.MustDropout(normed, e.dropout, train)
	normed.MustDrop()
	if e.project == nil {
		return out
	}
	projected := e.project.forward(out)
	out.MustDrop()
	return projected
}

// positionIDs: 0..T-1 for BERT and ELECTRA; for RoBERTa the count of
// non-pad tokens so far plus pad_token_id, and pad_token_id at padding
// (Hugging Face's create_position_ids_from_input_ids).
func (e *embeddings) positionIDs(ids *ts.Tensor) *ts.Tensor {
	shape := ids.MustSize()
	if !e.roberta {
		return ts.MustArange(ts.IntScalar(shape[1]), gotch.Int64, ids.MustDevice()).
			MustUnsqueeze(0, true).MustExpand(shape, true, true)
	}
	notPad := ids.MustNe(ts.IntScalar(e.pad), false).MustTotype(gotch.Int64, true)
	counted := notPad.MustCumsum(1, gotch.Int64, false).MustMul(notPad, true)
	notPad.MustDrop()
	return counted.MustAddScalar(ts.IntScalar(e.pad), true)
}

// layer is one transformer block: self-attention and feed-forward, each
// followed by dropout, a residual connection and LayerNorm (post-LN).
type layer struct {
	query, key, value, attnOut, inter, out linear
	attnNorm, outNorm                      layerNorm
	heads, headDim                         int64
	act                                    string
	dropout, attnDropout                   float64
}

func newLayer(vs *nn.VarStore, cfg Config, opts EncoderOptions, i int) *layer {
	g, h, p := uint(i+1), cfg.HiddenSize, fmt.Sprintf("encoder.layer.%d.", i)
	return &layer{
		query:       newLinear(vs, g, p+"attention.self.query", h, h),
		key:         newLinear(vs, g, p+"attention.self.key", h, h),
		value:       newLinear(vs, g, p+"attention.self.value", h, h),
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
	}
}

func (l *layer) forward(x, bias *ts.Tensor, train bool) *ts.Tensor {
	ctx := l.attention(x, bias, train)
	attended := l.residual(l.attnOut, l.attnNorm, ctx, x, train)
	ctx.MustDrop()
	inter := activate(l.act, l.inter.forward(attended))
	out := l.residual(l.out, l.outNorm, inter, attended, train)
	inter.MustDrop()
	attended.MustDrop()
	return out
}

// residual is LayerNorm(dropout(dense(h)) + input).
func (l *layer) residual(dense linear, norm layerNorm, h, input *ts.Tensor, train bool) *ts.Tensor {
	projected := dense.forward(h)
	dropped := ts.MustDropout(projected, l.dropout, train)
	projected.MustDrop()
	sum := dropped.MustAdd(input, true)
	out := norm.forward(sum)
	sum.MustDrop()
	return out
}

// attention returns the attention context [B, T, hidden].
func (l *layer) attention(x, bias *ts.Tensor, train bool) *ts.Tensor {
	shape := x.MustSize()
	b, t := shape[0], shape[1]
	q := l.splitHeads(l.query.forward(x), b, t)
	k := l.splitHeads(l.key.forward(x), b, t)
	v := l.splitHeads(l.value.forward(x), b, t)
	scores := q.MustMatmul(k.MustTranspose(-1, -2, true), true).
		MustDivScalar(ts.FloatScalar(math.Sqrt(float64(l.headDim))), true).
		MustAdd(bias, true)
	probs := scores.MustSoftmax(-1, gotch.Float, true)
	dropped := ts.MustDropout(probs, l.attnDropout, train)
	probs.MustDrop()
	ctx := dropped.MustMatmul(v, true)
	v.MustDrop()
	return ctx.MustPermute([]int64{0, 2, 1, 3}, true).MustContiguous(true).
		MustView([]int64{b, t, l.heads * l.headDim}, true)
}

// splitHeads reshapes [B, T, hidden] to [B, heads, T, head_dim], consuming x.
func (l *layer) splitHeads(x *ts.Tensor, b, t int64) *ts.Tensor {
	return x.MustView([]int64{b, t, l.heads, l.headDim}, true).MustPermute([]int64{0, 2, 1, 3}, true)
}

// activate applies hidden_act to x, consuming it. Config.Validate admits
// only the names handled here.
func activate(act string, x *ts.Tensor) *ts.Tensor {
	switch act {
	case "gelu":
		return x.MustGelu("none", true)
	case "gelu_new", "gelu_pytorch_tanh":
		return x.MustGelu("tanh", true)
	case "relu":
		return x.MustRelu(true)
	default: // "silu", "swish"
		return x.MustSilu(true)
	}
}
