package hpo

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
)

// MarshalJSON writes v as JSON, keeping Python's int/float distinction
// (a float with an integral value is written as 1.0, never 1).
func (v Value) MarshalJSON() ([]byte, error) {
	switch v.kind {
	case KindString:
		return json.Marshal(v.s)
	case KindInt:
		return []byte(strconv.FormatInt(v.i, 10)), nil
	case KindBool:
		return json.Marshal(v.b)
	case KindFloat:
		if math.IsNaN(v.f) || math.IsInf(v.f, 0) {
			return nil, fmt.Errorf("value %v cannot be written as JSON", v.f)
		}
		s := strconv.FormatFloat(v.f, 'g', -1, 64)
		if !strings.ContainsAny(s, ".eE") {
			s += ".0"
		}
		return []byte(s), nil
	}
	return []byte("null"), nil
}

// UnmarshalJSON reads a JSON scalar: a number without fraction or exponent
// becomes an int, any other number a float.
func (v *Value) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return fmt.Errorf("empty JSON value")
	}
	switch b[0] {
	case 'n':
		if string(b) != "null" {
			return fmt.Errorf("invalid JSON value %q", b)
		}
		*v = None()
	case 't', 'f':
		var x bool
		if err := json.Unmarshal(b, &x); err != nil {
			return err
		}
		*v = Bool(x)
	case '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*v = String(s)
	case '[', '{':
		return fmt.Errorf("a choice must be a string, number, bool or null, got %s", b)
	default:
		s := string(b)
		if !strings.ContainsAny(s, ".eE") {
			if i, err := strconv.ParseInt(s, 10, 64); err == nil {
				*v = Int(i)
				return nil
			}
		}
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return fmt.Errorf("invalid JSON number %q", s)
		}
		*v = Float(f)
	}
	return nil
}

type distJSON struct {
	Name       string          `json:"name"`
	Attributes json.RawMessage `json:"attributes"`
}

type floatAttrs struct {
	Low  float64  `json:"low"`
	High float64  `json:"high"`
	Step *float64 `json:"step"`
	Log  bool     `json:"log"`
}

type intAttrs struct {
	Low  int64 `json:"low"`
	High int64 `json:"high"`
	Step int64 `json:"step"`
	Log  bool  `json:"log"`
}

type catAttrs struct {
	Choices []Value `json:"choices"`
}

// MarshalDistribution writes d in Optuna's distribution JSON
// (optuna.distributions.distribution_to_json), the form stored in the
// ledger's distribution_json column.
func MarshalDistribution(d Distribution) ([]byte, error) {
	var attrs any
	switch d := d.(type) {
	case FloatDistribution:
		a := floatAttrs{Low: d.Low, High: d.High, Log: d.Log}
		if d.Step != 0 {
			step := d.Step
			a.Step = &step
		}
		attrs = a
	case IntDistribution:
		attrs = intAttrs{Low: d.Low, High: d.High, Step: d.Step, Log: d.Log}
	case CategoricalDistribution:
		attrs = catAttrs{Choices: d.Choices}
	default:
		return nil, fmt.Errorf("unknown distribution %T", d)
	}
	raw, err := json.Marshal(attrs)
	if err != nil {
		return nil, fmt.Errorf("distribution %s: %w", d.Name(), err)
	}
	return json.Marshal(distJSON{Name: d.Name(), Attributes: raw})
}

// UnmarshalDistribution reads Optuna's distribution JSON, including the
// deprecated names (UniformDistribution, LogUniformDistribution,
// DiscreteUniformDistribution, IntUniformDistribution,
// IntLogUniformDistribution) that older studies hold. The result is validated.
func UnmarshalDistribution(b []byte) (Distribution, error) {
	var dj distJSON
	if err := json.Unmarshal(b, &dj); err != nil {
		return nil, fmt.Errorf("distribution JSON: %w", err)
	}
	if len(dj.Attributes) == 0 {
		return nil, fmt.Errorf("distribution JSON: %q has no attributes", dj.Name)
	}
	d, err := decodeAttrs(dj.Name, dj.Attributes)
	if err != nil {
		return nil, fmt.Errorf("distribution %s: %w", dj.Name, err)
	}
	if err := d.Validate(); err != nil {
		return nil, err
	}
	return d, nil
}

func decodeAttrs(name string, raw json.RawMessage) (Distribution, error) {
	strict := func(v any) error {
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.DisallowUnknownFields()
		return dec.Decode(v)
	}
	switch name {
	case "FloatDistribution", "UniformDistribution", "LogUniformDistribution", "DiscreteUniformDistribution":
		var a struct {
			floatAttrs
			Q *float64 `json:"q"`
		}
		if err := strict(&a); err != nil {
			return nil, err
		}
		d := FloatDistribution{Low: a.Low, High: a.High, Log: a.Log || name == "LogUniformDistribution"}
		if a.Step != nil {
			d.Step = *a.Step
		}
		if a.Q != nil {
			d.Step = *a.Q
		}
		return d, nil
	case "IntDistribution", "IntUniformDistribution", "IntLogUniformDistribution":
		a := intAttrs{Step: 1}
		if err := strict(&a); err != nil {
			return nil, err
		}
		a.Log = a.Log || name == "IntLogUniformDistribution"
		return IntDistribution{Low: a.Low, High: a.High, Step: a.Step, Log: a.Log}, nil
	case "CategoricalDistribution":
		var a catAttrs
		if err := strict(&a); err != nil {
			return nil, err
		}
		return CategoricalDistribution{Choices: a.Choices}, nil
	}
	return nil, fmt.Errorf("unknown distribution name %q", name)
}

// ParseSearchSpaceJSON reads a flat search space in the form `optuna ask
// --search-space` takes: an object from parameter name to distribution JSON.
// Parameters are returned sorted by name, so the order never depends on the
// JSON text or on map iteration.
func ParseSearchSpaceJSON(b []byte) (*Space, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("search space JSON: %w", err)
	}
	if len(m) == 0 {
		return nil, fmt.Errorf("search space JSON: no parameters")
	}
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	sort.Strings(names)
	params := make([]Param, 0, len(names))
	for _, name := range names {
		if name == "" {
			return nil, fmt.Errorf("search space JSON: empty parameter name")
		}
		d, err := UnmarshalDistribution(m[name])
		if err != nil {
			return nil, fmt.Errorf("search space JSON: parameter %q: %w", name, err)
		}
		params = append(params, Param{Name: name, Dist: d})
	}
	return NewSpace(params...)
}
