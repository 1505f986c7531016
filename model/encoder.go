//go:build gotch

package model

import (
	"fmt"
	"reflect"
	"runtime"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/nn"
	"github.com/sugarme/gotch/ts"

	"github.com/redsm5/supermax-hpo/model/torch"
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
	forward(tp *tape, in forwardInputs, train bool) *ts.Tensor
}

// forwardInputs are one batch, validated by Forward.
type forwardInputs struct {
	ids, typeIDs, mask *ts.Tensor // typeIDs may be nil
	shape              []int64    // [B, T]
	device             gotch.Device
}

// bertBody serves BERT, RoBERTa, XLM-RoBERTa and ELECTRA.
type bertBody struct {
	emb    *embeddings
	layers []*layer
}

func newBertBody(bd *builder, cfg Config, opts EncoderOptions) *bertBody {
	b := &bertBody{emb: newEmbeddings(bd, cfg, opts)}
	for i := 0; i < cfg.NumHiddenLayers; i++ {
		b.layers = append(b.layers, newLayer(bd, cfg, opts, i))
	}
	return b
}

func (b *bertBody) forward(tp *tape, in forwardInputs, train bool) *ts.Tensor {
	hidden := b.emb.forward(tp, in.ids, in.typeIDs, in.shape, in.device, train)
	bias := attentionBias(tp, in.mask)
	defer drop(bias)
	for _, l := range b.layers {
		next := l.forward(tp, hidden, bias, in.shape[0], in.shape[1], train)
		drop(hidden)
		hidden = next
	}
	return hidden
}

// NewEncoder creates the encoder's variables in vs (randomly initialized;
// load weights with LoadWeights). cfg and opts are validated first. The
// variables are registered at the root of vs, so task heads must use a
// sub-path that does not clash (e.g. "head"). A libtorch failure (e.g. out
// of device memory) wraps ErrTorch; variables created before it stay in vs.
func NewEncoder(vs *nn.VarStore, cfg Config, opts EncoderOptions) (*Encoder, error) {
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
	enc := &Encoder{cfg: cfg, opts: opts, vs: vs}
	b := &builder{vs: vs}
	if f, _ := cfg.Family(); f == FamilyDeBERTaV2 {
		enc.body = newDebertaBody(b, cfg, opts)
	} else {
		enc.body = newBertBody(b, cfg, opts)
	}
	if b.tp.err != nil {
		return nil, fmt.Errorf("%w: build encoder: %w", ErrTorch, b.tp.err)
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
// float32. train turns dropout on; autograd records the pass unless the
// caller runs it under WithGrad(false, ...). The inputs are not consumed;
// the caller owns and frees the result. A libtorch failure (e.g. out of
// memory) is returned as an error wrapping ErrTorch with libtorch's
// message; bad inputs wrap ErrBadInput. Safe for concurrent use.
func (e *Encoder) Forward(ids, typeIDs, mask *ts.Tensor, train bool) (*ts.Tensor, error) {
	// checkInputs asks gotch for shapes and devices, which report errors
	// through libtorch's thread-local state: stay on one OS thread.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	in, err := e.checkInputs(ids, typeIDs, mask)
	if err != nil {
		return nil, err
	}
	tp := &tape{}
	if in.mask == nil {
		in.mask = tp.glue("ones", nil, false, func() (*ts.Tensor, error) { return torch.Ones(in.shape, gotch.Int64, in.device) })
		defer drop(in.mask)
	}
	out := e.body.forward(tp, in, train)
	if tp.err != nil {
		drop(out)
		return nil, fmt.Errorf("%w: encoder forward: %w", ErrTorch, tp.err)
	}
	return out, nil
}

// checkInputs validates Forward's tensors: int64, [B, T] alike, T within
// the position table.
func (e *Encoder) checkInputs(ids, typeIDs, mask *ts.Tensor) (forwardInputs, error) {
	if ids == nil {
		return forwardInputs{}, fmt.Errorf("%w: nil input ids", ErrBadInput)
	}
	shape, err := ids.Size()
	if err != nil {
		return forwardInputs{}, fmt.Errorf("%w: input ids: %w", ErrBadInput, err)
	}
	if len(shape) != 2 {
		return forwardInputs{}, fmt.Errorf("%w: input ids of shape %v, want [batch, length]", ErrBadInput, shape)
	}
	if err := e.checkLength(shape[1]); err != nil {
		return forwardInputs{}, err
	}
	for _, in := range []struct {
		name string
		t    *ts.Tensor
	}{{"input ids", ids}, {"type ids", typeIDs}, {"mask", mask}} {
		name, t := in.name, in.t
		if t == nil {
			continue
		}
		if s, err := t.Size(); err != nil || !reflect.DeepEqual(s, shape) || t.DType() != gotch.Int64 {
			return forwardInputs{}, fmt.Errorf("%w: %s of shape %v and dtype %v, want %v int64", ErrBadInput, name, s, t.DType(), shape)
		}
	}
	device, err := ids.Device()
	if err != nil {
		return forwardInputs{}, fmt.Errorf("%w: input ids: %w", ErrBadInput, err)
	}
	return forwardInputs{ids: ids, typeIDs: typeIDs, mask: mask, shape: shape, device: device}, nil
}

// ForwardBatch moves a collated Batch to device and runs Forward on it.
// Errors as Forward's.
func (e *Encoder) ForwardBatch(b Batch, device gotch.Device, train bool) (*ts.Tensor, error) {
	if err := checkDevice(device); err != nil {
		return nil, err
	}
	if b.Size == 0 || len(b.IDs) != b.Size*b.Len || len(b.TypeIDs) != len(b.IDs) || len(b.Mask) != len(b.IDs) {
		return nil, fmt.Errorf("%w: batch of %d ids, %d type ids, %d mask values for shape [%d, %d]",
			ErrBadInput, len(b.IDs), len(b.TypeIDs), len(b.Mask), b.Size, b.Len)
	}
	shape := []int64{int64(b.Size), int64(b.Len)}
	tp := &tape{}
	ids := tp.int64s(b.IDs, shape, device)
	types := tp.int64s(b.TypeIDs, shape, device)
	mask := tp.int64s(b.Mask, shape, device)
	defer drop(ids, types, mask)
	if tp.err != nil {
		return nil, fmt.Errorf("%w: batch to %v: %w", ErrTorch, device, tp.err)
	}
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

// attentionBias turns a [B, T] mask into an additive [B, 1, 1, T] bias:
// 0 where mask is 1 and the most negative float32 where it is 0, as
// Hugging Face does (so a fully padded row still gives finite softmax).
func attentionBias(tp *tape, mask *ts.Tensor) *ts.Tensor {
	m := tp.unsqueeze(tp.unsqueeze(tp.totype(mask, gotch.Float, false), 1, true), 2, true)
	// (1 - m) * min  ==  m * (-min) + min
	return tp.addScalar(tp.mulScalar(m, -minFloat32, true), minFloat32, true)
}

// minFloat32 is torch.finfo(torch.float32).min.
const minFloat32 = -3.4028234663852886e38

// recoverInto converts a Go panic raised while building or loading (gotch
// panics on some misuse, e.g. nil tensors) into an error, so that no panic
// crosses this package's boundary. It cannot catch gotch's log.Fatal.
func recoverInto(err *error, what string) {
	if r := recover(); r != nil {
		*err = fmt.Errorf("%s: libtorch: %v", what, r)
	}
}
