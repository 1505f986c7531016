package testsuite

import (
	"context"
	"sync"
	"testing"
	"time"

	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/redsm5/supermax-hpo/activities"
	"github.com/redsm5/supermax-hpo/activities/simtrainer"
	"github.com/redsm5/supermax-hpo/hpo"
	"github.com/redsm5/supermax-hpo/hpo/earlystop"
	"github.com/redsm5/supermax-hpo/hpo/pruners"
	"github.com/redsm5/supermax-hpo/ledger"
	"github.com/redsm5/supermax-hpo/ledger/memory"
	"github.com/redsm5/supermax-hpo/workflows"
)

// wfHarness is a Temporal test environment running StudyWorkflow with its
// TrialWorkflow children and real activities over an in-memory ledger and a
// (wrapped) simulated trainer.
type wfHarness struct {
	t      *testing.T
	env    *testsuite.TestWorkflowEnvironment
	ledger *memory.Ledger
	acts   *activities.Activities
	outdir string

	mu       sync.Mutex
	children map[int]workflows.TrialResult    // results of trials that completed
	closed   map[string]activities.TrialCheck // child workflows closed, by ID
}

// wfOptions tunes a harness.
type wfOptions struct {
	// trainer wraps the simulated trainer (nil: the simulated trainer alone).
	trainer func(activities.Trainer) activities.Trainer
	// ledger and outdir are shared with an earlier harness (nil/"": fresh).
	ledger *memory.Ledger
	outdir string
	// beforeEpoch, when set, runs on the activity's goroutine before each
	// epoch is trained; it may signal the study with env.SignalWorkflow.
	beforeEpoch func(env *testsuite.TestWorkflowEnvironment, req activities.EpochRequest)
}

