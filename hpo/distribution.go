package hpo

import (
	"fmt"
	"math"
	"math/big"
	"strconv"
	"unicode/utf8"
)

// Distribution is the domain of one parameter. It is sealed: the only
// implementations are FloatDistribution, IntDistribution and
// CategoricalDistribution, mirroring Optuna's distributions of the same names.
// Values move between an external form (what a trainer sees) and a float64
// internal form (what samplers and the ledger store).
type Distribution interface {
	// Name is Optuna's class name, used in the distribution JSON.
	Name() string
	// Validate reports whether the distribution itself is well formed.
	Validate() error
	// Contains reports whether an internal value lies in the domain.
	Contains(internal float64) bool
	// Single reports whether the domain has exactly one value.
	Single() bool
	// ToExternal converts an internal value to its external form.
	ToExternal(internal float64) Value
	// ToInternal converts an external value to its internal form.
	ToInternal(v Value) (float64, error)
	sealed()
}

// FloatDistribution is a real interval [Low, High], sampled uniformly or in
// log space, optionally discretised by Step (Step and Log exclude each other).
type FloatDistribution struct {
	Low, High float64
	Log       bool
	Step      float64 // 0 means continuous
}

// IntDistribution is an integer interval [Low, High] with Step (>= 1),
// sampled uniformly or in log space (Log requires Step 1).
type IntDistribution struct {
	Low, High int64
	Log       bool
	Step      int64
}

// CategoricalDistribution is a finite list of choices; the internal value of
// a choice is its index.
type CategoricalDistribution struct {
	Choices []Value
}

// Name implements Distribution.
func (FloatDistribution) Name() string { return "FloatDistribution" }

// Name implements Distribution.
func (IntDistribution) Name() string { return "IntDistribution" }

// Name implements Distribution.
func (CategoricalDistribution) Name() string { return "CategoricalDistribution" }

func (FloatDistribution) sealed()       {}
func (IntDistribution) sealed()         {}
func (CategoricalDistribution) sealed() {}

// Validate implements Distribution.
func (d FloatDistribution) Validate() error {
	switch {
	case math.IsNaN(d.Low) || math.IsNaN(d.High) || math.IsInf(d.Low, 0) || math.IsInf(d.High, 0):
		return fmt.Errorf("float distribution: bounds must be finite, got low=%v high=%v", d.Low, d.High)
	case d.Low > d.High:
		return fmt.Errorf("float distribution: low %v > high %v", d.Low, d.High)
	case d.Log && d.Step != 0:
		return fmt.Errorf("float distribution: step and log cannot be used together")
	case d.Log && d.Low <= 0:
		return fmt.Errorf("float distribution: log needs low > 0, got %v", d.Low)
	case d.Step < 0 || math.IsNaN(d.Step) || math.IsInf(d.Step, 0):
		return fmt.Errorf("float distribution: step must be a positive finite number, got %v", d.Step)
	}
	return nil
}

// Validate implements Distribution.
func (d IntDistribution) Validate() error {
	switch {
	case d.Low > d.High:
		return fmt.Errorf("int distribution: low %d > high %d", d.Low, d.High)
	case d.Step < 1:
		return fmt.Errorf("int distribution: step must be >= 1, got %d", d.Step)
	case d.Log && d.Step != 1:
		return fmt.Errorf("int distribution: step and log cannot be used together")
	case d.Log && d.Low < 1:
		return fmt.Errorf("int distribution: log needs low >= 1, got %d", d.Low)
	}
	return nil
}

// Validate implements Distribution.
func (d CategoricalDistribution) Validate() error {
	if len(d.Choices) == 0 {
		return fmt.Errorf("categorical distribution: no choices")
	}
	for i, c := range d.Choices {
		if c.Kind() == KindFloat && !finite(c.Float()) {
			return fmt.Errorf("categorical distribution: choice %d is %v; choices must be finite to be written as JSON", i, c.Float())
		}
		if c.Kind() == KindString && !utf8.ValidString(c.Str()) {
			return fmt.Errorf("categorical distribution: choice %d, %q, is not valid UTF-8", i, c.Str())
		}
		for j := 0; j < i; j++ {
			if d.Choices[j].Equal(c) {
				return fmt.Errorf("categorical distribution: choice %s appears twice", c)
			}
		}
	}
	return nil
}

// Contains implements Distribution.
func (d FloatDistribution) Contains(x float64) bool {
	if math.IsNaN(x) || x < d.Low || x > d.High {
		return false
	}
	if d.Step == 0 {
		return true
	}
	k := (x - d.Low) / d.Step
	return math.Abs(k-math.Round(k)) < 1e-8
}

// Contains implements Distribution. It is exact over the whole int64 range
// (values beyond 2^53 are those a float64 can hold).
func (d IntDistribution) Contains(x float64) bool {
	if math.IsNaN(x) || x != math.Trunc(x) || x < -(1<<63) || x >= 1<<63 {
		return false
	}
	i := int64(x)
	if i < d.Low || i > d.High || d.Step < 1 {
		return false
	}
	return (uint64(i)-uint64(d.Low))%uint64(d.Step) == 0
}

// Contains implements Distribution.
func (d CategoricalDistribution) Contains(x float64) bool {
	return x == math.Trunc(x) && x >= 0 && x < float64(len(d.Choices))
}

