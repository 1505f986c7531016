package schedule

import (
	"errors"
	"math"
	"testing"
)

// Expected multipliers are computed by hand from the formulas of
// transformers/optimization.py (linear, cosine, hard restarts, polynomial)
// and torch.optim.lr_scheduler.OneCycleLR (one cycle); the arithmetic is in
// the comments.
func TestMultiplier(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want map[int]float64 // step -> multiplier
	}{
		{"linear, warmup 2 of 10", Config{Name: Linear, BaseLR: 1e-3, TotalSteps: 10, WarmupRatio: 0.2},
			map[int]float64{0: 0, 1: 0.5, 2: 1, 3: 7.0 / 8, 6: 4.0 / 8, 10: 0, 12: 0}},
		{"linear, warmup ceil(1.5)=2", Config{Name: Linear, BaseLR: 1e-3, TotalSteps: 10, WarmupRatio: 0.15},
			map[int]float64{1: 0.5, 2: 1}},
		{"cosine, warmup 2 of 10", Config{Name: Cosine, BaseLR: 1e-3, TotalSteps: 10, WarmupRatio: 0.2},
			// progress (s-2)/8; 0.5(1+cos(pi·progress))
			map[int]float64{1: 0.5, 2: 1, 4: 0.5 * (1 + math.Sqrt2/2), 6: 0.5, 10: 0}},
		{"cosine_restart, 2 cycles", Config{Name: CosineRestart, BaseLR: 1e-3, TotalSteps: 10, Cycles: 2},
			// step 2: 2·0.2 mod 1 = 0.4 → 0.5(1+cos 0.4π) = 0.6545085; step 5 restarts at 1
			map[int]float64{0: 1, 2: 0.6545084971874737, 5: 1, 7: 0.6545084971874737, 10: 0}},
		{"polynomial, power 2", Config{Name: Polynomial, BaseLR: 1e-3, TotalSteps: 10, Power: 2},
			// step 5: ((1e-3−1e-7)·0.5² + 1e-7)/1e-3 = 0.250075; the end is lr_end/lr = 1e-4
			map[int]float64{0: 1, 5: 0.250075, 10: 1e-4, 11: 1e-4}},
		{"one_cycle, 1 cycle, pct_start 0.3", Config{Name: OneCycle, BaseLR: 1e-3, TotalSteps: 10, Cycles: 1, WarmupRatio: 0.3},
			// phase 1 ends at 0.3·10−1 = 2: 1/25 → 1 (step 1: 1 − 0.96/2 = 0.52);
			// phase 2 over steps 2..9 to 0.04/1e4 = 4e-6
			map[int]float64{0: 0.04, 1: 0.52, 2: 1, 9: 4e-6, 20: 4e-6}},
		{"one_cycle, 2 cycles", Config{Name: OneCycle, BaseLR: 1e-3, TotalSteps: 10, Cycles: 2, WarmupRatio: 0.3},
			// cycles [0,5) and [5,10); phase 1 ends at 0.3·5−1 = 0.5; step 4 ends the cycle
			map[int]float64{0: 0.04, 4: 4e-6, 5: 0.04, 9: 4e-6}},
		{"one_cycle, no warmup", Config{Name: OneCycle, BaseLR: 1e-3, TotalSteps: 5, Cycles: 1},
			// phase 2 only, t = s/4: step 2 → 4e-6 + (1−4e-6)/2·(cos(π/2)+1)
			map[int]float64{0: 1, 2: 4e-6 + (1-4e-6)/2, 4: 4e-6}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := New(tc.cfg)
			if err != nil {
				t.Fatal(err)
			}
			for step, want := range tc.want {
				if got := s.Multiplier(step); math.Abs(got-want) > 1e-12 {
					t.Errorf("step %d: multiplier %.15g, want %.15g", step, got, want)
				}
				if got := s.LR(step); math.Abs(got-want*tc.cfg.BaseLR) > 1e-15 {
					t.Errorf("step %d: LR %g, want %g", step, got, want*tc.cfg.BaseLR)
				}
			}
		})
	}
}