// newWFHarness builds the environment. The test environment delivers the
// trials' signals to the study (its root workflow) as a server would.
func newWFHarness(t *testing.T, o wfOptions) *wfHarness {
	t.Helper()
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestWorkflowEnvironment()
	env.SetWorkerOptions(worker.Options{EnableSessionWorker: true})
	env.SetTestTimeout(60 * time.Second)
	sim, err := simtrainer.New(simtrainer.Config{Steps: 2})
	if err != nil {
		t.Fatal(err)
	}
	var tr activities.Trainer = sim
	if o.trainer != nil {
		tr = o.trainer(sim)
	}
	if o.beforeEpoch != nil {
		inner := tr
		tr = activities.TrainerFunc(func(ctx context.Context, req activities.EpochRequest) (activities.EpochResult, error) {
			o.beforeEpoch(env, req)
			return inner.TrainEpoch(ctx, req)
		})
	}
	l := o.ledger
	if l == nil {
		l = memory.New()
	}
	outdir := o.outdir
	if outdir == "" {
		outdir = t.TempDir()
	}
	h := &wfHarness{t: t, env: env, ledger: l, outdir: outdir, children: make(map[int]workflows.TrialResult),
		closed: make(map[string]activities.TrialCheck)}
	env.SetOnChildWorkflowCompletedListener(h.childClosed)
	acts, err := activities.New(activities.Config{
		OpenLedger: func(context.Context, string) (ledger.Ledger, error) { return l, nil },
		Inspector:  harnessInspector{h},
		Trainers:   map[string]activities.Trainer{workflows.TrainerSimulated: tr},
		Devices:    []string{"cpu", "cpu", "cpu", "cpu", "cpu", "cpu", "cpu", "cpu"},
		// Cancellation reaches an activity through its heartbeat.
		HeartbeatEvery: 20 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	h.acts = acts
	env.RegisterWorkflow(workflows.StudyWorkflow)
	// TrialWorkflow under its own name, recording each trial's result.
	env.RegisterWorkflowWithOptions(func(ctx workflow.Context, in workflows.TrialInput) (workflows.TrialResult, error) {
		r, err := workflows.TrialWorkflow(ctx, in)
		h.mu.Lock()
		h.children[in.Number] = r
		h.mu.Unlock()
		return r, err
	}, workflow.RegisterOptions{Name: workflows.TrialWorkflowName})
	env.RegisterActivity(acts)
	return h
}

// spec is a small study: random sampler, no pruner, simulated trainer.
func (h *wfHarness) spec(nTrials, parallel, epochs int) workflows.StudySpec {
	spec, err := workflows.DefaultStudySpec("criteria")
	if err != nil {
		h.t.Fatal(err)
	}
	spec.Study = "wf-test"
	spec.NTrials, spec.Parallel, spec.Epochs = nTrials, parallel, epochs
	spec.Patience = 0
	spec.Sampler = workflows.SamplerRandom
	spec.Pruner = pruners.NoneConfig()
	spec.Storage = "memory://"
	spec.Outdir = h.outdir
	spec.Trainer = workflows.TrainerSimulated
	spec.TrialsPerRun = 0
	spec.KeepBestK = 0
	spec.Timeouts = workflows.Timeouts{EpochStartToClose: time.Minute, EpochHeartbeat: 2 * time.Second, Activity: 10 * time.Second}
	return spec
}

// run executes the study and returns its result; a failing workflow fails the test.
func (h *wfHarness) run(spec workflows.StudySpec) workflows.StudyResult {
	h.t.Helper()
	h.env.ExecuteWorkflow(workflows.StudyWorkflow, spec)
	if !h.env.IsWorkflowCompleted() {
		h.t.Fatal("study did not complete")
	}
	if err := h.env.GetWorkflowError(); err != nil {
		h.t.Fatalf("study failed: %v", err)
	}
	var res workflows.StudyResult
	if err := h.env.GetWorkflowResult(&res); err != nil {
		h.t.Fatal(err)
	}
	return res
}

// trials returns the study's trials in the ledger.
func (h *wfHarness) trials(studyName string) []ledgerTrial {
	h.t.Helper()
	ctx := context.Background()
	st, err := h.ledger.GetStudy(ctx, studyName)
	if err != nil {
		h.t.Fatal(err)
	}
	ts, _, err := h.ledger.Trials(ctx, st.ID, ledger.Cursor{})
	if err != nil {
		h.t.Fatal(err)
	}
	out := make([]ledgerTrial, len(ts))
	for i, tr := range ts {
		out[i] = ledgerTrial{Number: tr.Number, State: tr.State.String(), Epochs: len(tr.Intermediate)}
	}
	return out
}

type ledgerTrial struct {
	Number int
	State  string
	Epochs int
}

// concurrency is a trainer wrapper that counts epochs running at once.
type concurrency struct {
	inner activities.Trainer
	delay time.Duration

	mu       sync.Mutex
	now, max int
	calls    int
}

func (c *concurrency) TrainEpoch(ctx context.Context, req activities.EpochRequest) (activities.EpochResult, error) {
	c.mu.Lock()
	c.now++
	c.calls++
	if c.now > c.max {
		c.max = c.now
	}
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		c.now--
		c.mu.Unlock()
	}()
	select {
	case <-time.After(c.delay):
	case <-ctx.Done():
		return activities.EpochResult{}, ctx.Err()
	}
	return c.inner.TrainEpoch(ctx, req)
}

func (c *concurrency) peak() (maxRunning, calls int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.max, c.calls
}

// scripted is a trainer whose epoch values come from a function of the
// trial number and epoch; it counts the epochs each trial trained.
type scripted struct {
	value func(trial, epoch int) float64
	delay time.Duration

	mu     sync.Mutex
	epochs map[int]int
}

func newScripted(value func(trial, epoch int) float64) *scripted {
	return &scripted{value: value, epochs: make(map[int]int)}
}

func (s *scripted) TrainEpoch(ctx context.Context, req activities.EpochRequest) (activities.EpochResult, error) {
	if s.delay > 0 {
		select {
		case <-time.After(s.delay):
		case <-ctx.Done():
			return activities.EpochResult{}, ctx.Err()
		}
	}
	s.mu.Lock()
	s.epochs[req.Number]++
	s.mu.Unlock()
	return activities.EpochResult{Epoch: req.Epoch, Value: s.value(req.Number, req.Epoch)}, nil
}

// trained returns how many epochs trial n trained.
func (s *scripted) trained(n int) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.epochs[n]
}

// childResult returns the result of trial n, if it completed.
func (h *wfHarness) childResult(n int) (workflows.TrialResult, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	r, ok := h.children[n]
	return r, ok
}

