//go:build gotch

package trainer

import (
	"context"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/redsm5/supermax-hpo/hpo"
	"github.com/redsm5/supermax-hpo/trainer/span"
)

// TestEveryEvidenceTrainingParameterChangesTraining trains one epoch of
// the tiny evidence trial per variant, each changing one parameter that
// acts on training (the windows, the null-example draw, the QA loss, the
// span head), and checks that the epoch's training loss differs from the
// base run's. The decoding parameters are covered by
// TestEveryEvidenceDecodingParameterChangesDecoding; the common ones by
// TestEveryTrainingParameterChangesTraining (criteria), whose code path
// (session.buildOptimizer, scheduleFor, update) evidence shares.
func TestEveryEvidenceTrainingParameterChangesTraining(t *testing.T) {
	if testing.Short() {
		t.Skip("trains 16 tiny epochs")
	}
	tr := newTestTrainer(t)
	run := func(p map[string]hpo.Value) float64 {
		res, err := tr.TrainEpoch(context.Background(), evidenceRequest(p, t.TempDir(), 1, 3))
		if err != nil {
			t.Fatal(err)
		}
		return res.TrainLoss
	}
	focal := map[string]hpo.Value{"loss.qa.type": hpo.String("qa_focal"), "loss.qa.gamma": hpo.Float(2), "loss.qa.alpha": hpo.Float(0.25)}
	smooth := map[string]hpo.Value{"loss.qa.type": hpo.String("qa_ce_ls"), "loss.qa.label_smoothing": hpo.Float(0.1)}
	variants := []struct {
		base  map[string]hpo.Value // changes to evidenceParams both runs share
		param string
		value hpo.Value
		also  map[string]hpo.Value // parameters the new value's condition brings in
	}{
		{nil, "tok.doc_stride", hpo.Int(32), nil},
		{nil, "tok.max_length", hpo.Int(48), nil},
		{nil, "qa.neg_ratio", hpo.Float(1), nil},
		{nil, "seed", hpo.Int(8), nil},
		{nil, "loss.qa.type", hpo.String("qa_ce_ls"), map[string]hpo.Value{"loss.qa.label_smoothing": hpo.Float(0.1)}},
		{nil, "loss.qa.type", hpo.String("qa_focal"), map[string]hpo.Value{"loss.qa.gamma": hpo.Float(2), "loss.qa.alpha": hpo.Float(0.25)}},
		{smooth, "loss.qa.label_smoothing", hpo.Float(0.02), nil},
		{focal, "loss.qa.gamma", hpo.Float(4), nil},
		{focal, "loss.qa.alpha", hpo.Float(0.75), nil},
		{nil, "head.layers", hpo.Int(3), nil},
		{nil, "head.hidden", hpo.Int(64), nil},
		{nil, "head.activation", hpo.String("relu"), nil},
		{nil, "head.dropout", hpo.Float(0.3), nil},
	}
	bases := map[string]float64{}
	for _, v := range variants {
		key := ""
		p := evidenceParams(t)
		for k, x := range v.base {
			p[k], key = x, key+k+"="+x.String()+" "
		}
		base, ok := bases[key]
		if !ok {
			base = run(p)
			bases[key] = base
		}
		p[v.param] = v.value
		for k, x := range v.also {
			p[k] = x
		}
		if got := run(p); got == base {
			t.Errorf("%s = %v (base %v): training loss %v, the same as the base run's", v.param, v.value, v.base, got)
		}
	}
}

// TestEveryEvidenceDecodingParameterChangesDecoding trains the tiny
// evidence trial for one epoch, then decodes the validation split (and,
// for the calibrated policy, fits the threshold on the training split)
// under variants that each change one decoding or null-decision
// parameter, and checks that the decoded spans, their scores, the
// predictions or the fitted threshold differ from the base's.
func TestEveryEvidenceDecodingParameterChangesDecoding(t *testing.T) {
	tr := newTestTrainer(t)
	dir := t.TempDir()
	params := evidenceParams(t)
	params["qa.topk"] = hpo.Int(20)
	if _, err := tr.TrainEpoch(context.Background(), evidenceRequest(params, dir, 1, 1)); err != nil {
		t.Fatal(err)
	}
	cfg := mustParseEvidence(t, params)
	s, err := tr.openEvidence(evidenceRequest(params, dir, 1, 1), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.free()
	if err := s.restoreModel(filepath.Join(dir, bestModelFile)); err != nil {
		t.Fatal(err)
	}
	decode := func(docs []evidenceDoc, c span.Config) []span.Decoded {
		s.ecfg.QA.Decode = c
		out, err := s.decode(context.Background(), docs)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	base := cfg.QA.Decode
	baseOut := decode(s.data.validation, base)
	for _, v := range []struct {
		param string
		edit  func(*span.Config)
	}{
		{"qa.n_best_size", func(c *span.Config) { c.NBest = 1 }},
		{"qa.max_answer_len", func(c *span.Config) { c.MaxAnswerLen = 4 }},
		{"qa.reranker product", func(c *span.Config) { c.Reranker = span.RerankProduct }},
		{"qa.reranker softmax", func(c *span.Config) { c.Reranker = span.RerankSoftmax }},
		{"qa.nms_iou", func(c *span.Config) { c.NMSIoU = 0.8 }},
		{"qa.topk", func(c *span.Config) { c.TopK = 1 }},
	} {
		c := base
		v.edit(&c)
		if got := decode(s.data.validation, c); reflect.DeepEqual(got, baseOut) {
			t.Errorf("%s: the same decoding as the base %+v", v.param, base)
		}
	}
	decide := func(p span.NullPolicy) []span.Prediction {
		preds, err := span.Decide(baseOut, p)
		if err != nil {
			t.Fatal(err)
		}
		return preds
	}
	none := decide(span.NullPolicy{Policy: span.NullNone})
	for _, pair := range [][2]span.NullPolicy{
		{{Policy: span.NullNone}, {Policy: span.NullThreshold, Threshold: -5}},
		{{Policy: span.NullNone}, {Policy: span.NullRatio, Ratio: 0.5}},
		{{Policy: span.NullThreshold, Threshold: -5}, {Policy: span.NullThreshold, Threshold: 5}},
		{{Policy: span.NullRatio, Ratio: 0.05}, {Policy: span.NullRatio, Ratio: 0.8}},
	} {
		a, b := none, decide(pair[1])
		if pair[0].Policy != span.NullNone {
			a = decide(pair[0])
		}
		if reflect.DeepEqual(a, b) {
			t.Errorf("qa.null %+v and %+v: the same predictions", pair[0], pair[1])
		}
	}
	// Calibrated: the threshold fitted on the training split starts from
	// qa.null.threshold and keeps the optimum nearest to it.
	train := decode(s.data.train, base)
	low, err := span.FitThreshold(train, golds(s.data.train), -5)
	if err != nil {
		t.Fatal(err)
	}
	high, _ := span.FitThreshold(train, golds(s.data.train), 5)
	if low == high {
		t.Errorf("calibrated from qa.null.threshold -5 and 5: the same fitted threshold %v", low)
	}
	if reflect.DeepEqual(decide(span.NullPolicy{Policy: span.NullCalibrated, Threshold: low}), none) {
		t.Error("calibrated: the same predictions as policy none")
	}
	t.Logf("fitted thresholds from -5 and 5: %v, %v", low, high)
}
