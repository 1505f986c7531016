package workflows

import (
	"fmt"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/redsm5/supermax-hpo/hpo"
)

// study is the state of one StudyWorkflow run. c is what crosses
// continue-as-new; the rest is rebuilt by each run.
type study struct {
	spec   StudySpec
	c      StudyCarry
	pruner hpo.Pruner
	// running indexes c.Running's trials by number (c.Running is rebuilt from
	// it, sorted, when the state is carried or queried).
	running map[int]*RunningTrial
	// pruneSent: trials this run already told to stop, so a late report does
	// not send a second prune.
	pruneSent      map[int]bool
	startedThisRun int
	// batch is how this run suggests and starts trials
	// (versionBatchSuggest); decided once per run.
	batch workflow.Version
	// lv is the run's watch over its trials (versionTrialLiveness); nil on
	// the old path.
	lv         *liveness
	cancelling bool
	final      string // the end state once the study ended
	// inflight counts commands not yet acknowledged (child starts, signals to
	// trials, study-side ledger writes); continue-as-new waits for zero.
	inflight int
	labelled *label
	// bg is a context disconnected from the run's cancellation: signal
	// handlers and watchers keep working while a cancelled study winds down.
	bg workflow.Context
}

// signalChannels are the study's signal channels, in the fixed order in
// which they are drained.
type signalChannels struct {
	report, done, stop, cancel, parallel, prune, narrow workflow.ReceiveChannel
}

func channels(ctx workflow.Context) signalChannels {
	return signalChannels{
		report:   workflow.GetSignalChannel(ctx, SignalReport),
		done:     workflow.GetSignalChannel(ctx, SignalTrialDone),
		stop:     workflow.GetSignalChannel(ctx, SignalStop),
		cancel:   workflow.GetSignalChannel(ctx, SignalCancel),
		parallel: workflow.GetSignalChannel(ctx, SignalSetParallelism),
		prune:    workflow.GetSignalChannel(ctx, SignalPruneTrial),
		narrow:   workflow.GetSignalChannel(ctx, SignalNarrow),
	}
}

// listen starts one coroutine per signal channel; each handles its signals
// as they arrive. Handlers only change state and issue commands; the main
// loop's Await conditions see the changes.
//
// A listener waits for the channel to hold a signal and then takes it with
// ReceiveAsync, rather than blocking in Receive: a blocked Receive is handed
// a new signal directly, out of sight of drain, and a verdict it then sends
// could be issued after continue-as-new was decided — and be lost with the
// run. This way every unhandled signal stays in its channel until taken.
func (s *study) listen(ctx workflow.Context) {
	for _, h := range s.handlers(channels(ctx)) {
		h := h
		workflow.Go(s.bg, func(ctx workflow.Context) {
			for {
				if err := workflow.Await(ctx, h.pending); err != nil {
					return
				}
				for h.receiveAsync(ctx) {
				}
			}
		})
	}
}

// handler handles the signals of one channel.
type handler struct {
	pending      func() bool                     // a signal waits in the channel
	receiveAsync func(ctx workflow.Context) bool // false when nothing was waiting
}

// handlers pairs each channel with its handling.
func (s *study) handlers(ch signalChannels) []handler {
	return []handler{
		makeHandler(ch.report, s.onReport),
		makeHandler(ch.done, s.onDone),
		makeHandler(ch.stop, func(ctx workflow.Context, _ struct{}) { s.onStop(ctx) }),
		makeHandler(ch.cancel, func(ctx workflow.Context, _ struct{}) { s.cancelling = true }),
		makeHandler(ch.parallel, s.onSetParallelism),
		makeHandler(ch.prune, s.onPruneTrial),
		makeHandler(ch.narrow, s.onNarrow), // study_narrow.go
	}
}

func makeHandler[T any](c workflow.ReceiveChannel, handle func(workflow.Context, T)) handler {
	return handler{
		pending: func() bool { return c.Len() > 0 },
		receiveAsync: func(ctx workflow.Context) bool {
			var v T
			if !c.ReceiveAsync(&v) {
				return false
			}
			handle(ctx, v)
			return true
		},
	}
}

// drain handles every signal already received but not yet handled. Called
// before continue-as-new: a signal left in a channel would be lost.
func (s *study) drain(ctx workflow.Context) int {
	n := 0
	for _, h := range s.handlers(channels(ctx)) {
		for h.receiveAsync(ctx) {
			n++
		}
	}
	return n
}

