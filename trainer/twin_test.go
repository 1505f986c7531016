//go:build gotch

package trainer

import (
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/redsm5/supermax-hpo/activities"
	"github.com/redsm5/supermax-hpo/hpo"
)

// tinyTwinParams is a share or joint trial of the tiny model: the criteria
// trial of tinyParams with the span and joint parameters added; posts are
// split into windows of 64 tokens.
func tinyTwinParams(t *testing.T) map[string]hpo.Value {
	p := tinyParams(t)
	for k, v := range map[string]hpo.Value{
		"tok.doc_stride": hpo.Int(16), "loss.qa.type": hpo.String("qa_ce"), "loss.qa.label_smoothing": hpo.Float(0),
		"qa.null.policy": hpo.String("none"), "qa.topk": hpo.Int(5), "qa.max_answer_len": hpo.Int(64),
		"qa.n_best_size": hpo.Int(10), "qa.reranker": hpo.String("sum"), "qa.nms_iou": hpo.Float(0.5),
		"qa.neg_ratio": hpo.Float(1), "joint.share_ratio": hpo.Float(0.5), "joint.criteria_weight": hpo.Float(0.5),
	} {
		p[k] = v
	}
	return p
}

func twinRequest(agent string, params map[string]hpo.Value, dir string, epoch, maxEpochs int) activities.EpochRequest {
	req := request(params, dir, epoch, maxEpochs)
	req.Study, req.Agent = "noaug-"+agent+"-test", agent
	return req
}

// TestTwinTrainsResumesAndEvaluates trains share and joint trials for 3
// epochs each and checks the checkpoint contract: finite losses and values
// in [0, 1]; one best folder, named by the index, whose model reproduces
// the best epoch's validation value; epoch 2 retrained by a fresh trainer
// from epoch 1's checkpoint equals the uninterrupted epoch 2; a finished
// epoch is returned without training; the test split is scored; a trial
// without a checkpoint cannot be evaluated.
func TestTwinTrainsResumesAndEvaluates(t *testing.T) {
	for _, agent := range []string{"share", "joint"} {
		t.Run(agent, func(t *testing.T) {
			params := tinyTwinParams(t)
			params["model.dropout"] = hpo.Float(0.1) // random streams must be restored too
			tr := newTestTrainer(t)
			runA := t.TempDir()
			for e := 1; e <= 3; e++ {
				res, err := tr.TrainEpoch(context.Background(), twinRequest(agent, params, runA, e, 3))
				if err != nil {
					t.Fatalf("epoch %d: %v", e, err)
				}
				if math.IsNaN(res.TrainLoss) || res.TrainLoss <= 0 || res.Value < 0 || res.Value > 1 || res.Resumed {
					t.Fatalf("epoch %d: %+v", e, res)
				}
				t.Logf("%s epoch %d: train loss %.4f, validation (macro-F1 + EM)/2 %.3f", agent, e, res.TrainLoss, res.Value)
			}
			meta, _, err := readMeta(runA)
			if err != nil {
				t.Fatal(err)
			}
			bests, _ := filepath.Glob(filepath.Join(runA, "best-*"))
			if len(bests) != 1 || filepath.Base(bests[0]) != twinBestDir(meta.BestEpoch) {
				t.Errorf("best folders %v, index names epoch %d", bests, meta.BestEpoch)
			}
			req := twinRequest(agent, params, runA, 1, 3)
			cfg, _ := ParseTwin(params)
			s, err := tr.openTwin(req, cfg, nil)
			if err != nil {
				t.Fatal(err)
			}
			if err := s.restoreFolder(twinBestDir(meta.BestEpoch)); err != nil {
				t.Fatal(err)
			}
			val, err := s.score(context.Background(), s.data.validation)
			s.free()
			if err != nil || val.value != meta.Results[meta.BestEpoch-1].Value {
				t.Errorf("best model on validation: %+v, %v; recorded %v", val, err, meta.Results[meta.BestEpoch-1].Value)
			}
			test, err := tr.EvaluateTest(context.Background(), req)
			if err != nil || test.Value < 0 || test.Value > 1 || test.Metrics[MetricMeanF1EM] != test.Value ||
				test.Value != (test.Metrics[MetricMacroF1]+test.Metrics[MetricEM])/2 {
				t.Errorf("test result %+v, %v", test, err)
			}
			t.Logf("%s: test metrics of the best epoch (%d): %v", agent, meta.BestEpoch, test.Metrics)
			if _, err := tr.EvaluateTest(context.Background(), twinRequest(agent, params, t.TempDir(), 1, 3)); !errors.Is(err, activities.ErrCheckpointMissing) {
				t.Errorf("no checkpoint: %v", err)
			}

			runB := t.TempDir()
			if _, err := newTestTrainer(t).TrainEpoch(context.Background(), twinRequest(agent, params, runB, 1, 3)); err != nil {
				t.Fatal(err)
			}
			resumed := newTestTrainer(t) // a new worker process, as after a crash
			got, err := resumed.TrainEpoch(context.Background(), twinRequest(agent, params, runB, 2, 3))
			if err != nil {
				t.Fatal(err)
			}
			if got.TrainLoss != meta.Results[1].TrainLoss || got.Value != meta.Results[1].Value {
				t.Errorf("resumed epoch 2 %+v, uninterrupted %+v", got, meta.Results[1])
			}
			again, err := resumed.TrainEpoch(context.Background(), twinRequest(agent, params, runB, 2, 3))
			if err != nil || !again.Resumed || again.TrainLoss != got.TrainLoss {
				t.Errorf("retried finished epoch: %+v, %v", again, err)
			}
		})
	}
}

