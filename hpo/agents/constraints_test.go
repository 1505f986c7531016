package agents

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/redsm5/supermax-hpo/hpo"
)

// drawUniform is a tiny uniform sampler: it walks the space in order, skips
// inactive parameters and draws each active one uniformly (log-uniformly for
// log distributions) from its constrained domain. It returns the external
// values and the internal values over each parameter's stored distribution.
func drawUniform(s *hpo.Space, rng *rand.Rand) (map[string]hpo.Value, map[string]float64, error) {
	chosen := map[string]hpo.Value{}
	internal := map[string]float64{}
	for _, p := range s.Params() {
		if !p.Active(chosen) {
			continue
		}
		dom := p.Domain(chosen)
		v := dom.ToExternal(uniformInternal(dom, rng))
		x, err := p.Dist.ToInternal(v)
		if err != nil {
			return nil, nil, err
		}
		chosen[p.Name], internal[p.Name] = v, x
	}
	return chosen, internal, nil
}

func uniformInternal(d hpo.Distribution, rng *rand.Rand) float64 {
	switch d := d.(type) {
	case hpo.FloatDistribution:
		if d.Log {
			return math.Exp(math.Log(d.Low) + rng.Float64()*(math.Log(d.High)-math.Log(d.Low)))
		}
		return d.Low + rng.Float64()*(d.High-d.Low)
	case hpo.IntDistribution:
		return float64(d.Low + d.Step*rng.Int64N((d.High-d.Low)/d.Step+1))
	case hpo.CategoricalDistribution:
		return float64(rng.IntN(len(d.Choices)))
	}
	panic("unknown distribution")
}

// limitStats records, over many draws, the largest value each limited
// parameter reached, to show the limits are reached and never exceeded.
type limitStats struct {
	maxLen, batch, tokens map[bool]int64
	lr                    map[bool]float64
}

func checkLimits(t *testing.T, agent Agent, v map[string]hpo.Value, st *limitStats) {
	t.Helper()
	h := IsHeavy(v["model.name"].Str())
	ml, ds := v["tok.max_length"].Int(), v["tok.doc_stride"].Int()
	b, a, lr := v["train.batch_size"].Int(), v["train.grad_accum"].Int(), v["optim.lr"].Float()
	want := limitsOf(agent)[h]
	wantML, wantTok, wantLR := want.maxLen, want.tokens, want.lr
	if b > want.batch {
		t.Fatalf("%s, %v: batch %d breaks its limit %d", agent, v["model.name"], b, want.batch)
	}
	if ml > wantML || ml < 128 || ml%32 != 0 {
		t.Fatalf("%v: tok.max_length %d breaks its limit %d", v["model.name"], ml, wantML)
	}
	if ds < 32 || ds > min(256, ml/2) || ds%16 != 0 {
		t.Fatalf("tok.doc_stride %d with max_length %d breaks 32..min(256, max_len/2) step 16", ds, ml)
	}
	if b*a > wantTok {
		t.Fatalf("%v: batch %d × accum %d breaks its limits", v["model.name"], b, a)
	}
	if lr > wantLR || lr < 5e-6 {
		t.Fatalf("%v: optim.lr %v breaks its limit %v", v["model.name"], lr, wantLR)
	}
	st.maxLen[h], st.batch[h] = max(st.maxLen[h], ml), max(st.batch[h], b)
	st.tokens[h], st.lr[h] = max(st.tokens[h], b*a), max(st.lr[h], lr)
}

// limits are one kind of model's limits, stated here apart from the code.
type limits struct {
	maxLen, batch, tokens int64
	lr                    float64
}

// limitsOf returns an agent's limits for heavy (true) and other models:
// DESIGN.md §6's, and for share and joint the two-branch ones
// (two_branch.go).
func limitsOf(agent Agent) map[bool]limits {
	if agent == Share || agent == Joint {
		// 32 × 8 (the largest grad_accum) = 256 updates per step at most.
		return map[bool]limits{true: {256, 8, 64, 1.5e-4}, false: {512, 32, 256, 3e-4}}
	}
	return map[bool]limits{true: {384, 16, 64, 1.5e-4}, false: {512, 64, 512, 3e-4}}
}

