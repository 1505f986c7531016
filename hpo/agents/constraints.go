package agents

import "github.com/redsm5/supermax-hpo/hpo"

// The heavy-model limits of docs/design.md §6, as constraints of the space.
//
// tok.max_length keeps the original distribution, int 128–1024 step 32, as
// its stored distribution (what the ledger records), and its constraint
// implements the later versions of the original: at most 384 for heavy
// models and 512 for the others. 512 is also the number of positions of every
// base model, so longer inputs could not be encoded at all.
//
// Each constraint returns a distribution of the same kind as the parameter's
// (a sub-interval, or a subset of the same choices in the same order).
const (
	maxLengthHeavy = 384
	maxLengthOther = 512
	batchMaxHeavy  = 16
	tokensMaxHeavy = 64 // train.batch_size × train.grad_accum, heavy models
	tokensMaxOther = 512
	lrMaxHeavy     = 1.5e-4
)

// narrowFunc computes the allowed part of dist given earlier choices; nil
// means no constraint applies (a parameter it reads is not chosen).
type narrowFunc func(dist hpo.Distribution, chosen map[string]hpo.Value) hpo.Distribution

// withNarrow sets p's constraint to f over p's own distribution.
func withNarrow(p hpo.Param, f narrowFunc) hpo.Param {
	dist := p.Dist
	p.Narrow = func(chosen map[string]hpo.Value) hpo.Distribution { return f(dist, chosen) }
	return p
}

// heavy reports whether the chosen model is heavy, and whether one is chosen.
func heavy(chosen map[string]hpo.Value) (isHeavy, ok bool) {
	m, ok := chosen[pModel]
	if !ok {
		return false, false
	}
	return IsHeavy(m.Str()), true
}

// MaxLength is the longest tok.max_length the space samples for model: 384
// for a heavy model (IsHeavy), 512 otherwise.
func MaxLength(model string) int {
	if IsHeavy(model) {
		return maxLengthHeavy
	}
	return maxLengthOther
}

// narrowMaxLength: tok.max_length <= 384 for heavy models, <= 512 otherwise.
func narrowMaxLength(dist hpo.Distribution, chosen map[string]hpo.Value) hpo.Distribution {
	h, ok := heavy(chosen)
	if !ok {
		return nil
	}
	d, isInt := dist.(hpo.IntDistribution)
	if !isInt {
		return nil
	}
	d.High = min(d.High, maxLengthOther)
	if h {
		d.High = min(d.High, maxLengthHeavy)
	}
	return d
}

// narrowDocStride: tok.doc_stride <= min(256, max_length/2), on its step grid.
// The bound never falls below the low end (32): a max_length under 64 would
// leave the single value 32.
func narrowDocStride(dist hpo.Distribution, chosen map[string]hpo.Value) hpo.Distribution {
	ml, ok := chosen[pMaxLength]
	d, isInt := dist.(hpo.IntDistribution)
	if !ok || !isInt {
		return nil
	}
	high := min(d.High, ml.Int()/2)
	high = d.Low + max(0, high-d.Low)/d.Step*d.Step
	d.High = high
	return d
}

// narrowBatch: train.batch_size <= 16 for heavy models.
func narrowBatch(dist hpo.Distribution, chosen map[string]hpo.Value) hpo.Distribution {
	h, ok := heavy(chosen)
	d, isCat := dist.(hpo.CategoricalDistribution)
	if !ok || !isCat {
		return nil
	}
	if !h {
		return d
	}
	return filterChoices(d, func(b int64) bool { return b <= batchMaxHeavy })
}

// narrowGradAccum: train.batch_size × train.grad_accum <= 64 for heavy
// models, <= 512 otherwise.
func narrowGradAccum(dist hpo.Distribution, chosen map[string]hpo.Value) hpo.Distribution {
	h, ok := heavy(chosen)
	b, okb := chosen[pBatch]
	d, isCat := dist.(hpo.CategoricalDistribution)
	if !ok || !okb || !isCat {
		return nil
	}
	limit := int64(tokensMaxOther)
	if h {
		limit = tokensMaxHeavy
	}
	return filterChoices(d, func(a int64) bool { return b.Int()*a <= limit })
}

// narrowLR: optim.lr <= 1.5e-4 for heavy models.
func narrowLR(dist hpo.Distribution, chosen map[string]hpo.Value) hpo.Distribution {
	h, ok := heavy(chosen)
	d, isFloat := dist.(hpo.FloatDistribution)
	if !ok || !isFloat {
		return nil
	}
	if h {
		d.High = min(d.High, lrMaxHeavy)
	}
	return d
}

// filterChoices keeps the integer choices of d that satisfy ok, in d's
// order. The result is never empty: when nothing satisfies ok it keeps the
// first choice, the smallest of these lists, so the domain stays valid (the
// earlier constraints make that case unreachable for valid choices).
func filterChoices(d hpo.CategoricalDistribution, ok func(int64) bool) hpo.CategoricalDistribution {
	var kept []hpo.Value
	for _, c := range d.Choices {
		if ok(c.Int()) {
			kept = append(kept, c)
		}
	}
	if len(kept) == 0 {
		kept = d.Choices[:1]
	}
	return hpo.CategoricalDistribution{Choices: kept}
}
