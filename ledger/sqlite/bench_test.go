package sqlite_test

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/redsm5/supermax-hpo/hpo"
	"github.com/redsm5/supermax-hpo/ledger"
	"github.com/redsm5/supermax-hpo/ledger/sqlite"
)

// Benchmark size: a supermax study late in its life.
const (
	benchTrials  = 8000
	benchParams  = 40
	benchRunning = 8 // trials still running (parallelism)
	benchNew     = 10
)

// fillStudy writes benchTrials trials of benchParams parameters, one
// intermediate value each, in one transaction straight into Optuna's tables
// (the ledger's API would commit 8,000 times, which measures fsync, not
// reads). The last benchRunning trials stay RUNNING.
func fillStudy(b *testing.B, path string, studyID int64) {
	db, err := sql.Open("sqlite", path)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	tx, err := db.Begin()
	if err != nil {
		b.Fatal(err)
	}
	dj, _ := ledger.CanonicalDistribution(hpo.FloatDistribution{Low: 0, High: 1})
	for n := 0; n < benchTrials; n++ {
		state := "COMPLETE"
		if n >= benchTrials-benchRunning {
			state = "RUNNING"
		}
		var id int64
		err := tx.QueryRow(`INSERT INTO trials (number, study_id, state, datetime_start) VALUES (?, ?, ?, '2026-01-01 00:00:00.000000') RETURNING trial_id`,
			n, studyID, state).Scan(&id)
		if err != nil {
			b.Fatal(err)
		}
		for p := 0; p < benchParams; p++ {
			if _, err := tx.Exec(`INSERT INTO trial_params (trial_id, param_name, param_value, distribution_json) VALUES (?, ?, ?, ?)`,
				id, fmt.Sprintf("p%02d", p), float64(n%97)/97, string(dj)); err != nil {
				b.Fatal(err)
			}
		}
		if _, err := tx.Exec(`INSERT INTO trial_intermediate_values (trial_id, step, intermediate_value, intermediate_value_type) VALUES (?, 1, 0.5, 'FINITE')`, id); err != nil {
			b.Fatal(err)
		}
		if state == "COMPLETE" {
			if _, err := tx.Exec(`INSERT INTO trial_values (trial_id, objective, value, value_type) VALUES (?, 0, ?, 'FINITE')`, id, float64(n)); err != nil {
				b.Fatal(err)
			}
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkTrials compares a full read of an 8,000 x 40 study with the
// incremental read a sampler makes when it has seen all but the last
// benchNew trials and holds benchRunning running ones in its cursor.
func BenchmarkTrials(b *testing.B) {
	path := filepath.Join(b.TempDir(), "bench.db")
	ctx := context.Background()
	l, err := sqlite.Open(ctx, path)
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	s, err := l.CreateStudy(ctx, "bench", hpo.Maximize)
	if err != nil {
		b.Fatal(err)
	}
	fillStudy(b, path, s.ID)
	all, full, err := l.Trials(ctx, s.ID, ledger.Cursor{})
	if err != nil || len(all) != benchTrials || len(full.Unfinished) != benchRunning {
		b.Fatalf("fixture: %d trials, cursor %d unfinished, %v", len(all), len(full.Unfinished), err)
	}
	since := ledger.Cursor{NextTrialID: full.NextTrialID - benchNew, Unfinished: full.Unfinished}
	b.Run("full", func(b *testing.B) {
		for b.Loop() {
			if trials, _, err := l.Trials(ctx, s.ID, ledger.Cursor{}); err != nil || len(trials) != benchTrials {
				b.Fatal(len(trials), err)
			}
		}
	})
	b.Run("incremental", func(b *testing.B) {
		for b.Loop() {
			trials, _, err := l.Trials(ctx, s.ID, since)
			if err != nil || len(trials) != benchNew {
				b.Fatal(len(trials), err)
			}
		}
	})
}
