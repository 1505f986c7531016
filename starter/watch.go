package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/urfave/cli/v2"
	"go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/redsm5/supermax-hpo/worker/conn"
	"github.com/redsm5/supermax-hpo/workflows"
)

const (
	defaultWatchEvery = time.Second
	barWidth          = 40
	maxRunningShown   = 16
)

// errStudyFailed: the study workflow ended without a result (failed,
// terminated, timed out, cancelled by Temporal).
var errStudyFailed = errors.New("study ended without a result")

func watchCmd(c *cli.Context) error {
	if c.Duration("every") <= 0 {
		return fmt.Errorf("%w: --every %v must be positive", errUsage, c.Duration("every"))
	}
	return withClient(c, func(ctx context.Context, cl client.Client, _ conn.Options) error {
		return watch(ctx, cl, c.String("study"), c.Duration("every"), os.Stdout, isTerminal(os.Stdout))
	})
}

// watch redraws the study's progress every interval until the study ends,
// then prints its result. On a terminal the frame is redrawn in place;
// otherwise a frame is printed whenever it changes. Blocking; returns
// ctx.Err() when ctx ends first.
func watch(ctx context.Context, cl client.Client, study string, every time.Duration, w io.Writer, tty bool) error {
	var shown []string
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
			frame = renderFrame(st)
		}
		redraw(w, frame, &shown, tty)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(every):
		}
	}
}

// studyResult returns the study's result once its latest run has ended;
// ended is false while it runs (continue-as-new included).
func studyResult(ctx context.Context, cl client.Client, study string) (workflows.StudyResult, bool, error) {
	var res workflows.StudyResult
	d, err := cl.DescribeWorkflow(ctx, study, "")
	if err != nil {
		return res, false, fmt.Errorf("describe study %s: %w", study, err)
	}
	switch s := d.RawResponse.GetWorkflowExecutionInfo().GetStatus(); s {
	case enums.WORKFLOW_EXECUTION_STATUS_RUNNING, enums.WORKFLOW_EXECUTION_STATUS_CONTINUED_AS_NEW:
		return res, false, nil
	case enums.WORKFLOW_EXECUTION_STATUS_COMPLETED:
		if err := cl.GetWorkflow(ctx, study, "").Get(ctx, &res); err != nil {
			return res, false, fmt.Errorf("result of study %s: %w", study, err)
		}
		return res, true, nil
	case enums.WORKFLOW_EXECUTION_STATUS_FAILED:
		err := cl.GetWorkflow(ctx, study, "").Get(ctx, &res)
		return res, false, fmt.Errorf("%w: study %s failed: %s", errStudyFailed, study, failureReason(err))
	default:
		return res, false, fmt.Errorf("%w: study %s is %v", errStudyFailed, study, s)
	}
}

// renderFrame draws a status as lines: header, progress bar with counts,
// best so far, running trials. Deterministic.
func renderFrame(st workflows.StudyStatus) []string {
	lines := []string{
		fmt.Sprintf("study %s · agent %s · %s · run %d · parallel %d · history %d events",
			st.Study, st.Agent, st.State, st.Run, st.Parallel, st.HistoryLength),
		fmt.Sprintf("%s %d/%d ended · %s", bar(st.Counts.Ended(), st.NTrials), st.Counts.Ended(), st.NTrials, countsLine(st.Counts)),
		"best: " + bestLine(st.Best),
	}
	for i, r := range st.Running {
		if i == maxRunningShown {
			lines = append(lines, fmt.Sprintf("  ... and %d more running", len(st.Running)-i))
			break
		}
		lines = append(lines, "  "+runningLine(r))
	}
	return lines
}

// bar is a progress bar of done out of total, barWidth cells wide.
func bar(done, total int) string {
	filled := 0
	if total > 0 {
		filled = min(barWidth, done*barWidth/total)
	}
	return "[" + strings.Repeat("#", filled) + strings.Repeat(".", barWidth-filled) + "]"
}

// redraw replaces the frame shown before (*shown) by frame. On a terminal
// it moves the cursor up over the old frame and clears to the end of the
// screen; elsewhere it prints frame only when it differs from the old one.
func redraw(w io.Writer, frame []string, shown *[]string, tty bool) {
	if !tty {
		if len(frame) > 0 && strings.Join(frame, "\n") != strings.Join(*shown, "\n") {
			fmt.Fprintf(w, "%s\n%s\n", time.Now().Format("15:04:05"), strings.Join(frame, "\n"))
		}
		*shown = frame
		return
	}
	if len(*shown) > 0 {
		fmt.Fprintf(w, "\033[%dA\033[J", len(*shown))
	}
	for _, l := range frame {
		fmt.Fprintln(w, l)
	}
	*shown = frame
}

// isTerminal reports whether f is a character device (a terminal).
func isTerminal(f *os.File) bool {
	info, err := f.Stat()
	return err == nil && info.Mode()&os.ModeCharDevice != 0
}

// failureReason is the message of the application error that failed a
// workflow (without the SDK's wrapping), else err's text.
func failureReason(err error) string {
	var app *temporal.ApplicationError
	if errors.As(err, &app) {
		return app.Message()
	}
	if err == nil {
		return "no failure reported"
	}
	return err.Error()
}
