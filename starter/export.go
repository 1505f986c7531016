package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/urfave/cli/v2"
	"go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"

	"github.com/redsm5/supermax-hpo/activities"
	"github.com/redsm5/supermax-hpo/ledger/storage"
	"github.com/redsm5/supermax-hpo/results"
	"github.com/redsm5/supermax-hpo/worker/conn"
	"github.com/redsm5/supermax-hpo/workflows"
)

// exportCommand is `starter export`: the study's result files on demand.
func exportCommand() *cli.Command {
	return &cli.Command{
		Name:  "export",
		Usage: "write the study's results into the outdir: <agent>_<study>_topk.json (with test-split scores), best_config.json, trials.csv, the best model folder",
		Description: "By default the top K trials are scored on the test split first, by OutputsWorkflow on a worker that has the\n" +
			"trainer; the study's settings (agent, ledger, outdir, trainer, epochs) come from its workflow. With --no-test\n" +
			"nothing runs on Temporal: the files are written from the ledger alone, with the test scores recorded so far.",
		Flags: withStudyFlag(
			&cli.StringFlag{Name: "agent", Usage: "the study's `AGENT` (default: recorded in the workflow or the ledger)"},
			&cli.StringFlag{Name: "outdir", EnvVars: []string{"HPO_OUTDIR"}, DefaultText: "the study's, else _runs", Usage: "output `DIR`"},
			&cli.StringFlag{Name: "storage", DefaultText: "the study's, else sqlite:///<outdir>/supermax.db", Usage: "ledger `URL`"},
			&cli.IntFlag{Name: "top-k", Value: 10, Usage: "how many of the best trials to score and list"},
			&cli.BoolFlag{Name: "no-test", Usage: "do not score on the test split; write from the ledger only (no Temporal needed)"},
			&cli.StringFlag{Name: "task-queue", Value: workflows.TaskQueue, EnvVars: []string{"SUPERMAX_TASK_QUEUE"}, Usage: "task `QUEUE` the workers poll"},
		),
		Action: exportCmd,
	}
}

func exportCmd(c *cli.Context) error {
	if c.Int("top-k") < 1 {
		return fmt.Errorf("%w: --top-k %d must be >= 1", errUsage, c.Int("top-k"))
	}
	if c.Bool("no-test") {
		in, err := exportInputFromFlags(c, workflows.OutputsInput{Study: c.String("study")})
		if err != nil {
			return err
		}
		files, err := exportFromLedger(c.Context, in)
		if err != nil {
			return err
		}
		printFiles(os.Stdout, files)
		return nil
	}
	return withClient(c, func(ctx context.Context, cl client.Client, _ conn.Options) error {
		spec, err := studySpecOf(ctx, cl, c.String("study"))
		if err != nil {
			return err
		}
		in, err := exportInputFromFlags(c, workflows.OutputsInput{Study: spec.Study, Agent: spec.Agent, Storage: spec.Storage,
			Outdir: spec.Outdir, Trainer: spec.Trainer, Seed: spec.Seed, Epochs: spec.Epochs, Timeouts: spec.Timeouts})
		if err != nil {
			return err
		}
		fmt.Printf("scoring the best %d trials of %s on the test split (OutputsWorkflow on the workers of %s)\n", in.TopK, in.Study, c.String("task-queue"))
		run, err := cl.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: workflows.OutputsWorkflowID(in.Study), TaskQueue: c.String("task-queue"),
			WorkflowIDConflictPolicy: enums.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING}, workflows.OutputsWorkflowName, in)
		if err != nil {
			return fmt.Errorf("start the outputs of study %s: %w", in.Study, err)
		}
		var res workflows.OutputsResult
		if err := run.Get(ctx, &res); err != nil {
			return fmt.Errorf("outputs of study %s: %w", in.Study, err)
		}
		fmt.Printf("%d trials scored on the test split, %d could not be (see their test_metrics.error)\n", res.Scored, res.Unscored)
		printFiles(os.Stdout, res.Files)
		return nil
	})
}

// exportInputFromFlags overrides in (the study's settings, when known) by
// the flags, and fills what is still missing with the defaults.
func exportInputFromFlags(c *cli.Context, in workflows.OutputsInput) (workflows.OutputsInput, error) {
	in.TopK = c.Int("top-k")
	if c.IsSet("agent") {
		in.Agent = c.String("agent")
	}
	if c.IsSet("outdir") || in.Outdir == "" {
		dir := c.String("outdir")
		if dir == "" {
			dir = "_runs"
		}
		abs, err := filepath.Abs(dir)
		if err != nil {
			return in, fmt.Errorf("%w: --outdir %q: %w", errUsage, dir, err)
		}
		in.Outdir = abs
	}
	if c.IsSet("storage") {
		in.Storage = c.String("storage")
	}
	if in.Storage == "" {
		in.Storage = "sqlite:///" + filepath.Join(in.Outdir, "supermax.db")
	}
	return in, nil
}

