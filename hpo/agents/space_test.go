package agents

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/redsm5/supermax-hpo/hpo"
)

// The parameter names of docs/design.md §6, in the order of the spaces.
var (
	commonNames = []string{
		"seed", "model.name", "tok.max_length", "tok.doc_stride", "tok.use_fast",
		"train.batch_size", "train.grad_accum", "optim.name", "optim.lr", "optim.weight_decay",
		"optim.beta1", "optim.beta2", "optim.eps", "sched.name", "sched.warmup_ratio",
		"sched.cosine_cycles", "sched.poly_power", "train.clip_grad", "model.dropout",
		"model.attn_dropout", "train.grad_checkpointing", "train.freeze_encoder_layers",
		"optim.layerwise_lr_decay",
	}
	criteriaNames = []string{
		"head.pooling", "head.layers", "head.hidden", "head.activation", "head.dropout",
		"loss.cls.type", "loss.cls.label_smoothing", "loss.cls.gamma", "loss.cls.alpha", "loss.cls.balance",
	}
	evidenceNames = []string{
		"head.layers", "head.hidden", "head.activation", "head.dropout",
		"loss.qa.type", "loss.qa.label_smoothing", "loss.qa.gamma", "loss.qa.alpha",
		"qa.null.policy", "qa.null.threshold", "qa.null.ratio", "qa.topk", "qa.max_answer_len",
		"qa.n_best_size", "qa.reranker", "qa.nms_iou", "qa.neg_ratio",
	}
	sharedExtraNames = []string{
		"head.pooling", "loss.cls.type", "loss.cls.label_smoothing", "loss.cls.gamma",
		"loss.cls.alpha", "loss.cls.balance", "joint.share_ratio", "joint.criteria_weight",
	}
)

func concat(lists ...[]string) []string {
	var out []string
	for _, l := range lists {
		out = append(out, l...)
	}
	return out
}

func wantNames(a Agent) []string {
	switch a {
	case Criteria:
		return concat(commonNames, criteriaNames)
	case Evidence:
		return concat(commonNames, evidenceNames)
	}
	return concat(commonNames, evidenceNames, sharedExtraNames)
}

func mustSpace(t *testing.T, a Agent, opt Options) *hpo.Space {
	t.Helper()
	s, err := Space(a, opt)
	if err != nil {
		t.Fatalf("Space(%s): %v", a, err)
	}
	return s
}

func names(s *hpo.Space) []string {
	var out []string
	for _, p := range s.Params() {
		out = append(out, p.Name)
	}
	return out
}

func TestSpaceNamesAndOrder(t *testing.T) {
	counts := map[Agent]int{Criteria: 33, Evidence: 40, Share: 48, Joint: 48}
	for _, a := range Agents() {
		s := mustSpace(t, a, Options{})
		got := names(s)
		if !slices.Equal(got, wantNames(a)) {
			t.Errorf("%s: names\n got %v\nwant %v", a, got, wantNames(a))
		}
		if s.Len() != counts[a] {
			t.Errorf("%s: %d parameters, want %d", a, s.Len(), counts[a])
		}
	}
}

// TestSharedParamsIdentical checks "same name = same parameter": a name in
// both the criteria and the share space has the same distribution and
// condition in both.
func TestSharedParamsIdentical(t *testing.T) {
	crit := mustSpace(t, Criteria, Options{})
	ev := mustSpace(t, Evidence, Options{})
	for _, a := range []Agent{Share, Joint} {
		s := mustSpace(t, a, Options{})
		for _, ref := range []*hpo.Space{crit, ev} {
			for _, p := range ref.Params() {
				q, ok := s.Lookup(p.Name)
				if !ok {
					t.Errorf("%s lacks %s", a, p.Name)
					continue
				}
				if !sameDist(p.Dist, q.Dist) || p.Parent != q.Parent || !slices.Equal(p.When, q.When) {
					t.Errorf("%s: %s differs from the single-agent space", a, p.Name)
				}
			}
		}
	}
}

func sameDist(a, b hpo.Distribution) bool {
	ja, err1 := hpo.MarshalDistribution(a)
	jb, err2 := hpo.MarshalDistribution(b)
	return err1 == nil && err2 == nil && string(ja) == string(jb)
}

