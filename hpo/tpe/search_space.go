package tpe

import (
	"math"
	"runtime"
	"slices"
	"sync"

	"github.com/redsm5/supermax-hpo/hpo"
)

// observed holds, per parameter of the space, its internal value in each
// trial of the split (below first, then above), NaN where the trial lacks
// the parameter or holds a value the parameter's distribution does not
// contain.
type observed struct {
	space   *hpo.Space
	trials  []*hpo.Trial
	nBelow  int
	cols    [][]float64
	bufs    [2][]float64 // scratch for mixture.logPDFSplit
	arena   floatArena   // the arrays of each step's estimator g
	weights *suggestCache
}

// newObserved fills every column in one pass over each trial's params:
// with thousands of trials, ranging over a small map is cheaper than
// looking each parameter up in it. The result does not depend on map order:
// each entry lands in its own (parameter, trial) cell. Only categorical
// cells consult the trial's distributions (see recorded). Large histories
// are split into row ranges filled by parallel goroutines, all joined
// before it returns; each writes only its own rows.
func newObserved(space *hpo.Space, s split) *observed {
	trials := make([]*hpo.Trial, 0, len(s.below)+len(s.above))
	trials = append(append(trials, s.below...), s.above...)
	params := space.Params()
	o := &observed{space: space, trials: trials, nBelow: len(s.below), cols: make([][]float64, len(params)), weights: &suggestCache{}}
	cells := make([]float64, len(params)*len(trials))
	names := make([]string, len(params))
	var cats []int
	for i, p := range params {
		names[i] = p.Name
		o.cols[i] = cells[i*len(trials) : (i+1)*len(trials)]
		if _, ok := p.Dist.(hpo.CategoricalDistribution); ok {
			cats = append(cats, i)
		}
	}
	index := newNameIndex(names)
	fill := func(from, to int) {
		for i := range o.cols {
			for r := from; r < to; r++ {
				o.cols[i][r] = math.NaN()
			}
		}
		raw := make([]float64, len(params))
		for r := from; r < to; r++ {
			o.fillRow(r, index, cats, raw)
		}
	}
	const chunk = 2048
	workers := min(runtime.GOMAXPROCS(0), 4, (len(trials)+chunk-1)/chunk)
	if workers <= 1 {
		fill(0, len(trials))
		return o
	}
	var wg sync.WaitGroup
	per := (len(trials) + workers - 1) / workers
	for from := 0; from < len(trials); from += per {
		wg.Go(func() { fill(from, min(from+per, len(trials))) })
	}
	wg.Wait()
	return o
}

// fillRow writes row r: every parameter the trial holds with a value its
// distribution contains, then each categorical cell corrected by the
// distribution the trial recorded it under. raw is scratch of one float per
// parameter: it keeps each categorical's value from the pass over t.Params
// (0 when absent, as a map lookup would give), so only t.Dists is looked up.
func (o *observed) fillRow(r int, index *nameIndex, cats []int, raw []float64) {
	params := o.space.Params()
	t := o.trials[r]
	for _, i := range cats {
		raw[i] = 0
	}
	for name, x := range t.Params {
		if i, ok := index.lookup(name); ok {
			raw[i] = x
			if params[i].Dist.Contains(x) {
				o.cols[i][r] = x
			}
		}
	}
	if len(t.Dists) == 0 {
		return
	}
	for _, i := range cats {
		if d, ok := t.Dists[params[i].Name]; ok {
			o.cols[i][r] = recorded(params[i], d, raw[i], o.cols[i][r])
		}
	}
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
// When every trial holds them all, the columns are returned without a copy;
// callers only read them.
func (o *observed) rows(idx []int, from, to int) ([][]float64, int) {
	src := make([][]float64, len(idx))
	for d, i := range idx {
		src[d] = o.col(i)[from:to]
	}
	if !slices.ContainsFunc(src, func(c []float64) bool { return slices.ContainsFunc(c, math.IsNaN) }) {
		return src, to - from
	}
	cols := make([][]float64, len(idx))
	for d := range idx {
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
	finished := o.finishedRows()
	var out [][]int
	for i, p := range o.space.Params() {
		if p.Dist.Single() || !o.heldByAny(i, finished) {
			continue
		}
		if !opts.Group {
			if o.heldByAll(i, finished) {
				if len(out) == 0 {
					out = append(out, nil)
				}
				out[0] = append(out[0], i)
			}
			continue
		}
		g := slices.IndexFunc(out, func(g []int) bool { return o.sameHolders(g[0], i, finished) })
		if g < 0 {
			out = append(out, []int{i})
		} else {
			out[g] = append(out[g], i)
		}
	}
	return out
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

func (o *observed) heldByAny(i int, rows []int) bool {
	c := o.cols[i]
	return slices.ContainsFunc(rows, func(r int) bool { return !math.IsNaN(c[r]) })
}

func (o *observed) heldByAll(i int, rows []int) bool {
	c := o.cols[i]
	return !slices.ContainsFunc(rows, func(r int) bool { return math.IsNaN(c[r]) })
}

// sameHolders reports whether parameters i and j are held by the same rows.
func (o *observed) sameHolders(i, j int, rows []int) bool {
	a, b := o.cols[i], o.cols[j]
	return !slices.ContainsFunc(rows, func(r int) bool { return math.IsNaN(a[r]) != math.IsNaN(b[r]) })
}
