//go:build gotch

package main

import (
	"fmt"
	"math/rand/v2"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/ts"

	"github.com/redsm5/supermax-hpo/model"
	"github.com/redsm5/supermax-hpo/trainer"
)

// Agents whose training step -agent times.
const (
	agentCriteria = "criteria" // CLS head, cross-entropy over two classes
	agentEvidence = "evidence" // span head per token, qa_ce over start and end positions
)

// parseAgent checks the -agent flag.
func parseAgent(s string) (string, error) {
	switch s {
	case agentCriteria, agentEvidence:
		return s, nil
	}
	return "", fmt.Errorf("-agent %q: want criteria or evidence", s)
}

// evidenceCriterionLen is the number of criterion tokens in a benchmark
// window: [CLS] post… [SEP] criterion… [SEP], as trainer/evidence_data.go
// lays out a (post window, criterion) pair. 16 is about the length of a
// tokenized DSM-5 criterion of the project's corpus.
const evidenceCriterionLen = 16

// evidenceLayout is a benchmark window's text tokens (the post window):
// positions [1, 1+textLen) of a sequence of seq tokens. It is an error if
// seq leaves no text token.
func evidenceLayout(seq int) (textLen int, err error) {
	textLen = seq - 3 - evidenceCriterionLen
	if textLen < 1 {
		return 0, fmt.Errorf("-seq %d: the evidence step needs at least %d tokens (3 specials, %d criterion tokens, 1 text token)", seq, 4+evidenceCriterionLen, evidenceCriterionLen)
	}
	return textLen, nil
}

// evidenceBatch is a random batch of (post window, criterion) pairs with
// their answer positions.
type evidenceBatch struct {
	b          model.Batch
	allowed    []int64 // [B, T]: 1 at the null token (0) and the text tokens
	starts     []int64 // [B]
	ends       []int64 // [B]
	textLength int
}

// randomEvidenceBatch draws token ids in [5, vocab), full-length windows of
// textLen text tokens followed by the criterion (token type 1), and an
// answer per window: every other window is null (start = end = 0), the
// others a random span start <= end inside the text, as
// trainer.allowedPositions allows.
func randomEvidenceBatch(rng *rand.Rand, batch, seq, textLen, vocab int) evidenceBatch {
	b := model.Batch{Size: batch, Len: seq, IDs: make([]int64, batch*seq), TypeIDs: make([]int64, batch*seq), Mask: make([]int64, batch*seq)}
	d := evidenceBatch{b: b, allowed: make([]int64, batch*seq), starts: make([]int64, batch), ends: make([]int64, batch), textLength: textLen}
	for i := range b.IDs {
		b.IDs[i], b.Mask[i] = int64(5+rng.IntN(vocab-5)), 1
	}
	for i := 0; i < batch; i++ {
		row := i * seq
		for k := 2 + textLen; k < seq; k++ {
			b.TypeIDs[row+k] = 1
		}
		d.allowed[row] = 1
		for k := 1; k <= textLen; k++ {
			d.allowed[row+k] = 1
		}
		if i%2 == 1 {
			s := 1 + rng.IntN(textLen)
			d.starts[i], d.ends[i] = int64(s), int64(s+rng.IntN(textLen+1-s))
		}
	}
	return d
}

// evidenceStep is one training step of the evidence agent as
// trainer/evidence_epoch.go does it (backward, then update): encoder
// forward, span head, qa_ce loss over the allowed positions, backward,
// AdamW update, zero grad. With amp, autocast's weight copies are dropped
// after the backward pass, before the update.
func evidenceStep(enc *model.Encoder, head *model.SpanHead, loss *model.QALoss, opt *model.Optimizer, d evidenceBatch, device gotch.Device, amp bool) (err error) {
	model.WithGrad(true, func() {
		var hidden, start, end, l *ts.Tensor
		if hidden, err = enc.ForwardBatch(d.b, device, true); err != nil {
			return
		}
		defer hidden.MustDrop()
		if start, end, err = head.Forward(hidden, true); err != nil {
			return
		}
		defer start.MustDrop()
		defer end.MustDrop()
		n, t := int64(d.b.Size), int64(d.b.Len)
		allowed := ts.MustOfSlice(d.allowed).MustView([]int64{n, t}, true).MustTo(device, true)
		defer allowed.MustDrop()
		sy := ts.MustOfSlice(d.starts).MustTo(device, true)
		defer sy.MustDrop()
		ey := ts.MustOfSlice(d.ends).MustTo(device, true)
		defer ey.MustDrop()
		if l, err = loss.Forward(start, end, allowed, sy, ey); err != nil {
			return
		}
		err = l.Backward()
		l.MustDrop()
	})
	if amp {
		trainer.AutocastClearCache()
	}
	if err != nil {
		return err
	}
	if err := opt.Step(2e-5); err != nil {
		return err
	}
	return opt.ZeroGrad()
}
