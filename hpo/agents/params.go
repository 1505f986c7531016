package agents

import (
	"slices"

	"github.com/redsm5/supermax-hpo/hpo"
)

// Names of the parameters that other parameters depend on.
const (
	pModel     = "model.name"
	pMaxLength = "tok.max_length"
	pBatch     = "train.batch_size"
	pOptim     = "optim.name"
)

// commonParams are the parameters of every agent, seed first. Order matters:
// a parameter's constraint or condition only reads parameters before it.
func commonParams(opt Options) []hpo.Param {
	optimizers := keep(Optimizers(), opt.Optimizers)
	ps := []hpo.Param{
		integer("seed", 1, 65535, 1),
		categorical(pModel, strs(modelChoices(opt.Models)...)),
		withNarrow(integer(pMaxLength, 128, 1024, 32), narrowMaxLength),
		withNarrow(integer("tok.doc_stride", 32, 256, 16), narrowDocStride),
		categorical("tok.use_fast", []hpo.Value{hpo.Bool(true), hpo.Bool(false)}),
		withNarrow(categorical(pBatch, ints(8, 12, 16, 24, 32, 48, 64)), narrowBatch),
		withNarrow(categorical("train.grad_accum", ints(1, 2, 3, 4, 6, 8)), narrowGradAccum),
		categorical(pOptim, strs(optimizers...)),
		withNarrow(logUniform("optim.lr", 5e-6, 3e-4), narrowLR),
		logUniform("optim.weight_decay", 1e-6, 0.2),
	}
	// Adafactor has no betas or eps: they exist under the other optimizers
	// left in the space, and not at all when only adafactor is left.
	if withBetas := slices.DeleteFunc(slices.Clone(optimizers), func(s string) bool { return s == "adafactor" }); len(withBetas) > 0 {
		ps = append(ps,
			when(uniform("optim.beta1", 0.80, 0.95), pOptim, withBetas...),
			when(uniform("optim.beta2", 0.95, 0.9999), pOptim, withBetas...),
			when(logUniform("optim.eps", 1e-9, 1e-6), pOptim, withBetas...))
	}
	return append(ps,
		categorical("sched.name", strs("linear", "cosine", "cosine_restart", "polynomial", "one_cycle")),
		uniform("sched.warmup_ratio", 0, 0.2),
		when(integer("sched.cosine_cycles", 1, 4, 1), "sched.name", "cosine_restart", "one_cycle"),
		when(uniform("sched.poly_power", 0.5, 2.0), "sched.name", "polynomial"),
		uniform("train.clip_grad", 0, 1.5),
		uniform("model.dropout", 0, 0.5),
		uniform("model.attn_dropout", 0, 0.3),
		categorical("train.grad_checkpointing", bools(gradCheckpointingChoices(opt.GradCheckpointing)...)),
		integer("train.freeze_encoder_layers", 0, 6, 1),
		uniform("optim.layerwise_lr_decay", 0.80, 1.00),
	)
}

// headParams are the MLP head parameters shared by the criteria and evidence
// heads, narrowed by head.
func headParams(head HeadLimits) []hpo.Param {
	// Hidden sizes keep their original order, whatever the order given.
	hidden := keepInts(headHiddenChoices(), head.HiddenChoices)
	return []hpo.Param{
		integer("head.layers", int64(head.LayersMin), int64(head.LayersMax), 1),
		categorical("head.hidden", ints(hidden...)),
		categorical("head.activation", strs("gelu", "relu", "silu")),
		uniform("head.dropout", 0, head.DropoutMax),
	}
}

// criteriaParams are the criteria agent's own parameters: pooling, head and
// classification loss.
func criteriaParams(head HeadLimits) []hpo.Param {
	ps := []hpo.Param{categorical("head.pooling", strs("cls", "mean", "max", "attn"))}
	ps = append(ps, headParams(head)...)
	return append(ps,
		categorical("loss.cls.type", strs("ce", "ce_label_smooth", "focal")),
		when(uniform("loss.cls.label_smoothing", 0, 0.20), "loss.cls.type", "ce", "ce_label_smooth"),
		when(uniform("loss.cls.gamma", 1, 5), "loss.cls.type", "focal"),
		when(uniform("loss.cls.alpha", 0.1, 0.9), "loss.cls.type", "focal"),
		categorical("loss.cls.balance", strs("none", "weighted", "effective_num")),
	)
}

// evidenceParams are the evidence agent's own parameters: span head (no
// pooling), QA loss and answer decoding. docs/design.md §6 gives the QA loss
// parameters' ranges but not their names; they follow the criteria loss:
// loss.qa.label_smoothing unless focal (as loss.cls.label_smoothing is
// "not focal"), loss.qa.gamma and loss.qa.alpha under qa_focal.
func evidenceParams(head HeadLimits) []hpo.Param {
	return append(headParams(head),
		categorical("loss.qa.type", strs("qa_ce", "qa_ce_ls", "qa_focal")),
		when(uniform("loss.qa.label_smoothing", 0, 0.15), "loss.qa.type", "qa_ce", "qa_ce_ls"),
		when(uniform("loss.qa.gamma", 1, 5), "loss.qa.type", "qa_focal"),
		when(uniform("loss.qa.alpha", 0.1, 0.9), "loss.qa.type", "qa_focal"),
		categorical("qa.null.policy", strs("none", "threshold", "ratio", "calibrated")),
		when(uniform("qa.null.threshold", -5, 5), "qa.null.policy", "threshold", "calibrated"),
		when(uniform("qa.null.ratio", 0.05, 0.8), "qa.null.policy", "ratio"),
		integer("qa.topk", 1, 20, 1),
		integer("qa.max_answer_len", 20, 512, 4),
		integer("qa.n_best_size", 10, 50, 1),
		categorical("qa.reranker", strs("sum", "product", "softmax")),
		uniform("qa.nms_iou", 0.3, 0.8),
		uniform("qa.neg_ratio", 0.1, 1.0),
	)
}

// jointParams are the share and joint agents' own parameters.
func jointParams() []hpo.Param {
	return []hpo.Param{
		uniform("joint.share_ratio", 0, 1),
		uniform("joint.criteria_weight", 0.2, 0.8),
	}
}
