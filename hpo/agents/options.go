package agents

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// The original ranges of the head parameters, which HeadLimits may only
// narrow.
const (
	headLayersMin  = 1
	headLayersMax  = 4
	headDropoutMax = 0.5
)

func headHiddenChoices() []int { return []int{256, 384, 512, 768, 1024, 1536, 2048} }

// Options narrow the original search space for one study. The zero Options
// is the original space. Options is a plain value that serializes into
// workflow payloads; the same Options always build the same space.
type Options struct {
	// Models are the allowed model.name choices; nil means all of Models().
	// A choice is one of Models() or a local model folder given by its
	// absolute path (IsLocalModel), e.g. a tiny model written by
	// model.WriteTinyModel. The space keeps the names in Models() order and
	// then the folders sorted, whatever their order here, so that the same
	// set always gives the same categorical distribution. A folder is heavy
	// or not by its own name (IsHeavy); it must have the positions its
	// tok.max_length range needs (512, or 384 when heavy).
	Models []string `json:"models,omitempty"`
	// Head narrows the head parameters; the zero HeadLimits means the
	// original ranges.
	Head HeadLimits `json:"head"`
	// Optimizers are the allowed optim.name choices; nil means all of
	// Optimizers(). A trainer that cannot implement an optimizer removes it
	// here, so it is never sampled (and Narrowing reports it).
	Optimizers []string `json:"optimizers,omitempty"`
	// GradCheckpointing are the allowed train.grad_checkpointing choices;
	// nil means both (true, false). A trainer without activation
	// checkpointing passes []bool{false}, so true is never sampled (and
	// Narrowing reports it).
	GradCheckpointing []bool `json:"grad_checkpointing,omitempty"`
}

// HeadLimits narrow head.layers, head.hidden and head.dropout (the keys of
// HPO_HEAD_LIMITS_JSON). The zero HeadLimits means no narrowing; any other
// value must be complete and within the original ranges, so start from
// DefaultHeadLimits and change what you need.
type HeadLimits struct {
	LayersMin     int     `json:"layers_min"`
	LayersMax     int     `json:"layers_max"`
	HiddenChoices []int   `json:"hidden_choices"`
	DropoutMax    float64 `json:"dropout_max"`
}

// DefaultHeadLimits returns the original head ranges: layers 1–4, all seven
// hidden sizes, dropout up to 0.5.
func DefaultHeadLimits() HeadLimits {
	return HeadLimits{LayersMin: headLayersMin, LayersMax: headLayersMax, HiddenChoices: headHiddenChoices(), DropoutMax: headDropoutMax}
}

// IsZero reports whether h is the zero HeadLimits (no narrowing).
func (h HeadLimits) IsZero() bool {
	return h.LayersMin == 0 && h.LayersMax == 0 && h.HiddenChoices == nil && h.DropoutMax == 0
}

// effective returns the limits the space uses: DefaultHeadLimits for the
// zero value, h otherwise.
func (h HeadLimits) effective() HeadLimits {
	if h.IsZero() {
		return DefaultHeadLimits()
	}
	return h
}

// Validate reports, wrapping ErrInvalidOptions, the first way in which h is
// not a narrowing of the original head ranges.
func (h HeadLimits) Validate() error {
	if h.IsZero() {
		return nil
	}
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: head limits: %s", ErrInvalidOptions, fmt.Sprintf(format, args...))
	}
	switch {
	case h.LayersMin < headLayersMin || h.LayersMin > headLayersMax:
		return bad("layers_min %d is outside the original range %d–%d", h.LayersMin, headLayersMin, headLayersMax)
	case h.LayersMax < headLayersMin || h.LayersMax > headLayersMax:
		return bad("layers_max %d is outside the original range %d–%d", h.LayersMax, headLayersMin, headLayersMax)
	case h.LayersMin > h.LayersMax:
		return bad("layers_min %d is greater than layers_max %d", h.LayersMin, h.LayersMax)
	case len(h.HiddenChoices) == 0:
		return bad("hidden_choices is empty")
	case math.IsNaN(h.DropoutMax) || h.DropoutMax < 0 || h.DropoutMax > headDropoutMax:
		return bad("dropout_max %v is outside the original range 0–%v", h.DropoutMax, headDropoutMax)
	}
	for i, x := range h.HiddenChoices {
		if !slices.Contains(headHiddenChoices(), x) {
			return bad("hidden_choices: %d is not one of the original sizes %v", x, headHiddenChoices())
		}
		if slices.Contains(h.HiddenChoices[:i], x) {
			return bad("hidden_choices: %d appears twice", x)
		}
	}
	return nil
}