// TestTwinCheckpointFiles: every layer shared leaves no branch file; none
// shared puts both layers' copies in branch.ot.
func TestTwinCheckpointFiles(t *testing.T) {
	tr := newTestTrainer(t)
	for ratio, wantBranch := range map[float64]bool{1: false, 0: true} {
		params := tinyTwinParams(t)
		params["joint.share_ratio"] = hpo.Float(ratio)
		dir := t.TempDir()
		if _, err := tr.TrainEpoch(context.Background(), twinRequest("share", params, dir, 1, 2)); err != nil {
			t.Fatal(err)
		}
		for _, sub := range []string{epochDir(1), twinBestDir(1)} {
			_, err := os.Stat(filepath.Join(dir, sub, twinBranchFile))
			if (err == nil) != wantBranch {
				t.Errorf("share_ratio %g: %s/%s present %v, want %v", ratio, sub, twinBranchFile, err == nil, wantBranch)
			}
		}
	}
}

// TestTwinParametersChangeTraining trains one epoch per variant of the
// tiny share and joint trials, each changing one parameter, and checks that
// the epoch's training loss or validation value differs from the base
// run's (or, for the null policy, its span F1 or null rate): the two
// parameters of their own (joint.share_ratio changes which layers are
// duplicated, joint.criteria_weight the loss), the criteria side's, and
// the span side's that change training or the null decision. The decoding
// parameters go through ParseEvidence's span.Config unchanged; their
// effect is shown in trainer/span and for the evidence agent.
func TestTwinParametersChangeTraining(t *testing.T) {
	if testing.Short() {
		t.Skip("trains 24 tiny epochs")
	}
	tr := newTestTrainer(t)
	variants := []struct {
		param string
		value hpo.Value
		also  map[string]hpo.Value
	}{
		{"joint.share_ratio", hpo.Float(1), nil},
		{"joint.share_ratio", hpo.Float(0), nil},
		{"joint.criteria_weight", hpo.Float(0.8), nil},
		{"head.pooling", hpo.String("attn"), nil},
		{"loss.cls.balance", hpo.String("weighted"), nil},
		{"loss.cls.type", hpo.String("ce_label_smooth"), map[string]hpo.Value{"loss.cls.label_smoothing": hpo.Float(0.2)}},
		{"loss.cls.type", hpo.String("focal"), map[string]hpo.Value{"loss.cls.gamma": hpo.Float(2), "loss.cls.alpha": hpo.Float(0.25)}},
		// The span side, read by ParseEvidence for these agents too.
		{"qa.neg_ratio", hpo.Float(0.3), nil},
		{"tok.doc_stride", hpo.Int(32), nil},
		{"loss.qa.type", hpo.String("qa_focal"), map[string]hpo.Value{"loss.qa.gamma": hpo.Float(2), "loss.qa.alpha": hpo.Float(0.25)}},
		{"qa.null.policy", hpo.String("ratio"), map[string]hpo.Value{"qa.null.ratio": hpo.Float(0.5)}},
	}
	for _, agent := range []string{"share", "joint"} {
		run := func(p map[string]hpo.Value) [4]float64 {
			res, err := tr.TrainEpoch(context.Background(), twinRequest(agent, p, t.TempDir(), 1, 3))
			if err != nil {
				t.Fatal(err)
			}
			return [4]float64{res.TrainLoss, res.Value, res.Metrics[MetricF1], res.Metrics[MetricNullRate]}
		}
		base := run(tinyTwinParams(t))
		for _, v := range variants {
			p := tinyTwinParams(t)
			p[v.param] = v.value
			switch v.param { // parameters of the base's choices that the new one lacks
			case "loss.cls.type":
				delete(p, "loss.cls.label_smoothing")
			case "loss.qa.type":
				delete(p, "loss.qa.label_smoothing")
			}
			for k, x := range v.also {
				p[k] = x
			}
			if got := run(p); got == base {
				t.Errorf("%s: %s = %v: loss, value, F1 and null rate %v, same as the base run", agent, v.param, v.value, got)
			}
		}
	}
}

