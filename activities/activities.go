package activities

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/redsm5/supermax-hpo/ledger"
)

// Config holds the dependencies of the activities, provided by the worker.
type Config struct {
	// OpenLedger opens the ledger at a storage URL (sqlite:///..., postgresql://...).
	// Activities open each URL once and keep it open until Close.
	OpenLedger func(ctx context.Context, url string) (ledger.Ledger, error)
	// Trainers by kind ("simulated", "gotch"). A trial naming a kind that is
	// absent fails with ErrTypeInvalidConfig.
	Trainers map[string]Trainer
	// Devices this worker trains on ("cpu", "cuda:0", ...): one epoch at a
	// time per entry; a name may repeat (cpu,cpu is two CPU slots). Empty
	// means {"cpu"}. TrainEpoch waits (heartbeating) for a free slot.
	Devices []string
	// HeartbeatEvery is how often TrainEpoch heartbeats while a trainer is
	// busy (the SDK also throttles to 0.8 x the heartbeat timeout). Zero
	// means 5 s.
	HeartbeatEvery time.Duration
	// Inspector answers CheckTrials; nil asks the Temporal server through
	// the client of the worker running the activity.
	Inspector TrialInspector
}

// Activities are the activities of studies and trials. Register one value
// with worker.RegisterActivity; workflows call its methods through a nil
// *Activities so calls are type-checked. Safe for concurrent use: the ledger
// handles and the per-study trial caches are guarded by mutexes.
type Activities struct {
	openLedger     func(ctx context.Context, url string) (ledger.Ledger, error)
	trainers       map[string]Trainer
	devices        *devicePool
	heartbeatEvery time.Duration
	inspector      TrialInspector

	mu      sync.Mutex
	ledgers map[string]ledger.Ledger
	caches  map[cacheKey]*trialCache
}

// New checks cfg and returns the activities. It opens nothing yet.
func New(cfg Config) (*Activities, error) {
	if cfg.OpenLedger == nil {
		return nil, errors.New("activities: Config.OpenLedger is nil")
	}
	trainers := make(map[string]Trainer, len(cfg.Trainers))
	for kind, t := range cfg.Trainers {
		if kind == "" || t == nil {
			return nil, fmt.Errorf("activities: trainer %q: empty kind or nil trainer", kind)
		}
		trainers[kind] = t
	}
	devices := cfg.Devices
	if len(devices) == 0 {
		devices = []string{"cpu"}
	}
	pool, err := newDevicePool(devices)
	if err != nil {
		return nil, fmt.Errorf("activities: %w", err)
	}
	every := cfg.HeartbeatEvery
	if every <= 0 {
		every = 5 * time.Second
	}
	return &Activities{
		openLedger:     cfg.OpenLedger,
		trainers:       trainers,
		devices:        pool,
		heartbeatEvery: every,
		inspector:      cfg.Inspector,
		ledgers:        make(map[string]ledger.Ledger),
		caches:         make(map[cacheKey]*trialCache),
	}, nil
}

// Close closes every ledger the activities opened. It is a function, not a
// method, so that worker.RegisterActivity does not register it as an
// activity. Call it once, after the worker stopped.
func Close(a *Activities) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	var errs []error
	urls := make([]string, 0, len(a.ledgers))
	for url := range a.ledgers {
		urls = append(urls, url)
	}
	sort.Strings(urls)
	for _, url := range urls {
		if err := a.ledgers[url].Close(); err != nil {
			errs = append(errs, fmt.Errorf("close ledger %s: %w", url, err))
		}
	}
	a.ledgers = make(map[string]ledger.Ledger)
	a.caches = make(map[cacheKey]*trialCache)
	return errors.Join(errs...)
}

// ledger returns the open ledger of url, opening it on first use.
func (a *Activities) ledger(ctx context.Context, url string) (ledger.Ledger, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if l, ok := a.ledgers[url]; ok {
		return l, nil
	}
	l, err := a.openLedger(ctx, url)
	if err != nil {
		return nil, fmt.Errorf("open ledger %q: %w", url, err)
	}
	a.ledgers[url] = l
	return l, nil
}

// devicePool hands out device slots so that at most one epoch runs on each,
// and a session keeps its slot while that slot is free. A device name may
// repeat (cpu,cpu is two CPU slots).
type devicePool struct {
	mu      sync.Mutex
	devices []string
	busy    []bool
	last    map[string]int // session ID -> slot it used last
	freed   chan struct{}  // closed (and replaced) whenever a slot frees
}

func newDevicePool(devices []string) (*devicePool, error) {
	for _, d := range devices {
		if d == "" {
			return nil, fmt.Errorf("devices: empty device name in %q", devices)
		}
	}
	return &devicePool{
		devices: append([]string(nil), devices...),
		busy:    make([]bool, len(devices)),
		last:    make(map[string]int),
		freed:   make(chan struct{}),
	}, nil
}

// maxRememberedSessions bounds the session -> slot memory.
const maxRememberedSessions = 1024

// acquire blocks until a slot is free and returns it, preferring the slot
// session used last. It returns ctx's error if ctx ends first.
func (p *devicePool) acquire(ctx context.Context, session string) (int, error) {
	for {
		p.mu.Lock()
		slot, ok := p.take(session)
		freed := p.freed
		p.mu.Unlock()
		if ok {
			return slot, nil
		}
		select {
		case <-ctx.Done():
			return 0, fmt.Errorf("waiting for a free device: %w", ctx.Err())
		case <-freed:
		}
	}
}

// take claims a free slot; callers hold p.mu.
func (p *devicePool) take(session string) (int, bool) {
	if i, ok := p.last[session]; ok && session != "" && !p.busy[i] {
		p.busy[i] = true
		return i, true
	}
	for i := range p.devices {
		if p.busy[i] {
			continue
		}
		p.busy[i] = true
		if session != "" {
			if len(p.last) >= maxRememberedSessions {
				// Sessions end without telling the pool; forget old ones.
				p.last = make(map[string]int)
			}
			p.last[session] = i
		}
		return i, true
	}
	return 0, false
}

// release frees a slot acquired before and wakes the waiters.
func (p *devicePool) release(slot int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.busy[slot] = false
	close(p.freed)
	p.freed = make(chan struct{})
}

// name is the device name of a slot.
func (p *devicePool) name(slot int) string { return p.devices[slot] }
