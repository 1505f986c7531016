package hpo

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// MarshalJSON writes v as Python's json.dumps writes the same value: ints
// without and floats always with a fraction or exponent (1 vs 1.0, 1e-05),
// strings ASCII-only with \uXXXX escapes. NaN and infinities are an error.
func (v Value) MarshalJSON() ([]byte, error) {
	return appendPyValue(nil, v)
}

// UnmarshalJSON reads a JSON scalar: a number without fraction or exponent
// becomes an int (or, beyond the int64 range, the nearest float), any other
// number a float.
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

// floatAttrs and intAttrs hold the attributes of every float and int
// distribution name, current and deprecated; attrKeys says which are allowed.
type floatAttrs struct {
	Low  float64  `json:"low"`
	High float64  `json:"high"`
	Step *float64 `json:"step"`
	Q    *float64 `json:"q"`
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

// attrKeys returns the attributes Optuna's class of that name takes, the
// required ones first (nil for an unknown name).
func attrKeys(name string) (required, optional []string) {
	switch name {
	case "FloatDistribution", "IntDistribution":
		return []string{"low", "high"}, []string{"step", "log"}
	case "UniformDistribution", "LogUniformDistribution":
		return []string{"low", "high"}, nil
	case "DiscreteUniformDistribution":
		return []string{"low", "high", "q"}, nil
	case "IntUniformDistribution", "IntLogUniformDistribution":
		return []string{"low", "high"}, []string{"step"}
	case "CategoricalDistribution":
		return []string{"choices"}, nil
	}
	return nil, nil
}

// MarshalDistribution writes d in Optuna's distribution JSON, byte for byte
// what optuna.distributions.distribution_to_json writes for the same
// distribution (key order and spacing included): the form stored in the
// ledger's distribution_json column. A stepped distribution whose high is off
// its step grid is written with high moved down onto the grid, as Optuna's
// constructors do (the set of values is the same), so that writing, reading
// and writing again gives the same bytes. An invalid distribution is an
// error. It is deterministic.
func MarshalDistribution(d Distribution) ([]byte, error) {
	if d == nil {
		return nil, fmt.Errorf("distribution JSON: nil distribution")
	}
	if err := d.Validate(); err != nil {
		return nil, fmt.Errorf("distribution JSON: %w", err)
	}
	d = adjustHigh(d)
	b := append([]byte(`{"name": "`), d.Name()...)
	b = append(b, `", "attributes": {`...)
	var err error
	switch d := d.(type) {
	case FloatDistribution:
		b, err = appendFloatAttrs(b, d)
	case IntDistribution:
		b = fmt.Appendf(b, `"log": %t, "step": %d, "low": %d, "high": %d`, d.Log, d.Step, d.Low, d.High)
	case CategoricalDistribution:
		b, err = appendChoices(b, d.Choices)
	}
	if err != nil {
		return nil, fmt.Errorf("distribution %s: %w", d.Name(), err)
	}
	return append(b, "}}"...), nil
}

// appendFloatAttrs writes FloatDistribution's attributes in Optuna's order:
// step, low, high, log.
func appendFloatAttrs(b []byte, d FloatDistribution) ([]byte, error) {
	var err error
	b = append(b, `"step": `...)
	if d.Step == 0 {
		b = append(b, "null"...)
	} else if b, err = appendPyFloat(b, d.Step); err != nil {
		return nil, err
	}
	b = append(b, `, "low": `...)
	if b, err = appendPyFloat(b, d.Low); err != nil {
		return nil, err
	}
	b = append(b, `, "high": `...)
	if b, err = appendPyFloat(b, d.High); err != nil {
		return nil, err
	}
	return fmt.Appendf(b, `, "log": %t`, d.Log), nil
}

func appendChoices(b []byte, choices []Value) ([]byte, error) {
	b = append(b, `"choices": [`...)
	for i, c := range choices {
		if i > 0 {
			b = append(b, ", "...)
		}
		var err error
		if b, err = appendPyValue(b, c); err != nil {
			return nil, fmt.Errorf("choice %d: %w", i, err)
		}
	}
	return append(b, ']'), nil
}

// UnmarshalDistribution reads Optuna's distribution JSON, including the
// deprecated names (UniformDistribution, LogUniformDistribution,
// DiscreteUniformDistribution, IntUniformDistribution,
// IntLogUniformDistribution) that older studies hold; they become the
// FloatDistribution or IntDistribution Optuna converts them to. As Optuna's
// constructors do, it requires low and high (or choices), rejects attributes
// the named class does not take and a step or q that is not positive, and
// moves a stepped distribution's high down onto its step grid. The result is
// validated. It is deterministic.
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
	return adjustHigh(d), nil
}

