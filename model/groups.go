//go:build gotch

package model

import (
	"fmt"
	"runtime"
	"sort"
	"strconv"
	"strings"
)

// ParamGroup is one depth of the encoder for layer-wise learning-rate decay
// and freezing: the embeddings (Depth 0) or transformer layer Depth-1.
type ParamGroup struct {
	Name  string // "embeddings", "layer.0", "layer.1", ...
	Depth int    // 0 for embeddings, i+1 for layer i; also the optimizer group
	Vars  []string
}

// ParamGroups lists the encoder's variables by depth, lowest first; the
// names are sorted. The optimizer group of each variable (gotch nn.Var.Group)
// equals its Depth. Deterministic.
func (e *Encoder) ParamGroups() []ParamGroup {
	groups := make([]ParamGroup, e.cfg.NumHiddenLayers+1)
	groups[0].Name = "embeddings"
	for i := 1; i < len(groups); i++ {
		groups[i].Name = fmt.Sprintf("layer.%d", i-1)
	}
	for name := range WeightShapes(e.cfg) {
		d := depthOf(name)
		groups[d].Vars = append(groups[d].Vars, name)
	}
	for i := range groups {
		groups[i].Depth = i
		sort.Strings(groups[i].Vars)
	}
	return groups
}

// HeadGroup is the optimizer group task heads should use: one above the
// top layer, so that layer-wise decay gives them the full learning rate.
func (e *Encoder) HeadGroup() uint { return uint(e.cfg.NumHiddenLayers + 1) }

// depthOf maps an encoder variable name to its depth.
func depthOf(name string) int {
	rest, ok := strings.CutPrefix(name, "encoder.layer.")
	if !ok {
		return 0
	}
	i, err := strconv.Atoi(rest[:strings.IndexByte(rest, '.')])
	if err != nil {
		return 0
	}
	return i + 1
}

// FreezeLowest stops gradients for the embeddings and layers 0..n-1 when
// n > 0, and lets every other encoder variable train; n = 0 freezes
// nothing. Frozen variables get no gradient, so optimizers skip them.
// Errors wrap ErrBadInput for n outside [0, num_hidden_layers]. Not safe
// concurrently with Forward or a training step.
func (e *Encoder) FreezeLowest(n int) (err error) {
	runtime.LockOSThread() // gotch calls: see the package doc
	defer runtime.UnlockOSThread()
	if n < 0 || n > e.cfg.NumHiddenLayers {
		return fmt.Errorf("%w: freeze %d layers, model has %d", ErrBadInput, n, e.cfg.NumHiddenLayers)
	}
	defer recoverInto(&err, "freeze layers")
	vars := e.vs.Variables()
	for _, g := range e.ParamGroups() {
		frozen := n > 0 && g.Depth <= n
		for _, name := range g.Vars {
			v := vars[name]
			if err := v.RequiresGrad_(!frozen); err != nil {
				return fmt.Errorf("freeze %q: %w", name, err)
			}
		}
	}
	return nil
}
