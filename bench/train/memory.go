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

// memoryCheck runs n one-epoch trials of a tiny model on the corpus in
// dataDir through one Trainer, as a worker would, and prints the resident
// set size along the way.
func memoryCheck(ctx context.Context, tmp, dataDir string, n, threads int) error {
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
	for i := 1; i <= n; i++ {
		dir := filepath.Join(tmp, "trial")
		req := activities.EpochRequest{Study: "bench", Agent: "criteria", Number: i, Params: trialParams(modelDir, i),
			Seed: uint64(i), Epoch: 1, MaxEpochs: 1, CheckpointDir: dir, Device: "cpu"}
		if _, err := tr.TrainEpoch(ctx, req); err != nil {
			return fmt.Errorf("trial %d: %w", i, err)
		}
		if err := os.RemoveAll(dir); err != nil {
			return err
		}
		if i == 1 || i == 10 || i%50 == 0 || i == n {
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			fmt.Printf("after trial %d: RSS %.1f MiB (peak %.1f MiB; Go heap in use %.1f MiB; %s OS threads), %.2f s/trial\n",
				i, statusMiB("VmRSS"), statusMiB("VmHWM"), float64(ms.HeapInuse)/(1<<20), statusField("Threads"), time.Since(start).Seconds()/float64(i))
		}
	}
	return nil
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
