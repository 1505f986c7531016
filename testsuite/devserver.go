// Package testsuite holds the tests that exercise workflows as a whole: the
// workflow tests in Temporal's test environment, and the integration, crash
// and replay tests against a real Temporal dev server, which this file starts.
package testsuite

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"go.temporal.io/sdk/client"
	tlog "go.temporal.io/sdk/log"
	sdktestsuite "go.temporal.io/sdk/testsuite"

	"github.com/redsm5/supermax-hpo/workflows"
)

// ErrNoTemporalCLI: the Temporal CLI binary (the dev server) is not where
// scripts/env.sh puts it; `make temporal` builds it.
var ErrNoTemporalCLI = errors.New("temporal CLI not found (run `make temporal`)")

// DevServerExtraArgs returns the flags that scripts/dev-server.sh passes to
// `temporal server start-dev` besides addresses and the database: our search
// attributes and the dynamic config values of docs/design.md §3 (why each is set
// is explained in the script). A fresh slice on every call; deterministic.
func DevServerExtraArgs() []string {
	var args []string
	for _, sa := range workflows.SearchAttributes() {
		args = append(args, "--search-attribute", sa.Name+"="+sa.Type)
	}
	for _, kv := range []string{
		"history.transferProcessorMaxPollRPS=1000",
		"matching.numTaskqueueReadPartitions=1",
		"matching.numTaskqueueWritePartitions=1",
		"system.enableActivityEagerExecution=true",
	} {
		args = append(args, "--dynamic-config-value", kv)
	}
	return args
}

// TemporalCLIPath returns the Temporal CLI the dev server runs from, as
// scripts/env.sh defines it: $TEMPORAL_CLI, else
// $SUPERMAX_CACHE/bin/temporal, else ~/.cache/supermax-hpo/bin/temporal. It
// returns an error wrapping ErrNoTemporalCLI when that file is not an
// executable.
func TemporalCLIPath() (string, error) {
	path := os.Getenv("TEMPORAL_CLI")
	if path == "" {
		cache := os.Getenv("SUPERMAX_CACHE")
		if cache == "" {
			home, err := os.UserHomeDir()
			if err != nil {
				return "", fmt.Errorf("%w: no $TEMPORAL_CLI, $SUPERMAX_CACHE or home: %w", ErrNoTemporalCLI, err)
			}
			cache = filepath.Join(home, ".cache", "supermax-hpo")
		}
		path = filepath.Join(cache, "bin", "temporal")
	}
	info, err := os.Stat(path)
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrNoTemporalCLI, err)
	}
	if info.IsDir() || info.Mode()&0o111 == 0 {
		return "", fmt.Errorf("%w: %s is not an executable file", ErrNoTemporalCLI, path)
	}
	return path, nil
}

// DevServer is a running dev server owned by one test.
type DevServer struct {
	*sdktestsuite.DevServer
	// Address is the frontend's host:port (127.0.0.1 and a free port).
	Address string
	// CLI is the path of the Temporal CLI binary, for `temporal workflow ...`.
	CLI string
}

// StartDevServer starts a dev server for t — in-memory, headless, on
// 127.0.0.1 and a free port, with DevServerExtraArgs — and stops it when the
// test ends. It skips t, saying why, when the Temporal CLI is missing
// (scripts/test.sh builds it first, so `make test` always runs these tests).
// Blocks until the server answers (at most a minute); the server's output
// is printed to the test log only if the test fails.
func StartDevServer(t testing.TB) *DevServer {
	t.Helper()
	cli, err := TemporalCLIPath()
	if err != nil {
		t.Skipf("skipping: needs a real Temporal dev server: %v", err)
	}
	out := &syncBuffer{}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	srv, err := sdktestsuite.StartDevServer(ctx, sdktestsuite.DevServerOptions{
		ExistingPath:  cli,
		ClientOptions: &client.Options{HostPort: "", Namespace: "default", Logger: QuietLogger()},
		LogLevel:      "error",
		ExtraArgs:     DevServerExtraArgs(),
		Stdout:        out,
		Stderr:        out,
	})
	if err != nil {
		t.Fatalf("start dev server (%s): %v\n%s", cli, err, out.String())
	}
	t.Cleanup(func() {
		srv.Client().Close()
		if err := srv.Stop(); err != nil {
			t.Logf("dev server stop: %v", err)
		}
		if t.Failed() {
			t.Logf("dev server output:\n%s", out.String())
		}
	})
	return &DevServer{DevServer: srv, Address: srv.FrontendHostPort(), CLI: cli}
}

// QuietLogger returns an SDK logger that prints only warnings and errors to
// stderr, so that test output stays readable.
func QuietLogger() tlog.Logger {
	h := slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})
	return tlog.NewStructuredLogger(slog.New(h))
}

// syncBuffer is a bytes.Buffer safe for the concurrent writes of a child
// process's stdout and stderr copiers.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
