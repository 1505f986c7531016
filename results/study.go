// Package results turns a study's ledger into the files a user of the
// original system expects in the output folder when a study ends —
// <agent>_<study>_topk.json, best_config.json, trials.csv and the best
// trial's model folder — and holds the test-split scores of the top trials,
// which are recorded in the ledger as study user attributes (TestAttrKey).
// It reads the ledger and the trial folders and writes files; it knows
// nothing of Temporal or of trainers.
package results

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/redsm5/supermax-hpo/hpo"
	"github.com/redsm5/supermax-hpo/hpo/agents"
	"github.com/redsm5/supermax-hpo/ledger"
)

// Study user attribute keys this package reads and writes.
const (
	// testAttrPrefix + trial number holds that trial's TestScore (JSON).
	testAttrPrefix = "supermax_test:"
	// AgentAttr holds the study's agent (JSON string).
	AgentAttr = "supermax_agent"
)

// TestAttrKey is the study user attribute that holds trial n's TestScore.
// Finished trials are immutable in the ledger (as in Optuna), so scores
// computed after the study are study attributes, one per trial.
func TestAttrKey(n int) string { return testAttrPrefix + strconv.Itoa(n) }

// TestScore is a trial's score on the study's held-out test split, or why
// it has none.
type TestScore struct {
	// Metrics maps the test metric's name (the validation metric's, with
	// "val_" replaced by "test_") to its value; empty when Error is set.
	Metrics map[string]float64 `json:"metrics,omitempty"`
	// Error says why the trial could not be evaluated.
	Error string `json:"error,omitempty"`
}

// TestMetricName is the test-split name of an agent's validation metric:
// val_macro_f1 -> test_macro_f1.
func TestMetricName(valMetric string) string {
	return "test_" + strings.TrimPrefix(valMetric, "val_")
}

// Study is a study read from the ledger for summaries.
type Study struct {
	Name      string
	ID        int64
	Agent     string
	Direction hpo.Direction
	// Metric is the agent's validation metric name (agents.Metric*).
	Metric string
	// Trials are every trial, sorted by number.
	Trials []ledger.TrialRecord
	// Test holds the recorded test scores by trial number.
	Test map[int]TestScore
}

// Load reads study name from l, which must implement ledger.Details. agent
// may be empty when the study's AgentAttr names it. Blocking: a full read
// of the study.
func Load(ctx context.Context, l ledger.Ledger, name, agent string) (*Study, error) {
	d, ok := l.(ledger.Details)
	if !ok {
		return nil, fmt.Errorf("results: ledger %T cannot read whole studies (no ledger.Details)", l)
	}
	st, err := l.GetStudy(ctx, name)
	if err != nil {
		return nil, fmt.Errorf("results: study %q: %w", name, err)
	}
	attrs, err := d.StudyUserAttrs(ctx, st.ID)
	if err != nil {
		return nil, fmt.Errorf("results: study %q: %w", name, err)
	}
	if agent == "" {
		if err := json.Unmarshal([]byte(attrs[AgentAttr]), &agent); err != nil || agent == "" {
			return nil, fmt.Errorf("results: study %q records no agent (attribute %s): name it (--agent)", name, AgentAttr)
		}
	}
	a, err := agents.ParseAgent(agent)
	if err != nil {
		return nil, fmt.Errorf("results: %w", err)
	}
	def, err := agents.Defaults(a)
	if err != nil {
		return nil, fmt.Errorf("results: %w", err)
	}
	trials, err := d.TrialRecords(ctx, st.ID)
	if err != nil {
		return nil, fmt.Errorf("results: study %q: %w", name, err)
	}
	test, err := testScores(attrs)
	if err != nil {
		return nil, fmt.Errorf("results: study %q: %w", name, err)
	}
	return &Study{Name: name, ID: st.ID, Agent: agent, Direction: st.Direction, Metric: def.Metric, Trials: trials, Test: test}, nil
}

// testScores decodes the TestAttrKey attributes.
func testScores(attrs map[string]string) (map[int]TestScore, error) {
	out := map[int]TestScore{}
	for k, v := range attrs {
		num, ok := strings.CutPrefix(k, testAttrPrefix)
		if !ok {
			continue
		}
		n, err := strconv.Atoi(num)
		if err != nil || n < 0 {
			return nil, fmt.Errorf("study attribute %q: %q is not a trial number", k, num)
		}
		var s TestScore
		if err := json.Unmarshal([]byte(v), &s); err != nil {
			return nil, fmt.Errorf("study attribute %q: %w", k, err)
		}
		out[n] = s
	}
	return out, nil
}

// RecordTest writes trial n's test score to the study's user attributes
// (replacing an earlier one). Idempotent.
func RecordTest(ctx context.Context, l ledger.Ledger, studyID int64, n int, s TestScore) error {
	d, ok := l.(ledger.Details)
	if !ok {
		return fmt.Errorf("results: ledger %T cannot record study attributes (no ledger.Details)", l)
	}
	b, err := json.Marshal(s)
	if err != nil {
		return fmt.Errorf("results: encode test score of trial %d: %w", n, err)
	}
	return d.SetStudyUserAttr(ctx, studyID, TestAttrKey(n), string(b))
}

// RecordAgent writes the study's agent to its user attributes.
func RecordAgent(ctx context.Context, l ledger.Ledger, studyID int64, agent string) error {
	d, ok := l.(ledger.Details)
	if !ok {
		return errors.New("results: ledger cannot record study attributes (no ledger.Details)")
	}
	b, _ := json.Marshal(agent)
	return d.SetStudyUserAttr(ctx, studyID, AgentAttr, string(b))
}

// Top returns the best k COMPLETE trials with a value, best first (ties:
// lower number first).
func (s *Study) Top(k int) []ledger.TrialRecord {
	var done []ledger.TrialRecord
	for _, t := range s.Trials {
		if t.State == hpo.Complete && t.Value != nil {
			done = append(done, t)
		}
	}
	sort.SliceStable(done, func(i, j int) bool { return s.Direction.Better(*done[i].Value, *done[j].Value) })
	return done[:min(k, len(done))]
}

// Epochs returns how many epochs trial t reported and its best epoch (in
// the study's direction, the first of equals; 0 when none).
func (s *Study) Epochs(t ledger.TrialRecord) (run, best int) {
	var bestV float64
	for step, v := range t.Intermediate {
		run = max(run, step)
		if best == 0 || s.Direction.Better(v, bestV) || (v == bestV && step < best) {
			best, bestV = step, v
		}
	}
	return run, best
}

// Params returns t's parameters in external form (what a trainer reads).
func Params(t ledger.TrialRecord) map[string]hpo.Value {
	out := make(map[string]hpo.Value, len(t.Params))
	for name, x := range t.Params {
		if d, ok := t.Dists[name]; ok {
			out[name] = d.ToExternal(x)
		}
	}
	return out
}
