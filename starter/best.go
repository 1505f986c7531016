package main

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"

	"github.com/urfave/cli/v2"

	"github.com/redsm5/supermax-hpo/hpo"
	"github.com/redsm5/supermax-hpo/ledger"
)

// bestCommand is `starter best`: the best COMPLETE trial of a study as JSON.
func bestCommand() *cli.Command {
	return &cli.Command{
		Name:   "best",
		Usage:  `print the best COMPLETE trial as JSON: {"number", "value", "params", "state"}`,
		Flags:  ledgerFlags(),
		Action: bestCmd,
	}
}

// bestJSON is what best prints. Params hold external values with their
// Python types; an infinite value is written as the string "inf" or "-inf"
// (JSON has no infinity).
type bestJSON struct {
	Number int                  `json:"number"`
	Value  jsonFloat            `json:"value"`
	Params map[string]hpo.Value `json:"params"`
	State  string               `json:"state"`
}

// jsonFloat writes a float64 as a JSON number, or "inf"/"-inf".
type jsonFloat float64

// MarshalJSON implements json.Marshaler.
func (f jsonFloat) MarshalJSON() ([]byte, error) {
	switch x := float64(f); {
	case math.IsInf(x, 1):
		return []byte(`"inf"`), nil
	case math.IsInf(x, -1):
		return []byte(`"-inf"`), nil
	default:
		return []byte(strconv.FormatFloat(x, 'g', -1, 64)), nil
	}
}

func bestCmd(c *cli.Context) error {
	return withLedger(c.Context, c.String("storage"), func(l ledger.Ledger) error {
		s, err := l.GetStudy(c.Context, c.String("study-name"))
		if err != nil {
			return fmt.Errorf("--study-name: %w", err)
		}
		t, err := l.Best(c.Context, s.ID)
		if err != nil {
			return err
		}
		out, err := bestOf(t)
		if err != nil {
			return err
		}
		return json.NewEncoder(c.App.Writer).Encode(out)
	})
}

// bestOf converts a trial to its printed form.
func bestOf(t hpo.Trial) (bestJSON, error) {
	if t.Value == nil {
		return bestJSON{}, fmt.Errorf("best trial %d has no value", t.Number)
	}
	params := make(map[string]hpo.Value, len(t.Params))
	for name, x := range t.Params {
		d, ok := t.Dists[name]
		if !ok {
			return bestJSON{}, fmt.Errorf("best trial %d: parameter %q has no distribution", t.Number, name)
		}
		params[name] = d.ToExternal(x)
	}
	return bestJSON{Number: t.Number, Value: jsonFloat(*t.Value), Params: params, State: t.State.String()}, nil
}
