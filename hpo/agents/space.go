package agents

import (
	"fmt"

	"github.com/redsm5/supermax-hpo/hpo"
)

// Space returns the search space of agent narrowed by opt: every parameter of
// docs/design.md §6 in a fixed order — seed, then the parameters common to all
// agents, then the agent's own:
//
//   - criteria: the common parameters, then the classification head and loss.
//   - evidence: the common parameters, then the span head (no pooling), the
//     QA loss and the QA decoding parameters.
//   - share and joint: the evidence space, then the criteria parameters it
//     lacks (a name shared by both is one parameter), then
//     joint.share_ratio and joint.criteria_weight.
//
// The heavy-model limits are constraints of the space (hpo.Param.Narrow), not
// trials thrown away; see constraints.go. Share and joint train two
// branches of the encoder and have tighter limits (two_branch.go). Invalid opt is an error wrapping
// ErrInvalidOptions, an unknown agent one wrapping ErrUnknownAgent. Space is
// deterministic: the same agent and opt always give the same space.
func Space(agent Agent, opt Options) (*hpo.Space, error) {
	if err := opt.Validate(); err != nil {
		return nil, fmt.Errorf("search space of %s: %w", agent, err)
	}
	head := opt.Head.effective()
	params := commonParams(opt)
	switch agent {
	case Criteria:
		params = append(params, criteriaParams(head)...)
	case Evidence:
		params = append(params, evidenceParams(head)...)
	case Share, Joint:
		params = append(params, evidenceParams(head)...)
		params = appendNew(params, criteriaParams(head))
		params = append(params, jointParams()...)
		params = withTwoBranchLimits(params)
	default:
		return nil, fmt.Errorf("search space: %w %q", ErrUnknownAgent, string(agent))
	}
	s, err := hpo.NewSpace(params...)
	if err != nil {
		return nil, fmt.Errorf("search space of %s: %w", agent, err)
	}
	return s, nil
}

// appendNew appends the parameters of more whose names are not yet in params.
func appendNew(params, more []hpo.Param) []hpo.Param {
	have := make(map[string]bool, len(params))
	for _, p := range params {
		have[p.Name] = true
	}
	for _, p := range more {
		if !have[p.Name] {
			params = append(params, p)
		}
	}
	return params
}

// Constructors of parameters, to keep the lists below one line per parameter.

func uniform(name string, low, high float64) hpo.Param {
	return hpo.Param{Name: name, Dist: hpo.FloatDistribution{Low: low, High: high}}
}

func logUniform(name string, low, high float64) hpo.Param {
	return hpo.Param{Name: name, Dist: hpo.FloatDistribution{Low: low, High: high, Log: true}}
}

func integer(name string, low, high, step int64) hpo.Param {
	return hpo.Param{Name: name, Dist: hpo.IntDistribution{Low: low, High: high, Step: step}}
}

func categorical(name string, choices []hpo.Value) hpo.Param {
	return hpo.Param{Name: name, Dist: hpo.CategoricalDistribution{Choices: choices}}
}

// when makes p conditional: it exists only when parent's value is one of
// choices.
func when(p hpo.Param, parent string, choices ...string) hpo.Param {
	p.Parent, p.When = parent, strs(choices...)
	return p
}

func strs(ss ...string) []hpo.Value {
	vs := make([]hpo.Value, len(ss))
	for i, s := range ss {
		vs[i] = hpo.String(s)
	}
	return vs
}

func bools(bs ...bool) []hpo.Value {
	vs := make([]hpo.Value, len(bs))
	for i, b := range bs {
		vs[i] = hpo.Bool(b)
	}
	return vs
}

func ints(xs ...int) []hpo.Value {
	vs := make([]hpo.Value, len(xs))
	for i, x := range xs {
		vs[i] = hpo.Int(int64(x))
	}
	return vs
}
