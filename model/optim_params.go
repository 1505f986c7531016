//go:build gotch

package model

import (
	"fmt"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"

	"github.com/sugarme/gotch/nn"
	"github.com/sugarme/gotch/ts"

	"github.com/redsm5/supermax-hpo/model/torch"
)

// ParamPolicy says which variables train and at what relative learning
// rate. Plain data.
type ParamPolicy struct {
	// NumLayers is the encoder's layer count.
	NumLayers int
	// FreezeLayers (train.freeze_encoder_layers) freezes the embeddings and
	// encoder layers 0..FreezeLayers−1; values above NumLayers freeze the
	// whole encoder, leaving the head to train.
	FreezeLayers int
	// LayerDecay (optim.layerwise_lr_decay, in (0, 1]) scales the learning
	// rate of depth d by LayerDecay^(NumLayers+1−d): the head (depth
	// NumLayers+1) gets 1, encoder layer i (depth i+1) LayerDecay^(NumLayers−i),
	// the embeddings (depth 0) LayerDecay^(NumLayers+1).
	LayerDecay float64
}

// Validate checks the policy; errors wrap ErrBadInput.
func (p ParamPolicy) Validate() error {
	if p.NumLayers < 0 || p.FreezeLayers < 0 {
		return fmt.Errorf("%w: %d layers, %d frozen", ErrBadInput, p.NumLayers, p.FreezeLayers)
	}
	if !(p.LayerDecay > 0 && p.LayerDecay <= 1) {
		return fmt.Errorf("%w: optim.layerwise_lr_decay %g, want in (0, 1]", ErrBadInput, p.LayerDecay)
	}
	return nil
}

var layerName = regexp.MustCompile(`^encoder\.layer\.(\d+)\.`)

// depthOf places a variable name: 0 for the embeddings (and ELECTRA's
// embeddings_project), i+1 for "encoder.layer.i.", NumLayers+1 for
// everything else (the task head).
func (p ParamPolicy) depthOf(name string) int {
	if strings.HasPrefix(name, "embeddings.") || strings.HasPrefix(name, "embeddings_project.") {
		return 0
	}
	if m := layerName.FindStringSubmatch(name); m != nil {
		i, _ := strconv.Atoi(m[1])
		return i + 1
	}
	return p.NumLayers + 1
}

// noDecay reports whether weight decay skips a variable: biases and
// LayerNorm parameters, as in the Hugging Face Trainer.
func noDecay(name string) bool {
	return strings.HasSuffix(name, ".bias") || strings.Contains(name, "LayerNorm") || strings.Contains(name, "layer_norm")
}

// TrainableParams applies the policy to the variables of vs: frozen ones
// stop requiring gradients and are left out; the others are returned,
// sorted by name, with their learning-rate scale and decay flag. Variables
// that do not require gradients (buffers) are left out. It mutates the
// requires-grad flag of frozen variables, so call it once per VarStore.
func TrainableParams(vs *nn.VarStore, pol ParamPolicy) (params []Param, err error) {
	runtime.LockOSThread() // gotch calls: see the package doc
	defer runtime.UnlockOSThread()
	if err := pol.Validate(); err != nil {
		return nil, err
	}
	defer recoverInto(&err, "trainable params")
	vars := vs.Variables()
	names := make([]string, 0, len(vars))
	for name := range vars {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		t := vars[name]
		tp := &t
		if !tp.MustRequiresGrad() {
			continue
		}
		d := pol.depthOf(name)
		if pol.FreezeLayers > 0 && d <= pol.FreezeLayers && d <= pol.NumLayers {
			tp.MustRequiresGrad_(false)
			continue
		}
		scale := 1.0
		for k := d; k < pol.NumLayers+1; k++ {
			scale *= pol.LayerDecay
		}
		params = append(params, Param{Name: name, Tensor: tp, LRScale: scale, Decay: !noDecay(name)})
	}
	return params, nil
}

// StateTensors returns copies (owned by the caller) of the optimizer's state, named
// "<parameter>/<index>", for a checkpoint; Steps is saved beside it.
func (o *Optimizer) StateTensors() (named []ts.NamedTensor, err error) {
	runtime.LockOSThread() // gotch calls: see the package doc
	defer runtime.UnlockOSThread()
	defer recoverInto(&err, "optimizer state")
	for _, p := range o.params {
		for i, t := range o.state[p.Name] {
			c, err := optimCopy(t)
			if err != nil {
				for _, nt := range named {
					drop(nt.Tensor)
				}
				return nil, fmt.Errorf("optimizer state %s/%d: %w", p.Name, i, err)
			}
			named = append(named, ts.NamedTensor{Name: fmt.Sprintf("%s/%d", p.Name, i), Tensor: c})
		}
	}
	return named, nil
}

// LoadState restores the state saved by StateTensors and the step count.
// Every named tensor must belong to a parameter of this optimizer; it is
// copied, so the caller keeps ownership of named.
func (o *Optimizer) LoadState(named []ts.NamedTensor, steps int) (err error) {
	runtime.LockOSThread() // gotch calls: see the package doc
	defer runtime.UnlockOSThread()
	defer recoverInto(&err, "load optimizer state")
	byName := make(map[string]Param, len(o.params))
	for _, p := range o.params {
		byName[p.Name] = p
	}
	state := make(map[string][]*ts.Tensor)
	for _, nt := range named {
		slash := strings.LastIndexByte(nt.Name, '/')
		idx, convErr := strconv.Atoi(nt.Name[slash+1:])
		p, ok := byName[nt.Name[:max(slash, 0)]]
		if slash < 0 || convErr != nil || !ok || idx != len(state[p.Name]) {
			return fmt.Errorf("%w: optimizer state %q does not fit this model", ErrBadWeights, nt.Name)
		}
		// torch.Copy keeps its source alive during the C call (gotch's
		// Copy_ did not, and a finalizer freeing it mid-copy crashed a
		// worker with SIGSEGV); the moved tensor is freed right after.
		moved, err := torch.ToDevice(nt.Tensor, p.Tensor.MustDevice())
		if err != nil {
			dropState(state)
			return fmt.Errorf("%w: optimizer state %q: %w", ErrTorch, nt.Name, err)
		}
		c, err := optimCopy(moved)
		drop(moved)
		if err != nil {
			dropState(state)
			return fmt.Errorf("optimizer state %q: %w", nt.Name, err)
		}
		state[p.Name] = append(state[p.Name], c)
	}
	o.Free() // the state being replaced
	o.state, o.steps = state, steps
	return nil
}

// optimCopy returns a new tensor with t's values and no autograd history.
func optimCopy(t *ts.Tensor) (*ts.Tensor, error) {
	c, err := torch.ZerosLike(t)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrTorch, err)
	}
	if err := torch.Copy(c, t); err != nil {
		drop(c)
		return nil, fmt.Errorf("%w: %w", ErrTorch, err)
	}
	return c, nil
}

func dropState(state map[string][]*ts.Tensor) {
	for _, st := range state {
		dropAll(st)
	}
}
