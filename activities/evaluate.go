package activities

import (
	"context"
	"errors"
	"fmt"

	"github.com/redsm5/supermax-hpo/hpo"
	"github.com/redsm5/supermax-hpo/results"
)

// TestEvaluator is implemented by trainers that can score a finished
// trial's best epoch on the study's held-out test split (the gotch
// trainer's EvaluateTest). EvaluateTest reads req as TrainEpoch does (Epoch
// is ignored), trains nothing, changes no file, and returns the agent's
// own metrics on the test split (TestResult: the value its trials are
// judged by, and every metric it measures). Errors wrap ErrCheckpointMissing when the
// trial has no finished epoch and ErrInvalidConfig when it cannot be
// evaluated; other errors are retried. Blocking; safe for concurrent use.
//
// A trainer kind that does not implement it gets its trials' test scores
// recorded as not evaluated, with the reason.
type TestEvaluator interface {
	EvaluateTest(ctx context.Context, req EpochRequest) (TestResult, error)
}

// EvaluateTestRequest is the input of EvaluateTest: one finished trial.
type EvaluateTestRequest struct {
	Study   string               `json:"study"`
	StudyID int64                `json:"study_id"`
	Storage string               `json:"storage"`
	Agent   string               `json:"agent"`
	Number  int                  `json:"number"`
	Params  map[string]hpo.Value `json:"params"`
	// Seed is the study seed; Epochs the trial's epoch budget.
	Seed    int64  `json:"seed"`
	Epochs  int    `json:"epochs"`
	Outdir  string `json:"outdir"`
	Trainer string `json:"trainer"`
	// Metric is the agent's validation metric; the score is recorded
	// under its test name (results.TestMetricName).
	Metric string `json:"metric"`
}

// EvaluateTest scores one trial's best epoch on the test split with the
// trainer of its kind, on a free device of this worker, and records the
// score in the ledger (study user attribute results.TestAttrKey). A trial
// that cannot be scored (no checkpoint, a trainer without TestEvaluator,
// an invalid configuration) gets a score with the reason instead, and no
// error: one trial must not fail the study's outputs. Heartbeats while it
// waits for a device and while it evaluates; other failures are retried.
func (a *Activities) EvaluateTest(ctx context.Context, req EvaluateTestRequest) (results.TestScore, error) {
	score, err := a.evaluate(ctx, req)
	if err != nil {
		return score, err
	}
	l, err := a.ledger(ctx, req.Storage)
	if err != nil {
		return score, err
	}
	if err := results.RecordTest(ctx, l, req.StudyID, req.Number, score); err != nil {
		return score, ledgerError(fmt.Errorf("record the test score of trial %d: %w", req.Number, err))
	}
	return score, nil
}

// evaluate runs the trainer's EvaluateTest; errors are only those to retry.
func (a *Activities) evaluate(ctx context.Context, req EvaluateTestRequest) (results.TestScore, error) {
	t, ok := a.trainers[req.Trainer]
	if !ok {
		return results.TestScore{Error: fmt.Sprintf("trainer %q is not available on the worker that evaluated (it has %s)", req.Trainer, a.trainerKinds())}, nil
	}
	ev, ok := t.(TestEvaluator)
	if !ok {
		return results.TestScore{Error: fmt.Sprintf("trainer %q cannot evaluate on the test split", req.Trainer)}, nil
	}
	hb := newHeartbeater(ctx, Progress{})
	stop := hb.every(a.heartbeatEvery)
	defer stop()
	slot, err := a.devices.acquire(ctx, "")
	if err != nil {
		return results.TestScore{}, fmt.Errorf("trial %d test evaluation: %w", req.Number, err)
	}
	defer a.devices.release(slot)
	res, err := ev.EvaluateTest(ctx, EpochRequest{
		Study: req.Study, Agent: req.Agent, Number: req.Number, Params: req.Params,
		Seed: trialSeed(TrainRequest{Params: req.Params, Seed: req.Seed, Number: req.Number}), Epoch: req.Epochs,
		MaxEpochs: req.Epochs, CheckpointDir: TrialDir(req.Outdir, req.Study, req.Number), Device: a.devices.name(slot),
	})
	switch {
	case errors.Is(err, ErrCheckpointMissing), errors.Is(err, ErrInvalidConfig), errors.Is(err, ErrOutOfMemory):
		return results.TestScore{Error: err.Error()}, nil
	case err != nil:
		return results.TestScore{}, fmt.Errorf("trial %d test evaluation: %w", req.Number, err)
	}
	// Every metric under its test name; the agent's value under the test
	// name of the study's metric (the two agree for the gotch trainer).
	metrics := make(map[string]float64, len(res.Metrics)+1)
	for name, v := range res.Metrics {
		metrics[results.TestMetricName(name)] = v
	}
	metrics[results.TestMetricName(req.Metric)] = res.Value
	return results.TestScore{Metrics: metrics}, nil
}

// TopTrialsRequest is the input of TopTrials.
type TopTrialsRequest struct {
	Storage string `json:"storage"`
	Study   string `json:"study"`
	Agent   string `json:"agent"`
	K       int    `json:"k"`
}

// TopTrial is a trial TopTrials picked.
type TopTrial struct {
	Number int                  `json:"number"`
	Value  float64              `json:"value"`
	Params map[string]hpo.Value `json:"params"`
}

// TopTrialsResult is the output of TopTrials.
type TopTrialsResult struct {
	StudyID int64      `json:"study_id"`
	Metric  string     `json:"metric"`
	Trials  []TopTrial `json:"trials"`
}

// TopTrials reads the study's best K COMPLETE trials (best first) from the
// ledger and records the study's agent there. Idempotent.
func (a *Activities) TopTrials(ctx context.Context, req TopTrialsRequest) (TopTrialsResult, error) {
	l, err := a.ledger(ctx, req.Storage)
	if err != nil {
		return TopTrialsResult{}, err
	}
	s, err := results.Load(ctx, l, req.Study, req.Agent)
	if err != nil {
		return TopTrialsResult{}, ledgerError(err)
	}
	if err := results.RecordAgent(ctx, l, s.ID, req.Agent); err != nil {
		return TopTrialsResult{}, ledgerError(err)
	}
	out := TopTrialsResult{StudyID: s.ID, Metric: s.Metric}
	for _, t := range s.Top(req.K) {
		out.Trials = append(out.Trials, TopTrial{Number: t.Number, Value: *t.Value, Params: results.Params(t)})
	}
	return out, nil
}

// ExportRequest is the input of ExportResults.
type ExportRequest struct {
	Storage string `json:"storage"`
	Study   string `json:"study"`
	Agent   string `json:"agent"`
	Outdir  string `json:"outdir"`
	TopK    int    `json:"top_k"`
}

// ExportResults writes the study's result files into Outdir (see package
// results), with the test scores recorded so far. Idempotent: the files
// are replaced.
func (a *Activities) ExportResults(ctx context.Context, req ExportRequest) (results.Files, error) {
	l, err := a.ledger(ctx, req.Storage)
	if err != nil {
		return results.Files{}, err
	}
	s, err := results.Load(ctx, l, req.Study, req.Agent)
	if err != nil {
		return results.Files{}, ledgerError(err)
	}
	files, err := results.Write(s, results.Options{Outdir: req.Outdir, TopK: req.TopK,
		TrialDir: func(n int) string { return TrialDir(req.Outdir, req.Study, n) }})
	if err != nil {
		return files, fmt.Errorf("export study %s: %w", req.Study, err)
	}
	return files, nil
}
