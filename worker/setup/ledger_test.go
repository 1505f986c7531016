package setup

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

func TestOpenLedgerCreatesSQLiteFolder(t *testing.T) {
	path := filepath.Join(t.TempDir(), "new", "folder", "ledger.db")
	l, err := OpenLedger(context.Background(), "sqlite:///"+path)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("ledger file not created: %v", err)
	}
}

func TestOpenLedgerRejectsUnknownScheme(t *testing.T) {
	if _, err := OpenLedger(context.Background(), "mysql://x"); err == nil {
		t.Fatal("mysql:// opened")
	}
}