// putTrial records trial n of study in the ledger (as SuggestTrial would) and
// returns the study id, for tests that run TrialWorkflow alone.
func (h *wfHarness) putTrial(study string, n int) int64 {
	h.t.Helper()
	ctx := context.Background()
	st, err := h.ledger.CreateStudy(ctx, study, hpo.Maximize)
	if err != nil {
		h.t.Fatal(err)
	}
	for i := 0; i <= n; i++ {
		d := hpo.FloatDistribution{Low: 0, High: 1}
		err := h.ledger.PutTrial(ctx, st.ID, i, map[string]float64{"x": 0.3}, map[string]hpo.Distribution{"x": d}, time.Now())
		if err != nil {
			h.t.Fatal(err)
		}
	}
	return st.ID
}

// trialInput is a standalone trial (no study to signal) of study "wf-trial".
func (h *wfHarness) trialInput(studyID int64, n, epochs, patience int) workflows.TrialInput {
	return workflows.TrialInput{
		Study: "wf-trial", StudyID: studyID, Agent: "criteria", Number: n,
		Params: map[string]hpo.Value{"x": hpo.Float(0.3)}, Seed: 7, Epochs: epochs,
		EarlyStop: earlystop.EarlyStopping{Patience: patience, Mode: hpo.Maximize},
		Storage:   "memory://", Outdir: h.outdir, Trainer: workflows.TrainerSimulated,
		Timeouts: workflows.Timeouts{EpochStartToClose: time.Minute, EpochHeartbeat: 2 * time.Second, Activity: 10 * time.Second},
	}
}

// runTrial executes TrialWorkflow as the root workflow and returns its result.
func (h *wfHarness) runTrial(in workflows.TrialInput) workflows.TrialResult {
	h.t.Helper()
	h.env.ExecuteWorkflow(workflows.TrialWorkflow, in)
	if !h.env.IsWorkflowCompleted() {
		h.t.Fatal("trial did not complete")
	}
	if err := h.env.GetWorkflowError(); err != nil {
		h.t.Fatalf("trial workflow failed: %v", err)
	}
	var res workflows.TrialResult
	if err := h.env.GetWorkflowResult(&res); err != nil {
		h.t.Fatal(err)
	}
	return res
}

// phased counts concurrency separately before and after next is called.
type phased struct {
	concurrency
	before int
	second bool
}

func (p *phased) next() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.before, p.max, p.second = p.max, p.now, true
}

func (p *phased) peaks() (before, after int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.second {
		return p.max, 0
	}
	return p.before, p.max
}

// slowAfterFirst answers epoch 1 at once and blocks later epochs until
// cancelled (at most 30 s).
type slowAfterFirst struct{ inner activities.Trainer }

func (s slowAfterFirst) TrainEpoch(ctx context.Context, req activities.EpochRequest) (activities.EpochResult, error) {
	if req.Epoch > 1 {
		select {
		case <-ctx.Done():
			return activities.EpochResult{}, ctx.Err()
		case <-time.After(30 * time.Second):
		}
	}
	return s.inner.TrainEpoch(ctx, req)
}

// oomTrial makes trial n run out of memory at its first epoch.
type oomTrial struct {
	inner activities.Trainer
	n     int
}

func (o oomTrial) TrainEpoch(ctx context.Context, req activities.EpochRequest) (activities.EpochResult, error) {
	if req.Number == o.n {
		req.Params = map[string]hpo.Value{simtrainer.ParamFail: hpo.String("oom")}
	}
	return o.inner.TrainEpoch(ctx, req)
}

// childClosed records how a child workflow closed, for harnessInspector.
func (h *wfHarness) childClosed(info *workflow.Info, result converter.EncodedValue, err error) {
	c := activities.TrialCheck{Status: "COMPLETED"}
	var r activities.TrialEnd
	switch {
	case err != nil:
		c.Status, c.Reason = "FAILED", err.Error()
	case result == nil || result.Get(&r) != nil:
		c.Status, c.Reason = "FAILED", "no readable result"
	default:
		c.End = &r
	}
	h.mu.Lock()
	h.closed[info.WorkflowExecution.ID] = c
	h.mu.Unlock()
}

// harnessInspector answers CheckTrials from the child workflows the harness
// saw close (childClosed); any other is RUNNING. (The test environment has
// no server to describe workflows; the dev-server tests use the real
// inspector.)
type harnessInspector struct{ h *wfHarness }

func (i harnessInspector) InspectTrial(_ context.Context, id string) (activities.TrialCheck, error) {
	i.h.mu.Lock()
	defer i.h.mu.Unlock()
	if c, ok := i.h.closed[id]; ok {
		return c, nil
	}
	return activities.TrialCheck{Status: activities.StatusRunning}, nil
}
