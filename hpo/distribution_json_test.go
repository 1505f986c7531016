package hpo

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
)

func TestValueUnmarshalKeepsKinds(t *testing.T) {
	tests := []struct {
		in   string
		want Value
	}{
		{"1", Int(1)},
		{"-0", Int(0)},
		{"1.0", Float(1)},
		{"1e3", Float(1000)},
		{"1E-2", Float(0.01)},
		{"-0.0", Float(math.Copysign(0, -1))},
		{"true", Bool(true)},
		{"false", Bool(false)},
		{"null", None()},
		{`"1"`, String("1")},
		{`"\u00e9\ud83d\ude00"`, String("é😀")},
		{" 7 ", Int(7)},
		// Beyond int64: kept as the nearest float, which writes back as a float.
		{"12345678901234567890", Float(12345678901234567890)},
	}
	for _, tt := range tests {
		var v Value
		if err := json.Unmarshal([]byte(tt.in), &v); err != nil {
			t.Errorf("%s: %v", tt.in, err)
			continue
		}
		if v.Kind() != tt.want.Kind() || !v.Equal(tt.want) || math.Signbit(v.Float()) != math.Signbit(tt.want.Float()) {
			t.Errorf("%s read as %#v, want %#v", tt.in, v, tt.want)
		}
	}
	for _, bad := range []string{"[1]", `{"a": 1}`, "1e999", "nul"} {
		var v Value
		if err := json.Unmarshal([]byte(bad), &v); err == nil {
			t.Errorf("%s: accepted as %s", bad, v)
		}
	}
}

func TestValueMarshalErrors(t *testing.T) {
	for _, v := range []Value{Float(math.NaN()), Float(math.Inf(-1)), String("\xff")} {
		if b, err := json.Marshal(v); err == nil {
			t.Errorf("%#v written as %s, want an error", v, b)
		}
	}
}

func TestUnmarshalDistributionErrors(t *testing.T) {
	tests := []struct{ in, problem string }{
		{`{"name": "FloatDistribution"}`, "no attributes"},
		{`{"name": "NormalDistribution", "attributes": {}}`, `unknown distribution name "NormalDistribution"`},
		{`{"name": "FloatDistribution", "attributes": []}`, "attributes must be a JSON object"},
		{`{"name": "FloatDistribution", "attributes": null}`, "attributes must be a JSON object"},
		{`{"name": "FloatDistribution", "attributes": {"low": 0}}`, `missing attribute "high"`},
		{`{"name": "FloatDistribution", "attributes": {"low": 0, "high": 1, "q": 0.1}}`, `unknown attribute "q"`},
		{`{"name": "UniformDistribution", "attributes": {"low": 0, "high": 1, "log": true}}`, `unknown attribute "log"`},
		{`{"name": "DiscreteUniformDistribution", "attributes": {"low": 0, "high": 1}}`, `missing attribute "q"`},
		{`{"name": "FloatDistribution", "attributes": {"low": 0, "high": 1, "step": 0}}`, "step must be > 0"},
		{`{"name": "DiscreteUniformDistribution", "attributes": {"low": 0, "high": 1, "q": -1}}`, "q must be > 0"},
		{`{"name": "FloatDistribution", "attributes": {"low": 2, "high": 1}}`, "low 2 > high 1"},
		{`{"name": "FloatDistribution", "attributes": {"low": 0, "high": 1, "log": true}}`, "log needs low > 0"},
		{`{"name": "FloatDistribution", "attributes": {"low": "0", "high": 1}}`, "cannot unmarshal"},
		{`{"name": "IntDistribution", "attributes": {"low": 0, "high": 10, "step": 0}}`, "step must be >= 1"},
		{`{"name": "IntDistribution", "attributes": {"low": 0.5, "high": 10}}`, "cannot unmarshal"},
		{`{"name": "IntDistribution", "attributes": {"low": 1, "high": 10, "step": 2, "log": true}}`, "step and log"},
		{`{"name": "CategoricalDistribution", "attributes": {"choices": []}}`, "no choices"},
		{`{"name": "CategoricalDistribution", "attributes": {}}`, `missing attribute "choices"`},
		{`{"name": "CategoricalDistribution", "attributes": {"choices": [[1]]}}`, "a choice must be"},
		{`{"name": "CategoricalDistribution", "attributes": {"choices": ["a", "a"]}}`, "appears twice"},
		{`not json`, "distribution JSON"},
	}
	for _, tt := range tests {
		d, err := UnmarshalDistribution([]byte(tt.in))
		if err == nil || !strings.Contains(err.Error(), tt.problem) {
			t.Errorf("%s: got %#v, err %v; want an error naming %q", tt.in, d, err, tt.problem)
		}
	}
}

