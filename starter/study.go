package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/urfave/cli/v2"
	"go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/redsm5/supermax-hpo/hpo/agents"
	"github.com/redsm5/supermax-hpo/hpo/pruners"
	"github.com/redsm5/supermax-hpo/worker/conn"
	"github.com/redsm5/supermax-hpo/workflows"
)

// errUsage marks a bad flag or environment value; main exits 2 on it.
var errUsage = errors.New("invalid starter setting")

// studyFlags are the flags of the root action, which starts a study.
func studyFlags() []cli.Flag {
	return append(append(connectFlags(),
		&cli.StringFlag{Name: "agent", Usage: "`AGENT` whose search space to explore: criteria, evidence, share or joint"},
		&cli.IntFlag{Name: "n-trials", DefaultText: "the agent's supermax count", Usage: "trials to run"},
		&cli.IntFlag{Name: "parallel", Value: 4, Usage: "trials running at once (set-parallelism changes it live)"},
		&cli.StringFlag{Name: "study", DefaultText: "noaug-<agent>-supermax", Usage: "study `NAME`, also its workflow ID"},
		&cli.StringFlag{Name: "outdir", Value: "_runs", EnvVars: []string{"HPO_OUTDIR"},
			Usage: "output `DIR` (ledger, trial checkpoints); made absolute, and must be the same path on every worker"},
		&cli.StringFlag{Name: "storage", DefaultText: "sqlite:///<outdir>/supermax.db", Usage: "ledger `URL` (sqlite:///path.db or postgresql://...)"},
		&cli.IntFlag{Name: "epochs", Value: 100, EnvVars: []string{"HPO_EPOCHS"}, Usage: "maximum epochs per trial"},
		&cli.IntFlag{Name: "patience", Value: 20, EnvVars: []string{"HPO_PATIENCE"}, Usage: "early stopping patience in epochs (0: off)"},
		&cli.Float64Flag{Name: "min-delta", Value: 0, EnvVars: []string{"HPO_MIN_DELTA"}, Usage: "early stopping minimum improvement"},
		&cli.StringFlag{Name: "trainer", Value: workflows.TrainerGotch, Usage: "`KIND` of trainer: gotch (libtorch) or simulated (no training: curves for tests and demos)"},
		&cli.IntFlag{Name: "trials-per-run", DefaultText: "100", Usage: "continue-as-new after `K` trials per run"},
		&cli.Int64Flag{Name: "seed", DefaultText: "2025", Usage: "study seed"},
		&cli.StringFlag{Name: "task-queue", Value: workflows.TaskQueue, EnvVars: []string{"SUPERMAX_TASK_QUEUE"},
			Usage: "task `QUEUE` the workers poll"},
		&cli.BoolFlag{Name: "wait", Usage: "wait for the study to end and print its result"},
	), algoFlags()...) // study_algo.go
}

// startStudy is the root action: start the study, or attach to the running
// one of that name, and print where to follow it.
func startStudy(c *cli.Context) error {
	spec, notes, err := specFromCLI(c)
	if err != nil {
		return err
	}
	return withClient(c, func(ctx context.Context, cl client.Client, o conn.Options) error {
		attached, err := isRunning(ctx, cl, spec.Study)
		if err != nil {
			return err
		}
		run, err := cl.ExecuteWorkflow(ctx, startOptions(spec, c.String("task-queue")), workflows.StudyWorkflowName, spec)
		if err != nil {
			return fmt.Errorf("start study %s: %w", spec.Study, err)
		}
		verb := "started"
		if attached {
			verb = "attached to the running"
		}
		fmt.Printf("%s study %s (agent %s, %d trials, parallel %d, trainer %s)\n",
			verb, spec.Study, spec.Agent, spec.NTrials, spec.Parallel, spec.Trainer)
		fmt.Printf("workflow ID: %s\nrun ID:      %s\nWeb UI:      %s\noutdir:      %s\nledger:      %s\n",
			run.GetID(), run.GetRunID(), workflowLink(c.String(flagUI), o.Namespace, run.GetID()), spec.Outdir, spec.Storage)
		if attached {
			fmt.Println("(the running study keeps its own settings; flags given now were not applied)")
		} else {
			printSpace(spec, notes)
		}
		if !c.Bool("wait") {
			return nil
		}
		return waitResult(ctx, cl, spec.Study)
	})
}

