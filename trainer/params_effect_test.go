//go:build gotch

package trainer

import (
	"context"
	"testing"

	"github.com/redsm5/supermax-hpo/hpo"
)

// TestEveryTrainingParameterChangesTraining trains one epoch per variant of
// the tiny trial, each changing one parameter, and checks that the epoch's
// training loss or validation value differs from the base run's. The head,
// loss, optimizer and schedule parameters are also covered value by value
// in model/ and model/schedule/; here they are shown to reach training.
func TestEveryTrainingParameterChangesTraining(t *testing.T) {
	if testing.Short() {
		t.Skip("trains 20 tiny epochs")
	}
	tr := newTestTrainer(t)
	run := func(p map[string]hpo.Value) [2]float64 {
		res, err := tr.TrainEpoch(context.Background(), request(p, t.TempDir(), 1, 3))
		if err != nil {
			t.Fatal(err)
		}
		return [2]float64{res.TrainLoss, res.Value}
	}
	base := run(tinyParams(t))
	variants := []struct {
		param string
		value hpo.Value
		also  map[string]hpo.Value // parameters the new value's condition brings in
	}{
		{"seed", hpo.Int(8), nil},
		{"tok.max_length", hpo.Int(24), nil},
		{"train.batch_size", hpo.Int(12), nil},
		{"train.grad_accum", hpo.Int(2), nil},
		{"train.clip_grad", hpo.Float(0.05), nil},
		{"train.freeze_encoder_layers", hpo.Int(1), nil},
		{"optim.layerwise_lr_decay", hpo.Float(0.8), nil},
		{"model.dropout", hpo.Float(0.2), nil},
		{"model.attn_dropout", hpo.Float(0.2), nil},
		{"optim.lr", hpo.Float(1e-3), nil},
		{"optim.weight_decay", hpo.Float(0.2), nil},
		{"optim.beta1", hpo.Float(0.8), nil},
		{"optim.beta2", hpo.Float(0.95), nil},
		{"optim.eps", hpo.Float(1e-6), nil},
		{"optim.name", hpo.String("lion"), nil},
		{"sched.warmup_ratio", hpo.Float(0.2), nil},
		{"sched.name", hpo.String("polynomial"), map[string]hpo.Value{"sched.poly_power": hpo.Float(2)}},
		{"head.pooling", hpo.String("attn"), nil},
		{"head.activation", hpo.String("gelu"), nil},
		{"loss.cls.balance", hpo.String("weighted"), nil},
	}
	for _, v := range variants {
		p := tinyParams(t)
		p[v.param] = v.value
		for k, x := range v.also {
			p[k] = x
		}
		if got := run(p); got == base {
			t.Errorf("%s = %v: loss and value %v, same as the base run", v.param, v.value, got)
		}
	}
}
