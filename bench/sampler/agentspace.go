package main

import (
	"strings"

	"github.com/redsm5/supermax-hpo/hpo"
)

// agentSpace is a 42-parameter conditional space shaped like the evidence
// and criteria spaces of docs/design.md §6 (the real ones live in hpo/agents):
// categoricals, log floats, stepped ints, conditionals under optim.name,
// sched.name, loss.cls.type and qa.null.policy, and constraints that narrow
// max_length, doc_stride, batch size, grad accumulation and the learning
// rate by the model chosen. It exists to time suggestions, not to train.
func agentSpace() (*hpo.Space, error) {
	str := func(ss ...string) []hpo.Value {
		out := make([]hpo.Value, len(ss))
		for i, s := range ss {
			out[i] = hpo.String(s)
		}
		return out
	}
	ints := func(xs ...int64) []hpo.Value {
		out := make([]hpo.Value, len(xs))
		for i, x := range xs {
			out[i] = hpo.Int(x)
		}
		return out
	}
	cat := func(vs []hpo.Value) hpo.CategoricalDistribution { return hpo.CategoricalDistribution{Choices: vs} }
	fl := func(lo, hi float64) hpo.FloatDistribution { return hpo.FloatDistribution{Low: lo, High: hi} }
	lg := func(lo, hi float64) hpo.FloatDistribution { return hpo.FloatDistribution{Low: lo, High: hi, Log: true} }
	in := func(lo, hi, step int64) hpo.IntDistribution {
		return hpo.IntDistribution{Low: lo, High: hi, Step: step}
	}
	bools := []hpo.Value{hpo.Bool(false), hpo.Bool(true)}
	heavy := func(c map[string]hpo.Value) bool {
		m := c["model.name"].Str()
		return strings.Contains(m, "large") || strings.Contains(m, "xlm") || strings.Contains(m, "deberta")
	}
	batches := ints(8, 12, 16, 24, 32, 48, 64)
	accums := ints(1, 2, 3, 4, 6, 8)
	return hpo.NewSpace(
		hpo.Param{Name: "seed", Dist: in(1, 65535, 1)},
		hpo.Param{Name: "model.name", Dist: cat(str("bert-base-uncased", "bert-large-uncased", "roberta-base",
			"roberta-large", "microsoft/deberta-v3-base", "microsoft/deberta-v3-large",
			"google/electra-base-discriminator", "google/electra-large-discriminator", "xlm-roberta-base"))},
		hpo.Param{Name: "tok.max_length", Dist: in(128, 512, 32), Narrow: func(c map[string]hpo.Value) hpo.Distribution {
			if heavy(c) {
				return in(128, 384, 32)
			}
			return nil
		}},
		hpo.Param{Name: "tok.doc_stride", Dist: in(32, 256, 16), Narrow: func(c map[string]hpo.Value) hpo.Distribution {
			return in(32, min(256, c["tok.max_length"].Int()/2/16*16), 16)
		}},
		hpo.Param{Name: "tok.use_fast", Dist: cat(bools)},
		hpo.Param{Name: "train.batch_size", Dist: cat(batches), Narrow: func(c map[string]hpo.Value) hpo.Distribution {
			if heavy(c) {
				return cat(ints(8, 12, 16))
			}
			return nil
		}},
		hpo.Param{Name: "train.grad_accum", Dist: cat(accums), Narrow: func(c map[string]hpo.Value) hpo.Distribution {
			limit := int64(512)
			if heavy(c) {
				limit = 64
			}
			var ok []hpo.Value
			for _, a := range accums {
				if a.Int()*c["train.batch_size"].Int() <= limit {
					ok = append(ok, a)
				}
			}
			return cat(ok)
		}},
		hpo.Param{Name: "optim.name", Dist: cat(str("adamw", "adamw_8bit", "adafactor", "lion"))},
		hpo.Param{Name: "optim.lr", Dist: lg(5e-6, 3e-4), Narrow: func(c map[string]hpo.Value) hpo.Distribution {
			if heavy(c) {
				return lg(5e-6, 1.5e-4)
			}
			return nil
		}},
		hpo.Param{Name: "optim.weight_decay", Dist: lg(1e-6, 0.2)},
		hpo.Param{Name: "optim.beta1", Dist: fl(0.80, 0.95), Parent: "optim.name", When: str("adamw", "adamw_8bit", "lion")},
		hpo.Param{Name: "optim.beta2", Dist: fl(0.95, 0.9999), Parent: "optim.name", When: str("adamw", "adamw_8bit", "lion")},
		hpo.Param{Name: "optim.eps", Dist: lg(1e-9, 1e-6), Parent: "optim.name", When: str("adamw", "adamw_8bit", "lion")},
		hpo.Param{Name: "sched.name", Dist: cat(str("linear", "cosine", "cosine_restart", "polynomial", "one_cycle"))},
		hpo.Param{Name: "sched.warmup_ratio", Dist: fl(0, 0.2)},
		hpo.Param{Name: "sched.cosine_cycles", Dist: in(1, 4, 1), Parent: "sched.name", When: str("cosine_restart", "one_cycle")},
		hpo.Param{Name: "sched.poly_power", Dist: fl(0.5, 2.0), Parent: "sched.name", When: str("polynomial")},
		hpo.Param{Name: "train.clip_grad", Dist: fl(0, 1.5)},
		hpo.Param{Name: "model.dropout", Dist: fl(0, 0.5)},
		hpo.Param{Name: "model.attn_dropout", Dist: fl(0, 0.3)},
		hpo.Param{Name: "train.grad_checkpointing", Dist: cat(bools)},
		hpo.Param{Name: "train.freeze_encoder_layers", Dist: in(0, 6, 1)},
		hpo.Param{Name: "optim.layerwise_lr_decay", Dist: fl(0.80, 1.00)},
		hpo.Param{Name: "head.pooling", Dist: cat(str("cls", "mean", "max", "attn"))},
		hpo.Param{Name: "head.layers", Dist: in(1, 4, 1)},
		hpo.Param{Name: "head.hidden", Dist: cat(ints(256, 384, 512, 768, 1024, 1536, 2048))},
		hpo.Param{Name: "head.activation", Dist: cat(str("gelu", "relu", "silu"))},
		hpo.Param{Name: "head.dropout", Dist: fl(0, 0.5)},
		hpo.Param{Name: "loss.cls.type", Dist: cat(str("ce", "ce_label_smooth", "focal"))},
		hpo.Param{Name: "loss.cls.label_smoothing", Dist: fl(0, 0.2), Parent: "loss.cls.type", When: str("ce", "ce_label_smooth")},
		hpo.Param{Name: "loss.cls.gamma", Dist: fl(1, 5), Parent: "loss.cls.type", When: str("focal")},
		hpo.Param{Name: "loss.cls.alpha", Dist: fl(0.1, 0.9), Parent: "loss.cls.type", When: str("focal")},
		hpo.Param{Name: "loss.cls.balance", Dist: cat(str("none", "weighted", "effective_num"))},
		hpo.Param{Name: "qa.null.policy", Dist: cat(str("none", "threshold", "ratio", "calibrated"))},
		hpo.Param{Name: "qa.null.threshold", Dist: fl(-5, 5), Parent: "qa.null.policy", When: str("threshold", "calibrated")},
		hpo.Param{Name: "qa.null.ratio", Dist: fl(0.05, 0.8), Parent: "qa.null.policy", When: str("ratio")},
		hpo.Param{Name: "qa.topk", Dist: in(1, 20, 1)},
		hpo.Param{Name: "qa.max_answer_len", Dist: in(20, 512, 4)},
		hpo.Param{Name: "qa.n_best_size", Dist: in(10, 50, 1)},
		hpo.Param{Name: "qa.reranker", Dist: cat(str("sum", "product", "softmax"))},
		hpo.Param{Name: "qa.nms_iou", Dist: fl(0.3, 0.8)},
		hpo.Param{Name: "qa.neg_ratio", Dist: fl(0.1, 1.0)},
	)
}
