package tpe

import (
	"math"

	"github.com/redsm5/supermax-hpo/hpo"
)

// observed holds, per parameter of the space, its internal value in each
// trial of the split (below first, then above), NaN where the trial lacks
// the parameter or holds a value the parameter's distribution does not
// contain. Columns are filled on first use, so parameters a suggestion never
// reaches cost nothing.
type observed struct {
	space  *hpo.Space
	trials []*hpo.Trial
	nBelow int
	cols   [][]float64
}

func newObserved(space *hpo.Space, s split) *observed {
	trials := make([]*hpo.Trial, 0, len(s.below)+len(s.above))
	trials = append(append(trials, s.below...), s.above...)
	return &observed{space: space, trials: trials, nBelow: len(s.below), cols: make([][]float64, space.Len())}
}

// col returns the column of parameter i.
func (o *observed) col(i int) []float64 {
	if o.cols[i] != nil {
		return o.cols[i]
	}
	p := o.space.Params()[i]
	c := make([]float64, len(o.trials))
	for r, t := range o.trials {
		c[r] = convert(p, t)
	}
	o.cols[i] = c
	return c
}

// convert returns t's value of p as an internal value of p.Dist. A value
// recorded under another distribution goes through its external form, as
// Optuna's to_internal_repr does; values outside p.Dist give NaN.
func convert(p hpo.Param, t *hpo.Trial) float64 {
	x, ok := t.Params[p.Name]
	if !ok {
		return math.NaN()
	}
	if td, ok := t.Dists[p.Name]; ok && !sameDist(td, p.Dist) {
		y, err := p.Dist.ToInternal(td.ToExternal(x))
		if err != nil {
			return math.NaN()
		}
		x = y
	}
	if !p.Dist.Contains(x) {
		return math.NaN()
	}
	return x
}

// sameDist reports whether internal values of a and b mean the same thing.
// Categoricals compare their choices (a shared backing array answers at
// once); the numeric kinds compare as values.
func sameDist(a, b hpo.Distribution) bool {
	switch a := a.(type) {
	case hpo.FloatDistribution:
		b, ok := b.(hpo.FloatDistribution)
		return ok && a == b
	case hpo.IntDistribution:
		b, ok := b.(hpo.IntDistribution)
		return ok && a == b
	case hpo.CategoricalDistribution:
		b, ok := b.(hpo.CategoricalDistribution)
		if !ok || len(a.Choices) != len(b.Choices) {
			return false
		}
		if len(a.Choices) > 0 && &a.Choices[0] == &b.Choices[0] {
			return true
		}
		for i := range a.Choices {
			if !a.Choices[i].Equal(b.Choices[i]) {
				return false
			}
		}
		return true
	}
	return false
}

// rows returns the observation columns of params idx over trials [from, to):
// only trials holding every one of them count (Optuna's _get_internal_repr).
func (o *observed) rows(idx []int, from, to int) ([][]float64, int) {
	cols := make([][]float64, len(idx))
	src := make([][]float64, len(idx))
	for d, i := range idx {
		src[d] = o.col(i)[from:to]
		cols[d] = make([]float64, 0, to-from)
	}
	n := 0
	for r := range to - from {
		if !allSet(src, r) {
			continue
		}
		for d := range idx {
			cols[d] = append(cols[d], src[d][r])
		}
		n++
	}
	return cols, n
}

func allSet(src [][]float64, r int) bool {
	for _, c := range src {
		if math.IsNaN(c[r]) {
			return false
		}
	}
	return true
}

// groups returns the parameter groups sampled jointly, each a list of
// parameter indexes in space order. Single-valued parameters are never in a
// group. Independent TPE has none. Multivariate TPE has one: the parameters
// every finished trial holds (Optuna's IntersectionSearchSpace). With group,
// parameters held by exactly the same finished trials form a group, which is
// the partition Optuna's _GroupDecomposedSearchSpace builds; parameters no
// finished trial holds are left to independent sampling.
func (o *observed) groups(opts Options) [][]int {
	if !opts.Multivariate {
		return nil
	}
	var cand []int
	for i, p := range o.space.Params() {
		if !p.Dist.Single() {
			cand = append(cand, i)
		}
	}
	finished := o.finishedRows()
	if !opts.Group {
		var all []int
		for _, i := range cand {
			if held := o.heldBy(i, finished); len(finished) > 0 && len(held) == len(finished) {
				all = append(all, i)
			}
		}
		if len(all) == 0 {
			return nil
		}
		return [][]int{all}
	}
	return partition(cand, func(i int) []int { return o.heldBy(i, finished) })
}

// partition groups the items whose membership lists are equal and non-empty,
// keeping the order of first appearance.
func partition(items []int, members func(int) []int) [][]int {
	var out [][]int
	var keys [][]int
	for _, i := range items {
		m := members(i)
		if len(m) == 0 {
			continue
		}
		found := false
		for g, k := range keys {
			if equalInts(k, m) {
				out[g] = append(out[g], i)
				found = true
				break
			}
		}
		if !found {
			keys = append(keys, m)
			out = append(out, []int{i})
		}
	}
	return out
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// finishedRows lists the rows of COMPLETE and PRUNED trials.
func (o *observed) finishedRows() []int {
	var rows []int
	for r, t := range o.trials {
		if t.State == hpo.Complete || t.State == hpo.Pruned {
			rows = append(rows, r)
		}
	}
	return rows
}

// heldBy lists the given rows in which parameter i has a value.
func (o *observed) heldBy(i int, rows []int) []int {
	c := o.col(i)
	var held []int
	for _, r := range rows {
		if !math.IsNaN(c[r]) {
			held = append(held, r)
		}
	}
	return held
}