// Single implements Distribution. With a step it compares high-low with the
// step in decimal arithmetic, as Optuna does, so that [0.1, 0.3] with step
// 0.2 has two values even though 0.3-0.1 < 0.2 in floating point.
func (d FloatDistribution) Single() bool {
	if d.Low == d.High {
		return true
	}
	if d.Step == 0 {
		return false
	}
	if !finite(d.Low) || !finite(d.High) || !finite(d.Step) {
		return d.High-d.Low < d.Step
	}
	r := new(big.Rat).Sub(decimalRat(d.High), decimalRat(d.Low))
	return r.Cmp(decimalRat(d.Step)) < 0
}

func finite(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }

// Single implements Distribution. It is exact over the whole int64 range.
func (d IntDistribution) Single() bool {
	return d.Low == d.High || (d.Low < d.High && d.Step > 0 && uint64(d.High)-uint64(d.Low) < uint64(d.Step))
}

// Single implements Distribution.
func (d CategoricalDistribution) Single() bool { return len(d.Choices) == 1 }

// ToExternal implements Distribution.
func (d FloatDistribution) ToExternal(x float64) Value { return Float(x) }

// ToExternal implements Distribution.
func (d IntDistribution) ToExternal(x float64) Value { return Int(int64(math.Round(x))) }

// ToExternal implements Distribution. An index out of range yields the zero Value.
func (d CategoricalDistribution) ToExternal(x float64) Value {
	i := int(x)
	if i < 0 || i >= len(d.Choices) {
		return Value{}
	}
	return d.Choices[i]
}

// ToInternal implements Distribution.
func (d FloatDistribution) ToInternal(v Value) (float64, error) {
	f, ok := v.Number()
	if !ok {
		return 0, fmt.Errorf("float parameter: %s is not a number", v)
	}
	return f, nil
}

// ToInternal implements Distribution.
func (d IntDistribution) ToInternal(v Value) (float64, error) {
	f, ok := v.Number()
	if !ok || f != math.Trunc(f) {
		return 0, fmt.Errorf("int parameter: %s is not an integer", v)
	}
	return f, nil
}

// ToInternal implements Distribution.
func (d CategoricalDistribution) ToInternal(v Value) (float64, error) {
	for i, c := range d.Choices {
		if c.Equal(v) {
			return float64(i), nil
		}
	}
	return 0, fmt.Errorf("categorical parameter: %s is not one of the choices", v)
}

// Index returns the index of the choice equal to v, or false.
func (d CategoricalDistribution) Index(v Value) (int, bool) {
	for i, c := range d.Choices {
		if c.Equal(v) {
			return i, true
		}
	}
	return 0, false
}

// Kind says which Go type a Value holds.
type Kind uint8

// The kinds of Value. KindNone is Python's None (and the zero Value).
const (
	KindNone Kind = iota
	KindString
	KindFloat
	KindInt
	KindBool
)

// Value is a parameter's external value: a string, float, int, bool or none.
// It is a small comparable struct so that choices and parameters need no
// interface{} and no type switches outside this file.
type Value struct {
	kind Kind
	s    string
	f    float64
	i    int64
	b    bool
}

// String returns a string Value.
func String(s string) Value { return Value{kind: KindString, s: s} }

// Float returns a float Value.
func Float(f float64) Value { return Value{kind: KindFloat, f: f} }

// Int returns an int Value.
func Int(i int64) Value { return Value{kind: KindInt, i: i} }

// Bool returns a bool Value.
func Bool(b bool) Value { return Value{kind: KindBool, b: b} }

// None returns the none Value (Python's None).
func None() Value { return Value{} }

// Kind reports the kind of v.
func (v Value) Kind() Kind { return v.kind }

// Str returns the string held by v ("" for other kinds).
func (v Value) Str() string { return v.s }

// Float returns v as a float64 (ints converted, other kinds 0).
func (v Value) Float() float64 {
	if v.kind == KindInt {
		return float64(v.i)
	}
	return v.f
}

// Int returns v as an int64 (floats truncated, other kinds 0).
func (v Value) Int() int64 {
	if v.kind == KindFloat {
		return int64(v.f)
	}
	return v.i
}

// Bool returns the bool held by v (false for other kinds).
func (v Value) Bool() bool { return v.b }

// Number returns v as a float64 when it is an int or float.
func (v Value) Number() (float64, bool) {
	switch v.kind {
	case KindFloat:
		return v.f, true
	case KindInt:
		return float64(v.i), true
	}
	return 0, false
}

// Equal reports whether two values are the same choice. As in Python, an int
// and a float with the same numeric value are equal; a bool equals only a bool.
func (v Value) Equal(w Value) bool {
	if a, ok := v.Number(); ok {
		b, ok := w.Number()
		return ok && a == b
	}
	return v == w
}

// String formats v as Python would print it in a repr-like form.
func (v Value) String() string {
	switch v.kind {
	case KindString:
		return strconv.Quote(v.s)
	case KindFloat:
		return strconv.FormatFloat(v.f, 'g', -1, 64)
	case KindInt:
		return strconv.FormatInt(v.i, 10)
	case KindBool:
		if v.b {
			return "true"
		}
		return "false"
	}
	return "null"
}
