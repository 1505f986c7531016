package trainer

import (
	"errors"
	"strings"
	"testing"

	"github.com/redsm5/supermax-hpo/activities"
	"github.com/redsm5/supermax-hpo/hpo"
)

// criteriaParams is a complete, valid criteria trial.
func criteriaParams() map[string]hpo.Value {
	return map[string]hpo.Value{
		"seed": hpo.Int(7), "model.name": hpo.String("bert-base-uncased"),
		"tok.max_length": hpo.Int(128), "tok.doc_stride": hpo.Int(64), "tok.use_fast": hpo.Bool(true),
		"train.batch_size": hpo.Int(16), "train.grad_accum": hpo.Int(2),
		"optim.name": hpo.String("adamw"), "optim.lr": hpo.Float(2e-5), "optim.weight_decay": hpo.Float(0.01),
		"optim.beta1": hpo.Float(0.9), "optim.beta2": hpo.Float(0.999), "optim.eps": hpo.Float(1e-8),
		"sched.name": hpo.String("cosine_restart"), "sched.warmup_ratio": hpo.Float(0.1), "sched.cosine_cycles": hpo.Int(2),
		"train.clip_grad": hpo.Float(1), "model.dropout": hpo.Float(0.1), "model.attn_dropout": hpo.Float(0.1),
		"train.grad_checkpointing": hpo.Bool(false), "train.freeze_encoder_layers": hpo.Int(2),
		"optim.layerwise_lr_decay": hpo.Float(0.9), "head.pooling": hpo.String("attn"), "head.layers": hpo.Int(2),
		"head.hidden": hpo.Int(256), "head.activation": hpo.String("silu"), "head.dropout": hpo.Float(0.2),
		"loss.cls.type": hpo.String("focal"), "loss.cls.gamma": hpo.Float(2), "loss.cls.alpha": hpo.Float(0.25),
		"loss.cls.balance": hpo.String("effective_num"),
	}
}

func TestParseCriteria(t *testing.T) {
	c, err := ParseCriteria(criteriaParams())
	if err != nil {
		t.Fatal(err)
	}
	if c.Seed != 7 || c.Model != "bert-base-uncased" || c.GradAccum != 2 || c.Cycles != 2 || c.Pooling != "attn" ||
		c.Gamma != 2 || c.Alpha != 0.25 || c.FreezeLayers != 2 || c.Beta2 != 0.999 || c.HeadHidden != 256 {
		t.Errorf("parsed %+v", c)
	}
}

func TestParseCriteriaRejects(t *testing.T) {
	tests := []struct {
		name   string
		change func(map[string]hpo.Value)
		want   string
	}{
		{"missing", func(p map[string]hpo.Value) { delete(p, "head.layers") }, "head.layers: missing"},
		{"unknown choice", func(p map[string]hpo.Value) { p["head.pooling"] = hpo.String("first") }, "head.pooling"},
		{"out of range", func(p map[string]hpo.Value) { p["optim.lr"] = hpo.Float(5) }, "optim.lr"},
		{"wrong kind", func(p map[string]hpo.Value) { p["train.batch_size"] = hpo.String("16") }, "train.batch_size"},
		{"not an integer", func(p map[string]hpo.Value) { p["head.layers"] = hpo.Float(1.5) }, "head.layers: 1.5 is not an integer"},
		{"adamw_8bit", func(p map[string]hpo.Value) { p["optim.name"] = hpo.String("adamw_8bit") }, "adamw_8bit is not implemented"},
		{"grad checkpointing", func(p map[string]hpo.Value) { p["train.grad_checkpointing"] = hpo.Bool(true) }, "grad_checkpointing"},
		{"conditional missing", func(p map[string]hpo.Value) { delete(p, "loss.cls.gamma") }, "loss.cls.gamma: missing"},
	}
	for _, tc := range tests {
		p := criteriaParams()
		tc.change(p)
		_, err := ParseCriteria(p)
		if !errors.Is(err, activities.ErrInvalidConfig) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want ErrInvalidConfig mentioning %q", tc.name, err, tc.want)
		}
	}
	// Adafactor has no betas or eps; non-focal losses read label smoothing.
	p := criteriaParams()
	p["optim.name"] = hpo.String("adafactor")
	delete(p, "optim.beta1")
	delete(p, "optim.beta2")
	delete(p, "optim.eps")
	p["loss.cls.type"] = hpo.String("ce_label_smooth")
	p["loss.cls.label_smoothing"] = hpo.Float(0.1)
	if c, err := ParseCriteria(p); err != nil || c.LabelSmooth != 0.1 || c.Beta1 != 0 {
		t.Errorf("adafactor/ce_label_smooth: %+v, %v", c, err)
	}
}
