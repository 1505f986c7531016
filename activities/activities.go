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
	// Devices this worker trains on ("cpu", "cuda:0", ...); one epoch at a
	// time per device. Empty means {"cpu"}.
	Devices []string
	// HeartbeatEvery is how often TrainEpoch heartbeats while a trainer is
	// busy (the SDK also throttles to 0.8 x the heartbeat timeout). Zero
	// means 5 s.
	HeartbeatEvery time.Duration
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

// devicePool hands out devices so that at most one epoch runs on each, and a
// session keeps its device while that device is free.
type devicePool struct {
	mu      sync.Mutex
	devices []string
	busy    map[string]bool
	last    map[string]string // session ID -> device it used last
}

func newDevicePool(devices []string) (*devicePool, error) {
	seen := make(map[string]bool, len(devices))
	for _, d := range devices {
		if d == "" || seen[d] {
			return nil, fmt.Errorf("devices: empty or duplicate device %q in %v", d, devices)
		}
		seen[d] = true
	}
	return &devicePool{
		devices: append([]string(nil), devices...),
		busy:    make(map[string]bool),
		last:    make(map[string]string),
	}, nil
}

// maxRememberedSessions bounds the session -> device memory.
const maxRememberedSessions = 1024

// errNoDevice: every device is busy; the activity fails and is retried.
var errNoDevice = errors.New("no free device on this worker")

// acquire returns a free device, preferring the one session used last.
func (p *devicePool) acquire(session string) (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if d, ok := p.last[session]; ok && session != "" && !p.busy[d] {
		p.busy[d] = true
		return d, nil
	}
	for _, d := range p.devices {
		if !p.busy[d] {
			p.busy[d] = true
			if session != "" {
				if len(p.last) >= maxRememberedSessions {
					// Sessions end without telling the pool; forget old ones.
					p.last = make(map[string]string)
				}
				p.last[session] = d
			}
			return d, nil
		}
	}
	return "", fmt.Errorf("%w (%d devices)", errNoDevice, len(p.devices))
}

// release frees a device acquired before.
func (p *devicePool) release(device string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.busy, device)
}
