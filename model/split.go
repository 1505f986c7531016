//go:build gotch

package model

import (
	"fmt"
	"math"
	"slices"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/nn"
	"github.com/sugarme/gotch/ts"
)

// SharedLayers is how many of an encoder's numLayers transformer layers a
// SplitEncoder shares between its two branches for a sharing ratio in
// [0, 1] (search-space joint.share_ratio): round(ratio · numLayers), halves
// rounded up. The embeddings are always shared. Errors wrap ErrBadInput.
// Deterministic.
func SharedLayers(ratio float64, numLayers int) (int, error) {
	if math.IsNaN(ratio) || ratio < 0 || ratio > 1 || numLayers < 1 {
		return 0, fmt.Errorf("%w: share ratio %g of %d layers, want a ratio in [0, 1] and >= 1 layer", ErrBadInput, ratio, numLayers)
	}
	return int(math.Floor(ratio*float64(numLayers) + 0.5)), nil
}

// SplitEncoder is one pretrained Encoder read by two heads through two
// branches. The embeddings and the lowest Shared() transformer layers are
// the trunk both branches share; the top NumHiddenLayers−Shared() layers
// exist twice: the Encoder's own layers form the primary branch, and
// copies of them, in a VarStore of their own (CopyStore), the secondary
// branch. The copies are made from the encoder's values when the
// SplitEncoder is built (after LoadWeights, so both branches start from the
// same pretrained weights) and then train apart.
//
// The copies carry the Encoder's variable names ("encoder.layer.i. ...") and
// optimizer groups (i+1), so TrainableParams and a ParamPolicy freeze and
// decay them exactly as the layers they copy; a caller putting both stores
// into one optimizer must make the parameter names unique (e.g. a prefix).
// Forward is safe for concurrent use.
type SplitEncoder struct {
	enc    *Encoder
	shared int
	copyVS *nn.VarStore
	copies []passLayer
}

// passLayer is one transformer layer run within a forward pass.
type passLayer interface {
	forwardPass(tp *tape, x *ts.Tensor, p *pass) *ts.Tensor
}

// pass is what every layer of one forward pass shares: the batch shape and
// the attention inputs (BERT: the additive mask bias; DeBERTa-v3: relative
// embeddings, gather indices and the pair mask). free releases them.
type pass struct {
	b, t  int64
	train bool
	bias  *ts.Tensor
	deb   *debertaInputs
}

func (p *pass) free() {
	drop(p.bias)
	if p.deb != nil {
		drop(p.deb.rel, p.deb.c2p, p.deb.p2c, p.deb.masked)
	}
}

func (l *layer) forwardPass(tp *tape, x *ts.Tensor, p *pass) *ts.Tensor {
	return l.forward(tp, x, p.bias, p.b, p.t, p.train)
}

func (l *debertaLayer) forwardPass(tp *tape, x *ts.Tensor, p *pass) *ts.Tensor {
	return l.forward(tp, x, *p.deb, p.b, p.t, p.train)
}

// splitBody is an encoderBody that runs in parts: start embeds the batch
// and prepares the pass; stack lists its layers, lowest first.
type splitBody interface {
	start(tp *tape, in forwardInputs, train bool) (*ts.Tensor, *pass)
	stack() []passLayer
	newLayerCopy(bd *builder, cfg Config, opts EncoderOptions, i int) passLayer
}

func (b *bertBody) start(tp *tape, in forwardInputs, train bool) (*ts.Tensor, *pass) {
	hidden := b.emb.forward(tp, in.ids, in.typeIDs, in.shape, in.device, train)
	return hidden, &pass{b: in.shape[0], t: in.shape[1], train: train, bias: attentionBias(tp, in.mask)}
}

func (b *bertBody) stack() []passLayer {
	out := make([]passLayer, len(b.layers))
	for i, l := range b.layers {
		out[i] = l
	}
	return out
}

func (b *bertBody) newLayerCopy(bd *builder, cfg Config, opts EncoderOptions, i int) passLayer {
	return newLayer(bd, cfg, opts, i)
}

func (b *debertaBody) start(tp *tape, in forwardInputs, train bool) (*ts.Tensor, *pass) {
	hidden := b.embed(tp, in, train)
	shared := b.inputs(tp, in, train)
	return hidden, &pass{b: in.shape[0], t: in.shape[1], train: train, deb: &shared}
}

func (b *debertaBody) stack() []passLayer {
	out := make([]passLayer, len(b.layers))
	for i, l := range b.layers {
		out[i] = l
	}
	return out
}

func (b *debertaBody) newLayerCopy(bd *builder, cfg Config, opts EncoderOptions, i int) passLayer {
	return newDebertaLayer(bd, cfg, opts, i)
}

