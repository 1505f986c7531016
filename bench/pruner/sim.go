package main

import (
	"fmt"
	"time"

	"github.com/redsm5/supermax-hpo/hpo"
	"github.com/redsm5/supermax-hpo/hpo/earlystop"
	"github.com/redsm5/supermax-hpo/hpo/pruners"
)

// study is one simulated study: trials curves[0..] run on `parallel` slots
// that advance one epoch each per round, in slot order (a deterministic
// stand-in for workers); a trial ends when the pruner prunes it, early
// stopping stops it, or it reaches the last epoch.
type study struct {
	name     string
	curves   []curve
	epochs   int
	parallel int
	stopping earlystop.EarlyStopping
}

// result is what one pruner achieved on a study.
type result struct {
	epochs          int     // epochs trained, all trials together
	complete        int     // trials that ended COMPLETE
	best            float64 // best value of a COMPLETE trial (its best epoch)
	bestTrue        float64 // the noise-free metric of that trial at that epoch
	finalState      int     // bytes of MarshalBinary at the end
	peakState       int     // largest MarshalBinary seen (sampled)
	reportNs        float64 // mean wall time of one Report call
	restoredMatches bool    // state restored at the end decides as the original
}

// slot is one worker's current trial.
type slot struct {
	trial, epoch int
	es           earlystop.State
	best         float64
	bestEpoch    int
}

// run simulates the study under cfg. Every sampleEvery finished trials it
// measures the state size.
func (s study) run(cfg pruners.Config, sampleEvery int) (result, error) {
	st := hpo.Study{Name: s.name, Direction: hpo.Maximize}
	p, err := pruners.New(cfg, st)
	if err != nil {
		return result{}, fmt.Errorf("pruner %s: %w", cfg.Kind, err)
	}
	res := result{best: -1}
	slots, next := make([]*slot, s.parallel), 0
	var spent time.Duration
	reports, finished := 0, 0
	for busy := true; busy; {
		busy = false
		for i := range slots {
			if slots[i] == nil && next < len(s.curves) {
				slots[i], next = &slot{trial: next, best: -1}, next+1
			}
			sl := slots[i]
			if sl == nil {
				continue
			}
			busy = true
			sl.epoch++
			res.epochs++
			v := s.curves[sl.trial].observed(sl.epoch)
			t0 := time.Now()
			prune := p.Report(sl.trial, sl.epoch, v)
			spent += time.Since(t0)
			reports++
			var stop bool
			sl.es, stop = s.stopping.Step(sl.es, sl.epoch, v)
			if v > sl.best {
				sl.best, sl.bestEpoch = v, sl.epoch
			}
			if !prune && !stop && sl.epoch < s.epochs {
				continue
			}
			state := hpo.Complete
			if prune {
				state = hpo.Pruned
			} else {
				res.complete++
				if sl.best > res.best {
					res.best, res.bestTrue = sl.best, s.curves[sl.trial].mean(sl.bestEpoch)
				}
			}
			p.Finish(sl.trial, state, sl.best)
			slots[i] = nil
			if finished++; finished%sampleEvery == 0 {
				if err := res.sampleState(p); err != nil {
					return result{}, err
				}
			}
		}
	}
	if err := res.sampleState(p); err != nil {
		return result{}, err
	}
	res.finalState = res.lastState(p)
	res.reportNs = float64(spent.Nanoseconds()) / float64(reports)
	res.restoredMatches, err = restoredMatches(p, cfg, st)
	return res, err
}

func (r *result) sampleState(p hpo.Pruner) error {
	b, err := p.MarshalBinary()
	if err != nil {
		return fmt.Errorf("marshal pruner state: %w", err)
	}
	r.peakState = max(r.peakState, len(b))
	return nil
}

func (r *result) lastState(p hpo.Pruner) int {
	b, _ := p.MarshalBinary()
	return len(b)
}

// restoredMatches restores the final state into a new pruner and checks that
// both decide the same on a fresh batch of probe reports.
func restoredMatches(p hpo.Pruner, cfg pruners.Config, st hpo.Study) (bool, error) {
	b, err := p.MarshalBinary()
	if err != nil {
		return false, fmt.Errorf("marshal pruner state: %w", err)
	}
	q, err := pruners.New(cfg, st)
	if err != nil {
		return false, fmt.Errorf("pruner %s: %w", cfg.Kind, err)
	}
	if err := q.UnmarshalBinary(b); err != nil {
		return false, fmt.Errorf("restore pruner state: %w", err)
	}
	for n := 1 << 20; n < 1<<20+50; n++ {
		for step := 1; step <= 30; step++ {
			v := 0.2 + 0.6*float64((n*7+step*13)%31)/31
			if p.Report(n, step, v) != q.Report(n, step, v) {
				return false, nil
			}
		}
	}
	return true, nil
}

// peak is the best noise-free metric over the trial's epochs.
func (c curve) peak(epochs int) float64 {
	best := 0.0
	for t := 1; t <= epochs; t++ {
		best = max(best, c.mean(t))
	}
	return best
}
