package sqlite_test

import (
	"context"
	"math"
	"reflect"
	"testing"
	"time"

	"github.com/redsm5/supermax-hpo/hpo"
	"github.com/redsm5/supermax-hpo/ledger"
)

// unit maps any float to [0, 1).
func unit(u float64) float64 {
	if math.IsNaN(u) || math.IsInf(u, 0) {
		return 0
	}
	return math.Abs(u - math.Trunc(u))
}

// fuzzParam builds a distribution of the kind chosen by kind and an internal
// value inside it (when the inputs allow one); ok is false for inputs that
// make no distribution at all.
func fuzzParam(kind uint8, low, high, step float64, log bool, ilow, ihigh, istep int64, s1, s2 string, c3 int64, c4, u float64) (hpo.Distribution, float64, bool) {
	switch kind % 3 {
	case 0:
		d := hpo.FloatDistribution{Low: low, High: high, Log: log, Step: step}
		if d.Validate() != nil {
			return nil, 0, false
		}
		x := low + unit(u)*(high-low)
		if log {
			x = math.Exp(math.Log(low) + unit(u)*(math.Log(high)-math.Log(low)))
		}
		if step > 0 {
			x = low + math.Round((x-low)/step)*step
		}
		return d, x, true
	case 1:
		const limit = 1 << 53 // integers a float64 holds exactly
		d := hpo.IntDistribution{Low: ilow, High: ihigh, Log: log, Step: istep}
		if d.Validate() != nil || ilow < -limit || ihigh > limit || ihigh-ilow > limit {
			return nil, 0, false
		}
		k := int64(unit(u) * float64((ihigh-ilow)/istep+1))
		return d, float64(ilow + k*istep), true
	}
	choices := []hpo.Value{hpo.String(s1), hpo.String(s2), hpo.Int(c3), hpo.Float(c4), hpo.Bool(log), hpo.None()}
	d := hpo.CategoricalDistribution{Choices: choices}
	if d.Validate() != nil {
		return nil, 0, false
	}
	return d, math.Floor(unit(u) * float64(len(choices))), true
}

func canonical(d hpo.Distribution) (hpo.Distribution, error) {
	b, err := hpo.MarshalDistribution(d)
	if err != nil {
		return nil, err
	}
	return hpo.UnmarshalDistribution(b)
}

// FuzzParamRoundTrip writes a distribution and an internal value to the
// SQLite ledger and reads them back through an incremental cursor: what the
// ledger accepts must come back identical (the value bit for bit, the
// distribution in Optuna's canonical form), and what it refuses must be what
// ledger.CheckParams refuses.
func FuzzParamRoundTrip(f *testing.F) {
	f.Add(uint8(0), 0.0, 1.0, 0.0, false, int64(0), int64(0), int64(1), "", "", int64(0), 0.0, 0.3)
	f.Add(uint8(0), 1e-9, 1e-6, 0.0, true, int64(0), int64(0), int64(1), "", "", int64(0), 0.0, 0.77)
	f.Add(uint8(0), -5.0, 5.0, 0.1, false, int64(0), int64(0), int64(1), "", "", int64(0), 0.0, 0.5)
	f.Add(uint8(1), 0.0, 0.0, 0.0, false, int64(32), int64(1024), int64(32), "", "", int64(0), 0.0, 0.9)
	f.Add(uint8(1), 0.0, 0.0, 0.0, true, int64(1), int64(64), int64(1), "", "", int64(0), 0.0, 0.1)
	f.Add(uint8(2), 0.0, 0.0, 0.0, true, int64(0), int64(0), int64(1), "adamw", "lion", int64(3), 2.5, 0.4)
	f.Add(uint8(2), 0.0, 0.0, 0.0, false, int64(0), int64(0), int64(1), "ünï \"q\"", "\x00", int64(-1<<62), 1e300, 0.99)
	f.Add(uint8(2), 0.0, 0.0, 0.0, false, int64(0), int64(0), int64(1), "bad \xff", "b", int64(1), 1.0, 0.2)

	l := openTemp(f)
	defer l.Close()
	ctx := context.Background()
	s, err := l.CreateStudy(ctx, "fuzz", hpo.Maximize)
	if err != nil {
		f.Fatal(err)
	}
	var cursor ledger.Cursor
	f.Fuzz(func(t *testing.T, kind uint8, low, high, step float64, log bool, ilow, ihigh, istep int64, s1, s2 string, c3 int64, c4, u float64) {
		d, x, ok := fuzzParam(kind, low, high, step, log, ilow, ihigh, istep, s1, s2, c3, c4, u)
		if !ok {
			return
		}
		params, dists := map[string]float64{"p": x}, map[string]hpo.Distribution{"p": d}
		n, err := l.NextTrial(ctx, s.ID, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		defer func() {
			if err := l.Finish(ctx, s.ID, n, hpo.Fail, nil, time.Now()); err != nil {
				t.Fatal(err)
			}
		}()
		putErr := l.PutTrial(ctx, s.ID, n, params, dists, time.Now())
		if checkErr := ledger.CheckParams(params, dists); (putErr == nil) != (checkErr == nil) {
			t.Fatalf("PutTrial(%v, %#v) = %v but CheckParams = %v", x, d, putErr, checkErr)
		}
		var trials []hpo.Trial
		trials, cursor, err = l.Trials(ctx, s.ID, cursor)
		if err != nil {
			t.Fatal(err)
		}
		if len(trials) == 0 || trials[len(trials)-1].Number != n {
			t.Fatalf("incremental read after trial %d returned %d trials", n, len(trials))
		}
		got := trials[len(trials)-1]
		if putErr != nil {
			if len(got.Params) != 0 {
				t.Fatalf("refused PutTrial left parameters %v", got.Params)
			}
			return
		}
		// Optuna's canonical form of d (a stepped high end moved onto the
		// grid, as Optuna's constructors do) is what any storage holds.
		want, err := canonical(d)
		if err != nil {
			t.Fatalf("accepted %#v has no canonical form: %v", d, err)
		}
		if math.Float64bits(got.Params["p"]) != math.Float64bits(x) || !reflect.DeepEqual(got.Dists["p"], want) || !want.Contains(x) {
			t.Fatalf("wrote %v %#v (canonical %#v), read back %v %#v", x, d, want, got.Params["p"], got.Dists["p"])
		}
	})
}
