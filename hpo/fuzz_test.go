package hpo

import (
	"bytes"
	"encoding/json"
	"math"
	"testing"
	"unicode/utf8"
)

func FuzzParseSearchSpaceJSON(f *testing.F) {
	f.Add([]byte(`{"x": {"name": "FloatDistribution", "attributes": {"step": null, "low": 0.0, "high": 1.0, "log": false}}}`))
	f.Add([]byte(`{"lr": {"name": "FloatDistribution", "attributes": {"low": 1e-6, "high": 0.2, "log": true}},
		"n": {"name": "IntDistribution", "attributes": {"low": 0, "high": 10, "step": 3}},
		"c": {"name": "CategoricalDistribution", "attributes": {"choices": [1, 2.0, true, null, "\u00e9"]}}}`))
	f.Add([]byte(`{"q": {"name": "DiscreteUniformDistribution", "attributes": {"low": 0, "high": 1, "q": 0.3}},
		"u": {"name": "UniformDistribution", "attributes": {"low": -1, "high": 1}},
		"l": {"name": "LogUniformDistribution", "attributes": {"low": 1e-5, "high": 1}},
		"i": {"name": "IntUniformDistribution", "attributes": {"low": 0, "high": 10, "step": 2}},
		"j": {"name": "IntLogUniformDistribution", "attributes": {"low": 1, "high": 100}}}`))
	f.Add([]byte(`{"s": {"name": "FloatDistribution", "attributes": {"low": 0.1, "high": 0.7, "step": 0.2}}}`))
	f.Add([]byte(`{"w": {"name": "IntDistribution", "attributes": {"low": -9223372036854775808, "high": 9223372036854775807, "step": 7}}}`))
	f.Add([]byte(`{"x": {"name": "FloatDistribution", "attributes": {"low": 0, "high": 1, "step": 0}}}`))
	f.Add([]byte(`{"": {}}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := ParseSearchSpaceJSON(b)
		if err != nil {
			return
		}
		for _, p := range s.Params() {
			exercise(p.Dist)
		}
		out, err := MarshalSearchSpaceJSON(s)
		if err != nil {
			t.Fatalf("accepted space does not marshal: %v", err)
		}
		if !json.Valid(out) {
			t.Fatalf("marshaled space is not JSON: %s", out)
		}
		back, err := ParseSearchSpaceJSON(out)
		if err != nil {
			t.Fatalf("marshaled space %s does not parse: %v", out, err)
		}
		if !sameSpace(s, back) {
			t.Fatalf("space changed through its JSON %s", out)
		}
		if again, err := MarshalSearchSpaceJSON(back); err != nil || !bytes.Equal(again, out) {
			t.Fatalf("second marshal differs:\n%s\n%s", out, again)
		}
	})
}

// exercise calls the methods that take arbitrary input, to find panics.
func exercise(d Distribution) {
	d.Single()
	for _, x := range []float64{0, 1, -1, 0.5, math.NaN(), math.Inf(1), 1e300, -1 << 63} {
		d.Contains(x)
		_, _ = d.ToInternal(d.ToExternal(x))
	}
}

// sameSpace reports whether two spaces have the same names in the same
// order and bit-identical distributions (choices compared kind by kind).
func sameSpace(a, b *Space) bool {
	if a.Len() != b.Len() {
		return false
	}
	for i, p := range a.Params() {
		q := b.Params()[i]
		if p.Name != q.Name || !sameDistribution(p.Dist, q.Dist) {
			return false
		}
	}
	return true
}

func sameDistribution(a, b Distribution) bool {
	switch a := a.(type) {
	case FloatDistribution:
		b, ok := b.(FloatDistribution)
		return ok && sameBits(a.Low, b.Low) && sameBits(a.High, b.High) && sameBits(a.Step, b.Step) && a.Log == b.Log
	case IntDistribution:
		return a == b
	case CategoricalDistribution:
		b, ok := b.(CategoricalDistribution)
		if !ok || len(a.Choices) != len(b.Choices) {
			return false
		}
		for i, c := range a.Choices {
			if !sameValue(c, b.Choices[i]) {
				return false
			}
		}
		return true
	}
	return false
}

func sameBits(x, y float64) bool { return math.Float64bits(x) == math.Float64bits(y) }

func sameValue(v, w Value) bool {
	return v.Kind() == w.Kind() && v.Str() == w.Str() && v.Int() == w.Int() && v.Bool() == w.Bool() &&
		(v.Kind() != KindFloat || sameBits(v.Float(), w.Float()))
}

func FuzzValueJSON(f *testing.F) {
	for _, s := range []string{"1", "1.0", "-0.0", "1e-05", "1e+16", "true", "null", `"a\u00e9"`, `"\ud800"`,
		"12345678901234567890", "5e-324", "[1]", "{}", `"\u0000"`, "0.1e1"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var v Value
		if err := json.Unmarshal(b, &v); err != nil {
			return
		}
		out, err := json.Marshal(v)
		if err != nil {
			t.Fatalf("%q read as %#v, which does not marshal: %v", b, v, err)
		}
		for _, c := range out {
			if c >= utf8.RuneSelf || c < 0x20 {
				t.Fatalf("marshaled %#v is not printable ASCII as Python writes it: %q", v, out)
			}
		}
		var back Value
		if err := json.Unmarshal(out, &back); err != nil || !sameValue(v, back) {
			t.Fatalf("%#v -> %s -> %#v (%v): changed", v, out, back, err)
		}
		isNumber := v.Kind() == KindInt || v.Kind() == KindFloat
		if hasFraction := bytes.ContainsAny(out, ".eE"); isNumber && hasFraction != (v.Kind() == KindFloat) {
			t.Fatalf("%#v written as %s: ints must have no fraction or exponent, floats must", v, out)
		}
	})
}
