package tpe

import (
	"fmt"
	"testing"
)

// agentNames are the parameter names of bench/sampler's 42-parameter space.
var agentNames = []string{"seed", "model.name", "tok.max_length", "tok.doc_stride", "tok.use_fast", "train.batch_size", "train.grad_accum", "optim.name", "optim.lr", "optim.weight_decay", "optim.beta1", "optim.beta2", "optim.eps", "sched.name", "sched.warmup_ratio", "sched.cosine_cycles", "sched.poly_power", "train.clip_grad", "model.dropout", "model.attn_dropout", "train.grad_checkpointing", "train.freeze_encoder_layers", "optim.layerwise_lr_decay", "head.pooling", "head.layers", "head.hidden", "head.activation", "head.dropout", "loss.cls.type", "loss.cls.label_smoothing", "loss.cls.gamma", "loss.cls.alpha", "loss.cls.balance", "qa.null.policy", "qa.null.threshold", "qa.null.ratio", "qa.topk", "qa.max_answer_len", "qa.n_best_size", "qa.reranker", "qa.nms_iou", "qa.neg_ratio"}

func checkNameIndex(t *testing.T, ix *nameIndex, names []string) {
	t.Helper()
	for i, n := range names {
		if got, ok := ix.lookup(n); !ok || got != i {
			t.Errorf("lookup(%q) = %d, %v; want %d, true", n, got, ok, i)
		}
	}
	for _, n := range []string{"", "see", "seeds", "model.name ", "qa.neg_rati0", "x"} {
		if got, ok := ix.lookup(n); ok {
			t.Errorf("lookup(%q) = %d, true; want not found", n, got)
		}
	}
}

func TestNameIndex(t *testing.T) {
	ix := newNameIndex(agentNames)
	if ix.byMap != nil {
		t.Error("no seed separated the 42 agent names; the index fell back to a map")
	}
	checkNameIndex(t, ix, agentNames)

	many := make([]string, 2000)
	for i := range many {
		many[i] = fmt.Sprintf("p%d", i)
	}
	checkNameIndex(t, newNameIndex(many), many)
	checkNameIndex(t, newNameIndex(nil), nil)
}
