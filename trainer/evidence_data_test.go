package trainer

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/redsm5/supermax-hpo/activities"
	"github.com/redsm5/supermax-hpo/hpo"
	"github.com/redsm5/supermax-hpo/trainer/span"
)

// evidenceSpanParams adds the span parameters of an evidence trial to
// criteria parameters without pooling and the classification loss.
func evidenceSpanParams(p map[string]hpo.Value) map[string]hpo.Value {
	for _, k := range []string{"head.pooling", "loss.cls.type", "loss.cls.label_smoothing", "loss.cls.gamma", "loss.cls.alpha", "loss.cls.balance"} {
		delete(p, k)
	}
	p["loss.qa.type"] = hpo.String("qa_focal")
	p["loss.qa.gamma"] = hpo.Float(2)
	p["loss.qa.alpha"] = hpo.Float(0.25)
	p["qa.null.policy"] = hpo.String("ratio")
	p["qa.null.ratio"] = hpo.Float(0.3)
	p["qa.topk"] = hpo.Int(5)
	p["qa.max_answer_len"] = hpo.Int(64)
	p["qa.n_best_size"] = hpo.Int(20)
	p["qa.reranker"] = hpo.String("softmax")
	p["qa.nms_iou"] = hpo.Float(0.5)
	p["qa.neg_ratio"] = hpo.Float(0.4)
	return p
}

func TestParseEvidence(t *testing.T) {
	c, err := ParseEvidence(evidenceSpanParams(criteriaParams()))
	if err != nil {
		t.Fatal(err)
	}
	want := QAConfig{DocStride: 64, NegRatio: 0.4, LossType: "qa_focal", Gamma: 2, Alpha: 0.25,
		Decode: span.Config{NBest: 20, MaxAnswerLen: 64, Reranker: "softmax", NMSIoU: 0.5, TopK: 5},
		Null:   span.NullPolicy{Policy: "ratio", Ratio: 0.3}}
	if c.QA != want || c.HeadLayers != 2 || c.HeadHidden != 256 || c.Activation != "silu" || c.Pooling != "" || c.MaxLength != 128 {
		t.Errorf("parsed %+v", c)
	}
	tests := []struct {
		name   string
		change func(map[string]hpo.Value)
		want   string
	}{
		{"missing", func(p map[string]hpo.Value) { delete(p, "qa.neg_ratio") }, "qa.neg_ratio: missing"},
		{"stride not below max_length", func(p map[string]hpo.Value) { p["tok.doc_stride"] = hpo.Int(128) }, "tok.doc_stride"},
		{"unknown reranker", func(p map[string]hpo.Value) { p["qa.reranker"] = hpo.String("max") }, "qa.reranker"},
		{"conditional missing", func(p map[string]hpo.Value) { delete(p, "qa.null.ratio") }, "qa.null.ratio: missing"},
		{"focal without gamma", func(p map[string]hpo.Value) { delete(p, "loss.qa.gamma") }, "loss.qa.gamma: missing"},
		{"common", func(p map[string]hpo.Value) { p["optim.name"] = hpo.String("adamw_8bit") }, "adamw_8bit is not implemented"},
	}
	for _, tc := range tests {
		p := evidenceSpanParams(criteriaParams())
		tc.change(p)
		_, err := ParseEvidence(p)
		if !errors.Is(err, activities.ErrInvalidConfig) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want ErrInvalidConfig mentioning %q", tc.name, err, tc.want)
		}
	}
	p := evidenceSpanParams(criteriaParams())
	p["qa.null.policy"] = hpo.String("calibrated")
	p["qa.null.threshold"] = hpo.Float(-2)
	p["loss.qa.type"] = hpo.String("qa_ce_ls")
	p["loss.qa.label_smoothing"] = hpo.Float(0.1)
	if c, err := ParseEvidence(p); err != nil || c.QA.Null != (span.NullPolicy{Policy: "calibrated", Threshold: -2}) || c.QA.LabelSmooth != 0.1 || c.QA.Gamma != 0 {
		t.Errorf("calibrated/qa_ce_ls: %+v, %v", c.QA, err)
	}
}

// TestEvidenceData checks the documents of the fixture's training split at
// max_length 64: one per (post, criterion) pair, windows covering the post
// with the stride's overlap, each target inside its window on the gold
// span's first and last tokens, and the null-window draw of qa.neg_ratio
// (its size, its repeatability per (seed, epoch), another draw in another
// epoch).
func TestEvidenceData(t *testing.T) {
	dir := t.TempDir()
	if _, err := WriteTinyModel(dir, "../data/testdata/redsm5-fixture"); err != nil {
		t.Fatal(err)
	}
	cache := newEvidenceCache(DefaultConfig("../data/testdata/redsm5-fixture", t.TempDir()))
	d, err := cache.get(evidenceKey{study: "s", modelDir: dir, maxLength: 64, docStride: 16})
	if err != nil {
		t.Fatal(err)
	}
	multi, nulls := 0, 0
	for _, doc := range d.train {
		if len(doc.golds) == 0 {
			nulls++
		}
		if len(doc.windows) > 1 {
			multi++
		}
		for k, w := range doc.windows {
			if k > 0 && doc.windows[k-1].Offset+doc.windows[k-1].TextLen-w.Offset != 16 {
				t.Errorf("%s/%s: windows %d and %d overlap by %d tokens, want 16", doc.postID, doc.label, k-1, k, doc.windows[k-1].Offset+doc.windows[k-1].TextLen-w.Offset)
			}
			if w.answered() {
				g := span.Span{First: w.start - w.TextStart + w.Offset, Last: w.end - w.TextStart + w.Offset}
				if !matchesGold(g, doc.golds) || w.start < w.TextStart || w.end >= w.TextStart+w.TextLen {
					t.Errorf("%s/%s window %d: target %d..%d (span %v) is not a gold span %v inside the window", doc.postID, doc.label, k, w.start, w.end, g, doc.golds)
				}
			}
		}
	}
	if len(d.train) != 81 || nulls != 21 || multi == 0 {
		t.Errorf("%d documents (%d without evidence, %d in several windows), want 81 and 21 on the fixture and some long posts", len(d.train), nulls, multi)
	}
	if got := span.NullBaseline(golds(d.validation)); len(d.validation) != 18 || got != 4.0/18 {
		t.Errorf("%d validation documents, null-only exact match %v; want 18 and 4/18 on the fixture", len(d.validation), got)
	}
	a, b, c := d.epochWindows(7, 1, 0.5), d.epochWindows(7, 1, 0.5), d.epochWindows(7, 2, 0.5)
	if want := len(d.answered) + int(math.Ceil(0.5*float64(len(d.null)))); len(a) != want || d.epochWindowCount(0.5) != want {
		t.Errorf("%d windows in the epoch, want %d answered + half of %d null", len(a), len(d.answered), len(d.null))
	}
	if !equalRefs(a, b) || equalRefs(a, c) {
		t.Error("the epoch's windows are not repeatable per (seed, epoch), or the same in another epoch")
	}
	if all := d.epochWindows(7, 1, 1); len(all) != len(d.answered)+len(d.null) {
		t.Errorf("neg ratio 1: %d windows, want all %d", len(all), len(d.answered)+len(d.null))
	}
}

func matchesGold(s span.Span, golds []span.Span) bool {
	for _, g := range golds {
		if g == s {
			return true
		}
	}
	return false
}

func equalRefs(a, b []evidenceRef) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
