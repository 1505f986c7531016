// Package schedule computes learning-rate schedules with warmup, as pure,
// deterministic functions of the optimizer step. It has no libtorch
// dependency: the trainer asks it for the learning rate of each update.
//
// Step semantics follow a PyTorch LambdaLR stepped after every optimizer
// update (the Hugging Face Trainer's convention): update number k, counting
// from 0, uses LR(k). With warmup, the very first update therefore uses a
// learning rate of 0, exactly as in transformers.
package schedule

import (
	"errors"
	"fmt"
	"math"
)

// Name is a schedule of the search space (sched.name).
type Name string

// The schedules of the criteria search space.
const (
	// Linear: transformers.get_linear_schedule_with_warmup.
	Linear Name = "linear"
	// Cosine: transformers.get_cosine_schedule_with_warmup with its default
	// num_cycles=0.5 (one half cosine from the peak to 0).
	Cosine Name = "cosine"
	// CosineRestart: transformers.get_cosine_with_hard_restarts_schedule_with_warmup
	// with num_cycles = Cycles.
	CosineRestart Name = "cosine_restart"
	// Polynomial: transformers.get_polynomial_decay_schedule_with_warmup with
	// lr_end=1e-7 and power = Power.
	Polynomial Name = "polynomial"
	// OneCycle: PyTorch's OneCycleLR (anneal_strategy="cos", div_factor=25,
	// final_div_factor=1e4, two phases) repeated Cycles times; WarmupRatio
	// is its pct_start within each cycle. transformers has no one-cycle
	// schedule; the repetition is ours, so that sched.cosine_cycles, which
	// the original space samples for one_cycle too, changes training.
	OneCycle Name = "one_cycle"
)

// Constants of the reference implementations.
const (
	// PolyLREnd is transformers' default lr_end of the polynomial schedule.
	PolyLREnd = 1e-7
	// OneCycleDiv is OneCycleLR's div_factor: initial lr = peak / 25.
	OneCycleDiv = 25.0
	// OneCycleFinalDiv is OneCycleLR's final_div_factor: min lr = initial / 1e4.
	OneCycleFinalDiv = 1e4
)

// ErrBadConfig: a Config failed Validate.
var ErrBadConfig = errors.New("bad schedule config")

// Config describes one schedule. It is a plain struct so it can travel in
// a trial's parameters.
type Config struct {
	Name Name
	// BaseLR is the peak learning rate (optim.lr).
	BaseLR float64
	// TotalSteps is the number of optimizer updates of the whole trial
	// (epochs × ceil(batches per epoch / grad_accum)).
	TotalSteps int
	// WarmupRatio (sched.warmup_ratio, 0..1): warmup steps are
	// ceil(TotalSteps × WarmupRatio), as transformers' TrainingArguments
	// compute them; for OneCycle it is pct_start.
	WarmupRatio float64
	// Cycles (sched.cosine_cycles) is used by CosineRestart and OneCycle.
	Cycles int
	// Power (sched.poly_power) is used by Polynomial.
	Power float64
}

// Validate checks the fields that the named schedule uses.
func (c Config) Validate() error {
	switch {
	case !(c.BaseLR > 0):
		return fmt.Errorf("base lr %v must be > 0: %w", c.BaseLR, ErrBadConfig)
	case c.TotalSteps < 1:
		return fmt.Errorf("total steps %d must be >= 1: %w", c.TotalSteps, ErrBadConfig)
	case !(c.WarmupRatio >= 0 && c.WarmupRatio < 1):
		return fmt.Errorf("warmup ratio %v not in [0, 1): %w", c.WarmupRatio, ErrBadConfig)
	}
	switch c.Name {
	case Linear, Cosine:
	case CosineRestart, OneCycle:
		if c.Cycles < 1 {
			return fmt.Errorf("%s: cycles %d must be >= 1: %w", c.Name, c.Cycles, ErrBadConfig)
		}
	case Polynomial:
		if !(c.Power > 0) || c.BaseLR < PolyLREnd {
			return fmt.Errorf("polynomial: power %v must be > 0 and base lr %v >= lr_end %v: %w", c.Power, c.BaseLR, PolyLREnd, ErrBadConfig)
		}
	default:
		return fmt.Errorf("schedule %q is not one of linear, cosine, cosine_restart, polynomial, one_cycle: %w", c.Name, ErrBadConfig)
	}
	return nil
}