// NewSplitEncoder builds the secondary branch of enc above its lowest
// shared layers (0 <= shared <= NumHiddenLayers; see SharedLayers): a new
// VarStore on enc's device holding copies of layers shared..L−1 with their
// current values. enc's own variables are not changed. The caller keeps
// owning enc (and its VarStore) and must call Free to release the copies.
// Errors wrap ErrBadInput or ErrTorch.
func NewSplitEncoder(enc *Encoder, shared int) (s *SplitEncoder, err error) {
	if enc == nil {
		return nil, fmt.Errorf("%w: nil encoder", ErrBadInput)
	}
	layers := enc.cfg.NumHiddenLayers
	if shared < 0 || shared > layers {
		return nil, fmt.Errorf("%w: %d shared layers of %d", ErrBadInput, shared, layers)
	}
	body, ok := enc.body.(splitBody)
	if !ok {
		return nil, fmt.Errorf("%w: encoder body %T cannot be split", ErrUnsupportedModel, enc.body)
	}
	s = &SplitEncoder{enc: enc, shared: shared, copyVS: nn.NewVarStore(enc.vs.Device())}
	defer func() {
		if err != nil {
			s.Free()
		}
	}()
	bd := &builder{vs: s.copyVS}
	for i := shared; i < layers; i++ {
		s.copies = append(s.copies, body.newLayerCopy(bd, enc.cfg, enc.opts, i))
	}
	if bd.tp.err != nil {
		return nil, fmt.Errorf("%w: build layer copies: %w", ErrTorch, bd.tp.err)
	}
	return s, s.copyValues()
}

// copyValues sets every copied variable to the value of the encoder's
// variable of the same name.
func (s *SplitEncoder) copyValues() (err error) {
	defer recoverInto(&err, "copy shared layers")
	src := s.enc.vs.Variables()
	for name, dst := range s.copyVS.Variables() {
		v, ok := src[name]
		if !ok || !slices.Equal(v.MustSize(), dst.MustSize()) {
			return fmt.Errorf("%w: layer copy %q has no encoder variable of its shape", ErrBadInput, name)
		}
		WithGrad(false, func() { dst.Copy_(&v) })
	}
	return nil
}

// Encoder is the encoder holding the embeddings, the trunk and the
// primary branch.
func (s *SplitEncoder) Encoder() *Encoder { return s.enc }

// Shared is the number of transformer layers both branches share.
func (s *SplitEncoder) Shared() int { return s.shared }

// CopyStore holds the secondary branch's layer copies (empty when every
// layer is shared).
func (s *SplitEncoder) CopyStore() *nn.VarStore { return s.copyVS }

// Free releases the copies' tensors. The encoder is not freed.
func (s *SplitEncoder) Free() {
	if s.copyVS != nil {
		s.copyVS.Destroy()
		s.copyVS = nil
	}
}

// Forward runs the trunk once on a batch (inputs as Encoder.Forward) and
// then both branches on its output, returning their last hidden states
// [B, T, hidden]. With every layer shared both results are the same
// values (two handles of one tensor); gradients through either reach the
// trunk. The caller frees both results; errors as Encoder.Forward's.
func (s *SplitEncoder) Forward(ids, typeIDs, mask *ts.Tensor, train bool) (primary, secondary *ts.Tensor, err error) {
	in, err := s.enc.checkInputs(ids, typeIDs, mask)
	if err != nil {
		return nil, nil, err
	}
	tp := &tape{}
	if in.mask == nil {
		in.mask = tp.do("ones", func() (*ts.Tensor, error) { return ts.Ones(in.shape, gotch.Int64, in.device) })
		defer drop(in.mask)
	}
	body := s.enc.body.(splitBody) // checked by NewSplitEncoder
	hidden, p := body.start(tp, in, train)
	defer p.free()
	layers := body.stack()
	trunk := runLayers(tp, hidden, layers[:s.shared], p)
	if trunk != hidden {
		drop(hidden)
	}
	if s.shared == len(layers) {
		primary = trunk
		secondary = tp.do("shallow clone", func() (*ts.Tensor, error) { return trunk.ShallowClone() })
	} else {
		primary = runLayers(tp, trunk, layers[s.shared:], p)
		secondary = runLayers(tp, trunk, s.copies, p)
		drop(trunk)
	}
	if tp.err != nil {
		drop(primary, secondary)
		return nil, nil, fmt.Errorf("%w: split encoder forward: %w", ErrTorch, tp.err)
	}
	return primary, secondary, nil
}

// runLayers runs x through layers and returns the result; x is not
// consumed (it is returned itself when layers is empty, so the caller must
// then not free both).
func runLayers(tp *tape, x *ts.Tensor, layers []passLayer, p *pass) *ts.Tensor {
	hidden := x
	for _, l := range layers {
		next := l.forwardPass(tp, hidden, p)
		if hidden != x {
			drop(hidden)
		}
		hidden = next
	}
	return hidden
}

// ForwardBatch moves a collated Batch to device and runs Forward on it.
func (s *SplitEncoder) ForwardBatch(b Batch, device gotch.Device, train bool) (primary, secondary *ts.Tensor, err error) {
	if err := checkDevice(device); err != nil {
		return nil, nil, err
	}
	if b.Size == 0 || len(b.IDs) != b.Size*b.Len || len(b.TypeIDs) != len(b.IDs) || len(b.Mask) != len(b.IDs) {
		return nil, nil, fmt.Errorf("%w: batch of %d ids, %d type ids, %d mask values for shape [%d, %d]",
			ErrBadInput, len(b.IDs), len(b.TypeIDs), len(b.Mask), b.Size, b.Len)
	}
	shape := []int64{int64(b.Size), int64(b.Len)}
	tp := &tape{}
	ids := tp.int64s(b.IDs, shape, device)
	types := tp.int64s(b.TypeIDs, shape, device)
	mask := tp.int64s(b.Mask, shape, device)
	defer drop(ids, types, mask)
	if tp.err != nil {
		return nil, nil, fmt.Errorf("%w: batch to %v: %w", ErrTorch, device, tp.err)
	}
	return s.Forward(ids, types, mask, train)
}
