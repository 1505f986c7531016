package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"go.temporal.io/sdk/client"
	tlog "go.temporal.io/sdk/log"

	"github.com/redsm5/supermax-hpo/ledger/storage"
	"github.com/redsm5/supermax-hpo/results"
	"github.com/redsm5/supermax-hpo/workflows"
)

// etaWindow is how far back the ETA's rate of ended trials looks.
const etaWindow = 30 * time.Minute

// progressSample is the number of ended trials seen at a time.
type progressSample struct {
	at    time.Time
	ended int
}

// eta estimates the time left from the rate of ended trials over the
// samples (oldest first) within etaWindow of the last one. ok is false
// until two samples at least a second apart show progress.
func eta(samples []progressSample, total int) (left time.Duration, ok bool) {
	if len(samples) < 2 {
		return 0, false
	}
	last := samples[len(samples)-1]
	first := samples[0]
	for _, s := range samples {
		if last.at.Sub(s.at) <= etaWindow {
			first = s
			break
		}
	}
	dt, dn := last.at.Sub(first.at), last.ended-first.ended
	if dt < time.Second || dn <= 0 {
		return 0, false
	}
	remaining := max(0, total-last.ended)
	return time.Duration(float64(dt) * float64(remaining) / float64(dn)).Round(time.Second), true
}

// etaLine renders the ETA and the rate it is based on.
func etaLine(samples []progressSample, total int) string {
	left, ok := eta(samples, total)
	if !ok {
		return "ETA: estimating (waiting for trials to end)"
	}
	return fmt.Sprintf("ETA: %s (finishing about %s)", left, samples[len(samples)-1].at.Add(left).Format("Mon 15:04"))
}

// watchWithETA is watch with an ETA line under the progress bar. It keeps
// samples of ended trials from the moments it saw them (an attach starts
// without history, so the first estimate takes two refreshes with
// progress). Blocking; returns ctx.Err() when ctx ends first.
func watchWithETA(ctx context.Context, cl client.Client, study string, every time.Duration, w io.Writer, tty bool) error {
	var shown []string
	var samples []progressSample
	for {
		res, ended, err := studyResult(ctx, cl, study)
		if err != nil {
			return err
		}
		if ended {
			redraw(w, nil, &shown, tty)
			printResult(w, res)
			return nil
		}
		frame := []string{"waiting for the study to answer the status query (is a worker running?)"}
		if st, err := queryStatus(ctx, cl, study); err == nil {
			samples = append(samples, progressSample{at: time.Now(), ended: st.Counts.Ended()})
			if len(samples) > 4096 {
				samples = samples[len(samples)-2048:]
			}
			frame = withETA(renderFrame(st), etaLine(samples, st.NTrials))
		}
		redraw(w, frame, &shown, tty)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(every):
		}
	}
}

// withETA inserts line after the progress bar (the frame's second line).
func withETA(frame []string, line string) []string {
	if len(frame) < 2 {
		return append(frame, line)
	}
	out := append([]string{}, frame[:2]...)
	out = append(out, line)
	return append(out, frame[2:]...)
}

// tuneOutputs checks --top-k and keeps the checkpoints of at least the
// best K trials, which the test-split evaluation needs.
func tuneOutputs(c interface{ Int(string) int }, spec *workflows.StudySpec) error {
	k := c.Int("top-k")
	if k < 1 {
		return fmt.Errorf("%w: --top-k %d must be >= 1", errUsage, k)
	}
	spec.KeepBestK = max(spec.KeepBestK, k)
	spec.Outputs = &workflows.Outputs{TopK: k}
	return nil
}

// printOutputs lists the result files of an ended study and the test
// scores of its best trials.
func printOutputs(spec workflows.StudySpec) {
	fmt.Printf("results in %s:\n", spec.Outdir)
	f := results.Files{
		TopK:       filepath.Join(spec.Outdir, results.TopKName(spec.Agent, spec.Study)),
		BestConfig: filepath.Join(spec.Outdir, "best_config.json"),
		TrialsCSV:  filepath.Join(spec.Outdir, "trials.csv"),
		BestModel:  filepath.Join(spec.Outdir, spec.Agent+"_"+spec.Study+"_best_model"),
	}
	if _, err := os.Stat(f.BestModel); err != nil {
		f.BestModel = ""
	}
	printFiles(os.Stdout, f)
	if err := tuneReport(spec); err != nil {
		fmt.Printf("(report not written: %v)\n", err)
	}
	if err := printTestScores(context.Background(), os.Stdout, spec.Storage, spec.Study); err != nil {
		fmt.Printf("(test scores not readable: %v)\n", err)
	}
}

// statusTestScores prints the study's test scores, read from the ledger
// its spec names; a study without them prints nothing, a ledger that
// cannot be read one line saying why.
func statusTestScores(ctx context.Context, cl client.Client, study string) {
	spec, err := studySpecOf(ctx, cl, study)
	if err != nil {
		return
	}
	if err := printTestScores(ctx, os.Stdout, spec.Storage, study); err != nil {
		fmt.Printf("(test scores not readable: %v)\n", err)
	}
}

// quietLogger is an SDK logger that drops lines below warning level (the
// starter talks to people), as dial's.
func quietLogger() tlog.Logger {
	h := slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})
	return tlog.NewStructuredLogger(slog.New(h))
}

// tuneReport writes the study's HTML report into its outdir.
func tuneReport(spec workflows.StudySpec) error {
	ctx := context.Background()
	l, err := storage.Open(ctx, spec.Storage)
	if err != nil {
		return err
	}
	defer l.Close()
	s, err := results.Load(ctx, l, spec.Study, spec.Agent)
	if err != nil {
		return err
	}
	path, err := writeReport(filepath.Join(spec.Outdir, reportName(s.Agent, s.Name)), s, spec.Outputs.TopK)
	if err != nil {
		return err
	}
	fmt.Printf("  %s\n", path)
	return nil
}