// TestEveryParameterChangesTheCurve changes one sampled parameter at a time
// and checks that the learning rates of a 40-step run differ.
func TestEveryParameterChangesTheCurve(t *testing.T) {
	base := Config{BaseLR: 2e-5, TotalSteps: 40, WarmupRatio: 0.1, Cycles: 2, Power: 1}
	with := func(f func(*Config)) Config { c := base; f(&c); return c }
	tests := []struct {
		name string
		a, b Config
	}{
		{"sched.name", with(func(c *Config) { c.Name = Linear }), with(func(c *Config) { c.Name = Cosine })},
		{"sched.warmup_ratio", with(func(c *Config) { c.Name = Linear }), with(func(c *Config) { c.Name, c.WarmupRatio = Linear, 0.2 })},
		{"sched.cosine_cycles (restart)", with(func(c *Config) { c.Name = CosineRestart }), with(func(c *Config) { c.Name, c.Cycles = CosineRestart, 3 })},
		{"sched.cosine_cycles (one_cycle)", with(func(c *Config) { c.Name = OneCycle }), with(func(c *Config) { c.Name, c.Cycles = OneCycle, 3 })},
		{"sched.poly_power", with(func(c *Config) { c.Name = Polynomial }), with(func(c *Config) { c.Name, c.Power = Polynomial, 1.5 })},
		{"sched.warmup_ratio (one_cycle)", with(func(c *Config) { c.Name = OneCycle }), with(func(c *Config) { c.Name, c.WarmupRatio = OneCycle, 0.2 })},
		{"optim.lr", with(func(c *Config) { c.Name = Cosine }), with(func(c *Config) { c.Name, c.BaseLR = Cosine, 3e-5 })},
	}
	for _, tc := range tests {
		sa, err := New(tc.a)
		if err != nil {
			t.Fatal(err)
		}
		sb, err := New(tc.b)
		if err != nil {
			t.Fatal(err)
		}
		differ := false
		for step := range 40 {
			differ = differ || sa.LR(step) != sb.LR(step)
		}
		if !differ {
			t.Errorf("%s: changing it leaves the schedule unchanged", tc.name)
		}
	}
}

func TestValidate(t *testing.T) {
	bad := []Config{
		{Name: "step", BaseLR: 1e-3, TotalSteps: 10},
		{Name: Linear, BaseLR: 0, TotalSteps: 10},
		{Name: Linear, BaseLR: 1e-3, TotalSteps: 0},
		{Name: Linear, BaseLR: 1e-3, TotalSteps: 10, WarmupRatio: 1},
		{Name: CosineRestart, BaseLR: 1e-3, TotalSteps: 10},
		{Name: OneCycle, BaseLR: 1e-3, TotalSteps: 10},
		{Name: Polynomial, BaseLR: 1e-3, TotalSteps: 10},
		{Name: Polynomial, BaseLR: 1e-8, TotalSteps: 10, Power: 1},
	}
	for _, c := range bad {
		if _, err := New(c); !errors.Is(err, ErrBadConfig) {
			t.Errorf("New(%+v) = %v, want ErrBadConfig", c, err)
		}
	}
}

func TestMonotoneWarmupAndBounds(t *testing.T) {
	for _, name := range []Name{Linear, Cosine, CosineRestart, Polynomial, OneCycle} {
		s, err := New(Config{Name: name, BaseLR: 1e-4, TotalSteps: 97, WarmupRatio: 0.13, Cycles: 3, Power: 0.7})
		if err != nil {
			t.Fatal(err)
		}
		for step := range 120 {
			if m := s.Multiplier(step); m < 0 || m > 1+1e-12 {
				t.Errorf("%s step %d: multiplier %v outside [0, 1]", name, step, m)
			}
		}
		if name != OneCycle {
			for step := 1; step <= s.WarmupSteps(); step++ {
				if s.Multiplier(step) <= s.Multiplier(step-1) {
					t.Errorf("%s: warmup not increasing at %d", name, step)
				}
			}
		}
	}
}