func (s *study) onStop(ctx workflow.Context) {
	if !s.c.Stopping {
		s.c.Stopping = true
		workflow.GetLogger(ctx).Info("study: stop requested; running trials finish", "running", len(s.running))
		s.label(ctx)
	}
}

func (s *study) onSetParallelism(ctx workflow.Context, p int) {
	if p < 1 {
		workflow.GetLogger(ctx).Warn("study: set-parallelism ignored, want >= 1", "value", p)
		return
	}
	s.c.Parallel = p
	s.label(ctx)
}

func (s *study) onPruneTrial(ctx workflow.Context, n int) {
	if _, ok := s.running[n]; !ok {
		workflow.GetLogger(ctx).Warn("study: prune-trial ignored, trial is not running", "trial", n)
		return
	}
	s.sendPrune(ctx, n, "prune-trial signal")
}

// status answers QueryStatus (read-only).
func (s *study) status(ctx workflow.Context) (StudyStatus, error) {
	return StudyStatus{
		Study: s.spec.Study, Agent: s.spec.Agent, State: s.stateName(), Run: s.c.Run,
		NTrials: s.spec.NTrials, Started: s.started(), Counts: s.counts(), Running: s.runningSorted(),
		Best: s.c.Best, Parallel: s.c.Parallel, HistoryLength: workflow.GetInfo(ctx).GetCurrentHistoryLength(),
		Space: s.c.Space,
	}, nil
}

// counts returns the counters with Running filled in.
func (s *study) counts() Counts {
	c := s.c.Counts
	c.Running = len(s.running)
	return c
}

// runningSorted lists the running trials by number (never in map order).
func (s *study) runningSorted() []RunningTrial {
	out := make([]RunningTrial, 0, len(s.running))
	for _, n := range workflow.DeterministicKeys(s.running) { // ascending
		out = append(out, *s.running[n])
	}
	return out
}

// stateName is the study's state for search attributes and status.
func (s *study) stateName() string {
	switch {
	case s.final != "":
		return s.final
	case s.cancelling:
		return StudyStateCancelling
	case s.c.Stopping:
		return StudyStateStopping
	}
	return StudyStateRunning
}

// label upserts the study's search attributes and sets the one-line summary
// the Web UI shows. Search attributes change only when their value does.
func (s *study) label(ctx workflow.Context) {
	s.setState(ctx, s.stateName())
}

// setState upserts the study's search attributes with state, when state or
// the best value changed since the last upsert (each upsert is an event).
func (s *study) setState(ctx workflow.Context, state string) {
	if state == StudyStateCompleted || state == StudyStateStopped || state == StudyStateCancelled {
		s.final = state
	}
	workflow.SetCurrentDetails(ctx, s.summary(state))
	l := label{state: state}
	if s.c.Best != nil {
		l.best, l.hasBest = s.c.Best.Value, true
	}
	if s.labelled != nil && *s.labelled == l {
		return
	}
	updates := []temporal.SearchAttributeUpdate{
		KeyKind.ValueSet(KindStudy), KeyStudy.ValueSet(s.spec.Study), KeyAgent.ValueSet(s.spec.Agent), KeyState.ValueSet(state),
	}
	if l.hasBest {
		updates = append(updates, KeyBest.ValueSet(l.best))
	}
	if err := workflow.UpsertTypedSearchAttributes(ctx, updates...); err != nil {
		workflow.GetLogger(ctx).Warn("study: search attributes not updated", "error", err)
		return
	}
	s.labelled = &l
}

// label is what the search attributes last said.
type label struct {
	state   string
	best    float64
	hasBest bool
}

// summary is the one-line progress shown as current details.
func (s *study) summary(state string) string {
	c := s.counts()
	line := fmt.Sprintf("%s run %d: %d/%d trials ended (complete %d, pruned %d, fail %d), %d running of %d",
		state, s.c.Run, c.Ended(), s.spec.NTrials, c.Complete, c.Pruned, c.Fail, c.Running, s.c.Parallel)
	if s.c.Best != nil {
		line += fmt.Sprintf(", best %.6g (trial %d)", s.c.Best.Value, s.c.Best.Number)
	}
	return line
}
