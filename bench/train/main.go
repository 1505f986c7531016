//go:build gotch

// Command train measures the gotch training step of the criteria agent
// (encoder forward, head, loss, backward, AdamW update) on BERT shapes
// written by model.WriteTinyModel, and a worker's memory over many short
// trials of the real trainer. scripts/bench-train.sh runs it.
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"time"

	"github.com/redsm5/supermax-hpo/model"
)

func main() {
	shape := flag.String("shape", "tiny", "model shape: tiny (L2 H32) or small (L4 H512 A8, BERT-Small)")
	batch := flag.Int("batch", 16, "batch size")
	seq := flag.Int("seq", 128, "sequence length in tokens")
	steps := flag.Int("steps", 20, "timed training steps")
	warmup := flag.Int("warmup", 3, "untimed steps first")
	threads := flag.Int("threads", 2, "libtorch intra-op threads")
	trials := flag.Int("trials", 0, "instead of the step benchmark, run this many one-epoch trials of the tiny model on -data and report memory")
	dataDir := flag.String("data", "data/testdata/redsm5-fixture", "ReDSM5 folder for -trials")
	mix := flag.Bool("mix", false, "with -trials: cycle the optimizer, pooling, loss and head activation through every choice instead of one fixed trial (the soak benchmark)")
	warmTrials := flag.Int("warm", 50, "with -trials: trials counted as warm-up; RSS growth is reported from the end of warm-up")
	writeModel := flag.String("write-model", "", "instead of benchmarking, write the -shape model folder (for -seq) into `DIR` and exit; bench/train/pytorch_step.py times the same step on it")
	flag.Parse()
	if *writeModel != "" {
		if err := writeShape(*writeModel, *shape, *seq); err != nil {
			log.Fatal(err)
		}
		return
	}
	if *trials > 0 {
		if err := memoryRun(memoryOptions{trials: *trials, warm: *warmTrials, threads: *threads, dataDir: *dataDir, mix: *mix}); err != nil {
			log.Fatal(err)
		}
		return
	}
	if err := run(*shape, *batch, *seq, *steps, *warmup, *threads); err != nil {
		log.Fatal(err)
	}
}

// writeShape writes the model folder that the step benchmark of shape
// trains, so that another implementation can train exactly that model.
func writeShape(dir, shape string, seq int) error {
	cfg, err := shapeConfig(shape, seq)
	if err != nil {
		return err
	}
	if _, err := model.WriteTinyModel(dir, cfg); err != nil {
		return fmt.Errorf("write %s model into %s: %w", shape, dir, err)
	}
	return nil
}

func run(shape string, batch, seq, steps, warmup, threads int) error {
	setThreads(threads)
	tmp, err := os.MkdirTemp("", "bench-train-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	cfg, err := shapeConfig(shape, seq)
	if err != nil {
		return err
	}
	if _, err := model.WriteTinyModel(tmp, cfg); err != nil {
		return err
	}
	times, err := stepTimes(tmp, batch, seq, steps, warmup)
	if err != nil {
		return err
	}
	mean := meanDuration(times)
	fmt.Printf("shape=%s layers=%d hidden=%d batch=%d seq=%d threads=%d steps=%d: step %.1f ms (min %.1f), %.1f examples/s, peak RSS %.0f MiB\n",
		shape, cfg.NumLayers, cfg.HiddenSize, batch, seq, threads, steps,
		ms(mean), ms(minDuration(times)), float64(batch)/mean.Seconds(), peakRSSMiB())
	return nil
}

// shapeConfig returns the model shape to write; its vocabulary is 1,000
// made-up words.
func shapeConfig(shape string, seq int) (model.TinyConfig, error) {
	words := make([]string, 1000)
	for i := range words {
		words[i] = fmt.Sprintf("w%d", i)
	}
	c := model.DefaultTinyConfig("bert", words)
	c.MaxPositions = max(seq, 64)
	switch shape {
	case "tiny":
	case "small":
		c.NumLayers, c.HiddenSize, c.NumHeads, c.IntermediateSize = 4, 512, 8, 2048
	default:
		return c, fmt.Errorf("shape %q: want tiny or small", shape)
	}
	return c, nil
}

func meanDuration(ds []time.Duration) time.Duration {
	var sum time.Duration
	for _, d := range ds {
		sum += d
	}
	return sum / time.Duration(len(ds))
}

func minDuration(ds []time.Duration) time.Duration {
	m := ds[0]
	for _, d := range ds {
		m = min(m, d)
	}
	return m
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
