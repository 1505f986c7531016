package setup

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/redsm5/supermax-hpo/ledger"
	"github.com/redsm5/supermax-hpo/ledger/sqlite"
)

// ErrStorageURL marks a ledger URL this build cannot open; test with errors.Is.
var ErrStorageURL = errors.New("unsupported ledger storage URL")

// OpenLedger opens the ledger at url, in SQLAlchemy's spelling as Optuna
// uses it: sqlite:///relative/path.db or sqlite:////absolute/path.db (the
// folder is created when missing). Blocking; honours ctx. Other schemes are
// ErrStorageURL naming the URL.
func OpenLedger(ctx context.Context, url string) (ledger.Ledger, error) {
	path, ok := strings.CutPrefix(url, "sqlite:///")
	if !ok {
		return nil, fmt.Errorf("%w: %q (want sqlite:///path.db)", ErrStorageURL, url)
	}
	if path == "" || path == ":memory:" {
		return nil, fmt.Errorf("%w: %q names no file (workers and starters share the ledger through a file)", ErrStorageURL, url)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("ledger %s: %w", url, err)
	}
	l, err := sqlite.Open(ctx, path)
	if err != nil {
		return nil, fmt.Errorf("ledger %s: %w", url, err)
	}
	return l, nil
}
