//go:build gotch

package main

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"time"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/ts"

	"github.com/redsm5/supermax-hpo/model"
	"github.com/redsm5/supermax-hpo/trainer"
)

// stepTimes loads the model folder onto device and times warmup+steps full
// training steps of agent (agentCriteria or agentEvidence) on random token
// ids, returning the timed ones. The evidence step's span head is the
// criteria step's head MLP per token (model.DefaultHeadConfig: 1 layer of
// 256, GELU, dropout 0.1) with qa_ce. On CUDA each
// timed step ends with a synchronisation, so it includes the GPU's work;
// with amp it runs under CUDA autocast (bfloat16).
func stepTimes(dir string, device gotch.Device, amp bool, agent string, batch, seq, steps, warmup int) ([]time.Duration, error) {
	textLen := 0
	if agent == agentEvidence {
		var err error
		if textLen, err = evidenceLayout(seq); err != nil {
			return nil, err
		}
	}
	pre, err := model.Load(dir, model.LoadOptions{Device: device, MaxLength: seq})
	if err != nil {
		return nil, err
	}
	vs := pre.Encoder.VarStore()
	defer vs.Destroy()
	hc := model.DefaultHeadConfig()
	var head *model.CriteriaHead
	var span *model.SpanHead
	if agent == agentEvidence {
		span, err = model.NewSpanHead(vs, "span_head", pre.Encoder.HiddenSize(), model.SpanHeadConfig{Layers: hc.Layers, Hidden: hc.Hidden, Activation: hc.Activation, Dropout: hc.Dropout})
	} else {
		head, err = model.NewCriteriaHead(vs.Root().Sub("head"), pre.Encoder.HiddenSize(), hc)
	}
	if err != nil {
		return nil, err
	}
	params, err := model.TrainableParams(vs, model.ParamPolicy{NumLayers: pre.Config.NumHiddenLayers, LayerDecay: 1})
	if err != nil {
		return nil, err
	}
	opt, err := model.NewOptimizer(model.OptimConfig{Name: model.OptAdamW, WeightDecay: 0.01, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8}, params)
	if err != nil {
		return nil, err
	}
	defer opt.Free()
	opt.UseKernel(trainer.FusedKernel())
	loss, err := model.NewLoss(model.LossConfig{Type: model.LossCE, Balance: model.BalanceNone}, []int{1, 1})
	if err != nil {
		return nil, err
	}
	qa, err := model.NewQALoss(model.QALossConfig{Type: model.LossQACE})
	if err != nil {
		return nil, err
	}
	if amp {
		// Autocast is per OS thread; every forward pass runs on this one.
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		if _, err := trainer.AutocastBF16(true); err != nil {
			return nil, err
		}
		defer func() { _, _ = trainer.AutocastBF16(false) }()
	}
	rng := rand.New(rand.NewPCG(1, 2))
	var times []time.Duration
	for i := 0; i < warmup+steps; i++ {
		var run func() error
		if agent == agentEvidence {
			b := randomEvidenceBatch(rng, batch, seq, textLen, pre.Config.VocabSize)
			run = func() error { return evidenceStep(pre.Encoder, span, qa, opt, b, device, amp) }
		} else {
			b := randomBatch(rng, batch, seq, pre.Config.VocabSize)
			run = func() error { return step(pre.Encoder, head, loss, opt, b, device, amp) }
		}
		start := time.Now()
		if err := run(); err != nil {
			return nil, fmt.Errorf("step %d: %w", i, err)
		}
		if err := trainer.Synchronize(device); err != nil {
			return nil, fmt.Errorf("step %d: %w", i, err)
		}
		if i >= warmup {
			times = append(times, time.Since(start))
		}
	}
	return times, nil
}

type batchData struct {
	b       model.Batch
	targets []int64
}

func randomBatch(rng *rand.Rand, batch, seq, vocab int) batchData {
	b := model.Batch{Size: batch, Len: seq, IDs: make([]int64, batch*seq), TypeIDs: make([]int64, batch*seq), Mask: make([]int64, batch*seq)}
	for i := range b.IDs {
		b.IDs[i], b.Mask[i] = int64(5+rng.IntN(vocab-5)), 1
	}
	targets := make([]int64, batch)
	for i := range targets {
		targets[i] = int64(rng.IntN(2))
	}
	return batchData{b, targets}
}

// step is one training step as the trainer does it: forward, loss,
// backward, AdamW update, zero grad. With amp, autocast's weight copies are
// dropped after the backward pass, before the update.
func step(enc *model.Encoder, head *model.CriteriaHead, loss *model.Loss, opt *model.Optimizer, d batchData, device gotch.Device, amp bool) (err error) {
	model.WithGrad(true, func() {
		var hidden, logits, l *ts.Tensor
		if hidden, err = enc.ForwardBatch(d.b, device, true); err != nil {
			return
		}
		defer hidden.MustDrop()
		mask := ts.MustOfSlice(d.b.Mask).MustView([]int64{int64(d.b.Size), int64(d.b.Len)}, true).MustTo(device, true)
		defer mask.MustDrop()
		if logits, err = head.Forward(hidden, mask, true); err != nil {
			return
		}
		defer logits.MustDrop()
		y := ts.MustOfSlice(d.targets).MustTo(device, true)
		defer y.MustDrop()
		if l, err = loss.Forward(logits, y); err != nil {
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
