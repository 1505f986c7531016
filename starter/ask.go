package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/redsm5/supermax-hpo/hpo"
	"github.com/redsm5/supermax-hpo/hpo/random"
	"github.com/redsm5/supermax-hpo/hpo/tpe"
	"github.com/redsm5/supermax-hpo/ledger"
	"github.com/redsm5/supermax-hpo/ledger/storage"
)

// askCommand is `starter ask`, the twin of `optuna ask`: it creates the
// study if needed, creates the next trial, samples it and prints
// {"number": N, "params": {...}} with external values.
func askCommand() *cli.Command {
	return &cli.Command{
		Name:  "ask",
		Usage: "create a trial in the ledger, sample its parameters and print them as JSON (like optuna ask)",
		Flags: append(ledgerFlags(),
			&cli.StringFlag{Name: "direction", Usage: "`DIRECTION`: maximize or minimize; a new study defaults to maximize, an existing one keeps its own"},
			&cli.StringFlag{Name: "sampler", Value: "tpe", Usage: "`SAMPLER`: tpe or random"},
			&cli.StringFlag{Name: "sampler-kwargs", Usage: "sampler options as `JSON`, with Optuna's TPESampler names (e.g. {\"n_startup_trials\": 5})"},
			&cli.StringFlag{Name: "search-space", Required: true, Usage: "search space as `JSON`: parameter name to Optuna distribution JSON"},
			&cli.Int64Flag{Name: "seed", DefaultText: "FNV-1a 64-bit hash of --study-name, so every ask of a study agrees",
				Usage: "study `SEED`; trial n samples from a seed derived from (SEED, n)"},
		),
		Action: askCmd,
	}
}

// ledgerFlags are the flags every ledger verb takes.
func ledgerFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "storage", Required: true, Usage: "ledger `URL`: sqlite:///path.db or postgresql://..."},
		&cli.StringFlag{Name: "study-name", Required: true, Usage: "study `NAME`"},
	}
}

// askArgs are the parsed flags of ask.
type askArgs struct {
	storage, study string
	dir            *hpo.Direction // nil: keep the study's, or maximize
	sampler        hpo.Sampler
	space          *hpo.Space
	seed           int64
}

func parseAsk(c *cli.Context) (askArgs, error) {
	a := askArgs{storage: c.String("storage"), study: c.String("study-name")}
	if c.IsSet("direction") {
		d, err := hpo.ParseDirection(c.String("direction"))
		if err != nil {
			return a, fmt.Errorf("%w: --direction: %w", errUsage, err)
		}
		a.dir = &d
	}
	space, err := hpo.ParseSearchSpaceJSON([]byte(c.String("search-space")))
	if err != nil {
		return a, fmt.Errorf("%w: --search-space: %w", errUsage, err)
	}
	a.space = space
	a.sampler, err = newSampler(c.String("sampler"), c.String("sampler-kwargs"))
	if err != nil {
		return a, err
	}
	a.seed = StudySeed(a.study)
	if c.IsSet("seed") {
		a.seed = c.Int64("seed")
	}
	return a, nil
}

func newSampler(name, kwargs string) (hpo.Sampler, error) {
	switch name {
	case "tpe":
		opts, err := tpe.ParseOptions([]byte(kwargs))
		if err != nil {
			return nil, fmt.Errorf("%w: --sampler-kwargs: %w", errUsage, err)
		}
		s, err := tpe.New(opts)
		if err != nil {
			return nil, fmt.Errorf("%w: --sampler-kwargs: %w", errUsage, err)
		}
		return s, nil
	case "random":
		if kwargs != "" && kwargs != "{}" {
			return nil, fmt.Errorf("%w: --sampler-kwargs: the random sampler takes no options, got %s", errUsage, kwargs)
		}
		return random.New(), nil
	}
	return nil, fmt.Errorf("%w: --sampler %q: want tpe or random", errUsage, name)
}

