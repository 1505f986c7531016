package tpe

import "math"

// Scoring candidates: the log density of a mixture at each candidate,
// evaluated dimension by dimension over all kernels.

// parallelKernels is the number of kernels times candidates above which
// logPDFSplit evaluates the two halves of the candidates concurrently.
const parallelKernels = 1 << 15

// logPDFSplit is logPDF, evaluating the first and second half of x in two
// goroutines when the mixture is large (both joined before it returns).
// Every row of logPDF depends only on its own candidate, so the result is
// the same. bufs are the two halves' scratch spaces.
func (m *mixture) logPDFSplit(x [][]float64, bufs *[2][]float64) []float64 {
	if len(x) < 2 || len(x)*len(m.w) < parallelKernels {
		return m.logPDF(x, &bufs[0])
	}
	for _, dm := range m.dims {
		if dm.num != nil && dm.num.step == 0 {
			dm.num.continuousConsts()
		}
	}
	h := len(x) / 2
	var hi []float64
	done := make(chan struct{})
	go func() {
		defer close(done)
		hi = m.logPDF(x[h:], &bufs[1])
	}()
	lo := m.logPDF(x[:h], &bufs[0])
	<-done
	return append(lo, hi...)
}

// logPDF returns log Σ_k w[k] Π_d p_kd(x[j][d]) for each candidate x[j].
// It evaluates dimension by dimension over all kernels, so an estimator of
// thousands of observations costs a few flops per kernel and dimension.
// buf is scratch space, grown as needed and reused across calls.
func (m *mixture) logPDF(x [][]float64, buf *[]float64) []float64 {
	nk := len(m.w)
	if need := (len(x) + 1) * nk; cap(*buf) < need {
		*buf = make([]float64, need)
	}
	acc := (*buf)[:len(x)*nk]
	kept := (*buf)[len(x)*nk : (len(x)+1)*nk] // logSumExpBuf's scratch
	for j := range x {
		copy(acc[j*nk:(j+1)*nk], m.logW)
	}
	shift := make([]float64, len(x)) // added to every kernel of row j
	col := make([]float64, len(x))
	for d, dm := range m.dims {
		for j := range x {
			col[j] = x[j][d]
		}
		switch {
		case dm.cat != nil:
			dm.cat.addLogPDF(col, acc, shift)
		case dm.num.step == 0:
			dm.num.addContinuousLogPDF(col, acc)
		default:
			dm.num.addDiscreteLogPDF(col, acc)
		}
	}
	out := make([]float64, len(x))
	for j := range x {
		out[j] = logSumExpBuf(acc[j*nk:(j+1)*nk], kept) + shift[j]
	}
	return out
}

// logSumExpBuf is log Σ exp(v); kept is scratch space of len(v) at least.
// Terms more than 64 below the largest are dropped: each weighs less than
// 1e-27 of it. It first gathers the terms within 64 of the largest without
// a branch (in a wide mixture most terms fail that test in no predictable
// pattern), then sums their exponentials in their original order, so the
// result is the same as testing each term in turn.
func logSumExpBuf(v, kept []float64) float64 {
	top, nan := maxOf(v)
	if nan {
		return math.NaN()
	}
	if math.IsInf(top, 0) {
		return top
	}
	kept = kept[:len(v)]
	n := 0
	for _, x := range v {
		d := x - top
		kept[n] = d
		// the sign bit of -64 - d is set exactly when d > -64 (d is not NaN)
		n += int(math.Float64bits(-64-d) >> 63)
	}
	sum := 0.0
	for _, d := range kept[:n] {
		sum += math.Exp(d)
	}
	return top + math.Log(sum)
}

// maxOf returns the largest of v (-Inf for none) and whether v holds a
// NaN. A plain comparison is several times faster than the max builtin,
// which orders -0 below +0 and propagates NaN on every step; here NaN is
// reported separately, and which zero is returned does not matter to
// logSumExp (x - top and top + log(sum) are the same for either).
func maxOf(v []float64) (top float64, nan bool) {
	top = math.Inf(-1)
	for _, x := range v {
		if x > top {
			top = x
		}
		nan = nan || x != x
	}
	return top, nan
}

// addLogPDF adds log p_k(x) for a categorical dimension. Every observation
// kernel has log p = logMiss except on its own choice, so logMiss goes to
// the row's shift, the difference to the kernels that observed x, and the
// prior kernel is corrected for the shift: O(kernels / choices) per
// candidate instead of O(kernels).
func (c *categoricalKernels) addLogPDF(col, acc, shift []float64) {
	nk := len(acc) / len(col)
	if len(c.obs) == 0 {
		for j := range col {
			acc[j*nk] += c.logUni
		}
		return
	}
	byChoice := c.kernelsByChoice()
	gain := c.logHit - c.logMiss
	for j, x := range col {
		row := acc[j*nk : (j+1)*nk]
		shift[j] += c.logMiss
		row[nk-1] += c.logUni - c.logMiss
		for _, k := range byChoice[int(x)] {
			row[k] += gain
		}
	}
}