func TestConstraintsHoldAndAreReached(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, agent := range Agents() {
		s := mustSpace(t, agent, Options{})
		st := &limitStats{map[bool]int64{}, map[bool]int64{}, map[bool]int64{}, map[bool]float64{}}
		for i := 0; i < 3000; i++ {
			v, internal, err := drawUniform(s, rng)
			if err != nil {
				t.Fatal(err)
			}
			checkLimits(t, agent, v, st)
			decoded, err := s.Decode(internal)
			if err != nil {
				t.Fatalf("%s: Decode of a constrained draw: %v", agent, err)
			}
			checkConditions(t, agent, decoded)
		}
		// The limits must bind exactly, not more tightly than stated.
		for _, h := range []bool{true, false} {
			w := limitsOf(agent)[h]
			if st.maxLen[h] != w.maxLen || st.batch[h] != w.batch || st.tokens[h] != w.tokens || st.lr[h] < 0.85*w.lr {
				t.Errorf("%s, heavy %v: limits %+v not reached over 3000 draws: %+v", agent, h, w, *st)
			}
		}
	}
}

// checkConditions checks, from the expected table and not from the space,
// that each conditional parameter is present exactly when its parent has one
// of its choices.
func checkConditions(t *testing.T, agent Agent, v map[string]hpo.Value) {
	t.Helper()
	for name, c := range conditionals {
		parent, inSpace := v[c.parent]
		if !inSpace {
			continue // this agent lacks the parent
		}
		_, present := v[name]
		if want := slices.Contains(c.when, parent.Str()); present != want {
			t.Fatalf("%s: %s present=%v with %s=%v", agent, name, present, c.parent, parent)
		}
	}
}

func TestDecodeRejectsConstraintViolations(t *testing.T) {
	s := mustSpace(t, Criteria, Options{})
	rng := rand.New(rand.NewPCG(3, 4))
	for {
		v, internal, err := drawUniform(s, rng)
		if err != nil {
			t.Fatal(err)
		}
		if v["model.name"].Str() != "roberta-large" {
			continue
		}
		for name, bad := range map[string]float64{"tok.max_length": 416, "train.batch_size": 3 /* 24 */, "optim.lr": 2e-4} {
			broken := maps(internal)
			broken[name] = bad
			if _, err := s.Decode(broken); err == nil {
				t.Errorf("heavy model with %s=%v: Decode accepted it", name, bad)
			}
		}
		return
	}
}

func maps(m map[string]float64) map[string]float64 {
	out := make(map[string]float64, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// TestNarrowKeepsKind checks every constraint returns a distribution of the
// parameter's kind that lies within the stored one, for every model and for
// the missing-model case (nil: unconstrained).
func TestNarrowKeepsKind(t *testing.T) {
	s := mustSpace(t, Joint, Options{})
	for _, p := range s.Params() {
		if p.Narrow == nil {
			continue
		}
		if p.Narrow(map[string]hpo.Value{}) != nil {
			t.Errorf("%s: constraint with nothing chosen is not nil", p.Name)
		}
		for _, m := range Models() {
			chosen := map[string]hpo.Value{"model.name": hpo.String(m), "tok.max_length": hpo.Int(1024), "train.batch_size": hpo.Int(8)}
			d := p.Narrow(chosen)
			if d == nil || d.Name() != p.Dist.Name() || d.Validate() != nil || !within(d, p.Dist) {
				t.Errorf("%s with %s: constraint %#v is not a valid part of %#v", p.Name, m, d, p.Dist)
			}
		}
	}
}

// within reports whether every value of d is a value of outer.
func within(d, outer hpo.Distribution) bool {
	switch d := d.(type) {
	case hpo.FloatDistribution:
		o := outer.(hpo.FloatDistribution)
		return d.Low >= o.Low && d.High <= o.High && d.Log == o.Log
	case hpo.IntDistribution:
		o := outer.(hpo.IntDistribution)
		return d.Low >= o.Low && d.High <= o.High && d.Step == o.Step && (d.Low-o.Low)%o.Step == 0
	case hpo.CategoricalDistribution:
		o := outer.(hpo.CategoricalDistribution)
		for _, c := range d.Choices {
			if _, ok := o.Index(c); !ok {
				return false
			}
		}
		return true
	}
	return false
}

func TestIsHeavy(t *testing.T) {
	heavy := []string{"bert-large-uncased", "roberta-large", "microsoft/deberta-v3-base", "microsoft/deberta-v3-large",
		"google/electra-large-discriminator", "xlm-roberta-base"}
	for _, m := range Models() {
		if got := IsHeavy(m); got != slices.Contains(heavy, m) {
			t.Errorf("IsHeavy(%q) = %v", m, got)
		}
	}
}
