package tpe

import (
	"math"

	"github.com/redsm5/supermax-hpo/hpo"
)

// observed holds, per parameter of the space, its internal value in each
// trial of the split (below first, then above), NaN where the trial lacks
// the parameter or holds a value the parameter's distribution does not
// contain.
type observed struct {
	space  *hpo.Space
	trials []*hpo.Trial
	nBelow int
	cols   [][]float64
	buf    []float64 // scratch for mixture.logPDF
}

// newObserved fills every column in one pass over each trial's params:
// with thousands of trials, ranging over a small map is several times
// cheaper than looking each parameter up in it. The result does not depend
// on map order: each entry lands in its own (parameter, trial) cell. Only
// categorical cells consult the trial's distributions (see recorded).
func newObserved(space *hpo.Space, s split) *observed {
	trials := make([]*hpo.Trial, 0, len(s.below)+len(s.above))
	trials = append(append(trials, s.below...), s.above...)
	params := space.Params()
	o := &observed{space: space, trials: trials, nBelow: len(s.below), cols: make([][]float64, len(params))}
	cells := make([]float64, len(params)*len(trials))
	for i := range cells {
		cells[i] = math.NaN()
	}
	index := make(map[string]int, len(params))
	var cats []int
	for i, p := range params {
		index[p.Name] = i
		o.cols[i] = cells[i*len(trials) : (i+1)*len(trials)]
		if _, ok := p.Dist.(hpo.CategoricalDistribution); ok {
			cats = append(cats, i)
		}
	}
	for r, t := range trials {
		for name, x := range t.Params {
			if i, ok := index[name]; ok && params[i].Dist.Contains(x) {
				o.cols[i][r] = x
			}
		}
		for _, i := range cats {
			if d, ok := t.Dists[params[i].Name]; ok {
				o.cols[i][r] = recorded(params[i], d, t.Params[params[i].Name], o.cols[i][r])
			}
		}
	}
	return o
}

// col returns the column of parameter i.
func (o *observed) col(i int) []float64 { return o.cols[i] }

// recorded corrects the cell of a categorical parameter whose value was
// recorded under other choices: the index is translated through its choice,
// as Optuna's to_internal_repr does, or NaN when the choice is gone. (A
// number means the same under any numeric distribution, so numeric cells
// need no correction.)
func recorded(p hpo.Param, d hpo.Distribution, x, cell float64) float64 {
	if sameDist(d, p.Dist) {
		return cell
	}
	y, err := p.Dist.ToInternal(d.ToExternal(x))
	if err != nil || !p.Dist.Contains(y) {
		return math.NaN()
	}
	return y
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
