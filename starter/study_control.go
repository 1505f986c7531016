package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/urfave/cli/v2"
	"go.temporal.io/sdk/client"

	"github.com/redsm5/supermax-hpo/worker/conn"
	"github.com/redsm5/supermax-hpo/workflows"
)

// studyCommands are the commands that follow and steer a running study;
// each names the study with --study (workflow ID) and sends one signal or
// query to its current run.
func studyCommands() []*cli.Command {
	return []*cli.Command{
		{Name: "status", Usage: "print the study's status (query " + workflows.QueryStatus + ")",
			Flags: withStudyFlag(&cli.BoolFlag{Name: "json", Usage: "print the raw JSON"}), Action: statusCmd},
		{Name: "stop", Usage: "start no new trials; running ones finish, then the study ends",
			Flags: withStudyFlag(), Action: signalCmd(workflows.SignalStop, nil)},
		{Name: "cancel", Usage: "cancel the running trials (recorded as failed: cancelled) and end the study",
			Flags: withStudyFlag(), Action: signalCmd(workflows.SignalCancel, nil)},
		{Name: "set-parallelism", Usage: "change how many trials run at once, live", ArgsUsage: "N",
			Flags: withStudyFlag(), Action: setParallelismCmd},
		{Name: "prune", Usage: "prune one running trial (it stops after its current epoch)",
			Flags: withStudyFlag(&cli.IntFlag{Name: "trial", Required: true, Usage: "trial `NUMBER`"}), Action: pruneCmd},
		{Name: "watch", Usage: "live progress: counts, best so far, running trials; ends when the study ends",
			Flags:  withStudyFlag(&cli.DurationFlag{Name: "every", Value: defaultWatchEvery, Usage: "refresh interval"}),
			Action: watchCmd},
	}
}

// withStudyFlag returns the connection flags, --study and extra.
func withStudyFlag(extra ...cli.Flag) []cli.Flag {
	f := append(connectFlags(), &cli.StringFlag{Name: "study", Required: true, EnvVars: []string{"HPO_STUDY"},
		Usage: "study `NAME` (its workflow ID)"})
	return append(f, extra...)
}

func statusCmd(c *cli.Context) error {
	return withClient(c, func(ctx context.Context, cl client.Client, o conn.Options) error {
		st, err := queryStatus(ctx, cl, c.String("study"))
		if err != nil {
			return err
		}
		if c.Bool("json") {
			enc := json.NewEncoder(os.Stdout)
			enc.SetIndent("", "  ")
			return enc.Encode(st)
		}
		printStatus(os.Stdout, st)
		statusTestScores(ctx, cl, c.String("study"))
		fmt.Printf("Web UI: %s\n", workflowLink(c.String(flagUI), o.Namespace, c.String("study")))
		return nil
	})
}

// queryStatus asks the study's current run for its status. Blocking.
func queryStatus(ctx context.Context, cl client.Client, study string) (workflows.StudyStatus, error) {
	var st workflows.StudyStatus
	v, err := cl.QueryWorkflow(ctx, study, "", workflows.QueryStatus)
	if err != nil {
		return st, fmt.Errorf("query study %s: %w", study, err)
	}
	if err := v.Get(&st); err != nil {
		return st, fmt.Errorf("decode status of study %s: %w", study, err)
	}
	return st, nil
}

// signalCmd returns an action that sends signal name with arg to the study.
func signalCmd(name string, arg func(*cli.Context) (any, error)) cli.ActionFunc {
	return func(c *cli.Context) error {
		var payload any
		if arg != nil {
			var err error
			if payload, err = arg(c); err != nil {
				return err
			}
		}
		return withClient(c, func(ctx context.Context, cl client.Client, _ conn.Options) error {
			study := c.String("study")
			if err := cl.SignalWorkflow(ctx, study, "", name, payload); err != nil {
				return fmt.Errorf("signal %s to study %s: %w", name, study, err)
			}
			fmt.Printf("sent %s to study %s\n", name, study)
			return nil
		})
	}
}

func setParallelismCmd(c *cli.Context) error {
	return signalCmd(workflows.SignalSetParallelism, func(c *cli.Context) (any, error) {
		var n int
		if c.NArg() != 1 {
			return nil, fmt.Errorf("%w: set-parallelism takes one argument N (>= 1), got %d", errUsage, c.NArg())
		}
		if _, err := fmt.Sscan(c.Args().First(), &n); err != nil || n < 1 {
			return nil, fmt.Errorf("%w: set-parallelism: %q is not an integer >= 1", errUsage, c.Args().First())
		}
		return n, nil
	})(c)
}

func pruneCmd(c *cli.Context) error {
	return signalCmd(workflows.SignalPruneTrial, func(c *cli.Context) (any, error) {
		if n := c.Int("trial"); n >= 0 {
			return n, nil
		}
		return nil, fmt.Errorf("%w: --trial %d is negative", errUsage, c.Int("trial"))
	})(c)
}

// printStatus writes a status as a few human-readable lines.
func printStatus(w io.Writer, st workflows.StudyStatus) {
	fmt.Fprintf(w, "study %s (agent %s): %s, run %d, history %d events\n", st.Study, st.Agent, st.State, st.Run, st.HistoryLength)
	fmt.Fprintf(w, "trials: %d of %d ended (%s), %d started, parallel %d\n",
		st.Counts.Ended(), st.NTrials, countsLine(st.Counts), st.Started, st.Parallel)
	fmt.Fprintf(w, "best: %s\n", bestLine(st.Best))
	for _, r := range st.Running {
		fmt.Fprintf(w, "  %s\n", runningLine(r))
	}
}

// printResult writes a finished study's result.
func printResult(w io.Writer, res workflows.StudyResult) {
	fmt.Fprintf(w, "study %s %s after %d runs: %s\n", res.Study, strings.ToLower(res.State), res.Runs, countsLine(res.Counts))
	fmt.Fprintf(w, "best: %s\n", bestLine(res.Best))
}

func countsLine(n workflows.Counts) string {
	return fmt.Sprintf("complete %d, pruned %d, failed %d, running %d", n.Complete, n.Pruned, n.Fail, n.Running)
}

func bestLine(b *workflows.BestTrial) string {
	if b == nil {
		return "none yet"
	}
	return fmt.Sprintf("trial %d, value %.4f", b.Number, b.Value)
}

func runningLine(r workflows.RunningTrial) string {
	last := "-"
	if r.LastValue != nil {
		last = fmt.Sprintf("%.4f", *r.LastValue)
	}
	return fmt.Sprintf("trial %-6d epoch %-4d last %s", r.Number, r.Epoch, last)
}
