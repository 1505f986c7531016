//go:build gotch

// Command train measures the gotch training step of the criteria agent
// (encoder forward, head, loss, backward, AdamW update) or, with -agent
// evidence, of the evidence agent (span head per token, qa_ce) on BERT shapes
// written by model.WriteTinyModel, and a worker's memory over many short
// trials of the real trainer. scripts/bench-train.sh runs it.
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"time"

	"github.com/sugarme/gotch"

	"github.com/redsm5/supermax-hpo/model"
	"github.com/redsm5/supermax-hpo/trainer"
)

func main() {
	shape := flag.String("shape", "tiny", "model shape: tiny (L2 H32), small (L4 H512 A8, BERT-Small) or minilm (all-MiniLM-L6-v2's: L6 H384 A12, vocabulary 30,522; random weights)")
	modelDir := flag.String("model", "", "instead of a -shape, train the BERT model folder `DIR` (e.g. the real all-MiniLM-L6-v2)")
	device := flag.String("device", "cpu", "cpu or cuda:N")
	agentName := flag.String("agent", agentCriteria, "training step to time: criteria (CLS head, cross-entropy) or evidence (span head per token, qa_ce over start and end positions)")
	amp := flag.Bool("amp", false, "CUDA only: run forward passes under libtorch's autocast with bfloat16")
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
	agent, err := parseAgent(*agentName)
	if err != nil {
		log.Fatal(err)
	}
	if err := run(*shape, *modelDir, *device, *amp, agent, *batch, *seq, *steps, *warmup, *threads); err != nil {
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

func run(shape, modelDir, deviceName string, amp bool, agent string, batch, seq, steps, warmup, threads int) error {
	setThreads(threads)
	device, err := trainer.ParseDevice(deviceName)
	if err != nil {
		return fmt.Errorf("-device: %w", err)
	}
	if amp && device.Name == gotch.CPU.Name {
		return fmt.Errorf("-amp: bfloat16 autocast is measured on CUDA only, not on -device %s", deviceName)
	}
	tmp, err := os.MkdirTemp("", "bench-train-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	dir := modelDir
	if dir == "" {
		cfg, err := shapeConfig(shape, seq)
		if err != nil {
			return err
		}
		if _, err := model.WriteTinyModel(tmp, cfg); err != nil {
			return err
		}
		dir = tmp
	} else {
		shape = "model:" + modelDir
	}
	cfg, err := model.ReadConfig(dir)
	if err != nil {
		return err
	}
	times, err := stepTimes(dir, device, amp, agent, batch, seq, steps, warmup)
	if err != nil {
		return err
	}
	mean := meanDuration(times)
	fmt.Printf("agent=%s shape=%s layers=%d hidden=%d vocab=%d device=%s amp=%s batch=%d seq=%d threads=%d steps=%d: step %.1f ms (min %.1f), %.1f examples/s, peak RSS %.0f MiB\n",
		agent, shape, cfg.NumHiddenLayers, cfg.HiddenSize, cfg.VocabSize, deviceName, ampName(amp), batch, seq, threads, steps,
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
	case "minilm":
		// sentence-transformers/all-MiniLM-L6-v2's config.json. The vocabulary
		// is the words plus 27 tokens: 5 specials and "w", "0"-"9" with their
		// "##" forms; the printed vocab= says what was written.
		words = make([]string, 30522-27)
		for i := range words {
			words[i] = fmt.Sprintf("w%d", i)
		}
		c = model.DefaultTinyConfig("bert", words)
		c.NumLayers, c.HiddenSize, c.NumHeads, c.IntermediateSize, c.MaxPositions = 6, 384, 12, 1536, 512
	default:
		return c, fmt.Errorf("shape %q: want tiny, small or minilm", shape)
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

func ampName(amp bool) string {
	if amp {
		return "bf16"
	}
	return "off"
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
