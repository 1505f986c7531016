package agents

import "github.com/redsm5/supermax-hpo/hpo"

// The share and joint agents train two branches of one pretrained encoder
// on one device: every transformer layer above the shared trunk exists
// twice (joint.share_ratio = 0 duplicates all of them; the trainer's
// docs/agents.md defines the branches), and both branches keep their
// activations for the backward pass. Their worst case is two encoders, so
// their space has tighter limits than the single-encoder agents', chosen so
// that the activations of two encoders at the limits stay below those of
// one encoder at the single-encoder limits (activation memory grows with
// batch × length, and faster in length through the attention maps):
//
//   - heavy models: tok.max_length <= 256 and train.batch_size <= 8, so
//     2 × 8 × 256 = 4,096 token-encoders per micro-batch against
//     16 × 384 = 6,144 for one heavy encoder;
//   - other models: train.batch_size <= 32, so 2 × 32 × 512 = 32,768
//     against 64 × 512 = 32,768.
//
// The weights, gradients and optimizer state of the duplicated layers are
// not covered: for bert-large they add about 5 GB at share_ratio 0 (302 M
// parameters × 16 bytes with AdamW), on top of the 5.4 GB of one encoder.
// train.grad_accum keeps the single-encoder limits (accumulation costs no
// activation memory), so batch × accum reaches 64 for heavy models and 256
// (32 × 8) for the others. docs/agents.md gives the full estimate.
const (
	maxLengthHeavyTwoBranch = 256
	batchMaxHeavyTwoBranch  = 8
	batchMaxOtherTwoBranch  = 32
)

// withTwoBranchLimits replaces the single-encoder constraints of
// tok.max_length and train.batch_size in params by the two-branch ones.
func withTwoBranchLimits(params []hpo.Param) []hpo.Param {
	for i, p := range params {
		switch p.Name {
		case pMaxLength:
			params[i] = withNarrow(p, narrowMaxLengthTwoBranch)
		case pBatch:
			params[i] = withNarrow(p, narrowBatchTwoBranch)
		}
	}
	return params
}

// narrowMaxLengthTwoBranch: tok.max_length <= 256 for heavy models, <= 512
// otherwise.
func narrowMaxLengthTwoBranch(dist hpo.Distribution, chosen map[string]hpo.Value) hpo.Distribution {
	h, ok := heavy(chosen)
	d, isInt := narrowMaxLength(dist, chosen).(hpo.IntDistribution)
	if !ok || !isInt {
		return nil
	}
	if h {
		d.High = min(d.High, maxLengthHeavyTwoBranch)
	}
	return d
}

// narrowBatchTwoBranch: train.batch_size <= 8 for heavy models, <= 32
// otherwise.
func narrowBatchTwoBranch(dist hpo.Distribution, chosen map[string]hpo.Value) hpo.Distribution {
	h, ok := heavy(chosen)
	d, isCat := dist.(hpo.CategoricalDistribution)
	if !ok || !isCat {
		return nil
	}
	limit := int64(batchMaxOtherTwoBranch)
	if h {
		limit = batchMaxHeavyTwoBranch
	}
	return filterChoices(d, func(b int64) bool { return b <= limit })
}
