package pruners

import (
	"hash/crc32"
	"strconv"

	"github.com/redsm5/supermax-hpo/hpo"
)

// hyperband is Optuna's HyperbandPruner with a fixed max_resource: brackets
// i = 0..n-1 are successive-halving rules with min_early_stopping_rate i, each
// with its own rung tables, so a bracket only ever sees its own trials. Trial
// n belongs to the bracket that crc32("<study>_<n>") mod the total budget
// falls into, the budgets laid end to end in bracket order.
type hyperband struct {
	study    string
	budgets  []int // trial allocation budget of each bracket
	total    int
	brackets []*sha
}

func newHyperband(study string, minResource, maxResource, eta int, dir hpo.Direction) *hyperband {
	n := bracketCount(minResource, maxResource, eta)
	h := &hyperband{study: study}
	for i := 0; i < n; i++ {
		b := bracketBudget(n, i, eta)
		h.budgets = append(h.budgets, b)
		h.total += b
		h.brackets = append(h.brackets, newSHA(minResource, eta, i, dir))
	}
	return h
}

// bracketCount is floor(log_eta(max/min)) + 1, computed exactly in integers:
// one more than the largest k with min * eta^k <= max. Optuna computes it with
// math.log, which undercounts when max/min is an exact power of eta that the
// logarithm rounds down (math.log(243, 3) = 4.999999999999999); with our
// defaults (1, 100, 3) both give 5.
func bracketCount(minResource, maxResource, eta int) int {
	n := 1
	for r := minResource; r <= maxResource/eta; r *= eta {
		n++
	}
	return n
}

// bracketBudget is ceil(n * eta^s / (s+1)) with s = n-1-i, in integers.
func bracketBudget(n, i, eta int) int {
	s := n - 1 - i
	num := n
	for j := 0; j < s; j++ {
		num *= eta
	}
	return (num + s) / (s + 1)
}

// bracketOf is the bracket of trial, as Optuna's _get_bracket_id.
func (h *hyperband) bracketOf(trial int) int {
	key := h.study + "_" + strconv.Itoa(trial)
	n := int(crc32.ChecksumIEEE([]byte(key)) % uint32(h.total))
	for i, b := range h.budgets {
		n -= b
		if n < 0 {
			return i
		}
	}
	return len(h.budgets) - 1 // unreachable: the budgets sum to total
}

func (h *hyperband) fresh() policy {
	f := &hyperband{study: h.study, budgets: h.budgets, total: h.total}
	for _, b := range h.brackets {
		f.brackets = append(f.brackets, b.fresh().(*sha))
	}
	return f
}

func (h *hyperband) observe(trial, step int, value float64) {}

func (h *hyperband) decide(trial, step int, value float64) bool {
	return h.brackets[h.bracketOf(trial)].decide(trial, step, value)
}

func (h *hyperband) finish(trial int, state hpo.TrialState) {
	h.brackets[h.bracketOf(trial)].finish(trial, state)
}

func (h *hyperband) encode(e *encoder) {
	for _, b := range h.brackets {
		b.encode(e)
	}
}

// decode reads each bracket and checks that its running trials belong to it.
func (h *hyperband) decode(d *decoder) {
	for i, b := range h.brackets {
		b.decode(d)
		for _, t := range sortedTrials(b.completed) {
			if d.err == nil && h.bracketOf(t) != i {
				d.fail("trial %d is recorded in bracket %d but belongs to bracket %d", t, i, h.bracketOf(t))
			}
		}
	}
}