// Schedule is a validated Config. It is immutable and safe for concurrent
// use.
type Schedule struct {
	cfg    Config
	warmup int
}

// New validates cfg and returns its schedule.
func New(cfg Config) (*Schedule, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("new schedule: %w", err)
	}
	return &Schedule{cfg: cfg, warmup: int(math.Ceil(float64(cfg.TotalSteps) * cfg.WarmupRatio))}, nil
}

// WarmupSteps is ceil(TotalSteps × WarmupRatio).
func (s *Schedule) WarmupSteps() int { return s.warmup }

// LR returns the learning rate of update number step (from 0). Steps past
// TotalSteps keep the schedule's final value. It is deterministic.
func (s *Schedule) LR(step int) float64 {
	return s.cfg.BaseLR * s.Multiplier(step)
}

// Multiplier returns LR(step)/BaseLR, the LambdaLR factor of the reference
// implementation.
func (s *Schedule) Multiplier(step int) float64 {
	step = max(step, 0)
	if s.cfg.Name == OneCycle {
		return s.oneCycle(min(step, s.cfg.TotalSteps-1))
	}
	if step < s.warmup {
		return float64(step) / float64(max(1, s.warmup))
	}
	progress := float64(step-s.warmup) / float64(max(1, s.cfg.TotalSteps-s.warmup))
	switch s.cfg.Name {
	case Linear:
		return max(0, float64(s.cfg.TotalSteps-step)/float64(max(1, s.cfg.TotalSteps-s.warmup)))
	case Cosine:
		return max(0, 0.5*(1+math.Cos(math.Pi*2*0.5*progress)))
	case CosineRestart:
		if progress >= 1 {
			return 0
		}
		return max(0, 0.5*(1+math.Cos(math.Pi*math.Mod(float64(s.cfg.Cycles)*progress, 1))))
	default: // Polynomial
		return s.polynomial(step)
	}
}

// polynomial is transformers' lr_lambda after warmup.
func (s *Schedule) polynomial(step int) float64 {
	lrInit := s.cfg.BaseLR
	if step > s.cfg.TotalSteps {
		return PolyLREnd / lrInit
	}
	decaySteps := float64(s.cfg.TotalSteps - s.warmup)
	remaining := 1 - float64(step-s.warmup)/math.Max(1, decaySteps)
	decay := (lrInit-PolyLREnd)*math.Pow(remaining, s.cfg.Power) + PolyLREnd
	return decay / lrInit
}

// oneCycle is OneCycleLR's two-phase cosine curve inside the cycle that
// holds step; cycle c spans [c·T/C, (c+1)·T/C) in integer steps.
func (s *Schedule) oneCycle(step int) float64 {
	total, cycles := s.cfg.TotalSteps, min(s.cfg.Cycles, s.cfg.TotalSteps)
	c := min(cycles-1, step*cycles/total)
	start := c * total / cycles
	length := (c+1)*total/cycles - start
	p := float64(step - start)
	initial := 1 / OneCycleDiv
	final := initial / OneCycleFinalDiv
	up := s.cfg.WarmupRatio*float64(length) - 1 // OneCycleLR's end of phase 1
	if up > 0 && p <= up {
		return anneal(initial, 1, p/up)
	}
	up = max(up, 0)
	down := float64(length-1) - up
	if down <= 0 {
		return final
	}
	return anneal(1, final, (p-up)/down)
}

// anneal is OneCycleLR's cosine interpolation from start (t=0) to end (t=1).
func anneal(start, end, t float64) float64 {
	return end + (start-end)/2*(math.Cos(math.Pi*t)+1)
}
