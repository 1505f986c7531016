package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"strings"

	"github.com/urfave/cli/v2"
	"go.temporal.io/sdk/client"
	tlog "go.temporal.io/sdk/log"

	"github.com/redsm5/supermax-hpo/worker/conn"
)

// flagUI is the Web UI base address used in printed links.
const flagUI = "ui"

// connectFlags are the connection flags of every study command: those of
// package conn (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TLS, API key) and the
// Web UI address for links.
func connectFlags() []cli.Flag {
	return append(conn.Flags(),
		&cli.StringFlag{Name: flagUI, Value: "http://127.0.0.1:8233", EnvVars: []string{"TEMPORAL_UI"},
			Usage: "Temporal Web UI base `URL`, for the links printed"})
}

// dial connects to Temporal with the command's connection flags. SDK log
// lines below warning level are dropped: the starter talks to people.
func dial(c *cli.Context) (client.Client, conn.Options, error) {
	o := conn.FromCLI(c)
	h := slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})
	cl, err := conn.Dial(c.Context, o, tlog.NewStructuredLogger(slog.New(h)))
	if err != nil {
		return nil, o, err
	}
	return cl, o, nil
}

// workflowLink is the Web UI page of workflow id in namespace ns.
// Deterministic; the ID is path-escaped (trial IDs contain '/').
func workflowLink(uiBase, ns, id string) string {
	return fmt.Sprintf("%s/namespaces/%s/workflows/%s",
		strings.TrimRight(uiBase, "/"), url.PathEscape(ns), url.PathEscape(id))
}

// withClient runs fn with a connected client and closes it afterwards.
func withClient(c *cli.Context, fn func(ctx context.Context, cl client.Client, o conn.Options) error) error {
	cl, o, err := dial(c)
	if err != nil {
		return err
	}
	defer cl.Close()
	return fn(c.Context, cl, o)
}
