package local

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"go.temporal.io/sdk/client"
	tlog "go.temporal.io/sdk/log"

	"github.com/redsm5/supermax-hpo/workflows"
)

// DevServerExtraArgs returns the flags of `temporal server start-dev`
// besides addresses and the database, the same as scripts/dev-server.sh
// passes (why each is set is explained there): our search attributes and
// the dynamic config values of docs/ (DESIGN notes, dispatch latency).
// Deterministic; a fresh slice on every call.
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

// Default ports of the dev server, used when both are free.
const (
	defaultPort   = 7233
	defaultUIPort = 8233
)

// serverUpTimeout bounds the wait for a started dev server to answer.
const serverUpTimeout = 2 * time.Minute

// startServer starts the dev server of outdir from the Temporal CLI at cli:
// SQLite in <outdir>/.supermax/temporal.db (so a study survives restarts of
// the server), loopback only, ports 7233/8233 when free and free ports
// otherwise. It blocks until the server answers health checks.
func startServer(ctx context.Context, cli, outdir string, env []string) (*Server, error) {
	if info, err := os.Stat(cli); err != nil || info.IsDir() || info.Mode()&0o111 == 0 {
		return nil, fmt.Errorf("no Temporal CLI (the dev server) at %s: run `make temporal`, or set TEMPORAL_ADDRESS to use a running server", cli)
	}
	port, uiPort, err := pickPorts()
	if err != nil {
		return nil, err
	}
	dir := filepath.Join(outdir, Dir)
	db := filepath.Join(dir, "temporal.db")
	args := append([]string{"server", "start-dev", "--db-filename", db, "--ip", "127.0.0.1",
		"--port", strconv.Itoa(port), "--ui-port", strconv.Itoa(uiPort), "--log-level", "warn"}, DevServerExtraArgs()...)
	p, err := startDetached(cli, args, env, filepath.Join(dir, "dev-server.log"))
	if err != nil {
		return nil, fmt.Errorf("dev server: %w", err)
	}
	s := &Server{Proc: p, Address: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)),
		UI: "http://" + net.JoinHostPort("127.0.0.1", strconv.Itoa(uiPort)), DB: db}
	wctx, cancel := context.WithTimeout(ctx, serverUpTimeout)
	defer cancel()
	for !Healthy(wctx, s.Address) {
		if !p.Alive() {
			return nil, fmt.Errorf("the dev server exited at start; see %s", p.Log)
		}
		select {
		case <-wctx.Done():
			_ = p.stop(context.Background(), 5*time.Second)
			return nil, fmt.Errorf("the dev server did not answer on %s within %v (see %s): %w", s.Address, serverUpTimeout, p.Log, wctx.Err())
		case <-time.After(300 * time.Millisecond):
		}
	}
	return s, nil
}

// pickPorts returns 7233 and 8233 when both are free on 127.0.0.1, else
// two free ports the kernel chooses.
func pickPorts() (int, int, error) {
	if portFree(defaultPort) && portFree(defaultUIPort) {
		return defaultPort, defaultUIPort, nil
	}
	a, err := freePort()
	if err != nil {
		return 0, 0, err
	}
	b, err := freePort()
	if err != nil {
		return 0, 0, err
	}
	return a, b, nil
}

func portFree(port int) bool {
	l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		return false
	}
	l.Close()
	return true
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// Healthy reports whether a Temporal frontend answers a health check at
// address within a few seconds (or before ctx ends).
func Healthy(ctx context.Context, address string) bool {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	h := slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError + 1})
	cl, err := client.DialContext(ctx, client.Options{HostPort: address, Logger: tlog.NewStructuredLogger(slog.New(h))})
	if err != nil {
		return false
	}
	defer cl.Close()
	_, err = cl.CheckHealth(ctx, &client.CheckHealthRequest{})
	return err == nil
}
