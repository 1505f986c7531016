package hpo

import (
	"fmt"
	"sort"
)

// Param is one parameter of a search space.
//
// A conditional parameter names a Parent (an earlier categorical parameter)
// and the parent's choices under which it exists (When); otherwise it is
// absent from the trial. Narrow, when set, expresses a constraint of the space:
// given the values already chosen for earlier parameters it returns the part
// of Dist that is allowed (a sub-interval, or a subset of the choices). The
// stored distribution stays Dist, so the ledger remains Optuna-compatible.
type Param struct {
	Name   string
	Dist   Distribution
	Parent string
	When   []Value
	Narrow func(chosen map[string]Value) Distribution `json:"-"`
}

// Space is an ordered list of parameters. Order matters: a parameter may only
// depend on (be conditioned or narrowed by) parameters before it, and samplers
// draw in this order.
type Space struct {
	params []Param
	index  map[string]int
}

// NewSpace validates params and builds a Space: unique non-empty names, valid
// distributions, parents that come earlier and are categorical, and When
// values that are among the parent's choices.
func NewSpace(params ...Param) (*Space, error) {
	s := &Space{params: append([]Param(nil), params...), index: make(map[string]int, len(params))}
	for i, p := range s.params {
		if p.Name == "" {
			return nil, fmt.Errorf("search space: parameter %d has no name", i)
		}
		if _, dup := s.index[p.Name]; dup {
			return nil, fmt.Errorf("search space: parameter %q defined twice", p.Name)
		}
		if p.Dist == nil {
			return nil, fmt.Errorf("search space: parameter %q has no distribution", p.Name)
		}
		if err := p.Dist.Validate(); err != nil {
			return nil, fmt.Errorf("search space: parameter %q: %w", p.Name, err)
		}
		if p.Parent != "" {
			j, ok := s.index[p.Parent]
			if !ok {
				return nil, fmt.Errorf("search space: parameter %q depends on %q, which is not defined before it", p.Name, p.Parent)
			}
			cat, ok := s.params[j].Dist.(CategoricalDistribution)
			if !ok {
				return nil, fmt.Errorf("search space: parent %q of %q is not categorical", p.Parent, p.Name)
			}
			if len(p.When) == 0 {
				return nil, fmt.Errorf("search space: parameter %q has parent %q but no choices in When", p.Name, p.Parent)
			}
			for _, w := range p.When {
				if _, ok := cat.Index(w); !ok {
					return nil, fmt.Errorf("search space: parameter %q: %s is not a choice of %q", p.Name, w, p.Parent)
				}
			}
		}
		s.index[p.Name] = i
	}
	return s, nil
}

// Params returns the parameters in order. The slice must not be modified.
func (s *Space) Params() []Param { return s.params }

// Len returns the number of parameters.
func (s *Space) Len() int { return len(s.params) }

// Lookup returns the parameter with the given name.
func (s *Space) Lookup(name string) (Param, bool) {
	i, ok := s.index[name]
	if !ok {
		return Param{}, false
	}
	return s.params[i], true
}

// Active reports whether p exists given the values chosen so far.
func (p Param) Active(chosen map[string]Value) bool {
	if p.Parent == "" {
		return true
	}
	v, ok := chosen[p.Parent]
	if !ok {
		return false
	}
	for _, w := range p.When {
		if w.Equal(v) {
			return true
		}
	}
	return false
}

// Domain returns the part of p's distribution allowed given the values chosen
// so far: Narrow's result when set, else Dist.
func (p Param) Domain(chosen map[string]Value) Distribution {
	if p.Narrow == nil {
		return p.Dist
	}
	if d := p.Narrow(chosen); d != nil {
		return d
	}
	return p.Dist
}

// Decode turns internal values (as a sampler returns them) into external
// values, checking that every active parameter is present and within its
// domain and that no inactive parameter is set.
func (s *Space) Decode(internal map[string]float64) (map[string]Value, error) {
	chosen := make(map[string]Value, len(internal))
	for _, p := range s.params {
		x, ok := internal[p.Name]
		if !p.Active(chosen) {
			if ok {
				return nil, fmt.Errorf("parameter %q is set but inactive", p.Name)
			}
			continue
		}
		if !ok {
			return nil, fmt.Errorf("parameter %q is missing", p.Name)
		}
		if !p.Dist.Contains(x) {
			return nil, fmt.Errorf("parameter %q: internal value %v outside %s", p.Name, x, p.Dist.Name())
		}
		v := p.Dist.ToExternal(x)
		if dom := p.Domain(chosen); p.Narrow != nil {
			y, err := dom.ToInternal(v)
			if err != nil || !dom.Contains(y) {
				return nil, fmt.Errorf("parameter %q: %s violates the space's constraint", p.Name, v)
			}
		}
		chosen[p.Name] = v
	}
	if len(chosen) != len(internal) {
		// Some names are not in the space; report the first in sorted order,
		// so the error never depends on map iteration.
		var unknown []string
		for name := range internal {
			if _, ok := s.index[name]; !ok {
				unknown = append(unknown, name)
			}
		}
		sort.Strings(unknown)
		return nil, fmt.Errorf("parameter %q is not in the search space", unknown[0])
	}
	return chosen, nil
}
