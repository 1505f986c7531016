// Package trainer is the real Trainer behind the TrainEpoch activity: it
// fine-tunes a BERT-family encoder with the agent's heads on libtorch via
// gotch (files built with -tags gotch), on the study's ReDSM5 split, one
// epoch per call, checkpointing after each: the criteria head (session.go,
// epoch.go), the span head for the evidence agent (evidence_*.go,
// docs/evidence.md), or both on a split encoder for share and joint
// (twin_*.go, docs/agents.md). The parameter parsing, the evidence
// documents and the metrics (this file, evidence_params.go,
// evidence_data.go, twin_params.go, metrics.go, and package span) are pure
// Go and build everywhere.
package trainer

import (
	"fmt"
	"math"
	"slices"

	"github.com/redsm5/supermax-hpo/activities"
	"github.com/redsm5/supermax-hpo/hpo"
)

// SupportedOptimizers are the optim.name choices the trainer implements;
// pass them as agents.Options.Optimizers so that adamw_8bit (8-bit
// blockwise optimizer state, which gotch lacks) leaves the search space.
func SupportedOptimizers() []string { return []string{"adamw", "adafactor", "lion"} }

// TrialConfig is a criteria trial's parameters, read from the sampled
// values by ParseCriteria; an evidence trial has the same common and head
// fields (ParseEvidence), with Pooling and the loss.cls fields empty.
// Plain data.
type TrialConfig struct {
	Seed         int64
	Model        string
	MaxLength    int
	BatchSize    int
	GradAccum    int
	Optim        string
	LR           float64
	WeightDecay  float64
	Beta1        float64 // absent (0) for adafactor
	Beta2        float64
	Eps          float64
	Sched        string
	WarmupRatio  float64
	Cycles       int     // cosine_restart, one_cycle
	PolyPower    float64 // polynomial
	ClipGrad     float64
	Dropout      float64
	AttnDropout  float64
	FreezeLayers int
	LayerDecay   float64
	Pooling      string
	HeadLayers   int
	HeadHidden   int
	Activation   string
	HeadDropout  float64
	LossType     string
	LabelSmooth  float64 // ce, ce_label_smooth (used by ce_label_smooth only)
	Gamma        float64 // focal
	Alpha        float64 // focal
	Balance      string
}

// paramReader reads named values and remembers the first problem.
type paramReader struct {
	params map[string]hpo.Value
	err    error
}

func (r *paramReader) fail(name, format string, args ...any) {
	if r.err == nil {
		r.err = fmt.Errorf("%w: parameter %s: %s", activities.ErrInvalidConfig, name, fmt.Sprintf(format, args...))
	}
}

func (r *paramReader) value(name string) (hpo.Value, bool) {
	v, ok := r.params[name]
	if !ok {
		r.fail(name, "missing")
	}
	return v, ok
}

func (r *paramReader) str(name string, choices ...string) string {
	v, ok := r.value(name)
	if ok && (v.Kind() != hpo.KindString || !slices.Contains(choices, v.Str())) {
		r.fail(name, "%s is not one of %v", v, choices)
	}
	return v.Str()
}

func (r *paramReader) num(name string, lo, hi float64) float64 {
	v, ok := r.value(name)
	f, isNum := v.Number()
	if ok && (!isNum || math.IsNaN(f) || f < lo || f > hi) {
		r.fail(name, "%s is not a number in [%g, %g]", v, lo, hi)
	}
	return f
}

func (r *paramReader) integer(name string, lo, hi int64) int {
	f := r.num(name, float64(lo), float64(hi))
	if f != math.Trunc(f) {
		r.fail(name, "%g is not an integer", f)
	}
	return int(f)
}

func (r *paramReader) boolean(name string) bool {
	v, ok := r.value(name)
	if ok && v.Kind() != hpo.KindBool {
		r.fail(name, "%s is not a bool", v)
	}
	return v.Bool()
}

