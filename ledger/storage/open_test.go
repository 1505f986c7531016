package storage

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/redsm5/supermax-hpo/hpo"
	"github.com/redsm5/supermax-hpo/ledger"
)

func TestOpenSQLiteRelativeAndAbsolute(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	ctx := context.Background()
	for _, url := range []string{"sqlite:///rel.db", "sqlite:///" + filepath.Join(dir, "abs.db")} {
		l, err := Open(ctx, url)
		if err != nil {
			t.Fatalf("Open(%q): %v", url, err)
		}
		if _, err := l.CreateStudy(ctx, "s", hpo.Maximize); err != nil {
			t.Fatalf("%s: CreateStudy: %v", url, err)
		}
		if err := l.Close(); err != nil {
			t.Fatal(err)
		}
	}
	for _, name := range []string{"rel.db", "abs.db"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Errorf("file %s not created: %v", name, err)
		}
	}
}

func TestOpenRejectsBadURLs(t *testing.T) {
	for url, want := range map[string]string{
		"sqlite://x.db":                   "sqlite:///relative.db",
		"sqlite:///:memory:":              "neither durable",
		"sqlite:///a.db?timeout=3":        "query parameters",
		"mysql://u:secret@h/db":           "unknown scheme",
		"postgresql://u@h:notaport/db":    "bad connection URL",
		"postgresql+psycopg2://[::1/oops": "bad connection URL",
	} {
		_, err := Open(context.Background(), url)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Open(%q) = %v, want an error containing %q", url, err, want)
		}
		if err != nil && strings.Contains(err.Error(), "secret") {
			t.Errorf("Open(%q) error leaks the password: %v", url, err)
		}
	}
}

func TestOpenMemory(t *testing.T) {
	l, err := Open(context.Background(), "memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if _, err := l.GetStudy(context.Background(), "none"); !errors.Is(err, ledger.ErrNotFound) {
		t.Fatalf("GetStudy on an empty memory ledger: %v", err)
	}
}

func TestPostgresURLForms(t *testing.T) {
	for in, want := range map[string]string{
		"postgresql+psycopg2://u@h/db": "postgresql://u@h/db",
		"postgres://u@h/db":            "postgresql://u@h/db",
		"postgresql://u@h:5/db":        "postgresql://u@h:5/db",
	} {
		got, ok := postgresURL(in)
		if !ok || got != want {
			t.Errorf("postgresURL(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	if got := redact("postgresql://bob:pw@h/db"); got != "postgresql://bob:xxxxx@h/db" {
		t.Errorf("redact = %q", got)
	}
}