func TestUnmarshalAdjustsHighLikeOptuna(t *testing.T) {
	tests := []struct {
		in   string
		want Distribution
	}{
		{`{"name": "IntDistribution", "attributes": {"low": 0, "high": 10, "step": 3}}`, IntDistribution{Low: 0, High: 9, Step: 3}},
		{`{"name": "IntDistribution", "attributes": {"low": -7, "high": 7, "step": 5}}`, IntDistribution{Low: -7, High: 3, Step: 5}},
		{`{"name": "IntDistribution", "attributes": {"low": 1, "high": 10}}`, IntDistribution{Low: 1, High: 10, Step: 1}},
		{`{"name": "FloatDistribution", "attributes": {"low": 0, "high": 1, "step": 0.3}}`, FloatDistribution{Low: 0, High: 0.9, Step: 0.3}},
		{`{"name": "FloatDistribution", "attributes": {"low": -1, "high": 1, "step": 0.7}}`, FloatDistribution{Low: -1, High: 0.4, Step: 0.7}},
		{`{"name": "FloatDistribution", "attributes": {"low": 0.1, "high": 0.7, "step": 0.2}}`, FloatDistribution{Low: 0.1, High: 0.7, Step: 0.2}},
		{`{"name": "FloatDistribution", "attributes": {"low": 0, "high": 1, "step": null}}`, FloatDistribution{Low: 0, High: 1}},
		{`{"name": "IntLogUniformDistribution", "attributes": {"low": 1, "high": 10}}`, IntDistribution{Low: 1, High: 10, Step: 1, Log: true}},
	}
	for _, tt := range tests {
		d, err := UnmarshalDistribution([]byte(tt.in))
		if err != nil || d != tt.want {
			t.Errorf("%s: got %#v, %v; want %#v", tt.in, d, err, tt.want)
		}
	}
}

func TestMarshalDistributionErrors(t *testing.T) {
	for _, d := range []Distribution{nil, FloatDistribution{Low: 1, High: 0}, CategoricalDistribution{}} {
		if b, err := MarshalDistribution(d); err == nil {
			t.Errorf("%#v written as %s, want an error", d, b)
		}
	}
}

func TestSearchSpaceJSON(t *testing.T) {
	in := `{"x": {"name": "FloatDistribution", "attributes": {"low": -1, "high": 1}},
		"a": {"name": "CategoricalDistribution", "attributes": {"choices": ["u", 2]}},
		"n": {"name": "IntUniformDistribution", "attributes": {"low": 0, "high": 10, "step": 4}}}`
	s, err := ParseSearchSpaceJSON([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"a": {"name": "CategoricalDistribution", "attributes": {"choices": ["u", 2]}}, ` +
		`"n": {"name": "IntDistribution", "attributes": {"log": false, "step": 4, "low": 0, "high": 8}}, ` +
		`"x": {"name": "FloatDistribution", "attributes": {"step": null, "low": -1.0, "high": 1.0, "log": false}}}`
	if got, err := MarshalSearchSpaceJSON(s); err != nil || string(got) != want {
		t.Errorf("MarshalSearchSpaceJSON = %s, %v\nwant %s", got, err, want)
	}
	for _, bad := range []string{`{}`, `[]`, `{"": {"name": "IntDistribution", "attributes": {"low": 0, "high": 1}}}`,
		`{"x": {"name": "IntDistribution", "attributes": {"low": 2, "high": 1}}}`} {
		if _, err := ParseSearchSpaceJSON([]byte(bad)); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
	cond, _ := NewSpace(Param{Name: "c", Dist: CategoricalDistribution{Choices: []Value{Int(1)}}},
		Param{Name: "y", Dist: FloatDistribution{High: 1}, Parent: "c", When: []Value{Int(1)}})
	if _, err := MarshalSearchSpaceJSON(cond); err == nil || !strings.Contains(err.Error(), `"y"`) {
		t.Errorf("conditional space: err = %v, want one naming y", err)
	}
}
