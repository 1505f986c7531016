//go:build gotch

package model

import (
	"fmt"
	"math"
	"strings"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/nn"
	"github.com/sugarme/gotch/ts"

	"github.com/redsm5/supermax-hpo/model/torch"
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

// builder creates the encoder's variables through gotch's error-returning
// calls (its NewVar initializers end the process on a libtorch error) and
// keeps the first error in its tape.
type builder struct {
	vs *nn.VarStore
	tp tape
}

// init kinds of builder.variable: uniform in [-a, a], normal(0, a), constant a.
const (
	initUniform = iota
	initNormal
	initConst
)

// variable adds a trainable float32 variable dotted.name of shape to vs in
// optimizer group group, initialized by kind and a.
func (b *builder) variable(group uint, dotted, name string, shape []int64, kind int, a float64) *ts.Tensor {
	tp, device := &b.tp, b.vs.Device()
	var t *ts.Tensor
	switch kind {
	case initUniform:
		t = tp.glue("rand", nil, false, func() (*ts.Tensor, error) { return torch.Rand(shape, device) })
		t = tp.addScalar(tp.mulScalar(t, 2*a, true), -a, true)
	case initNormal:
		t = tp.mulScalar(tp.glue("randn", nil, false, func() (*ts.Tensor, error) { return torch.Randn(shape, device) }), a, true)
	default:
		t = tp.glue("full", nil, false, func() (*ts.Tensor, error) { return torch.Full(shape, a, device) })
	}
	v := tp.do("add variable "+dotted+"."+name, func() (*ts.Tensor, error) {
		return pathAt(b.vs, group, dotted).Add(name, t, true)
	})
	drop(t)
	return v
}

// linear is y = x Wᵀ + b with W [out, in] stored as "<name>.weight".
type linear struct{ w, b *ts.Tensor }

func newLinear(b *builder, group uint, name string, in, out int) linear {
	bound := 1 / math.Sqrt(float64(in))
	return linear{
		w: b.variable(group, name, "weight", []int64{int64(out), int64(in)}, initUniform, bound),
		b: b.variable(group, name, "bias", []int64{int64(out)}, initConst, 0),
	}
}

// layerNorm over the last dimension, stored as "<name>.weight"/".bias".
type layerNorm struct {
	w, b *ts.Tensor
	dim  int64
	eps  float64
}

func newLayerNorm(b *builder, group uint, name string, dim int, eps float64) layerNorm {
	return layerNorm{
		w:   b.variable(group, name, "weight", []int64{int64(dim)}, initConst, 1),
		b:   b.variable(group, name, "bias", []int64{int64(dim)}, initConst, 0),
		dim: int64(dim), eps: eps,
	}
}

func embeddingVar(b *builder, name string, rows, width int) *ts.Tensor {
	return b.variable(0, name, "weight", []int64{int64(rows), int64(width)}, initNormal, 0.02)
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

func newEmbeddings(b *builder, cfg Config, opts EncoderOptions) *embeddings {
	width := cfg.EmbeddingWidth()
	fam, _ := cfg.Family()
	e := &embeddings{
		cfg:            cfg,
		word:           embeddingVar(b, "embeddings.word_embeddings", cfg.VocabSize, width),
		pos:            embeddingVar(b, "embeddings.position_embeddings", cfg.MaxPositionEmbeddings, width),
		tokType:        embeddingVar(b, "embeddings.token_type_embeddings", cfg.TypeVocabSize, width),
		norm:           newLayerNorm(b, 0, "embeddings.LayerNorm", width, cfg.LayerNormEps),
		dropout:        opts.HiddenDropout,
		positionOffset: int64(cfg.PositionOffset()),
		pad:            int64(cfg.PadTokenID),
		roberta:        fam == FamilyRoBERTa,
	}
	if width != cfg.HiddenSize {
		p := newLinear(b, 0, "embeddings_project", width, cfg.HiddenSize)
		e.project = &p
	}
	return e
}

func (e *embeddings) forward(tp *tape, ids, typeIDs *ts.Tensor, shape []int64, device gotch.Device, train bool) *ts.Tensor {
	positions := e.positionIDs(tp, ids, shape, device)
	types := typeIDs
	if types == nil || e.roberta {
		types = tp.zerosLike(ids)
		defer drop(types)
	}
	word := tp.embedding(e.word, ids, e.pad)
	pos := tp.embedding(e.pos, positions, -1)
	typ := tp.embedding(e.tokType, types, -1)
	drop(positions)
	sum := tp.add(tp.add(word, pos, true), typ, true)
	drop(pos, typ)
	normed := tp.layerNorm(sum, e.norm)
	drop(sum)
	out := tp.dropout(normed, e.dropout, train)
	drop(normed)
	if e.project == nil {
		return out
	}
	projected := tp.linear(out, *e.project)
	drop(out)
	return projected
}

// positionIDs: 0..T-1 for BERT and ELECTRA; for RoBERTa the count of
// non-pad tokens so far plus pad_token_id, and pad_token_id at padding
// (Hugging Face's create_position_ids_from_input_ids).
func (e *embeddings) positionIDs(tp *tape, ids *ts.Tensor, shape []int64, device gotch.Device) *ts.Tensor {
	if !e.roberta {
		ar := tp.glue("arange", nil, false, func() (*ts.Tensor, error) { return torch.Arange(shape[1], gotch.Int64, device) })
		return tp.expand(tp.unsqueeze(ar, 0, true), shape, true)
	}
	notPad := tp.totype(tp.glue("ne", ids, false, func() (*ts.Tensor, error) { return torch.NeInt(ids, e.pad) }), gotch.Int64, true)
	sums := tp.glue("cumsum", notPad, false, func() (*ts.Tensor, error) { return torch.Cumsum(notPad, 1, gotch.Int64) })
	counted := tp.mul(sums, notPad, true)
	drop(notPad)
	return tp.glue("add", counted, true, func() (*ts.Tensor, error) { return torch.AddInt(counted, e.pad) })
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

func newLayer(b *builder, cfg Config, opts EncoderOptions, i int) *layer {
	return newLayerNamed(b, cfg, opts, i, [3]string{"query", "key", "value"})
}

// newLayerNamed builds encoder layer i; qkv names its query, key and value
// projections under attention.self (BERT: query; DeBERTa-v3: query_proj).
func newLayerNamed(b *builder, cfg Config, opts EncoderOptions, i int, qkv [3]string) *layer {
	g, h, p := uint(i+1), cfg.HiddenSize, fmt.Sprintf("encoder.layer.%d.", i)
	return &layer{
		query:       newLinear(b, g, p+"attention.self."+qkv[0], h, h),
		key:         newLinear(b, g, p+"attention.self."+qkv[1], h, h),
		value:       newLinear(b, g, p+"attention.self."+qkv[2], h, h),
		attnOut:     newLinear(b, g, p+"attention.output.dense", h, h),
		attnNorm:    newLayerNorm(b, g, p+"attention.output.LayerNorm", h, cfg.LayerNormEps),
		inter:       newLinear(b, g, p+"intermediate.dense", h, cfg.IntermediateSize),
		out:         newLinear(b, g, p+"output.dense", cfg.IntermediateSize, h),
		outNorm:     newLayerNorm(b, g, p+"output.LayerNorm", h, cfg.LayerNormEps),
		heads:       int64(cfg.NumAttentionHeads),
		headDim:     int64(h / cfg.NumAttentionHeads),
		act:         cfg.HiddenAct,
		dropout:     opts.HiddenDropout,
		attnDropout: opts.AttentionDropout,
	}
}

func (l *layer) forward(tp *tape, x, bias *ts.Tensor, b, t int64, train bool) *ts.Tensor {
	ctx := l.attention(tp, x, bias, b, t, train)
	return l.feedForward(tp, ctx, x, train)
}

// feedForward is the rest of a block after self-attention: output dense,
// residual, LayerNorm, intermediate dense and activation, output dense,
// residual, LayerNorm. It consumes ctx.
func (l *layer) feedForward(tp *tape, ctx, x *ts.Tensor, train bool) *ts.Tensor {
	attended := l.residual(tp, l.attnOut, l.attnNorm, ctx, x, train)
	drop(ctx)
	inter := tp.activate(l.act, tp.linear(attended, l.inter))
	out := l.residual(tp, l.out, l.outNorm, inter, attended, train)
	drop(inter, attended)
	return out
}

// residual is LayerNorm(dropout(dense(h)) + input).
func (l *layer) residual(tp *tape, dense linear, norm layerNorm, h, input *ts.Tensor, train bool) *ts.Tensor {
	projected := tp.linear(h, dense)
	dropped := tp.dropout(projected, l.dropout, train)
	drop(projected)
	sum := tp.add(dropped, input, true)
	out := tp.layerNorm(sum, norm)
	drop(sum)
	return out
}

// attention returns the attention context [B, T, hidden].
func (l *layer) attention(tp *tape, x, bias *ts.Tensor, b, t int64, train bool) *ts.Tensor {
	q := l.splitHeads(tp, tp.linear(x, l.query), b, t)
	k := l.splitHeads(tp, tp.linear(x, l.key), b, t)
	v := l.splitHeads(tp, tp.linear(x, l.value), b, t)
	kt := tp.transpose(k, -1, -2, true)
	scores := tp.mulScalar(tp.matmul(q, kt, true), 1/math.Sqrt(float64(l.headDim)), true)
	drop(kt)
	probs := tp.softmax(tp.add(scores, bias, true), true)
	return l.context(tp, probs, v, b, t, train)
}

// context applies attention dropout to probs and returns probs·v merged
// back to [B, T, hidden], consuming probs and v.
func (l *layer) context(tp *tape, probs, v *ts.Tensor, b, t int64, train bool) *ts.Tensor {
	dropped := tp.dropout(probs, l.attnDropout, train)
	drop(probs)
	ctx := tp.matmul(dropped, v, true)
	drop(v)
	merged := tp.contiguous(tp.permute(ctx, []int64{0, 2, 1, 3}, true), true)
	return tp.view(merged, []int64{b, t, l.heads * l.headDim}, true)
}

// splitHeads reshapes [B, T, hidden] to [B, heads, T, head_dim], consuming x.
func (l *layer) splitHeads(tp *tape, x *ts.Tensor, b, t int64) *ts.Tensor {
	return tp.permute(tp.view(x, []int64{b, t, l.heads, l.headDim}, true), []int64{0, 2, 1, 3}, true)
}
