package activities

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/redsm5/supermax-hpo/hpo"
	"github.com/redsm5/supermax-hpo/hpo/agents"
	"github.com/redsm5/supermax-hpo/hpo/random"
	"github.com/redsm5/supermax-hpo/hpo/tpe"
	"github.com/redsm5/supermax-hpo/ledger"
)

// InitStudyRequest is the input of InitStudy.
type InitStudyRequest struct {
	Study     string `json:"study"`
	Storage   string `json:"storage"`
	Direction string `json:"direction"`
}

// InitStudyResult is the output of InitStudy.
type InitStudyResult struct {
	StudyID int64 `json:"study_id"`
	// NextNumber is the first free trial number: a study started again under
	// a name that already has trials continues their numbering.
	NextNumber int `json:"next_number"`
}

// InitStudy creates the study in the ledger when absent and returns its id
// and first free trial number. Idempotent.
func (a *Activities) InitStudy(ctx context.Context, req InitStudyRequest) (InitStudyResult, error) {
	dir, err := hpo.ParseDirection(req.Direction)
	if err != nil {
		return InitStudyResult{}, invalidConfig(fmt.Errorf("init study %q: %w", req.Study, err))
	}
	l, err := a.ledger(ctx, req.Storage)
	if err != nil {
		return InitStudyResult{}, err
	}
	st, err := l.CreateStudy(ctx, req.Study, dir)
	if err != nil {
		return InitStudyResult{}, ledgerError(fmt.Errorf("init study %q: %w", req.Study, err))
	}
	c := a.cache(req.Storage, st.ID)
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.refresh(ctx, l); err != nil {
		return InitStudyResult{}, err
	}
	return InitStudyResult{StudyID: st.ID, NextNumber: c.nextNumber()}, nil
}

// SuggestRequest is the input of SuggestTrial.
type SuggestRequest struct {
	Study        string         `json:"study"`
	StudyID      int64          `json:"study_id"`
	Storage      string         `json:"storage"`
	Agent        string         `json:"agent"`
	AgentOptions agents.Options `json:"agent_options"`
	Direction    string         `json:"direction"`
	Seed         int64          `json:"seed"`
	Sampler      string         `json:"sampler"` // "tpe" or "random"
	TPE          tpe.Options    `json:"tpe"`
	Number       int            `json:"number"`
	// Enqueued are configurations (external values) for the trials
	// numbered EnqueuedFrom, EnqueuedFrom+1, ...: those trials take them
	// instead of the sampler's suggestion (warm start; see enqueue.go).
	// Empty for every other request.
	Enqueued     []map[string]hpo.Value `json:"enqueued,omitempty"`
	EnqueuedFrom int                    `json:"enqueued_from,omitempty"`
	// Narrowed marks AgentOptions as a live narrowing that applies from
	// trial SpaceFrom on; the suggestion records it in the ledger
	// (study attribute SpaceAttrKey(SpaceFrom)) before sampling.
	Narrowed  bool `json:"narrowed,omitempty"`
	SpaceFrom int  `json:"space_from,omitempty"`
}

// SuggestResult is the output of SuggestTrial: the parameters of the trial
// (internal values, as the ledger and samplers hold them, and external
// values, as trainers read them) and its state in the ledger.
type SuggestResult struct {
	Number   int                  `json:"number"`
	Internal map[string]float64   `json:"internal"`
	Params   map[string]hpo.Value `json:"params"`
	// State is Running for a new trial. A trial the ledger already holds as
	// finished (the study was restarted after it ended) comes back with its
	// final state and Value; the study must not run it again.
	State hpo.TrialState `json:"state"`
	Value *float64       `json:"value,omitempty"`
}

// SuggestTrial returns the parameters of trial req.Number and records the
// trial in the ledger as RUNNING. It reads the ledger incrementally (a cache
// per study lives in the Activities value) and samples with the trials known
// so far, running ones included (constant liar). Idempotent: when the ledger
// already holds parameters for that number, it returns them instead of
// sampling again, so a retry after a lost response cannot change them.
func (a *Activities) SuggestTrial(ctx context.Context, req SuggestRequest) (SuggestResult, error) {
	s, err := a.suggester(ctx, req)
	if err != nil {
		return SuggestResult{}, err
	}
	s.c.mu.Lock()
	defer s.c.mu.Unlock()
	if err := s.c.refresh(ctx, s.l); err != nil {
		return SuggestResult{}, err
	}
	return s.one(ctx, req.Number)
}

// MaxSuggestBatch bounds SuggestBatchRequest.Count. The batch's result is
// one payload (a trial's parameters take a few KB, the server warns at
// 512 KB), and one attempt must finish within the activity's timeout.
const MaxSuggestBatch = 64

