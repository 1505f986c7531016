package rdb

import (
	"database/sql"
	"math"
	"testing"
	"time"

	"github.com/redsm5/supermax-hpo/hpo"
	"github.com/redsm5/supermax-hpo/ledger"
)

func TestPlaceholders(t *testing.T) {
	l := &Ledger{d: Dialect{Numbered: true}}
	if got := l.q("a = ? AND b IN (?, ?)"); got != "a = $1 AND b IN ($2, $3)" {
		t.Fatalf("numbered: %q", got)
	}
	l.d.Numbered = false
	if got := l.q("a = ?"); got != "a = ?" {
		t.Fatalf("plain: %q", got)
	}
}

func TestValueEncoding(t *testing.T) {
	cases := []struct {
		v    float64
		typ  string
		null bool
	}{{0.25, typeFinite, false}, {math.Inf(1), typeInfPos, true}, {math.Inf(-1), typeInfNeg, true}, {math.NaN(), typeNaN, true}, {math.Copysign(0, -1), typeFinite, false}}
	for _, c := range cases {
		n, typ := encodeValue(c.v)
		if typ != c.typ || n.Valid == c.null {
			t.Errorf("encode %v = %v %s, want type %s", c.v, n, typ, c.typ)
		}
		back, err := decodeValue(n, typ)
		if err != nil || !ledger.SameFloat(back, c.v) {
			t.Errorf("decode %v: %v %v", c.v, back, err)
		}
	}
	if _, err := decodeValue(sql.NullFloat64{}, typeFinite); err == nil {
		t.Error("a NULL FINITE value decoded")
	}
	if _, err := decodeValue(sql.NullFloat64{}, "WEIRD"); err == nil {
		t.Error("an unknown value type decoded")
	}
}

func TestTimeEncodingIsNaiveUTCMicroseconds(t *testing.T) {
	at := time.Date(2026, 3, 4, 5, 6, 7, 891234567, time.FixedZone("x", 3600))
	if got := encodeTime(at); got != "2026-03-04 04:06:07.891234" {
		t.Fatalf("encodeTime = %q", got)
	}
}

func TestDirectionNames(t *testing.T) {
	for _, d := range []hpo.Direction{hpo.Maximize, hpo.Minimize} {
		back, err := parseDirection(directionName(d))
		if err != nil || back != d {
			t.Errorf("%s: %v %v", d, back, err)
		}
	}
	if _, err := parseDirection("NOT_SET"); err == nil {
		t.Error("NOT_SET parsed")
	}
}

func TestCursorFilterLongUnfinishedList(t *testing.T) {
	c := ledger.Cursor{NextTrialID: 2000}
	for id := int64(1000); id < 1000+maxListed+1; id++ {
		c.Unfinished = append(c.Unfinished, id)
	}
	f := cursorFilter(7, c)
	if len(f.args) != 2 || f.args[1] != int64(1000) || f.keep == nil {
		t.Fatalf("filter %q %v", f.where, f.args)
	}
	if !f.keep(1000) || !f.keep(1500) || !f.keep(2500) || f.keep(999) || f.keep(1999) {
		t.Fatal("keep does not select the listed ids and the new ones")
	}
}