// startOptions starts the study under its name, or returns the running
// execution of that name (USE_EXISTING), so starting twice never makes two.
func startOptions(spec workflows.StudySpec, taskQueue string) client.StartWorkflowOptions {
	return client.StartWorkflowOptions{
		ID:                       spec.Study,
		TaskQueue:                taskQueue,
		WorkflowIDConflictPolicy: enums.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		TypedSearchAttributes: temporal.NewSearchAttributes(
			workflows.KeyKind.ValueSet(workflows.KindStudy),
			workflows.KeyStudy.ValueSet(spec.Study),
			workflows.KeyAgent.ValueSet(spec.Agent),
			workflows.KeyState.ValueSet(workflows.StudyStateRunning),
		),
	}
}

// isRunning reports whether a workflow with ID id is running now.
func isRunning(ctx context.Context, cl client.Client, id string) (bool, error) {
	d, err := cl.DescribeWorkflow(ctx, id, "")
	var notFound *serviceerror.NotFound
	if errors.As(err, &notFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("describe study %s: %w", id, err)
	}
	return d.RawResponse.GetWorkflowExecutionInfo().GetStatus() == enums.WORKFLOW_EXECUTION_STATUS_RUNNING, nil
}

// specFromCLI builds the study spec: the agent's defaults (docs/design.md §6),
// then flags and their HPO_* variables, then HPO_MODEL_CHOICES and
// HPO_HEAD_LIMITS_JSON, then the restriction of the space to what the
// trainer implements (see restrictForTrainer); it validates the result and
// returns notes on what the trainer took out of the space and why.
func specFromCLI(c *cli.Context) (workflows.StudySpec, []string, error) {
	if c.String("agent") == "" {
		return workflows.StudySpec{}, nil, fmt.Errorf("%w: --agent is required (criteria, evidence, share or joint)", errUsage)
	}
	spec, err := workflows.DefaultStudySpec(c.String("agent"))
	if err != nil {
		return workflows.StudySpec{}, nil, fmt.Errorf("%w: --agent: %w", errUsage, err)
	}
	if spec.AgentOptions, err = agents.OptionsFromEnv(os.Getenv); err != nil {
		return workflows.StudySpec{}, nil, fmt.Errorf("%w: %w", errUsage, err)
	}
	if err := checkModelFolders(spec.AgentOptions.Models); err != nil {
		return workflows.StudySpec{}, nil, err
	}
	if err := applyFlags(c, &spec); err != nil {
		return workflows.StudySpec{}, nil, err
	}
	if err := applyAlgoFlags(c, &spec); err != nil {
		return workflows.StudySpec{}, nil, err
	}
	notes, err := restrictForTrainer(&spec)
	if err != nil {
		return workflows.StudySpec{}, nil, err
	}
	if err := checkLocalModels(spec); err != nil {
		return workflows.StudySpec{}, nil, err
	}
	if err := applyWarmStart(c, &spec); err != nil {
		return workflows.StudySpec{}, nil, err
	}
	if err := spec.Validate(); err != nil {
		return workflows.StudySpec{}, nil, fmt.Errorf("%w: %w", errUsage, err)
	}
	return spec, notes, nil
}

// applyFlags overrides spec with the flags (and their env fallbacks).
func applyFlags(c *cli.Context, spec *workflows.StudySpec) error {
	if c.IsSet("n-trials") {
		spec.NTrials = c.Int("n-trials")
	}
	if c.IsSet("study") {
		spec.Study = c.String("study")
	}
	if c.IsSet("trials-per-run") {
		spec.TrialsPerRun = c.Int("trials-per-run")
	}
	if c.IsSet("seed") {
		spec.Seed = c.Int64("seed")
	}
	spec.Parallel = c.Int("parallel")
	spec.Patience = c.Int("patience")
	spec.MinDelta = c.Float64("min-delta")
	spec.Trainer = c.String("trainer")
	if spec.Epochs = c.Int("epochs"); spec.Epochs >= 1 {
		// Hyperband's max resource is the epoch budget.
		spec.Pruner = pruners.DefaultConfig(spec.Epochs)
	}
	outdir, err := filepath.Abs(c.String("outdir"))
	if err != nil {
		return fmt.Errorf("%w: --outdir %q: %w", errUsage, c.String("outdir"), err)
	}
	spec.Outdir = outdir
	spec.Storage = "sqlite:///" + filepath.Join(outdir, "supermax.db")
	if c.IsSet("storage") {
		spec.Storage = c.String("storage")
	}
	return nil
}

// waitResult blocks until the study ends (following continue-as-new) and
// prints its result.
func waitResult(ctx context.Context, cl client.Client, id string) error {
	var res workflows.StudyResult
	if err := cl.GetWorkflow(ctx, id, "").Get(ctx, &res); err != nil {
		return fmt.Errorf("study %s: %w", id, err)
	}
	printResult(os.Stdout, res)
	return nil
}