// StudySeed is the default seed of a study: FNV-1a (64-bit) of its name.
// Deterministic, so separate `starter ask` processes of one study sample
// from the same seed without storing it.
func StudySeed(name string) int64 {
	h := fnv.New64a()
	h.Write([]byte(name))
	return int64(h.Sum64())
}

func askCmd(c *cli.Context) error {
	a, err := parseAsk(c)
	if err != nil {
		return err
	}
	return withLedger(c.Context, a.storage, func(l ledger.Ledger) error {
		s, err := askStudy(c.Context, l, a)
		if err != nil {
			return err
		}
		return ask(c.Context, l, s, a, c.App.Writer)
	})
}

// withLedger opens the ledger at url, runs fn and closes it.
func withLedger(ctx context.Context, url string, fn func(ledger.Ledger) error) (err error) {
	l, err := storage.Open(ctx, url)
	if err != nil {
		return fmt.Errorf("--storage: %w", err)
	}
	defer func() {
		if cerr := l.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("closing the ledger: %w", cerr)
		}
	}()
	return fn(l)
}

// askStudy returns the study, creating it when absent (maximize unless
// --direction says otherwise).
func askStudy(ctx context.Context, l ledger.Ledger, a askArgs) (ledger.Study, error) {
	if a.dir == nil {
		s, err := l.GetStudy(ctx, a.study)
		if err == nil || !errors.Is(err, ledger.ErrNotFound) {
			return s, err
		}
		maximize := hpo.Maximize
		a.dir = &maximize
	}
	s, err := l.CreateStudy(ctx, a.study, *a.dir)
	if errors.Is(err, ledger.ErrConflict) {
		return s, fmt.Errorf("%w: --direction %s: %w", errUsage, *a.dir, err)
	}
	return s, err
}

// ask creates the next trial, samples it against every other trial of the
// study, records its parameters and prints them. A trial whose sampling or
// recording fails is finished as FAIL, so no parameterless RUNNING trial is
// left behind.
func ask(ctx context.Context, l ledger.Ledger, s ledger.Study, a askArgs, w io.Writer) error {
	n, err := l.NextTrial(ctx, s.ID, time.Now())
	if err != nil {
		return err
	}
	params, err := sampleTrial(ctx, l, s, a, n)
	if err == nil {
		err = l.PutTrial(ctx, s.ID, n, params, spaceDists(a.space, params), time.Now())
	}
	if err != nil {
		if ferr := l.Finish(context.WithoutCancel(ctx), s.ID, n, hpo.Fail, nil, time.Now()); ferr != nil {
			err = fmt.Errorf("%w (and marking trial %d failed: %v)", err, n, ferr)
		}
		return fmt.Errorf("trial %d: %w", n, err)
	}
	external, err := a.space.Decode(params)
	if err != nil {
		return fmt.Errorf("trial %d: sampler returned invalid parameters: %w", n, err)
	}
	return json.NewEncoder(w).Encode(struct {
		Number int                  `json:"number"`
		Params map[string]hpo.Value `json:"params"`
	}{n, external})
}

func sampleTrial(ctx context.Context, l ledger.Ledger, s ledger.Study, a askArgs, n int) (map[string]float64, error) {
	all, _, err := l.Trials(ctx, s.ID, ledger.Cursor{})
	if err != nil {
		return nil, err
	}
	history := make([]hpo.Trial, 0, len(all))
	for _, t := range all {
		if t.Number != n {
			history = append(history, t)
		}
	}
	study := hpo.Study{Name: s.Name, Direction: s.Direction, Seed: a.seed}
	params, err := a.sampler.Sample(study, a.space, history, n)
	if err != nil {
		return nil, fmt.Errorf("sampling: %w", err)
	}
	return params, nil
}

// spaceDists returns the distribution of each sampled parameter.
func spaceDists(space *hpo.Space, params map[string]float64) map[string]hpo.Distribution {
	d := make(map[string]hpo.Distribution, len(params))
	for name := range params {
		if p, ok := space.Lookup(name); ok {
			d[name] = p.Dist
		}
	}
	return d
}