// continuousConsts returns, per kernel, 1/sigma and the log density's
// constant term. numericDim computes them; an estimator built otherwise
// gets them on first use and keeps them: both halves of a logPDFSplit share
// them (it calls this before starting its goroutines).
func (n *numericKernels) continuousConsts() (inv, cst []float64) {
	if n.inv == nil {
		n.inv, n.cst = make([]float64, len(n.mu)), make([]float64, len(n.mu))
		fillContinuousConsts(n)
	}
	return n.inv, n.cst
}

// fillContinuousConsts writes n.inv and n.cst (allocated by the caller).
func fillContinuousConsts(n *numericKernels) {
	for k, s := range n.sigma {
		n.inv[k] = 1 / s
		n.cst[k] = -normLogC - n.logZ[k] - math.Log(s)
	}
}

// kernelsByChoice lists the observation kernels of each choice, in kernel
// order, all in one backing array.
func (c *categoricalKernels) kernelsByChoice() [][]int32 {
	start := make([]int, c.n+1)
	for _, o := range c.obs {
		start[o+1]++
	}
	for x := range c.n {
		start[x+1] += start[x]
	}
	all := make([]int32, len(c.obs))
	byChoice := make([][]int32, c.n)
	for x := range c.n {
		byChoice[x] = all[start[x]:start[x]:start[x+1]]
	}
	for k, o := range c.obs {
		byChoice[o] = append(byChoice[o], int32(k))
	}
	return byChoice
}

func (n *numericKernels) addContinuousLogPDF(col, acc []float64) {
	nk := len(n.mu)
	inv, cst := n.continuousConsts()
	for j, raw := range col {
		row := acc[j*nk : (j+1)*nk]
		x := n.transform(raw)
		if x < n.low || x > n.high {
			for k := range row {
				row[k] = math.Inf(-1)
			}
			continue
		}
		for k, mu := range n.mu {
			z := (x - mu) * inv[k]
			row[k] += cst[k] - 0.5*z*z
		}
	}
}

// addDiscreteLogPDF adds each kernel's log mass at the candidates. Where
// every kernel is far wider than the grid (a seed in 1..65535) the narrow
// interval expansion makes each term a few flops, so it is evaluated
// directly; otherwise kernels repeat heavily (few grid values, few widths),
// and each distinct (candidate, kernel shape) pair is evaluated once.
func (n *numericKernels) addDiscreteLogPDF(col, acc []float64) {
	nk := len(n.mu)
	if n.narrowGrid() {
		n.addNarrowGridLogPDF(col, acc)
		return
	}
	shape := make([]int, nk)
	var uniq []int // first kernel of each distinct (mu, sigma)
	seen := make(map[[2]float64]int, 64)
	for k := range n.mu {
		key := [2]float64{n.mu[k], n.sigma[k]}
		u, ok := seen[key]
		if !ok {
			u = len(uniq)
			seen[key] = u
			uniq = append(uniq, k)
		}
		shape[k] = u
	}
	done := make(map[float64][]float64, len(col))
	for j, x := range col {
		t, ok := done[x]
		if !ok {
			t = make([]float64, len(uniq))
			for u, k := range uniq {
				t[u] = n.logPDF(k, x)
			}
			done[x] = t
		}
		row := acc[j*nk : (j+1)*nk]
		for k := range row {
			row[k] += t[shape[k]]
		}
	}
}

// narrowGrid reports whether every grid cell is under a thousandth of every
// kernel's width, where logIntervalMass needs no erfc.
func (n *numericKernels) narrowGrid() bool {
	cell := n.step
	if n.log {
		// in log space a cell is widest at the low end of the domain
		cell = math.Log1p(n.step / math.Exp(n.low))
	}
	for _, s := range n.sigma {
		if cell >= 2e-3*s {
			return false
		}
	}
	return true
}

// addNarrowGridLogPDF is logIntervalMass's expansion inlined for a linear
// grid, with log(2h) - log Z hoisted per kernel; log grids and the rare
// term outside the expansion's range go through logPDF.
func (n *numericKernels) addNarrowGridLogPDF(col, acc []float64) {
	nk := len(n.mu)
	inv := make([]float64, nk)
	half := make([]float64, nk)
	cst := make([]float64, nk)
	for k, s := range n.sigma {
		inv[k] = 1 / s
		half[k] = 0.5 * n.step / s
		cst[k] = math.Log(n.step/s) - normLogC - n.logZ[k]
	}
	for j, x := range col {
		row := acc[j*nk : (j+1)*nk]
		for k := range row {
			m := (x - n.mu[k]) * inv[k]
			h := half[k]
			if u := h * m; n.log || u <= -0.1 || u >= 0.1 {
				row[k] += n.logPDF(k, x)
			} else {
				u2 := u * u
				c := 0.5 * h * h * (1.0/3 + u2*(2.0/45-u2*4.0/945))
				row[k] += cst[k] - 0.5*m*m + u2*(1.0/6-u2*(1.0/180-u2/2835)) - c - 0.5*c*c
			}
		}
	}
}
