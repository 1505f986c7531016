package postgres_test

import (
	"context"
	"database/sql"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx" for the fixture

	"github.com/redsm5/supermax-hpo/hpo"
	"github.com/redsm5/supermax-hpo/ledger"
)

// The same study shape as ledger/sqlite's BenchmarkTrials.
const (
	benchTrials  = 8000
	benchRunning = 8
	benchNew     = 10
)

// fillStudy writes 8,000 trials x 40 parameters with set-based SQL (one
// statement per table), the last benchRunning trials RUNNING, then ANALYZE.
func fillStudy(b *testing.B, url string, studyID int64) {
	db, err := sql.Open("pgx", url)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	dj, _ := ledger.CanonicalDistribution(hpo.FloatDistribution{Low: 0, High: 1})
	stmts := []struct {
		q    string
		args []any
	}{
		{`INSERT INTO trials (number, study_id, state, datetime_start)
			SELECT n, $1, (CASE WHEN n >= $2 THEN 'RUNNING' ELSE 'COMPLETE' END)::trialstate, now() FROM generate_series(0, $3) n`,
			[]any{studyID, benchTrials - benchRunning, benchTrials - 1}},
		{`INSERT INTO trial_params (trial_id, param_name, param_value, distribution_json)
			SELECT t.trial_id, 'p' || lpad(p::text, 2, '0'), (t.number % 97) / 97.0, $2 FROM trials t, generate_series(0, 39) p WHERE t.study_id = $1`,
			[]any{studyID, string(dj)}},
		{`INSERT INTO trial_intermediate_values (trial_id, step, intermediate_value, intermediate_value_type)
			SELECT trial_id, 1, 0.5, 'FINITE' FROM trials WHERE study_id = $1`, []any{studyID}},
		{`INSERT INTO trial_values (trial_id, objective, value, value_type)
			SELECT trial_id, 0, number, 'FINITE' FROM trials WHERE study_id = $1 AND state = 'COMPLETE'`, []any{studyID}},
		{`ANALYZE`, nil},
	}
	for _, s := range stmts {
		if _, err := db.Exec(s.q, s.args...); err != nil {
			b.Fatalf("%s: %v", s.q, err)
		}
	}
}

// BenchmarkTrials compares a full read of an 8,000 x 40 study with the
// incremental read of a sampler that has seen all but the last benchNew
// trials, on the throwaway local server.
func BenchmarkTrials(b *testing.B) {
	if startErr != nil {
		b.Skipf("no PostgreSQL: %v", startErr)
	}
	url, err := server.CreateDB(context.Background(), "bench")
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	l := open(b, url)
	defer l.Close()
	s, err := l.CreateStudy(ctx, "bench", hpo.Maximize)
	if err != nil {
		b.Fatal(err)
	}
	fillStudy(b, url, s.ID)
	all, full, err := l.Trials(ctx, s.ID, ledger.Cursor{})
	if err != nil || len(all) != benchTrials || len(full.Unfinished) != benchRunning {
		b.Fatalf("fixture: %d trials, cursor %+v, %v", len(all), full, err)
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
			if trials, _, err := l.Trials(ctx, s.ID, since); err != nil || len(trials) != benchNew {
				b.Fatal(len(trials), err)
			}
		}
	})
}