// SuggestBatchRequest is the input of SuggestTrials: Count trials numbered
// from Number (the embedded request's fields; its JSON is flat).
type SuggestBatchRequest struct {
	SuggestRequest
	Count int `json:"count"`
}

// SuggestBatchResult is the output of SuggestTrials: one entry per trial,
// numbers ascending from the request's Number.
type SuggestBatchResult struct {
	Trials []SuggestResult `json:"trials"`
}

// SuggestTrials suggests trials Number .. Number+Count-1 in one activity
// call, exactly as Count sequential SuggestTrial calls would: trial n is
// sampled with the trials before it in the batch already recorded RUNNING
// (constant liar), and recorded before n+1 is sampled. Idempotent per trial
// number: a retried call returns what the ledger holds for each number and
// samples only the ones it lacks, so every attempt keeps the progress of the
// attempts before it. Blocking; it holds the study's cache for the whole
// batch. Count outside 1..MaxSuggestBatch is a non-retryable
// ErrTypeInvalidConfig.
func (a *Activities) SuggestTrials(ctx context.Context, req SuggestBatchRequest) (SuggestBatchResult, error) {
	if req.Count < 1 || req.Count > MaxSuggestBatch {
		return SuggestBatchResult{}, invalidConfig(fmt.Errorf("suggest trials of %q from %d: count %d, want 1..%d",
			req.Study, req.Number, req.Count, MaxSuggestBatch))
	}
	s, err := a.suggester(ctx, req.SuggestRequest)
	if err != nil {
		return SuggestBatchResult{}, err
	}
	s.c.mu.Lock()
	defer s.c.mu.Unlock()
	if err := s.c.refresh(ctx, s.l); err != nil {
		return SuggestBatchResult{}, err
	}
	out := SuggestBatchResult{Trials: make([]SuggestResult, 0, req.Count)}
	for n := req.Number; n < req.Number+req.Count; n++ {
		if err := ctx.Err(); err != nil {
			return SuggestBatchResult{}, fmt.Errorf("suggest trial %d of %q: %w", n, req.Study, err)
		}
		r, err := s.one(ctx, n)
		if err != nil {
			return SuggestBatchResult{}, err
		}
		out.Trials = append(out.Trials, r)
	}
	return out, nil
}

// suggester is what one suggestion call works with: the request's space,
// sampler and study, its ledger and the study's trial cache.
type suggester struct {
	req     SuggestRequest
	space   *hpo.Space
	sampler hpo.Sampler
	study   hpo.Study
	l       ledger.Ledger
	c       *trialCache
}

// suggester checks req and opens what suggesting needs.
func (a *Activities) suggester(ctx context.Context, req SuggestRequest) (*suggester, error) {
	space, sampler, study, err := req.build()
	if err != nil {
		return nil, invalidConfig(fmt.Errorf("suggest trial %d of %q: %w", req.Number, req.Study, err))
	}
	l, err := a.ledger(ctx, req.Storage)
	if err != nil {
		return nil, err
	}
	if err := recordSpace(ctx, l, req); err != nil {
		return nil, err
	}
	return &suggester{req: req, space: space, sampler: sampler, study: study, l: l, c: a.cache(req.Storage, req.StudyID)}, nil
}

// one returns trial n as the ledger holds it, or samples it with the known
// trials (running ones included) and records it RUNNING. Callers hold s.c.mu
// and refreshed the cache.
func (s *suggester) one(ctx context.Context, n int) (SuggestResult, error) {
	if t, ok := s.c.trial(n); ok && len(t.Params) > 0 {
		return recorded(t)
	}
	internal, err := s.sample(n)
	if err != nil {
		return SuggestResult{}, fmt.Errorf("suggest trial %d of %q: %w", n, s.req.Study, err)
	}
	params, err := s.space.Decode(internal)
	if err != nil {
		return SuggestResult{}, fmt.Errorf("suggest trial %d of %q: sampler output: %w", n, s.req.Study, err)
	}
	dists := make(map[string]hpo.Distribution, len(internal))
	for name := range internal {
		p, _ := s.space.Lookup(name) // Decode checked every name
		dists[name] = p.Dist
	}
	if err := s.l.PutTrial(ctx, s.req.StudyID, n, internal, dists, time.Now()); err != nil {
		return SuggestResult{}, ledgerError(fmt.Errorf("suggest trial %d of %q: %w", n, s.req.Study, err))
	}
	if !s.c.h.Put(hpo.Trial{Number: n, State: hpo.Running, Params: internal, Dists: dists}) {
		// The ledger holds trials the cache has not read yet: read them, so the
		// next suggestion of this batch sees this one.
		if err := s.c.refresh(ctx, s.l); err != nil {
			return SuggestResult{}, err
		}
	}
	return SuggestResult{Number: n, Internal: internal, Params: params, State: hpo.Running}, nil
}

