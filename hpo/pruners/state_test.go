package pruners

import (
	"bytes"
	"errors"
	"math"
	"testing"

	"github.com/redsm5/supermax-hpo/hpo"
)

// allConfigs covers every kind and the patient wrapper.
func allConfigs() map[string]Config {
	patientMedian := MedianConfig()
	patientMedian.Patience, patientMedian.MinDelta = 3, 0.01
	return map[string]Config{
		"none":              NoneConfig(),
		"median":            MedianConfig(),
		"percentile":        PercentileConfig(30),
		"sha":               SuccessiveHalvingConfig(),
		"hyperband":         HyperbandConfig(30),
		"patient-hyperband": DefaultConfig(30),
		"patient-median":    patientMedian,
	}
}

// restoring is an hpo.Pruner that moves its state into a brand-new pruner
// after every call, as a workflow does across continue-as-new.
type restoring struct {
	t     *testing.T
	cfg   Config
	study hpo.Study
	p     hpo.Pruner
}

func (r *restoring) hop() {
	r.t.Helper()
	b, err := r.p.MarshalBinary()
	if err != nil {
		r.t.Fatal(err)
	}
	again, _ := r.p.MarshalBinary()
	if !bytes.Equal(b, again) {
		r.t.Fatal("MarshalBinary is not deterministic")
	}
	next := mustNew(r.t, r.cfg, r.study)
	if err := next.UnmarshalBinary(b); err != nil {
		r.t.Fatalf("restore: %v", err)
	}
	if b2, _ := next.MarshalBinary(); !bytes.Equal(b, b2) {
		r.t.Fatal("restored state marshals differently")
	}
	r.p = next
}

func (r *restoring) Report(trial, step int, v float64) bool {
	prune := r.p.Report(trial, step, v)
	r.hop()
	return prune
}

func (r *restoring) Finish(trial int, s hpo.TrialState, v float64) { r.p.Finish(trial, s, v); r.hop() }
func (r *restoring) MarshalBinary() ([]byte, error)                { return r.p.MarshalBinary() }
func (r *restoring) UnmarshalBinary(b []byte) error                { return r.p.UnmarshalBinary(b) }

// TestStateRoundTripKeepsDecisions: a run whose state is restored into a
// new pruner after every call prunes exactly as an uninterrupted run.
func TestStateRoundTripKeepsDecisions(t *testing.T) {
	for name, cfg := range allConfigs() {
		t.Run(name, func(t *testing.T) {
			study := hpo.Study{Name: "roundtrip"}
			s := randomScenario(7, 40, 30, 3)
			want := s.run(t, mustNew(t, cfg, study))
			got := s.run(t, &restoring{t: t, cfg: cfg, study: study, p: mustNew(t, cfg, study)})
			for n := range want {
				if got[n] != want[n] {
					t.Errorf("trial %d pruned at %d after round trips, %d without", n, got[n], want[n])
				}
			}
		})
	}
}

