//go:build gotch

package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/redsm5/supermax-hpo/activities"
	"github.com/redsm5/supermax-hpo/data"
	"github.com/redsm5/supermax-hpo/hpo"
	"github.com/redsm5/supermax-hpo/model"
	"github.com/redsm5/supermax-hpo/trainer"
)

func setThreads(n int) { trainer.SetThreads(n) }

// memoryOptions are the -trials flags.
type memoryOptions struct {
	trials, warm, threads int
	dataDir               string
	mix                   bool
}

// memoryRun runs memoryCheck in a temporary folder.
func memoryRun(o memoryOptions) error {
	setThreads(o.threads)
	tmp, err := os.MkdirTemp("", "bench-train-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	return memoryCheck(context.Background(), tmp, o)
}

// memoryCheck runs o.trials one-epoch trials of a tiny model on the corpus
// in o.dataDir through one Trainer, as a worker would, prints the resident
// set size along the way, and at the end its growth from the end of the
// warm-up trials with a least-squares slope per 100 trials.
func memoryCheck(ctx context.Context, tmp string, o memoryOptions) error {
	dataDir, n, threads := o.dataDir, o.trials, o.threads
	modelDir := filepath.Join(tmp, "tiny")
	if err := writeCorpusModel(dataDir, modelDir); err != nil {
		return err
	}
	cfg := trainer.DefaultConfig(dataDir, filepath.Join(tmp, "out"))
	cfg.Threads = threads
	tr, err := trainer.New(cfg)
	if err != nil {
		return err
	}
	start := time.Now()
	var xs, ys []float64 // trial, RSS MiB after warm-up
	warmRSS := 0.0
	for i := 1; i <= n; i++ {
		dir := filepath.Join(tmp, "trial")
		params := trialParams(modelDir, i)
		if o.mix {
			params = mixedParams(modelDir, i)
		}
		req := activities.EpochRequest{Study: "bench", Agent: "criteria", Number: i, Params: params,
			Seed: uint64(i), Epoch: 1, MaxEpochs: 1, CheckpointDir: dir, Device: "cpu"}
		if _, err := tr.TrainEpoch(ctx, req); err != nil {
			return fmt.Errorf("trial %d: %w", i, err)
		}
		if err := os.RemoveAll(dir); err != nil {
			return err
		}
		rss := statusMiB("VmRSS")
		if i == min(o.warm, n) {
			warmRSS = rss
		}
		if i >= o.warm && (i%10 == 0 || i == n) {
			xs, ys = append(xs, float64(i)), append(ys, rss)
		}
		if i == 1 || i == 10 || i%50 == 0 || i == n {
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			fmt.Printf("after trial %d: RSS %.1f MiB (peak %.1f MiB; Go heap in use %.1f MiB; %s OS threads), %.2f s/trial\n",
				i, rss, statusMiB("VmHWM"), float64(ms.HeapInuse)/(1<<20), statusField("Threads"), time.Since(start).Seconds()/float64(i))
		}
	}
	if n > o.warm {
		fmt.Printf("RSS after warm-up (trial %d) %.1f MiB, after trial %d %.1f MiB: growth %+.1f MiB over %d trials; least-squares slope %+.2f MiB per 100 trials\n",
			o.warm, warmRSS, n, statusMiB("VmRSS"), statusMiB("VmRSS")-warmRSS, n-o.warm, 100*slope(xs, ys))
	}
	return nil
}

// slope is the least-squares slope of ys over xs (0 for fewer than 2 points).
func slope(xs, ys []float64) float64 {
	if len(xs) < 2 {
		return 0
	}
	var mx, my float64
	for i := range xs {
		mx += xs[i]
		my += ys[i]
	}
	mx /= float64(len(xs))
	my /= float64(len(ys))
	var num, den float64
	for i := range xs {
		num += (xs[i] - mx) * (ys[i] - my)
		den += (xs[i] - mx) * (xs[i] - mx)
	}
	if den == 0 {
		return 0
	}
	return num / den
}

// mixedParams is trial i of the soak: trialParams with the optimizer,
// pooling, loss and head activation cycling through every choice (at
// different periods, so that the combinations vary too).
func mixedParams(modelDir string, i int) map[string]hpo.Value {
	p := trialParams(modelDir, i)
	optim := []string{"adamw", "lion", "adafactor"}[i%3]
	p["optim.name"] = hpo.String(optim)
	if optim == "adafactor" {
		delete(p, "optim.beta1")
		delete(p, "optim.beta2")
		delete(p, "optim.eps")
	}
	p["head.pooling"] = hpo.String([]string{"mean", "cls", "max", "attn"}[i%4])
	p["head.activation"] = hpo.String([]string{"gelu", "relu", "silu"}[(i/3)%3])
	switch i % 5 {
	case 1:
		p["loss.cls.type"] = hpo.String("ce_label_smooth")
		p["loss.cls.label_smoothing"] = hpo.Float(0.1)
	case 2, 3:
		p["loss.cls.type"] = hpo.String("focal")
		delete(p, "loss.cls.label_smoothing")
		p["loss.cls.gamma"] = hpo.Float(2)
		p["loss.cls.alpha"] = hpo.Float(0.25)
		p["loss.cls.balance"] = hpo.String([]string{"weighted", "effective_num"}[i%5-2])
	}
	return p
}

// writeCorpusModel writes a tiny BERT whose vocabulary covers the corpus.
func writeCorpusModel(dataDir, dir string) error {
	c, _, err := data.Load(dataDir, data.DefaultOptions())
	if err != nil {
		return err
	}
	var words []string
	for _, p := range c.Posts {
		words = append(words, p.Text)
	}
	for _, l := range data.Labels() {
		crit, _ := data.CriterionOf(l)
		words = append(words, crit.Text)
	}
	_, err = model.WriteTinyModel(dir, model.DefaultTinyConfig("bert", words))
	return err
}

// trialParams is a complete criteria trial; the seed varies by trial.
func trialParams(modelDir string, seed int) map[string]hpo.Value {
	return map[string]hpo.Value{
		"seed": hpo.Int(int64(seed)), "model.name": hpo.String(modelDir), "tok.max_length": hpo.Int(64),
		"train.batch_size": hpo.Int(16), "train.grad_accum": hpo.Int(1), "optim.name": hpo.String("adamw"),
		"optim.lr": hpo.Float(1e-3), "optim.weight_decay": hpo.Float(0.01), "optim.beta1": hpo.Float(0.9),
		"optim.beta2": hpo.Float(0.999), "optim.eps": hpo.Float(1e-8), "sched.name": hpo.String("linear"),
		"sched.warmup_ratio": hpo.Float(0.1), "train.clip_grad": hpo.Float(1), "model.dropout": hpo.Float(0.1),
		"model.attn_dropout": hpo.Float(0.1), "train.grad_checkpointing": hpo.Bool(false),
		"train.freeze_encoder_layers": hpo.Int(0), "optim.layerwise_lr_decay": hpo.Float(0.9),
		"head.pooling": hpo.String("mean"), "head.layers": hpo.Int(1), "head.hidden": hpo.Int(256),
		"head.activation": hpo.String("gelu"), "head.dropout": hpo.Float(0.1), "loss.cls.type": hpo.String("ce"),
		"loss.cls.label_smoothing": hpo.Float(0), "loss.cls.balance": hpo.String("none"),
	}
}

// statusField returns a field of /proc/self/status ("" if absent).
func statusField(field string) string {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), field+":"); ok {
			return strings.TrimSpace(rest)
		}
	}
	return ""
}

// statusMiB reads a kB field of /proc/self/status in MiB (0 if absent).
func statusMiB(field string) float64 {
	kb, _ := strconv.ParseFloat(strings.TrimSuffix(statusField(field), " kB"), 64)
	return kb / 1024
}

func peakRSSMiB() float64 { return statusMiB("VmHWM") }