// sample returns trial n's internal values: its enqueued configuration
// when the request has one for n, else the sampler's suggestion.
func (s *suggester) sample(n int) (map[string]float64, error) {
	if i := n - s.req.EnqueuedFrom; len(s.req.Enqueued) > 0 && i >= 0 && i < len(s.req.Enqueued) {
		return fixedInternal(s.space, s.req.Enqueued[i], s.req.Seed, n)
	}
	return s.sampler.Sample(s.study, s.space, s.c.history(n), n)
}

// build makes the search space, sampler and study of a request.
func (r SuggestRequest) build() (*hpo.Space, hpo.Sampler, hpo.Study, error) {
	agent, err := agents.ParseAgent(r.Agent)
	if err != nil {
		return nil, nil, hpo.Study{}, err
	}
	space, err := agents.Space(agent, r.AgentOptions)
	if err != nil {
		return nil, nil, hpo.Study{}, err
	}
	dir, err := hpo.ParseDirection(r.Direction)
	if err != nil {
		return nil, nil, hpo.Study{}, err
	}
	study := hpo.Study{Name: r.Study, Direction: dir, Seed: r.Seed}
	switch r.Sampler {
	case "random":
		return space, random.New(), study, nil
	case "tpe":
		s, err := tpe.New(r.TPE)
		if err != nil {
			return nil, nil, hpo.Study{}, err
		}
		return space, s, study, nil
	}
	return nil, nil, hpo.Study{}, fmt.Errorf("unknown sampler %q (want tpe or random)", r.Sampler)
}

// recorded turns a trial the ledger already holds into a SuggestResult.
func recorded(t hpo.Trial) (SuggestResult, error) {
	params := make(map[string]hpo.Value, len(t.Params))
	for name, x := range t.Params {
		d, ok := t.Dists[name]
		if !ok {
			return SuggestResult{}, fmt.Errorf("trial %d: parameter %q has no distribution in the ledger", t.Number, name)
		}
		params[name] = d.ToExternal(x)
	}
	return SuggestResult{Number: t.Number, Internal: t.Params, Params: params, State: t.State, Value: t.Value}, nil
}

type cacheKey struct {
	storage string
	studyID int64
}

// trialCache is one study's trials as last read from the ledger
// (ledger.History keeps them current by incremental reads). Guarded by mu.
type trialCache struct {
	mu      sync.Mutex
	studyID int64
	h       ledger.History
}

// cache returns the trial cache of a study, creating it empty.
func (a *Activities) cache(storage string, studyID int64) *trialCache {
	a.mu.Lock()
	defer a.mu.Unlock()
	k := cacheKey{storage, studyID}
	c, ok := a.caches[k]
	if !ok {
		c = &trialCache{studyID: studyID}
		a.caches[k] = c
	}
	return c
}

// refresh merges the trials that changed since the last read. Callers hold c.mu.
func (c *trialCache) refresh(ctx context.Context, l ledger.Ledger) error {
	if _, err := c.h.Refresh(ctx, l, c.studyID); err != nil {
		return ledgerError(fmt.Errorf("read trials of study %d: %w", c.studyID, err))
	}
	return nil
}

// trial returns trial n if the cache knows it. Callers hold c.mu.
func (c *trialCache) trial(n int) (hpo.Trial, bool) {
	trials := c.h.Trials()
	if n < 0 || n >= len(trials) {
		return hpo.Trial{}, false
	}
	return trials[n], true
}

// nextNumber is one past the highest trial number known. Callers hold c.mu.
func (c *trialCache) nextNumber() int { return len(c.h.Trials()) }

// history returns the known trials except number, sorted by number, as
// samplers expect; it copies only when number is among them. Callers hold
// c.mu and must not modify the result.
func (c *trialCache) history(number int) []hpo.Trial {
	trials := c.h.Trials()
	if number < 0 || number >= len(trials) {
		return trials
	}
	return append(trials[:number:number], trials[number+1:]...)
}

// ledgerError marks ledger errors that a retry cannot fix (conflicts with
// what is recorded, unknown study or trial) as non-retryable; others (a busy
// database, a lost connection) stay retryable.
func ledgerError(err error) error {
	if errors.Is(err, ledger.ErrConflict) || errors.Is(err, ledger.ErrNotFound) ||
		errors.Is(err, ledger.ErrTrialFinished) || errors.Is(err, ledger.ErrSchema) {
		return temporal.NewNonRetryableApplicationError(err.Error(), ErrTypeLedgerConflict, err)
	}
	return err
}

// invalidConfig marks err as a non-retryable invalid configuration.
func invalidConfig(err error) error {
	return temporal.NewNonRetryableApplicationError(err.Error(), ErrTypeInvalidConfig, err)
}