// Validate reports, wrapping ErrInvalidOptions, the first way in which o is
// not a narrowing of the original space.
func (o Options) Validate() error {
	if err := validSubset("models", o.Models, Models(), IsLocalModel); err != nil {
		return err
	}
	if err := validSubset("optimizers", o.Optimizers, Optimizers(), nil); err != nil {
		return err
	}
	if err := validGradCheckpointing(o.GradCheckpointing); err != nil {
		return err
	}
	return o.Head.Validate()
}

// validGradCheckpointing checks that list, when not nil, is one or both of
// true and false, each once.
func validGradCheckpointing(list []bool) error {
	if list != nil && (len(list) == 0 || len(list) > 2 || (len(list) == 2 && list[0] == list[1])) {
		return fmt.Errorf("%w: grad_checkpointing: %v is not a non-empty list of distinct booleans", ErrInvalidOptions, list)
	}
	return nil
}

// validSubset checks that list, when not nil, is a non-empty list of
// distinct members of original (or values extra accepts, when not nil).
func validSubset(what string, list, original []string, extra func(string) bool) error {
	if list == nil {
		return nil
	}
	if len(list) == 0 {
		return fmt.Errorf("%w: %s: empty list", ErrInvalidOptions, what)
	}
	for i, x := range list {
		if !slices.Contains(original, x) && (extra == nil || !extra(x)) {
			also := ""
			if extra != nil {
				also = ", or an absolute path of a local model folder"
			}
			return fmt.Errorf("%w: %s: %q is not one of %s%s", ErrInvalidOptions, what, x, strings.Join(original, ", "), also)
		}
		if slices.Contains(list[:i], x) {
			return fmt.Errorf("%w: %s: %q appears twice", ErrInvalidOptions, what, x)
		}
	}
	return nil
}

// keep returns the members of original that are in allowed (all of them
// when allowed is nil), in original's order.
func keep(original, allowed []string) []string {
	if allowed == nil {
		return original
	}
	var out []string
	for _, x := range original {
		if slices.Contains(allowed, x) {
			out = append(out, x)
		}
	}
	return out
}

// Narrowing describes, one line per narrowed parameter, how o narrows the
// original space (nothing for the zero Options), so that a starter can
// print what a study will not explore instead of narrowing it silently.
// It assumes o is valid.
func (o Options) Narrowing() []string {
	var lines []string
	if o.Models != nil {
		lines = append(lines, "model.name: "+strings.Join(modelChoices(o.Models), ", ")+" (of "+strings.Join(Models(), ", ")+")")
	}
	if o.Optimizers != nil {
		lines = append(lines, "optim.name: "+strings.Join(keep(Optimizers(), o.Optimizers), ", ")+" (of "+strings.Join(Optimizers(), ", ")+")")
	}
	if o.GradCheckpointing != nil {
		lines = append(lines, "train.grad_checkpointing: "+joinBools(gradCheckpointingChoices(o.GradCheckpointing))+" (of true, false)")
	}
	if !o.Head.IsZero() {
		h := o.Head
		lines = append(lines,
			fmt.Sprintf("head.layers: %d–%d (of %d–%d)", h.LayersMin, h.LayersMax, headLayersMin, headLayersMax),
			"head.hidden: "+joinInts(keepInts(headHiddenChoices(), h.HiddenChoices))+" (of "+joinInts(headHiddenChoices())+")",
			fmt.Sprintf("head.dropout: 0–%v (of 0–%v)", h.DropoutMax, headDropoutMax))
	}
	return lines
}

func keepInts(original, allowed []int) []int {
	var out []int
	for _, x := range original {
		if slices.Contains(allowed, x) {
			out = append(out, x)
		}
	}
	return out
}

// gradCheckpointingChoices returns train.grad_checkpointing's choices in
// the original order (true, false), keeping those allowed (both when nil).
func gradCheckpointingChoices(allowed []bool) []bool {
	var out []bool
	for _, b := range []bool{true, false} {
		if allowed == nil || slices.Contains(allowed, b) {
			out = append(out, b)
		}
	}
	return out
}

func joinBools(xs []bool) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = strconv.FormatBool(x)
	}
	return strings.Join(s, ", ")
}

func joinInts(xs []int) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = strconv.Itoa(x)
	}
	return strings.Join(s, ", ")
}
