//go:build gotch

package model

import (
	"fmt"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/nn"
	"github.com/sugarme/gotch/ts"
)

// EncoderOptions are the build-time settings of an Encoder that a trial
// samples. Plain data; see DefaultEncoderOptions and Validate.
type EncoderOptions struct {
	// HiddenDropout is the dropout after embeddings, attention output and
	// feed-forward output (search-space parameter model.dropout).
	HiddenDropout float64
	// AttentionDropout is the dropout on attention probabilities
	// (search-space parameter model.attn_dropout).
	AttentionDropout float64
}

// DefaultEncoderOptions takes the dropouts of config.json.
func DefaultEncoderOptions(cfg Config) EncoderOptions {
	return EncoderOptions{HiddenDropout: cfg.HiddenDropoutProb, AttentionDropout: cfg.AttentionProbsDropoutProb}
}

// Validate checks both dropouts lie in [0, 1); errors wrap ErrBadInput.
func (o EncoderOptions) Validate() error {
	if o.HiddenDropout < 0 || o.HiddenDropout >= 1 {
		return fmt.Errorf("%w: hidden dropout %g, want in [0, 1)", ErrBadInput, o.HiddenDropout)
	}
	if o.AttentionDropout < 0 || o.AttentionDropout >= 1 {
		return fmt.Errorf("%w: attention dropout %g, want in [0, 1)", ErrBadInput, o.AttentionDropout)
	}
	return nil
}

// Encoder is a BERT-family (or DeBERTa-v3) transformer encoder whose variables live in a
// gotch VarStore under the Hugging Face base-model names (see WeightShapes).
// Variables carry optimizer groups: 0 for the embeddings (and ELECTRA's
// embeddings_project), i+1 for layer i; HeadGroup() is the first free
// group, for the task heads built on top. Forward is safe for concurrent
// use; Freeze is not safe concurrently with training.
type Encoder struct {
	cfg  Config
	opts EncoderOptions
	vs   *nn.VarStore
	body encoderBody
}

// encoderBody is one architecture: embeddings and transformer layers from
// ids, type ids and an int64 mask (all [B, T]) to the last hidden state.
type encoderBody interface {
	forward(ids, typeIDs, mask *ts.Tensor, train bool) *ts.Tensor
}

// bertBody serves BERT, RoBERTa, XLM-RoBERTa and ELECTRA.
type bertBody struct {
	emb    *embeddings
	layers []*layer
}

func newBertBody(vs *nn.VarStore, cfg Config, opts EncoderOptions) *bertBody {
	b := &bertBody{emb: newEmbeddings(vs, cfg, opts)}
	for i := 0; i < cfg.NumHiddenLayers; i++ {
		b.layers = append(b.layers, newLayer(vs, cfg, opts, i))
	}
	return b
}

func (b *bertBody) forward(ids, typeIDs, mask *ts.Tensor, train bool) *ts.Tensor {
	hidden := b.emb.forward(ids, typeIDs, mask, train)
	bias := attentionBias(mask)
	defer bias.MustDrop()
	for _, l := range b.layers {
		next := l.forward(hidden, bias, train)
		hidden.MustDrop()
		hidden = next
	}
	return hidden
}

// NewEncoder creates the encoder's variables in vs (randomly initialized;
// load weights with LoadWeights). cfg and opts are validated first. The
// variables are registered at the root of vs, so task heads must use a
// sub-path that does not clash (e.g. "head").
func NewEncoder(vs *nn.VarStore, cfg Config, opts EncoderOptions) (enc *Encoder, err error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	if vs == nil {
		return nil, fmt.Errorf("%w: nil VarStore", ErrBadInput)
	}
	if err := checkDevice(vs.Device()); err != nil {
		return nil, err
	}
	defer recoverInto(&err, "build encoder")
	enc = &Encoder{cfg: cfg, opts: opts, vs: vs}
	if f, _ := cfg.Family(); f == FamilyDeBERTaV2 {
		enc.body = newDebertaBody(vs, cfg, opts)
	} else {
		enc.body = newBertBody(vs, cfg, opts)
	}
	return enc, nil
}

// Config is the model config the encoder was built from.
func (e *Encoder) Config() Config { return e.cfg }

// Options are the dropouts the encoder was built with.
func (e *Encoder) Options() EncoderOptions { return e.opts }