func TestParseTwin(t *testing.T) {
	p := tinyTwinParams(t)
	c, err := ParseTwin(p)
	if err != nil {
		t.Fatal(err)
	}
	if c.ShareRatio != 0.5 || c.CriteriaWeight != 0.5 || c.QA.DocStride != 16 || c.QA.Decode.NBest != 10 || c.Pooling != "mean" || c.QA.NegRatio != 1 {
		t.Errorf("parsed %+v", c)
	}
	for name, bad := range map[string]hpo.Value{
		"joint.share_ratio": hpo.Float(1.5), "joint.criteria_weight": hpo.String("x"), "tok.doc_stride": hpo.Int(64),
		"qa.reranker": hpo.String("max"), "qa.null.policy": hpo.String("calibrated"), // without qa.null.threshold
	} {
		q := tinyTwinParams(t)
		q[name] = bad
		if _, err := ParseTwin(q); !errors.Is(err, activities.ErrInvalidConfig) {
			t.Errorf("%s = %v: %v, want ErrInvalidConfig", name, bad, err)
		}
	}
}

// TestTwinCalibratedThreshold: under the calibrated null policy each
// epoch's fitted threshold is in its metrics and in the checkpoint index,
// and the test split is decoded with the best epoch's.
func TestTwinCalibratedThreshold(t *testing.T) {
	tr := newTestTrainer(t)
	params := tinyTwinParams(t)
	params["qa.null.policy"] = hpo.String("calibrated")
	params["qa.null.threshold"] = hpo.Float(3)
	dir := t.TempDir()
	var fitted []float64
	for e := 1; e <= 2; e++ {
		res, err := tr.TrainEpoch(context.Background(), twinRequest("joint", params, dir, e, 2))
		if err != nil {
			t.Fatal(err)
		}
		tau, ok := res.Metrics[MetricNullThreshold]
		if !ok {
			t.Fatalf("epoch %d: no %s in %v", e, MetricNullThreshold, res.Metrics)
		}
		fitted = append(fitted, tau)
	}
	meta, _, err := readMeta(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(meta.NullThresholds) != 2 || meta.NullThresholds[0] != fitted[0] || meta.NullThresholds[1] != fitted[1] {
		t.Errorf("index thresholds %v, epochs reported %v", meta.NullThresholds, fitted)
	}
	test, err := tr.EvaluateTest(context.Background(), twinRequest("joint", params, dir, 1, 2))
	if err != nil || test.Metrics[MetricNullThreshold] != fitted[meta.BestEpoch-1] {
		t.Errorf("test result %+v, %v; want the best epoch's (%d) threshold %v", test, err, meta.BestEpoch, fitted[meta.BestEpoch-1])
	}
}