// exportFromLedger writes the files from the ledger alone.
func exportFromLedger(ctx context.Context, in workflows.OutputsInput) (results.Files, error) {
	if err := ledgerExists(in.Storage); err != nil {
		return results.Files{}, err
	}
	l, err := storage.Open(ctx, in.Storage)
	if err != nil {
		return results.Files{}, err
	}
	defer l.Close()
	s, err := results.Load(ctx, l, in.Study, in.Agent)
	if err != nil {
		return results.Files{}, err
	}
	return results.Write(s, results.Options{Outdir: in.Outdir, TopK: in.TopK,
		TrialDir: func(n int) string { return activities.TrialDir(in.Outdir, in.Study, n) }})
}

// ledgerExists refuses a sqlite URL whose file does not exist (opening it
// would create an empty ledger); other URLs pass.
func ledgerExists(url string) error {
	path, ok := strings.CutPrefix(url, "sqlite:///")
	if !ok {
		return nil
	}
	if _, err := os.Stat(path); err != nil {
		return fmt.Errorf("%w: no ledger at %s (give --outdir or --storage): %w", errUsage, path, err)
	}
	return nil
}

// studySpecOf reads the spec the study's current run was started with (the
// input of its first history event).
func studySpecOf(ctx context.Context, cl client.Client, study string) (workflows.StudySpec, error) {
	var spec workflows.StudySpec
	it := cl.GetWorkflowHistory(ctx, study, "", false, enums.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	if !it.HasNext() {
		return spec, fmt.Errorf("study %s: empty history", study)
	}
	ev, err := it.Next()
	var notFound *serviceerror.NotFound
	if errors.As(err, &notFound) {
		return spec, fmt.Errorf("%w: no study workflow %s on this server (use --no-test with --agent to export from the ledger)", errUsage, study)
	}
	if err != nil {
		return spec, fmt.Errorf("study %s: read its history: %w", study, err)
	}
	attrs := ev.GetWorkflowExecutionStartedEventAttributes()
	if attrs == nil || attrs.GetWorkflowType().GetName() != workflows.StudyWorkflowName {
		return spec, fmt.Errorf("%w: workflow %s is not a study", errUsage, study)
	}
	if err := converter.GetDefaultDataConverter().FromPayloads(attrs.GetInput(), &spec); err != nil {
		return spec, fmt.Errorf("study %s: decode its spec: %w", study, err)
	}
	return spec, nil
}

// printFiles lists the result files.
func printFiles(w io.Writer, f results.Files) {
	fmt.Fprintf(w, "  %s\n  %s\n  %s\n", f.TopK, f.BestConfig, f.TrialsCSV)
	if f.BestModel != "" {
		fmt.Fprintf(w, "  %s/\n", f.BestModel)
	}
}

// printTestScores prints the test scores recorded in the ledger at url for
// study, best trial first; nothing when there are none.
func printTestScores(ctx context.Context, w io.Writer, url, study string) error {
	if err := ledgerExists(url); err != nil {
		return err
	}
	l, err := storage.Open(ctx, url)
	if err != nil {
		return err
	}
	defer l.Close()
	s, err := results.Load(ctx, l, study, "")
	if err != nil {
		return err
	}
	if len(s.Test) == 0 {
		return nil
	}
	numbers := make([]int, 0, len(s.Test))
	for n := range s.Test {
		numbers = append(numbers, n)
	}
	sort.Ints(numbers)
	rank := map[int]int{}
	for i, t := range s.Top(len(s.Trials)) {
		rank[t.Number] = i + 1
	}
	sort.SliceStable(numbers, func(i, j int) bool { return rank[numbers[i]] < rank[numbers[j]] })
	fmt.Fprintf(w, "test split (%s):\n", results.TestMetricName(s.Metric))
	for _, n := range numbers {
		sc := s.Test[n]
		if sc.Error != "" {
			fmt.Fprintf(w, "  #%-3d trial %-6d not scored: %s\n", rank[n], n, sc.Error)
			continue
		}
		fmt.Fprintf(w, "  #%-3d trial %-6d %.4f\n", rank[n], n, sc.Metrics[results.TestMetricName(s.Metric)])
	}
	return nil
}