// conditionals is the expected condition of every conditional parameter.
var conditionals = map[string]struct {
	parent string
	when   []string
}{
	"optim.beta1":              {"optim.name", []string{"adamw", "adamw_8bit", "lion"}},
	"optim.beta2":              {"optim.name", []string{"adamw", "adamw_8bit", "lion"}},
	"optim.eps":                {"optim.name", []string{"adamw", "adamw_8bit", "lion"}},
	"sched.cosine_cycles":      {"sched.name", []string{"cosine_restart", "one_cycle"}},
	"sched.poly_power":         {"sched.name", []string{"polynomial"}},
	"loss.cls.label_smoothing": {"loss.cls.type", []string{"ce", "ce_label_smooth"}},
	"loss.cls.gamma":           {"loss.cls.type", []string{"focal"}},
	"loss.cls.alpha":           {"loss.cls.type", []string{"focal"}},
	"loss.qa.label_smoothing":  {"loss.qa.type", []string{"qa_ce", "qa_ce_ls"}},
	"loss.qa.gamma":            {"loss.qa.type", []string{"qa_focal"}},
	"loss.qa.alpha":            {"loss.qa.type", []string{"qa_focal"}},
	"qa.null.threshold":        {"qa.null.policy", []string{"threshold", "calibrated"}},
	"qa.null.ratio":            {"qa.null.policy", []string{"ratio"}},
}

func TestConditionalsDeclared(t *testing.T) {
	for _, a := range Agents() {
		for _, p := range mustSpace(t, a, Options{}).Params() {
			c, isCond := conditionals[p.Name]
			if !isCond {
				if p.Parent != "" {
					t.Errorf("%s: %s is conditional on %s, want unconditional", a, p.Name, p.Parent)
				}
				continue
			}
			var when []string
			for _, w := range p.When {
				when = append(when, w.Str())
			}
			if p.Parent != c.parent || !slices.Equal(when, c.when) {
				t.Errorf("%s: %s under %s %v, want under %s %v", a, p.Name, p.Parent, when, c.parent, c.when)
			}
		}
	}
}

func TestSpaceErrors(t *testing.T) {
	if _, err := Space("bogus", Options{}); !errors.Is(err, ErrUnknownAgent) {
		t.Errorf("unknown agent: err = %v, want ErrUnknownAgent", err)
	}
	_, err := Space(Criteria, Options{Models: []string{"gpt-2"}})
	if !errors.Is(err, ErrInvalidOptions) || !strings.Contains(err.Error(), `"gpt-2"`) {
		t.Errorf("bad model: err = %v, want ErrInvalidOptions naming gpt-2", err)
	}
}

func TestOptionsNarrowSpace(t *testing.T) {
	head := HeadLimits{LayersMin: 2, LayersMax: 3, HiddenChoices: []int{1024, 256}, DropoutMax: 0.2}
	opt := Options{Models: []string{"roberta-large", "bert-base-uncased"}, Head: head, Optimizers: []string{"lion", "adafactor"}}
	s := mustSpace(t, Share, opt)
	want := map[string]string{
		"model.name":   `{"name": "CategoricalDistribution", "attributes": {"choices": ["bert-base-uncased", "roberta-large"]}}`,
		"optim.name":   `{"name": "CategoricalDistribution", "attributes": {"choices": ["adafactor", "lion"]}}`,
		"head.layers":  `{"name": "IntDistribution", "attributes": {"log": false, "step": 1, "low": 2, "high": 3}}`,
		"head.hidden":  `{"name": "CategoricalDistribution", "attributes": {"choices": [256, 1024]}}`,
		"head.dropout": `{"name": "FloatDistribution", "attributes": {"step": null, "low": 0.0, "high": 0.2, "log": false}}`,
	}
	for name, w := range want {
		p, _ := s.Lookup(name)
		got, err := hpo.MarshalDistribution(p.Dist)
		if err != nil || string(got) != w {
			t.Errorf("%s: %s (err %v), want %s", name, got, err, w)
		}
	}
	beta, _ := s.Lookup("optim.beta1")
	if len(beta.When) != 1 || beta.When[0].Str() != "lion" {
		t.Errorf("optim.beta1 under %v, want [lion]", beta.When)
	}
	only := mustSpace(t, Criteria, Options{Optimizers: []string{"adafactor"}})
	for _, n := range []string{"optim.beta1", "optim.beta2", "optim.eps"} {
		if _, ok := only.Lookup(n); ok {
			t.Errorf("adafactor only: %s still in the space", n)
		}
	}
	if got := len(opt.Narrowing()); got != 5 {
		t.Errorf("Narrowing: %d lines, want 5: %q", got, opt.Narrowing())
	}
	if got := (Options{}).Narrowing(); len(got) != 0 {
		t.Errorf("zero Options: Narrowing = %q, want none", got)
	}
}
