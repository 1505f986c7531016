package setup

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/redsm5/supermax-hpo/ledger"
	"github.com/redsm5/supermax-hpo/ledger/storage"
)

// OpenLedger opens the ledger at url with storage.Open (sqlite:///rel.db,
// sqlite:////abs.db, postgresql://..., memory:), first creating the folder
// of a SQLite file when it is missing — the default ledger lives in the
// study's outdir, which may not exist yet. Blocking; honours ctx.
func OpenLedger(ctx context.Context, url string) (ledger.Ledger, error) {
	if path, ok := strings.CutPrefix(url, "sqlite:///"); ok && path != "" && !strings.ContainsAny(path, "?:") {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return nil, fmt.Errorf("ledger %s: %w", url, err)
		}
	}
	l, err := storage.Open(ctx, url)
	if err != nil {
		return nil, fmt.Errorf("open ledger: %w", err)
	}
	return l, nil
}