// ParseCriteria reads a criteria trial's parameters (names as in
// hpo/agents), checking each one's presence, kind and range; conditional
// parameters are read only under their condition. Errors wrap
// activities.ErrInvalidConfig and name the parameter. Two choices of the
// original space are refused rather than faked: optim.name adamw_8bit and
// train.grad_checkpointing true (gotch has no activation checkpointing).
// tok.doc_stride and tok.use_fast are not read: a criteria input is one
// sentence with one criterion (no document striding), and there is one
// tokenizer implementation. Deterministic.
func ParseCriteria(params map[string]hpo.Value) (TrialConfig, error) {
	r := &paramReader{params: params}
	c := r.common()
	c.Pooling = r.str("head.pooling", "cls", "mean", "max", "attn")
	c.LossType = r.str("loss.cls.type", "ce", "ce_label_smooth", "focal")
	c.Balance = r.str("loss.cls.balance", "none", "weighted", "effective_num")
	if c.LossType == "focal" {
		c.Gamma = r.num("loss.cls.gamma", 0, 10)
		c.Alpha = r.num("loss.cls.alpha", 0.001, 0.999)
	} else {
		c.LabelSmooth = r.num("loss.cls.label_smoothing", 0, 0.99)
	}
	return c, r.err
}

// common reads the parameters every agent has: the model, tokenization,
// training, optimizer and schedule ones and head.layers, head.hidden,
// head.activation and head.dropout (the MLP of the criteria head and of
// the span head), refusing adamw_8bit and grad checkpointing.
func (r *paramReader) common() TrialConfig {
	c := TrialConfig{
		Seed:         int64(r.integer("seed", 0, math.MaxInt32)),
		Model:        r.str("model.name", anyString(r.params["model.name"])...),
		MaxLength:    r.integer("tok.max_length", 8, 8192),
		BatchSize:    r.integer("train.batch_size", 1, 4096),
		GradAccum:    r.integer("train.grad_accum", 1, 1024),
		Optim:        r.str("optim.name", "adamw", "adamw_8bit", "adafactor", "lion"),
		LR:           r.num("optim.lr", 1e-9, 1),
		WeightDecay:  r.num("optim.weight_decay", 0, 1),
		Sched:        r.str("sched.name", "linear", "cosine", "cosine_restart", "polynomial", "one_cycle"),
		WarmupRatio:  r.num("sched.warmup_ratio", 0, 0.99),
		ClipGrad:     r.num("train.clip_grad", 0, 1e6),
		Dropout:      r.num("model.dropout", 0, 0.99),
		AttnDropout:  r.num("model.attn_dropout", 0, 0.99),
		FreezeLayers: r.integer("train.freeze_encoder_layers", 0, 1000),
		LayerDecay:   r.num("optim.layerwise_lr_decay", 1e-6, 1),
		HeadLayers:   r.integer("head.layers", 1, 8),
		HeadHidden:   r.integer("head.hidden", 1, 1<<16),
		Activation:   r.str("head.activation", "gelu", "relu", "silu"),
		HeadDropout:  r.num("head.dropout", 0, 0.99),
	}
	if r.boolean("train.grad_checkpointing") {
		r.fail("train.grad_checkpointing", "true is not implemented (gotch has no activation checkpointing); remove it from the space")
	}
	if c.Optim == "adamw_8bit" {
		r.fail("optim.name", "adamw_8bit is not implemented (no 8-bit optimizer state in gotch); restrict agents.Options.Optimizers to trainer.SupportedOptimizers()")
	}
	if c.Optim != "adafactor" {
		c.Beta1 = r.num("optim.beta1", 0, 0.9999)
		c.Beta2 = r.num("optim.beta2", 0, 0.999999)
		c.Eps = r.num("optim.eps", 1e-12, 1e-2)
	}
	switch c.Sched {
	case "cosine_restart", "one_cycle":
		c.Cycles = r.integer("sched.cosine_cycles", 1, 100)
	case "polynomial":
		c.PolyPower = r.num("sched.poly_power", 0.01, 10)
	}
	return c
}

// anyString accepts whatever non-empty string the model parameter holds;
// whether the model exists is checked when it is loaded.
func anyString(v hpo.Value) []string {
	if v.Kind() == hpo.KindString && v.Str() != "" {
		return []string{v.Str()}
	}
	return nil
}
