package main

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/redsm5/supermax-hpo/hpo"
	"github.com/redsm5/supermax-hpo/ledger"
)

// tellCommand is `starter tell`, the twin of `optuna tell`: it finishes a
// trial with its value and state. Repeating the same tell is a no-op;
// telling a finished trial something else fails.
func tellCommand() *cli.Command {
	return &cli.Command{
		Name:  "tell",
		Usage: "finish a trial with its value and state (like optuna tell)",
		Flags: append(ledgerFlags(),
			&cli.IntFlag{Name: "trial-number", Required: true, Usage: "trial `NUMBER` (printed by ask)"},
			&cli.StringFlag{Name: "values", Usage: "the objective `VALUE` (one number; inf and -inf allowed); required for complete, not allowed for fail"},
			&cli.StringFlag{Name: "state", Value: "complete", Usage: "`STATE`: complete, pruned or fail"},
		),
		Action: tellCmd,
	}
}

// tellArgs are the parsed flags of tell.
type tellArgs struct {
	storage, study string
	number         int
	state          hpo.TrialState
	value          *float64
}

func parseTell(c *cli.Context) (tellArgs, error) {
	a := tellArgs{storage: c.String("storage"), study: c.String("study-name"), number: c.Int("trial-number")}
	if a.number < 0 {
		return a, fmt.Errorf("%w: --trial-number %d is negative", errUsage, a.number)
	}
	st, err := hpo.ParseTrialState(c.String("state"))
	if err != nil || !st.Finished() {
		return a, fmt.Errorf("%w: --state %q: want complete, pruned or fail", errUsage, c.String("state"))
	}
	a.state = st
	if c.IsSet("values") {
		v, err := parseValues(c.String("values"))
		if err != nil {
			return a, fmt.Errorf("%w: --values: %w", errUsage, err)
		}
		a.value = &v
	}
	switch {
	case a.state == hpo.Complete && a.value == nil:
		return a, fmt.Errorf("%w: --values is required with --state complete", errUsage)
	case a.state == hpo.Fail && a.value != nil:
		return a, fmt.Errorf("%w: --values is not allowed with --state fail", errUsage)
	}
	return a, nil
}

// parseValues reads the one objective value, also in Optuna's list form
// ("0.5", "[0.5]" or "0.5," all work); NaN is refused as Optuna refuses it.
func parseValues(s string) (float64, error) {
	fields := strings.FieldsFunc(strings.Trim(strings.TrimSpace(s), "[]"), func(r rune) bool { return r == ',' || r == ' ' })
	if len(fields) != 1 {
		return 0, fmt.Errorf("%q: want exactly one value (single-objective studies only)", s)
	}
	v, err := strconv.ParseFloat(fields[0], 64)
	if err != nil {
		return 0, fmt.Errorf("%q is not a number", fields[0])
	}
	if math.IsNaN(v) {
		return 0, fmt.Errorf("%q: NaN is not a value (tell --state fail instead)", s)
	}
	return v, nil
}

func tellCmd(c *cli.Context) error {
	a, err := parseTell(c)
	if err != nil {
		return err
	}
	return withLedger(c.Context, a.storage, func(l ledger.Ledger) error {
		s, err := l.GetStudy(c.Context, a.study)
		if err != nil {
			return fmt.Errorf("--study-name: %w", err)
		}
		return tell(c.Context, l, s, a)
	})
}

// tell finishes the trial. A pruned trial told without a value gets its last
// intermediate value (unless NaN), as Optuna's tell does.
func tell(ctx context.Context, l ledger.Ledger, s ledger.Study, a tellArgs) error {
	if a.state == hpo.Pruned && a.value == nil {
		v, err := lastIntermediate(ctx, l, s.ID, a.number)
		if err != nil {
			return err
		}
		a.value = v
	}
	err := l.Finish(ctx, s.ID, a.number, a.state, a.value, time.Now())
	if err != nil {
		return fmt.Errorf("--trial-number %d: %w", a.number, err)
	}
	return nil
}

func lastIntermediate(ctx context.Context, l ledger.Ledger, studyID int64, n int) (*float64, error) {
	trials, _, err := l.Trials(ctx, studyID, ledger.Cursor{})
	if err != nil {
		return nil, err
	}
	i := sort.Search(len(trials), func(i int) bool { return trials[i].Number >= n })
	if i == len(trials) || trials[i].Number != n {
		return nil, fmt.Errorf("--trial-number %d: %w", n, ledger.ErrNotFound)
	}
	last, found := 0, false
	for step := range trials[i].Intermediate {
		if !found || step > last {
			last, found = step, true
		}
	}
	if !found || math.IsNaN(trials[i].Intermediate[last]) {
		return nil, nil
	}
	v := trials[i].Intermediate[last]
	return &v, nil
}
