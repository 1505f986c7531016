package sqlite_test

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/redsm5/supermax-hpo/hpo"
	"github.com/redsm5/supermax-hpo/ledger"
	"github.com/redsm5/supermax-hpo/ledger/rdb"
	"github.com/redsm5/supermax-hpo/ledger/sqlite"
)

// newFileWith creates a ledger file with one study, closes it, then runs the
// statements on the raw file.
func newFileWith(t *testing.T, stmts ...string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "l.db")
	l, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.CreateStudy(context.Background(), "s", hpo.Maximize); err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, s := range stmts {
		if _, err := db.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	return path
}

func TestSchemaVersionRows(t *testing.T) {
	db, err := sql.Open("sqlite", newFileWith(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var rev, lib string
	var ver int
	if err := db.QueryRow("SELECT version_num FROM alembic_version").Scan(&rev); err != nil || rev != rdb.AlembicRevision {
		t.Fatalf("alembic_version = %q (%v), want %s", rev, err, rdb.AlembicRevision)
	}
	if err := db.QueryRow("SELECT schema_version, library_version FROM version_info").Scan(&ver, &lib); err != nil || ver != 12 || lib != "5.0.0" {
		t.Fatalf("version_info = %d %q (%v)", ver, lib, err)
	}
}

func TestOpenRefusesOtherSchemas(t *testing.T) {
	cases := map[string]string{
		"older revision":  "UPDATE alembic_version SET version_num = 'v3.0.0.d'",
		"no alembic rows": "DROP TABLE alembic_version",
	}
	for name, stmt := range cases {
		t.Run(name, func(t *testing.T) {
			path := newFileWith(t, stmt)
			_, err := sqlite.Open(context.Background(), path)
			if !errors.Is(err, ledger.ErrSchema) {
				t.Fatalf("Open = %v, want ErrSchema", err)
			}
		})
	}
}

func TestMultiObjectiveStudyIsRefused(t *testing.T) {
	path := newFileWith(t, "INSERT INTO study_directions (direction, study_id, objective) VALUES ('MINIMIZE', 1, 1)")
	l, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	_, err = l.GetStudy(context.Background(), "s")
	if err == nil || !strings.Contains(err.Error(), "2 objectives") {
		t.Fatalf("GetStudy of a two-objective study = %v", err)
	}
}

func TestOpenEmptyPath(t *testing.T) {
	if _, err := sqlite.Open(context.Background(), ""); err == nil {
		t.Fatal("Open(\"\") succeeded")
	}
}
