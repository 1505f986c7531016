// Package storage opens a ledger from a storage URL as Optuna writes them.
// It lives apart from package ledger because it imports the implementations,
// which import ledger.
package storage

import (
	"context"
	"fmt"
	"strings"

	"github.com/redsm5/supermax-hpo/ledger"
	"github.com/redsm5/supermax-hpo/ledger/memory"
	"github.com/redsm5/supermax-hpo/ledger/postgres"
	"github.com/redsm5/supermax-hpo/ledger/sqlite"
)

// Open opens the ledger at url:
//
//   - sqlite:///rel/path.db (relative to the working directory) and
//     sqlite:////abs/path.db (absolute), SQLAlchemy's form, as in
//     optuna.load_study(storage=...);
//   - postgresql://user:pass@host:port/db, also postgres:// and the
//     SQLAlchemy driver forms postgresql+psycopg2:// and postgresql+psycopg://;
//   - memory: an empty in-memory ledger, for tests and demos only.
//
// It blocks until the database is reachable and its schema checked, or ctx
// ends. A bad URL is an error that quotes it (passwords removed).
func Open(ctx context.Context, url string) (ledger.Ledger, error) {
	switch {
	case url == "memory:":
		return memory.New(), nil
	case strings.HasPrefix(url, "sqlite:///"):
		path, err := sqlitePath(url)
		if err != nil {
			return nil, err
		}
		return sqlite.Open(ctx, path)
	case strings.HasPrefix(url, "sqlite:"):
		return nil, fmt.Errorf("storage URL %q: want sqlite:///relative.db or sqlite:////absolute/path.db", url)
	}
	if pg, ok := postgresURL(url); ok {
		return postgres.Open(ctx, pg)
	}
	return nil, fmt.Errorf("storage URL %q: unknown scheme (want sqlite:///path.db, postgresql://... or memory:)", redact(url))
}

// sqlitePath extracts the file path of a sqlite:/// URL.
func sqlitePath(url string) (string, error) {
	path := strings.TrimPrefix(url, "sqlite:///")
	switch {
	case path == "" || path == ":memory:":
		return "", fmt.Errorf("storage URL %q: an in-memory SQLite database is neither durable nor shared; name a file (tests may use the URL \"memory:\")", url)
	case strings.Contains(path, "?"):
		return "", fmt.Errorf("storage URL %q: query parameters are not supported", url)
	}
	return path, nil
}

// postgresURL maps the SQLAlchemy forms of a PostgreSQL URL to libpq's.
func postgresURL(url string) (string, bool) {
	for _, prefix := range []string{"postgresql+psycopg2://", "postgresql+psycopg://", "postgresql+pg8000://", "postgresql://", "postgres://"} {
		if strings.HasPrefix(url, prefix) {
			return "postgresql://" + strings.TrimPrefix(url, prefix), true
		}
	}
	return "", false
}

// redact removes a password from a URL for error messages.
func redact(url string) string {
	scheme, rest, ok := strings.Cut(url, "://")
	if !ok {
		return url
	}
	userinfo, host, ok := strings.Cut(rest, "@")
	if !ok {
		return url
	}
	user, _, hasPass := strings.Cut(userinfo, ":")
	if !hasPass {
		return url
	}
	return scheme + "://" + user + ":xxxxx@" + host
}
