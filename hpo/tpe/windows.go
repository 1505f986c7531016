package tpe

import (
	"fmt"
	"maps"
	"math"

	"github.com/redsm5/supermax-hpo/hpo"
	"github.com/redsm5/supermax-hpo/hpo/random"
)

// newWindows returns the windowFunc of a group: a member without a
// constraint always has its full domain; a constrained member gets the
// domain its Narrow allows given chosen plus the candidate's earlier
// members.
func newWindows(params []hpo.Param, idx []int, m *mixture, chosen map[string]hpo.Value) windowFunc {
	full := make([]window, len(idx))
	narrows := false
	for d, i := range idx {
		if m.dims[d].num != nil {
			lo, hi, _, _, _ := numericBounds(params[i].Dist)
			full[d] = m.dims[d].num.fullWindow(lo, hi)
		}
		narrows = narrows || params[i].Narrow != nil
	}
	if !narrows {
		return func(_ []float64, d int) (window, bool, error) { return full[d], false, nil }
	}
	ctx := make(map[string]hpo.Value, len(chosen)+len(idx))
	maps.Copy(ctx, chosen)
	return func(cand []float64, d int) (window, bool, error) {
		if d == 0 {
			for _, i := range idx {
				delete(ctx, params[i].Name)
			}
		} else {
			prev := params[idx[d-1]]
			ctx[prev.Name] = prev.Dist.ToExternal(cand[d-1])
		}
		p := params[idx[d]]
		if p.Narrow == nil || !p.Active(ctx) {
			return full[d], false, nil
		}
		dom, err := random.Domain(p, ctx)
		if err != nil {
			return window{}, false, err
		}
		w, err := windowOf(p, dom, m.dims[d])
		return w, true, err
	}
}

// windowOf turns a narrowed domain into a window of dimension dm.
func windowOf(p hpo.Param, dom hpo.Distribution, dm dim) (window, error) {
	if dm.cat != nil {
		return categoricalWindow(p, dom)
	}
	lo, hi, step, _, _ := numericBounds(dom)
	if dom.Single() {
		hi = lo
	}
	w := numericWindow(lo, hi, step, dm.num.log)
	if math.IsNaN(w.a) || math.IsNaN(w.b) || w.a > w.b {
		return w, fmt.Errorf("parameter %q: %w: [%v, %v] step %v cannot be sampled in log space", p.Name, random.ErrDomain, lo, hi, step)
	}
	return w, nil
}

func categoricalWindow(p hpo.Param, dom hpo.Distribution) (window, error) {
	full, ok1 := p.Dist.(hpo.CategoricalDistribution)
	sub, ok2 := dom.(hpo.CategoricalDistribution)
	if !ok1 || !ok2 {
		return window{}, fmt.Errorf("parameter %q: %w: %s narrowed to a %s", p.Name, random.ErrDomain, p.Dist.Name(), dom.Name())
	}
	w := window{allowed: make([]bool, len(full.Choices))}
	any := false
	for i, c := range full.Choices {
		_, ok := sub.Index(c)
		w.allowed[i] = ok
		any = any || ok
	}
	if !any {
		return w, fmt.Errorf("parameter %q: %w: no choice of the narrowed domain is a choice of the parameter", p.Name, random.ErrDomain)
	}
	return w, nil
}
