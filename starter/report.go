package main

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/redsm5/supermax-hpo/ledger/storage"
	"github.com/redsm5/supermax-hpo/report"
	"github.com/redsm5/supermax-hpo/results"
)

// reportCommand is `starter report`: the study as one self-contained HTML
// file, read from the ledger (no Temporal needed).
func reportCommand() *cli.Command {
	return &cli.Command{
		Name:  "report",
		Usage: "write the study's HTML report (history, intermediate values, importances, slices, parallel coordinates, top trials with test scores); one file, no network",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "study", Required: true, EnvVars: []string{"HPO_STUDY"}, Usage: "study `NAME`"},
			&cli.StringFlag{Name: "agent", Usage: "the study's `AGENT` (default: recorded in the ledger)"},
			&cli.StringFlag{Name: "outdir", Value: "_runs", EnvVars: []string{"HPO_OUTDIR"}, Usage: "output `DIR` (ledger default, report default)"},
			&cli.StringFlag{Name: "storage", DefaultText: "sqlite:///<outdir>/supermax.db", Usage: "ledger `URL`"},
			&cli.StringFlag{Name: "out", DefaultText: "<outdir>/<agent>_<study>_report.html", Usage: "report `FILE`"},
			&cli.IntFlag{Name: "top-k", Value: 10, Usage: "trials in the top table"},
		},
		Action: reportCmd,
	}
}

func reportCmd(c *cli.Context) error {
	outdir, err := filepath.Abs(c.String("outdir"))
	if err != nil {
		return fmt.Errorf("%w: --outdir %q: %w", errUsage, c.String("outdir"), err)
	}
	if c.Int("top-k") < 1 {
		return fmt.Errorf("%w: --top-k %d must be >= 1", errUsage, c.Int("top-k"))
	}
	url := "sqlite:///" + filepath.Join(outdir, "supermax.db")
	if c.IsSet("storage") {
		url = c.String("storage")
	}
	if err := ledgerExists(url); err != nil {
		return err
	}
	l, err := storage.Open(c.Context, url)
	if err != nil {
		return err
	}
	defer l.Close()
	s, err := results.Load(c.Context, l, c.String("study"), c.String("agent"))
	if err != nil {
		return err
	}
	out := c.String("out")
	if out == "" {
		out = filepath.Join(outdir, reportName(s.Agent, s.Name))
	}
	path, err := writeReport(out, s, c.Int("top-k"))
	if err != nil {
		return err
	}
	fmt.Printf("report: %s\n", path)
	return nil
}

// reportName is the default file name of a study's report.
func reportName(agent, study string) string { return agent + "_" + study + "_report.html" }

// writeReport renders s into path atomically and returns the path.
func writeReport(path string, s *results.Study, topK int) (string, error) {
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return "", fmt.Errorf("report: %w", err)
	}
	if err := report.Write(f, s, report.Options{TopK: topK, Now: time.Now()}); err != nil {
		f.Close()
		os.Remove(tmp)
		return "", err
	}
	if err := f.Close(); err != nil {
		return "", fmt.Errorf("report: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return "", fmt.Errorf("report: %w", err)
	}
	return path, nil
}
