package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/redsm5/supermax-hpo/ledger"
	"github.com/redsm5/supermax-hpo/ledger/ledgertest"
	"github.com/redsm5/supermax-hpo/ledger/sqlite"
)

func openTemp(t testing.TB) ledger.Ledger {
	t.Helper()
	l, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "ledger.db"))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return l
}

func TestConformance(t *testing.T) {
	ledgertest.Run(t, func(t *testing.T) ledger.Ledger { return openTemp(t) })
}
