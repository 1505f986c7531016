package main

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/redsm5/supermax-hpo/activities"
	"github.com/redsm5/supermax-hpo/hpo"
	"github.com/redsm5/supermax-hpo/hpo/agents"
	"github.com/redsm5/supermax-hpo/ledger"
	"github.com/redsm5/supermax-hpo/ledger/storage"
	"github.com/redsm5/supermax-hpo/results"
	"github.com/redsm5/supermax-hpo/workflows"
)

// defaultWarmStartK is K of --warm-start-from STUDY without :K.
const defaultWarmStartK = 10

// warmStartFlag is --warm-start-from.
func warmStartFlag() cli.Flag {
	return &cli.StringFlag{Name: "warm-start-from", Usage: "`STUDY[:K]`: the new study's first trials are the best K (default 10, at most " +
		strconv.Itoa(activities.MaxEnqueued) + ") COMPLETE trials of STUDY (same agent, same ledger), checked against the current space"}
}

// applyWarmStart reads --warm-start-from and fills spec.WarmStart from the
// ledger spec.Storage names; it prints what it took and dropped. The
// configurations are checked against the study's final space (after
// HPO_* narrowing and the trainer's restrictions): one with a value
// outside it is left out, saying why; none fitting is an error.
func applyWarmStart(c *cli.Context, spec *workflows.StudySpec) error {
	flag := c.String("warm-start-from")
	if flag == "" {
		return nil
	}
	from, k, err := parseWarmStart(flag)
	if err != nil {
		return err
	}
	if from == spec.Study {
		return fmt.Errorf("%w: --warm-start-from %s: a study cannot warm-start from itself", errUsage, flag)
	}
	if err := ledgerExists(spec.Storage); err != nil {
		return err
	}
	l, err := storage.Open(c.Context, spec.Storage)
	if err != nil {
		return err
	}
	defer l.Close()
	configs, notes, err := warmStartConfigs(c.Context, l, spec, from, k)
	if err != nil {
		return err
	}
	for _, n := range notes {
		fmt.Println("warm start:", n)
	}
	spec.WarmStart = configs
	fmt.Printf("warm start: the first %d trials are the best of %s\n", len(configs), from)
	return nil
}

// parseWarmStart splits STUDY[:K].
func parseWarmStart(flag string) (string, int, error) {
	study, kText, hasK := strings.Cut(flag, ":")
	k := defaultWarmStartK
	if hasK {
		n, err := strconv.Atoi(kText)
		if err != nil || n < 1 || n > activities.MaxEnqueued {
			return "", 0, fmt.Errorf("%w: --warm-start-from %q: K must be 1..%d", errUsage, flag, activities.MaxEnqueued)
		}
		k = n
	}
	if study == "" {
		return "", 0, fmt.Errorf("%w: --warm-start-from %q: no study name", errUsage, flag)
	}
	return study, k, nil
}

// warmStartConfigs returns the best k COMPLETE trials of study from as
// configurations that fit spec's space, and notes on what was dropped.
func warmStartConfigs(ctx context.Context, l ledger.Ledger, spec *workflows.StudySpec, from string, k int) ([]map[string]hpo.Value, []string, error) {
	src, err := results.Load(ctx, l, from, spec.Agent)
	if errors.Is(err, ledger.ErrNotFound) {
		return nil, nil, fmt.Errorf("%w: --warm-start-from: no study %s in %s", errUsage, from, spec.Storage)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("--warm-start-from: %w", err)
	}
	if err := sameAgent(ctx, l, from, spec.Agent); err != nil {
		return nil, nil, err
	}
	a, _ := agents.ParseAgent(spec.Agent)
	space, err := agents.Space(a, spec.AgentOptions)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %w", errUsage, err)
	}
	var configs []map[string]hpo.Value
	var notes []string
	for _, t := range src.Top(k) {
		kept, dropped, err := activities.FitConfig(space, results.Params(t))
		if err != nil {
			notes = append(notes, fmt.Sprintf("trial %d of %s left out: %v", t.Number, from, err))
			continue
		}
		if len(dropped) > 0 {
			notes = append(notes, fmt.Sprintf("trial %d of %s: %s not in the current space, dropped", t.Number, from, strings.Join(dropped, ", ")))
		}
		configs = append(configs, kept)
	}
	if len(configs) == 0 {
		return nil, notes, fmt.Errorf("%w: --warm-start-from %s: no COMPLETE trial fits the current space (%s)", errUsage, from, strings.Join(notes, "; "))
	}
	return configs, notes, nil
}

// sameAgent refuses a source study whose recorded agent differs.
func sameAgent(ctx context.Context, l ledger.Ledger, study, agent string) error {
	s, err := results.Load(ctx, l, study, "")
	if err != nil {
		return nil // no agent recorded (a study that never wrote outputs): the caller's is taken
	}
	if s.Agent != agent {
		return fmt.Errorf("%w: --warm-start-from %s: that study is agent %s, this one %s", errUsage, study, s.Agent, agent)
	}
	return nil
}
