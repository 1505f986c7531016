package postgres

import (
	"fmt"

	"github.com/jackc/pgx/v5"
)

// pgx5Config parses a connection URL; the error names the input without its
// password.
func pgx5Config(url string) (*pgx.ConnConfig, error) {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		// pgx's parse errors already hide the password.
		return nil, fmt.Errorf("postgres ledger: bad connection URL: %w", err)
	}
	return cfg, nil
}

// redacted names the database of cfg for error messages, without secrets.
func redacted(cfg *pgx.ConnConfig) string {
	return fmt.Sprintf("postgres ledger %s@%s:%d/%s", cfg.User, cfg.Host, cfg.Port, cfg.Database)
}
