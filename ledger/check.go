package ledger

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"unicode/utf8"

	"github.com/redsm5/supermax-hpo/hpo"
)

// MaxNameLen is the longest study name, parameter name or attribute key the
// Optuna schema holds (its VARCHAR(512) columns).
const MaxNameLen = 512

// CheckStudyName reports whether name can be stored as a study name.
// Implementations call it so that every ledger rejects the same input.
func CheckStudyName(name string) error {
	return checkName("study name", name)
}

func checkName(what, name string) error {
	switch {
	case name == "":
		return fmt.Errorf("%s is empty", what)
	case len(name) > MaxNameLen:
		return fmt.Errorf("%s %.20q... is %d bytes, longer than %d", what, name, len(name), MaxNameLen)
	case !utf8.ValidString(name):
		return fmt.Errorf("%s %q is not valid UTF-8", what, name)
	}
	return nil
}

// CheckParams validates the arguments of PutTrial: the same names in params
// and dists, valid distributions that survive their JSON form unchanged, and
// every internal value inside its distribution (Optuna refuses to load a
// trial whose value lies outside). Deterministic; it reports the first
// problem in name order.
func CheckParams(params map[string]float64, dists map[string]hpo.Distribution) error {
	if len(params) != len(dists) {
		return fmt.Errorf("%d parameter values but %d distributions", len(params), len(dists))
	}
	for _, name := range SortedNames(params) {
		if err := checkName("parameter name", name); err != nil {
			return err
		}
		d, ok := dists[name]
		if !ok || d == nil {
			return fmt.Errorf("parameter %q has no distribution", name)
		}
		if err := d.Validate(); err != nil {
			return fmt.Errorf("parameter %q: %w", name, err)
		}
		if _, err := CanonicalDistribution(d); err != nil {
			return fmt.Errorf("parameter %q: %w", name, err)
		}
		if x := params[name]; !d.Contains(x) {
			return fmt.Errorf("parameter %q: internal value %v is outside its %s", name, x, d.Name())
		}
	}
	return nil
}

// CanonicalDistribution returns the distribution JSON that a ledger stores
// for d, after checking that reading it back gives the same JSON (a string
// choice that is not valid UTF-8, for one, would not). Two distributions are
// the same for the ledger when their canonical JSON is equal.
func CanonicalDistribution(d hpo.Distribution) ([]byte, error) {
	b, err := hpo.MarshalDistribution(d)
	if err != nil {
		return nil, fmt.Errorf("encoding distribution: %w", err)
	}
	back, err := hpo.UnmarshalDistribution(b)
	if err != nil {
		return nil, fmt.Errorf("distribution does not read back from %s: %w", b, err)
	}
	again, err := hpo.MarshalDistribution(back)
	if err != nil || !bytes.Equal(b, again) {
		return nil, fmt.Errorf("distribution %s does not survive its JSON form", b)
	}
	return b, nil
}

// SameDistribution reports whether a and b have the same canonical JSON.
func SameDistribution(a, b hpo.Distribution) bool {
	x, err1 := hpo.MarshalDistribution(a)
	y, err2 := hpo.MarshalDistribution(b)
	return err1 == nil && err2 == nil && bytes.Equal(x, y)
}

// SameParams reports whether two parameter sets are identical: the same
// names, bit-identical internal values and the same distributions.
func SameParams(p1 map[string]float64, d1 map[string]hpo.Distribution, p2 map[string]float64, d2 map[string]hpo.Distribution) bool {
	if len(p1) != len(p2) || len(d1) != len(d2) {
		return false
	}
	for name, x := range p1 {
		y, ok := p2[name]
		if !ok || !SameFloat(x, y) || !SameDistribution(d1[name], d2[name]) {
			return false
		}
	}
	return true
}

// SameFloat reports whether two stored numbers are the same: equal bits, or
// both NaN (a NaN intermediate value repeated is the same report).
func SameFloat(a, b float64) bool {
	if math.IsNaN(a) && math.IsNaN(b) {
		return true
	}
	return math.Float64bits(a) == math.Float64bits(b)
}

// SameValue reports whether two optional objective values are the same.
func SameValue(a, b *float64) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return SameFloat(*a, *b)
}

// CheckFinish validates the arguments of Finish with Optuna's rules: the
// state is Complete, Pruned or Fail; a Complete trial has a value that is not
// NaN; a Fail trial has none; a Pruned trial may have one (not NaN).
func CheckFinish(state hpo.TrialState, value *float64) error {
	switch state {
	case hpo.Complete:
		if value == nil {
			return fmt.Errorf("a COMPLETE trial needs a value")
		}
	case hpo.Fail:
		if value != nil {
			return fmt.Errorf("a FAIL trial has no value, got %v", *value)
		}
	case hpo.Pruned:
	default:
		return fmt.Errorf("state %s is not a final state (want COMPLETE, PRUNED or FAIL)", state)
	}
	if value != nil && math.IsNaN(*value) {
		return fmt.Errorf("the value of a %s trial is NaN", state)
	}
	return nil
}

// CheckUserAttr validates the arguments of SetUserAttr: a key that fits the
// schema and a value that is JSON text.
func CheckUserAttr(key, valueJSON string) error {
	if err := checkName("user attribute key", key); err != nil {
		return err
	}
	if !json.Valid([]byte(valueJSON)) {
		return fmt.Errorf("user attribute %q: value %.40q is not JSON", key, valueJSON)
	}
	return nil
}

// CheckTrialNumber rejects negative trial numbers and steps.
func CheckTrialNumber(n int) error {
	if n < 0 {
		return fmt.Errorf("trial number %d is negative", n)
	}
	return nil
}

// SortedNames returns the keys of m in ascending order, so that work over a
// map never depends on Go's map order.
func SortedNames[V any](m map[string]V) []string {
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

// MergeCursor computes the cursor that follows a read of trials with the
// given ids and states, starting from since. Implementations share it so
// that every ledger advances cursors the same way.
func MergeCursor(since Cursor, ids []int64, states []hpo.TrialState) Cursor {
	next := Cursor{NextTrialID: since.NextTrialID}
	for i, id := range ids {
		if id >= next.NextTrialID {
			next.NextTrialID = id + 1
		}
		if !states[i].Finished() {
			next.Unfinished = append(next.Unfinished, id)
		}
	}
	sort.Slice(next.Unfinished, func(a, b int) bool { return next.Unfinished[a] < next.Unfinished[b] })
	return next
}
