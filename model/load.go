//go:build gotch

package model

import (
	"fmt"
	"runtime"
	"sort"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/nn"
	"github.com/sugarme/gotch/pickle"
	"github.com/sugarme/gotch/ts"

	"github.com/redsm5/supermax-hpo/model/torch"
)

// LoadOptions say where to look for a model and how to build it.
type LoadOptions struct {
	// Locations are searched for a model given by name (LocationsFromEnv()).
	Locations Locations
	// Device holds the weights: gotch.CPU or gotch.CudaBuilder(n); the
	// zero value means gotch.CPU.
	Device gotch.Device
	// MaxLength is the tokenizer's truncation length in tokens; it must fit
	// the model's position table.
	MaxLength int
	// Encoder sets the dropouts; nil takes them from config.json.
	Encoder *EncoderOptions
}

// Pretrained is a loaded model folder: its config, its encoder with the
// checkpoint's weights, and its tokenizer.
type Pretrained struct {
	Dir       string
	Config    Config
	Encoder   *Encoder
	Tokenizer *Tokenizer
}

// Load resolves nameOrDir (see Resolve), reads config.json, builds the
// encoder on opts.Device with weights from model.safetensors (or
// pytorch_model.bin), and loads
// tokenizer.json. Errors wrap ErrModelNotFound, ErrBadConfig,
// ErrUnsupportedModel, ErrBadWeights, ErrTokenizer or ErrBadInput. Blocking
// (reads the whole checkpoint); the result owns a new VarStore.
func Load(nameOrDir string, opts LoadOptions) (*Pretrained, error) {
	if opts.Device == (gotch.Device{}) {
		opts.Device = gotch.CPU
	}
	if err := checkDevice(opts.Device); err != nil {
		return nil, err
	}
	dir, err := Resolve(nameOrDir, opts.Locations)
	if err != nil {
		return nil, err
	}
	cfg, err := ReadConfig(dir)
	if err != nil {
		return nil, err
	}
	if err := checkMaxLength(cfg, dir, opts.MaxLength); err != nil {
		return nil, err
	}
	tok, err := NewTokenizer(dir, opts.MaxLength)
	if err != nil {
		return nil, err
	}
	if err := checkVocab(cfg, dir, tok); err != nil {
		return nil, err
	}
	encOpts := DefaultEncoderOptions(cfg)
	if opts.Encoder != nil {
		encOpts = *opts.Encoder
	}
	enc, err := NewEncoder(nn.NewVarStore(opts.Device), cfg, encOpts)
	if err != nil {
		return nil, err
	}
	if err := enc.LoadWeights(dir); err != nil {
		return nil, err
	}
	return &Pretrained{Dir: dir, Config: cfg, Encoder: enc, Tokenizer: tok}, nil
}

// LoadWeights copies every encoder variable from dir/model.safetensors, or
// when that is absent from dir/pytorch_model.bin (a torch.save pickle, read
// with gotch's pickle package), matched by name and checked by shape and
// dtype (PlanWeights). Tensors of the checkpoint that the encoder does not
// use (integer buffers, pooler, pretraining heads) are ignored and, from a
// safetensors file, never read. Errors wrap ErrBadWeights and name the
// tensor and the file. Blocking.
func (e *Encoder) LoadWeights(dir string) (err error) {
	src, err := openCheckpoint(dir)
	if err != nil {
		return err
	}
	defer src.Close()
	defer recoverInto(&err, "load weights from "+src.Path())
	plan, err := PlanWeights(e.cfg, src)
	if err != nil {
		return err
	}
	names := make([]string, 0, len(plan))
	for name := range plan {
		names = append(names, name)
	}
	sort.Strings(names)
	vars := e.vs.Variables()
	for _, name := range names {
		v, ok := vars[name]
		if !ok {
			return fmt.Errorf("%w: encoder has no variable %q", ErrBadWeights, name)
		}
		t, err := src.Read(plan[name])
		if err != nil {
			return err
		}
		if err := copyInto(&v, t, e.vs.Device()); err != nil {
			return fmt.Errorf("load %q from %s: %w", name, src.Path(), err)
		}
	}
	return nil
}

// checkpointSource is an open checkpoint; Close releases it.
type checkpointSource interface {
	WeightSource
	Close() error
}

// openCheckpoint opens model.safetensors (its header only), else decodes
// pytorch_model.bin (see checkpointFile).
func openCheckpoint(dir string) (checkpointSource, error) {
	path, pickled, err := checkpointFile(dir)
	if err != nil {
		return nil, err
	}
	if !pickled {
		return OpenSafetensors(path)
	}
	w, err := readPickle(path)
	if err != nil {
		return nil, err
	}
	return tensorMap{path: path, m: w}, nil
}

// tensorMap is a checkpoint decoded whole into memory (pytorch_model.bin).
type tensorMap struct {
	path string
	m    map[string]Tensor
}

func (t tensorMap) Path() string { return t.path }
func (t tensorMap) Close() error { return nil }
func (t tensorMap) Info(name string) (string, []int64, bool) {
	w, ok := t.m[name]
	return "F32", w.Shape, ok
}
func (t tensorMap) Read(name string) (Tensor, error) {
	w, ok := t.m[name]
	if !ok {
		return Tensor{}, fmt.Errorf("%w: %s has no tensor %q", ErrBadWeights, t.path, name)
	}
	return w, nil
}

// readPickle decodes a torch.save state dict into float32 tensors.
func readPickle(path string) (out map[string]Tensor, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: %s: %v", ErrBadWeights, path, r)
		}
	}()
	// gotch calls: on one OS thread, for their thread-local errors.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	named, err := pickle.Decode(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadWeights, err)
	}
	out = make(map[string]Tensor, len(named))
	for name, t := range named {
		f := t.MustTotype(gotch.Float, true)
		shape := f.MustSize()
		vals := f.Float64Values(true) // frees f
		data := make([]float32, len(vals))
		for i, v := range vals {
			data[i] = float32(v)
		}
		out[name] = Tensor{Shape: shape, Data: data}
	}
	return out, nil
}

// copyInto copies src into the variable dst (same shape, checked by the
// caller) with autograd off.
func copyInto(dst *ts.Tensor, src Tensor, device gotch.Device) error {
	t, err := torch.FromFloat32s(src.Data, src.Shape, device)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrTorch, err)
	}
	defer drop(t)
	if err := torch.Copy(dst, t); err != nil {
		return fmt.Errorf("%w: %w", ErrTorch, err)
	}
	return nil
}
