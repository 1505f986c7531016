package sqlite

import (
	"database/sql"
	"path/filepath"
	"testing"
)

// TestBusyIsRecognized holds the write lock on one connection and starts a
// write on another that does not wait: the error must be classified as busy
// (retried), while an ordinary SQL error must not.
func TestBusyIsRecognized(t *testing.T) {
	path := filepath.Join(t.TempDir(), "b.db")
	holder, err := sql.Open("sqlite", dsn(path, "immediate"))
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close()
	tx, err := holder.Begin()
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	other, err := sql.Open("sqlite", "file:"+path+"?_txlock=immediate&_pragma=busy_timeout(0)")
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	_, err = other.Begin()
	if err == nil || !busy(err) {
		t.Fatalf("second writer: %v, want a busy error", err)
	}
	_, err = holder.Exec("SELEKT 1")
	if err == nil || busy(err) {
		t.Fatalf("syntax error %v classified as busy", err)
	}
}
