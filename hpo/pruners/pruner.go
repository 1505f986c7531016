package pruners

import (
	"fmt"
	"hash/crc32"

	"github.com/redsm5/supermax-hpo/hpo"
)

// MaxTrialNumber and MaxStep bound what a pruner accepts: a report for a
// trial number outside [0, MaxTrialNumber] or a step outside [1, MaxStep] is
// ignored (never pruned, nothing recorded). The bounds keep every value of the
// state inside the int32 range that UnmarshalBinary accepts.
const (
	MaxTrialNumber = 1<<31 - 2
	MaxStep        = 1<<31 - 2
)

// stateVersion is the first byte of every encoded state.
const stateVersion = 1

// policy is one pruning rule. observe records a report of a running trial;
// decide says whether to prune it at that report (it may record more, as
// successive halving records rung values); finish drops the trial's running
// state and, for a complete trial, keeps what the rule needs of it. The
// pruner calls observe then decide once per new (trial, step), in step order.
type policy interface {
	observe(trial, step int, value float64)
	decide(trial, step int, value float64) bool
	finish(trial int, state hpo.TrialState)
	encode(e *encoder)
	decode(d *decoder)
	// fresh returns an empty policy with the same settings.
	fresh() policy
}

// lastReport is what the pruner remembers of a running trial's latest report.
type lastReport struct {
	step  int
	prune bool
}

// pruner is the hpo.Pruner that New returns: bookkeeping shared by every
// rule (which trials finished, each running trial's last step and decision)
// around one policy. It is not safe for concurrent use; a workflow owns it.
type pruner struct {
	rule     policy
	config   uint32 // fingerprint of the config and study, checked on decode
	finished intervalSet
	running  map[int]lastReport
}

func newPruner(rule policy, cfg Config, study hpo.Study) *pruner {
	return &pruner{rule: rule, config: fingerprint(cfg, study), running: map[int]lastReport{}}
}

// Report records value for trial at step and returns whether the trial
// should stop. It is deterministic and idempotent: repeating a report, or
// sending one for an earlier step, changes nothing and returns the decision
// last given to that trial; a report for a finished trial, a trial number
// outside [0, MaxTrialNumber] or a step outside [1, MaxStep] returns false.
func (p *pruner) Report(trial, step int, value float64) bool {
	if trial < 0 || trial > MaxTrialNumber || step < 1 || step > MaxStep || p.finished.has(trial) {
		return false
	}
	last, seen := p.running[trial]
	if seen && step <= last.step {
		return last.prune
	}
	p.rule.observe(trial, step, value)
	prune := p.rule.decide(trial, step, value)
	p.running[trial] = lastReport{step: step, prune: prune}
	return prune
}

// Finish records that trial ended in state (value is not used: every rule
// judges intermediate values). Only Complete trials feed the median and
// percentile rules; every trial's rung values stay in successive halving's
// tables. Every trial that reported must be finished (Fail for a lost one),
// or its running state stays in the pruner. Finishing a trial twice, or with
// a non-final state, changes nothing.
func (p *pruner) Finish(trial int, state hpo.TrialState, value float64) {
	if trial < 0 || trial > MaxTrialNumber || !state.Finished() || p.finished.has(trial) {
		return
	}
	p.finished.add(trial)
	delete(p.running, trial)
	p.rule.finish(trial, state)
}

// MarshalBinary encodes the state: a version byte, the configuration
// fingerprint, the finished trials, the running trials' last reports and the
// rule's own tables. The same state always gives the same bytes.
func (p *pruner) MarshalBinary() ([]byte, error) {
	e := &encoder{}
	e.buf = append(e.buf, stateVersion)
	e.buf = append(e.buf, byte(p.config), byte(p.config>>8), byte(p.config>>16), byte(p.config>>24))
	p.finished.encode(e)
	keys := sortedTrials(p.running)
	e.uvarint(uint64(len(keys)))
	for _, t := range keys {
		r := p.running[t]
		e.int(t)
		e.int(r.step)
		e.buf = append(e.buf, boolByte(r.prune))
	}
	p.rule.encode(e)
	return e.buf, nil
}

// UnmarshalBinary replaces the state with one written by MarshalBinary of a
// pruner built from the same Config and Study. Bad input (another version or
// configuration, truncation, trailing bytes, broken invariants) returns an
// error wrapping ErrBadState and leaves the pruner unchanged.
func (p *pruner) UnmarshalBinary(data []byte) error {
	d := &decoder{buf: data}
	if v := d.byte("version"); d.err == nil && v != stateVersion {
		return fmt.Errorf("%w: version %d, this build reads version %d", ErrBadState, v, stateVersion)
	}
	var fp uint32
	for i := 0; i < 4; i++ {
		fp |= uint32(d.byte("config fingerprint")) << (8 * i)
	}
	if d.err == nil && fp != p.config {
		return fmt.Errorf("%w: written by a pruner with another configuration or study (fingerprint %08x, want %08x)", ErrBadState, fp, p.config)
	}
	next := &pruner{rule: p.rule.fresh(), config: p.config, running: map[int]lastReport{}}
	next.finished.decode(d)
	next.decodeRunning(d)
	next.rule.decode(d)
	if err := d.finish(); err != nil {
		return fmt.Errorf("unmarshal pruner state: %w", err)
	}
	*p = *next
	return nil
}

// decodeRunning reads the running trials' last reports; a trial may not be
// listed twice or be finished too.
func (p *pruner) decodeRunning(d *decoder) {
	n := d.count("running trial count", 3)
	for i := 0; i < n && d.err == nil; i++ {
		t := d.atLeast("running trial number", 0)
		step := d.atLeast("running trial step", 1)
		prune := d.byte("running trial decision")
		if d.err != nil {
			return
		}
		_, dup := p.running[t]
		switch {
		case t > MaxTrialNumber || step > MaxStep:
			d.fail("running trial %d at step %d is out of range", t, step)
		case dup || p.finished.has(t):
			d.fail("trial %d listed twice", t)
		case prune > 1:
			d.fail("decision byte %d of trial %d is not 0 or 1", prune, t)
		}
		p.running[t] = lastReport{step: step, prune: prune == 1}
	}
}

func boolByte(b bool) byte {
	if b {
		return 1
	}
	return 0
}

// fingerprint is a CRC-32 of everything that shapes a pruner's decisions,
// so a state is never restored into a pruner that would read it differently.
func fingerprint(cfg Config, study hpo.Study) uint32 {
	s := fmt.Sprintf("%s|%d|%d|%d|%x|%d|%d|%d|%d|%d|%x|%s|%d",
		cfg.Kind, cfg.NStartupTrials, cfg.NWarmupSteps, cfg.IntervalSteps, cfg.Percentile,
		cfg.MinResource, cfg.ReductionFactor, cfg.MinEarlyStoppingRate, cfg.MaxResource,
		cfg.Patience, cfg.MinDelta, study.Name, study.Direction)
	return crc32.ChecksumIEEE([]byte(s))
}
