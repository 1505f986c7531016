package rdb

import (
	"database/sql"
	"fmt"
	"math"
	"time"

	"github.com/redsm5/supermax-hpo/hpo"
)

// Optuna's value_type enums (TrialValueModel.TrialValueType and
// TrialIntermediateValueModel.TrialIntermediateValueType), stored by name.
const (
	typeFinite = "FINITE"
	typeInfPos = "INF_POS"
	typeInfNeg = "INF_NEG"
	typeNaN    = "NAN" // intermediate values only
)

// encodeValue splits v into Optuna's stored form: the number (NULL unless
// finite) and its type. NaN is only valid for intermediate values; callers
// reject a NaN objective value before.
func encodeValue(v float64) (sql.NullFloat64, string) {
	switch {
	case math.IsNaN(v):
		return sql.NullFloat64{}, typeNaN
	case math.IsInf(v, 1):
		return sql.NullFloat64{}, typeInfPos
	case math.IsInf(v, -1):
		return sql.NullFloat64{}, typeInfNeg
	}
	return sql.NullFloat64{Float64: v, Valid: true}, typeFinite
}

// decodeValue is the inverse of encodeValue.
func decodeValue(v sql.NullFloat64, typ string) (float64, error) {
	switch typ {
	case typeFinite:
		if !v.Valid {
			return 0, fmt.Errorf("FINITE value is NULL")
		}
		return v.Float64, nil
	case typeInfPos:
		return math.Inf(1), nil
	case typeInfNeg:
		return math.Inf(-1), nil
	case typeNaN:
		return math.NaN(), nil
	}
	return 0, fmt.Errorf("unknown value type %q", typ)
}

// timeFormat is how SQLAlchemy writes a naive UTC DATETIME into SQLite, and
// a text form PostgreSQL's timestamp accepts.
const timeFormat = "2006-01-02 15:04:05.000000"

// encodeTime writes t as Optuna does: naive UTC with microseconds. The zero
// time means now (Optuna needs a start time on every non-waiting trial).
func encodeTime(t time.Time) string {
	if t.IsZero() {
		t = time.Now()
	}
	return t.UTC().Format(timeFormat)
}

// directionName is Optuna's StudyDirection enum name.
func directionName(d hpo.Direction) string {
	if d == hpo.Minimize {
		return "MINIMIZE"
	}
	return "MAXIMIZE"
}

func parseDirection(s string) (hpo.Direction, error) {
	switch s {
	case "MAXIMIZE":
		return hpo.Maximize, nil
	case "MINIMIZE":
		return hpo.Minimize, nil
	}
	return 0, fmt.Errorf("study direction %q is not supported (want MAXIMIZE or MINIMIZE)", s)
}

func parseState(s string) (hpo.TrialState, error) {
	st, err := hpo.ParseTrialState(s)
	if err != nil {
		return 0, fmt.Errorf("stored trial state: %w", err)
	}
	return st, nil
}
