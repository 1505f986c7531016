package main

import (
	"context"
	"fmt"
	"os"

	"github.com/urfave/cli/v2"
	"go.temporal.io/sdk/client"

	"github.com/redsm5/supermax-hpo/hpo/agents"
	"github.com/redsm5/supermax-hpo/worker/conn"
	"github.com/redsm5/supermax-hpo/workflows"
)

// narrowCommand is `starter narrow`: narrow a running study's space live.
func narrowCommand() *cli.Command {
	return &cli.Command{
		Name:  "narrow",
		Usage: "narrow a running study's search space from its next suggestion on (model choices, head limits), without restarting it",
		Description: "--models and --head-limits are read exactly as HPO_MODEL_CHOICES and HPO_HEAD_LIMITS_JSON; what is not\n" +
			"given keeps the study's current value. The study's trainer restrictions apply as at its start. The change is\n" +
			"recorded in the study (starter status) and in the ledger (study attribute supermax_space:<first trial>).",
		Flags: withStudyFlag(
			&cli.StringFlag{Name: "models", Usage: "comma `LIST` of model names or local model folders (as HPO_MODEL_CHOICES)"},
			&cli.StringFlag{Name: "head-limits", Usage: "`JSON` {\"layers_min\",\"layers_max\",\"hidden_choices\",\"dropout_max\"} (as HPO_HEAD_LIMITS_JSON)"},
		),
		Action: narrowCmd,
	}
}

func narrowCmd(c *cli.Context) error {
	if c.String("models") == "" && c.String("head-limits") == "" {
		return fmt.Errorf("%w: narrow needs --models or --head-limits", errUsage)
	}
	given, err := agents.OptionsFromEnv(func(name string) string {
		switch name {
		case agents.EnvModelChoices:
			return c.String("models")
		case agents.EnvHeadLimits:
			return c.String("head-limits")
		}
		return ""
	})
	if err != nil {
		return fmt.Errorf("%w: %w", errUsage, err)
	}
	if err := checkModelFolders(given.Models); err != nil {
		return err
	}
	return withClient(c, func(ctx context.Context, cl client.Client, _ conn.Options) error {
		study := c.String("study")
		spec, err := studySpecOf(ctx, cl, study)
		if err != nil {
			return err
		}
		st, err := queryStatus(ctx, cl, study)
		if err != nil {
			return err
		}
		opts, notes, err := narrowedOptions(spec, st, given, c.IsSet("models"), c.IsSet("head-limits"))
		if err != nil {
			return err
		}
		if err := cl.SignalWorkflow(ctx, study, "", workflows.SignalNarrow, opts); err != nil {
			return fmt.Errorf("signal %s to study %s: %w", workflows.SignalNarrow, study, err)
		}
		for _, n := range notes {
			fmt.Fprintf(os.Stdout, "trainer %s: %s\n", spec.Trainer, n)
		}
		fmt.Printf("sent %s to study %s: its trials suggested from now on use:\n", workflows.SignalNarrow, study)
		for _, line := range opts.Narrowing() {
			fmt.Printf("  search space: %s\n", line)
		}
		return nil
	})
}

// narrowedOptions merges the given options over the study's current ones
// (its last narrowing, else its spec), restricts them for its trainer and
// validates them as the study will.
func narrowedOptions(spec workflows.StudySpec, st workflows.StudyStatus, given agents.Options, models, head bool) (agents.Options, []string, error) {
	cur := spec.AgentOptions
	if n := len(st.Space); n > 0 {
		cur = st.Space[n-1].Options
	}
	if models {
		cur.Models = given.Models
	}
	if head {
		cur.Head = given.Head
	}
	tmp := spec
	tmp.AgentOptions = cur
	notes, err := restrictForTrainer(&tmp)
	if err != nil {
		return agents.Options{}, nil, err
	}
	if err := workflows.ValidateNarrow(spec.Agent, tmp.AgentOptions); err != nil {
		return agents.Options{}, nil, fmt.Errorf("%w: %w", errUsage, err)
	}
	return tmp.AgentOptions, notes, nil
}