// midRunState is a state with finished trials, running trials and tables.
func midRunState(t *testing.T, cfg Config, study hpo.Study) []byte {
	t.Helper()
	p := mustNew(t, cfg, study)
	randomScenario(3, 30, 20, 3).run(t, p)
	for n := 30; n < 34; n++ {
		for step := 1; step <= 5; step++ {
			p.Report(n, step, 0.1*float64(n%3)+0.01*float64(step))
		}
	}
	b, err := p.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestUnmarshalRejectsBadInput: every truncation, trailing bytes, another
// version or configuration fail with ErrBadState and leave the pruner as it was.
func TestUnmarshalRejectsBadInput(t *testing.T) {
	for name, cfg := range allConfigs() {
		t.Run(name, func(t *testing.T) {
			study := hpo.Study{Name: "bad"}
			good := midRunState(t, cfg, study)
			bad := [][]byte{nil, append([]byte{9}, good[1:]...), append(bytes.Clone(good), 0),
				midRunState(t, cfg, hpo.Study{Name: "other"}),
				midRunState(t, cfg, hpo.Study{Name: "bad", Direction: hpo.Minimize})}
			if cfg.Kind != KindNone {
				other := cfg
				other.Patience++
				bad = append(bad, midRunState(t, other, study))
			}
			for i := 0; i < len(good); i++ {
				bad = append(bad, good[:i])
			}
			p := mustNew(t, cfg, study)
			if err := p.UnmarshalBinary(good); err != nil {
				t.Fatal(err)
			}
			for _, b := range bad {
				if err := p.UnmarshalBinary(b); !errors.Is(err, ErrBadState) {
					t.Fatalf("UnmarshalBinary(% x) = %v, want ErrBadState", b, err)
				}
				if now, _ := p.MarshalBinary(); !bytes.Equal(now, good) {
					t.Fatalf("a failed UnmarshalBinary changed the state")
				}
			}
		})
	}
}

// TestReportBookkeeping: repeated and stale reports return the last
// decision; finished trials, bad trial numbers and steps are ignored.
func TestReportBookkeeping(t *testing.T) {
	p := mustNew(t, SuccessiveHalvingConfig(), hpo.Study{Name: "book"})
	expect(t, p,
		report{0, 1, 0.9, false},
		report{1, 1, 0.1, true},
		report{1, 1, 0.99, true}, // repeated step: the same answer, nothing recorded
		report{1, 0, 0.99, false},
		report{-1, 1, 0.0, false},
		report{MaxTrialNumber + 1, 1, 0.0, false},
		report{2, MaxStep + 1, 0.0, false},
	)
	before, _ := p.MarshalBinary()
	p.Finish(1, hpo.Running, 0) // not a final state: ignored
	if now, _ := p.MarshalBinary(); !bytes.Equal(before, now) {
		t.Error("Finish with a non-final state changed the state")
	}
	p.Finish(1, hpo.Pruned, 0.1)
	expect(t, p, report{1, 2, 0.99, false}) // finished: ignored
	after, _ := p.MarshalBinary()
	p.Finish(1, hpo.Complete, 0.1)
	if now, _ := p.MarshalBinary(); !bytes.Equal(after, now) {
		t.Error("a second Finish changed the state")
	}
}

func TestIntervalSet(t *testing.T) {
	var s intervalSet
	for _, n := range []int{5, 3, 4, 0, 9, 7, 8, 1} {
		s.add(n)
	}
	want := [][2]int{{0, 2}, {3, 6}, {7, 10}}
	if len(s.r) != len(want) {
		t.Fatalf("ranges %v, want %v", s.r, want)
	}
	for i := range want {
		if s.r[i] != want[i] {
			t.Fatalf("ranges %v, want %v", s.r, want)
		}
	}
	for n, in := range []bool{true, true, false, true, true, true, false, true, true, true, false} {
		if s.has(n) != in {
			t.Errorf("has(%d) = %v, want %v", n, !in, in)
		}
	}
}

func TestOrderKey(t *testing.T) {
	vs := []float64{math.Inf(-1), -2.5, -1e-300, 0, 1e-300, 0.5, 3, math.Inf(1)}
	for i := 1; i < len(vs); i++ {
		if orderKey(vs[i-1]) >= orderKey(vs[i]) {
			t.Errorf("orderKey(%v) >= orderKey(%v)", vs[i-1], vs[i])
		}
	}
	for _, v := range vs {
		if back := fromOrderKey(orderKey(v)); back != v {
			t.Errorf("fromOrderKey(orderKey(%v)) = %v", v, back)
		}
	}
}

// FuzzUnmarshalBinary: arbitrary bytes never panic; accepted bytes give a
// state that marshals stably and keeps working.
func FuzzUnmarshalBinary(f *testing.F) {
	t := &testing.T{}
	configs := allConfigs()
	names := []string{"none", "median", "percentile", "sha", "hyperband", "patient-hyperband", "patient-median"}
	for i, name := range names {
		f.Add(uint8(i), midRunState(t, configs[name], hpo.Study{Name: "fuzz"}))
	}
	f.Fuzz(func(t *testing.T, which uint8, data []byte) {
		cfg := configs[names[int(which)%len(names)]]
		p := mustNew(t, cfg, hpo.Study{Name: "fuzz"})
		if err := p.UnmarshalBinary(data); err != nil {
			if !errors.Is(err, ErrBadState) {
				t.Fatalf("error %v does not wrap ErrBadState", err)
			}
			return
		}
		b1, _ := p.MarshalBinary()
		q := mustNew(t, cfg, hpo.Study{Name: "fuzz"})
		if err := q.UnmarshalBinary(b1); err != nil {
			t.Fatalf("re-marshalled state rejected: %v", err)
		}
		if b2, _ := q.MarshalBinary(); !bytes.Equal(b1, b2) {
			t.Fatal("marshal is not stable after a round trip")
		}
		for n := 0; n < 40; n++ {
			q.Report(n, 1+n%9, float64(n%5)/5)
			if n%3 == 0 {
				q.Finish(n, hpo.Complete, 0)
			}
		}
	})
}