// adjustHigh moves the high end of a stepped distribution onto its step
// grid, as Optuna's constructors do when they read distribution JSON (with a
// warning there): IntDistribution low 0, high 10, step 3 becomes high 9.
func adjustHigh(d Distribution) Distribution {
	switch d := d.(type) {
	case FloatDistribution:
		if d.Step != 0 {
			d.High = adjustFloatHigh(d.Low, d.High, d.Step)
		}
		return d
	case IntDistribution:
		d.High = adjustIntHigh(d.Low, d.High, d.Step)
		return d
	}
	return d
}

func decodeAttrs(name string, raw json.RawMessage) (Distribution, error) {
	if err := checkAttrKeys(name, raw); err != nil {
		return nil, err
	}
	switch name {
	case "CategoricalDistribution":
		var a catAttrs
		if err := json.Unmarshal(raw, &a); err != nil {
			return nil, err
		}
		return CategoricalDistribution(a), nil
	case "IntDistribution", "IntUniformDistribution", "IntLogUniformDistribution":
		a := intAttrs{Step: 1}
		if err := json.Unmarshal(raw, &a); err != nil {
			return nil, err
		}
		return IntDistribution{Low: a.Low, High: a.High, Step: a.Step, Log: a.Log || name == "IntLogUniformDistribution"}, nil
	}
	var a floatAttrs
	if err := json.Unmarshal(raw, &a); err != nil {
		return nil, err
	}
	d := FloatDistribution{Low: a.Low, High: a.High, Log: a.Log || name == "LogUniformDistribution"}
	step, key := a.Step, "step"
	if name == "DiscreteUniformDistribution" {
		step, key = a.Q, "q"
	}
	if step != nil {
		// An explicit step must be positive: 0 would read as "continuous".
		if !(*step > 0) {
			return nil, fmt.Errorf("%s must be > 0, got %v", key, *step)
		}
		d.Step = *step
	}
	return d, nil
}

// checkAttrKeys checks that raw is an object holding the required attributes
// of the named distribution and no attribute that class does not take.
func checkAttrKeys(name string, raw json.RawMessage) error {
	required, optional := attrKeys(name)
	if required == nil {
		return fmt.Errorf("unknown distribution name %q", name)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil || m == nil {
		return fmt.Errorf("attributes must be a JSON object, got %s", raw)
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !slices.Contains(required, k) && !slices.Contains(optional, k) {
			return fmt.Errorf("unknown attribute %q", k)
		}
	}
	for _, k := range required {
		if _, ok := m[k]; !ok {
			return fmt.Errorf("missing attribute %q", k)
		}
	}
	return nil
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

// MarshalSearchSpaceJSON writes a flat space in the form ParseSearchSpaceJSON
// (and `optuna ask --search-space`) reads: an object from parameter name to
// distribution JSON, in the space's order, formatted as Python's json.dumps.
// A space with conditional or constrained parameters cannot be written in
// that form and is an error. It is deterministic.
func MarshalSearchSpaceJSON(s *Space) ([]byte, error) {
	b := []byte{'{'}
	for i, p := range s.Params() {
		if !utf8.ValidString(p.Name) {
			return nil, fmt.Errorf("search space JSON: parameter name %q is not valid UTF-8", p.Name)
		}
		if p.Parent != "" || p.Narrow != nil {
			return nil, fmt.Errorf("search space JSON: parameter %q is conditional or constrained, which the flat form cannot hold", p.Name)
		}
		d, err := MarshalDistribution(p.Dist)
		if err != nil {
			return nil, fmt.Errorf("search space JSON: parameter %q: %w", p.Name, err)
		}
		if i > 0 {
			b = append(b, ", "...)
		}
		b = append(appendPyString(b, p.Name), ": "...)
		b = append(b, d...)
	}
	return append(b, '}'), nil
}