// VarStore is the store holding the encoder's variables (and any head
// variables added to it).
func (e *Encoder) VarStore() *nn.VarStore { return e.vs }

// HiddenSize is the width of the encoder's output vectors.
func (e *Encoder) HiddenSize() int { return e.cfg.HiddenSize }

// Forward runs the encoder on a batch of token ids [B, T] (int64), token
// type ids [B, T] (may be nil: all 0; ignored for RoBERTa-family models,
// which have one type) and attention mask [B, T] (1 = token, 0 = padding;
// nil: all tokens). It returns the last hidden state [B, T, hidden] as
// float32. train turns dropout on. The inputs are not consumed; the caller
// owns and frees the result.
func (e *Encoder) Forward(ids, typeIDs, mask *ts.Tensor, train bool) (out *ts.Tensor, err error) {
	defer recoverInto(&err, "encoder forward")
	if ids == nil {
		return nil, fmt.Errorf("%w: nil input ids", ErrBadInput)
	}
	shape := ids.MustSize()
	if len(shape) != 2 {
		return nil, fmt.Errorf("%w: input ids of shape %v, want [batch, length]", ErrBadInput, shape)
	}
	if err := e.checkLength(shape[1]); err != nil {
		return nil, err
	}
	if mask == nil {
		mask = ts.MustOnes(shape, gotch.Int64, ids.MustDevice())
		defer mask.MustDrop()
	}
	return e.body.forward(ids, typeIDs, mask, train), nil
}

// ForwardBatch moves a collated Batch to device and runs Forward on it.
func (e *Encoder) ForwardBatch(b Batch, device gotch.Device, train bool) (out *ts.Tensor, err error) {
	defer recoverInto(&err, "encoder forward")
	if err := checkDevice(device); err != nil {
		return nil, err
	}
	if b.Size == 0 || len(b.IDs) != b.Size*b.Len {
		return nil, fmt.Errorf("%w: batch of %d ids for shape [%d, %d]", ErrBadInput, len(b.IDs), b.Size, b.Len)
	}
	shape := []int64{int64(b.Size), int64(b.Len)}
	ids := int64Tensor(b.IDs, shape, device)
	defer ids.MustDrop()
	types := int64Tensor(b.TypeIDs, shape, device)
	defer types.MustDrop()
	mask := int64Tensor(b.Mask, shape, device)
	defer mask.MustDrop()
	return e.Forward(ids, types, mask, train)
}

func (e *Encoder) checkLength(t int64) error {
	limit := int64(e.cfg.MaxPositionEmbeddings - e.cfg.PositionOffset())
	if t < 1 || t > limit {
		return fmt.Errorf("%w: sequence length %d, model takes 1..%d tokens", ErrBadInput, t, limit)
	}
	return nil
}

// checkDevice rejects a Device that gotch would log.Fatal on (the zero
// value among them): only CPU and CUDA devices are valid.
func checkDevice(d gotch.Device) error {
	if d.Name != gotch.CPU.Name && d.Name != "CUDA" {
		return fmt.Errorf("%w: device %+v (want gotch.CPU or gotch.CudaBuilder(n))", ErrBadInput, d)
	}
	return nil
}

func int64Tensor(data []int64, shape []int64, device gotch.Device) *ts.Tensor {
	t := ts.MustOfSlice(data).MustView(shape, true)
	if device.Name != gotch.CPU.Name {
		return t.MustTo(device, true)
	}
	return t
}

// attentionBias turns a [B, T] mask into an additive [B, 1, 1, T] bias:
// 0 where mask is 1 and the most negative float32 where it is 0, as
// Hugging Face does (so a fully padded row still gives finite softmax).
func attentionBias(mask *ts.Tensor) *ts.Tensor {
	m := mask.MustTotype(gotch.Float, false).MustUnsqueeze(1, true).MustUnsqueeze(2, true)
	// (1 - m) * min  ==  m * (-min) + min
	const minF32 = -3.4028234663852886e38
	return m.MustMulScalar(ts.FloatScalar(-minF32), true).MustAddScalar(ts.FloatScalar(minF32), true)
}

// recoverInto converts a panic from gotch's Must* calls into an error, so
// that no panic crosses this package's boundary.
func recoverInto(err *error, what string) {
	if r := recover(); r != nil {
		*err = fmt.Errorf("%s: libtorch: %v", what, r)
	}
}
