package hpo

import (
	"math"
	"strings"
	"testing"
)

func TestValidate(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	tests := []struct {
		d       Distribution
		problem string // "" = valid
	}{
		{FloatDistribution{Low: 0, High: 1}, ""},
		{FloatDistribution{Low: 1, High: 1}, ""},
		{FloatDistribution{Low: 1e-9, High: 1e-6, Log: true}, ""},
		{FloatDistribution{Low: 0, High: 1, Step: 0.1}, ""},
		{FloatDistribution{Low: 1, High: 0}, "low 1 > high 0"},
		{FloatDistribution{Low: nan, High: 1}, "finite"},
		{FloatDistribution{Low: 0, High: inf}, "finite"},
		{FloatDistribution{Low: 0.1, High: 1, Log: true, Step: 0.1}, "step and log"},
		{FloatDistribution{Low: 0, High: 1, Log: true}, "log needs low > 0"},
		{FloatDistribution{Low: 0, High: 1, Step: -0.1}, "step must be"},
		{FloatDistribution{Low: 0, High: 1, Step: nan}, "step must be"},
		{IntDistribution{Low: 1, High: 10, Step: 1}, ""},
		{IntDistribution{Low: 1, High: 1024, Step: 1, Log: true}, ""},
		{IntDistribution{Low: 10, High: 1, Step: 1}, "low 10 > high 1"},
		{IntDistribution{Low: 0, High: 10}, "step must be >= 1"},
		{IntDistribution{Low: 1, High: 10, Step: 2, Log: true}, "step and log"},
		{IntDistribution{Low: 0, High: 10, Step: 1, Log: true}, "log needs low >= 1"},
		{CategoricalDistribution{Choices: []Value{String("a"), Int(1), Bool(true), None()}}, ""},
		{CategoricalDistribution{}, "no choices"},
		{CategoricalDistribution{Choices: []Value{Int(1), Float(1)}}, "appears twice"},
		{CategoricalDistribution{Choices: []Value{Float(nan)}}, "choice 0 is NaN"},
		{CategoricalDistribution{Choices: []Value{String("a"), Float(inf)}}, "choice 1 is +Inf"},
		{CategoricalDistribution{Choices: []Value{String("\xff")}}, "not valid UTF-8"},
	}
	for _, tt := range tests {
		err := tt.d.Validate()
		switch {
		case tt.problem == "" && err != nil:
			t.Errorf("%#v: unexpected error %v", tt.d, err)
		case tt.problem != "" && (err == nil || !strings.Contains(err.Error(), tt.problem)):
			t.Errorf("%#v: err = %v, want one naming %q", tt.d, err, tt.problem)
		}
	}
}

func TestContains(t *testing.T) {
	tests := []struct {
		d     Distribution
		in    []float64
		notIn []float64
	}{
		{FloatDistribution{Low: -1, High: 1}, []float64{-1, 0, 0.3, 1}, []float64{-1.0000001, 1.5, math.NaN(), math.Inf(1)}},
		{FloatDistribution{Low: 0, High: 1, Step: 0.1}, []float64{0, 0.1, 0.30000000000000004, 0.7, 1}, []float64{0.05, 1.1, math.NaN()}},
		{FloatDistribution{Low: 1e-6, High: 0.2, Log: true}, []float64{1e-6, 0.01, 0.2}, []float64{0, 0.3}},
		{IntDistribution{Low: 32, High: 256, Step: 16}, []float64{32, 48, 256}, []float64{40, 31, 272, 48.5, math.NaN()}},
		{IntDistribution{Low: -3, High: 3, Step: 1}, []float64{-3, 0, 3}, []float64{-4, 0.5}},
		{IntDistribution{Low: math.MinInt64, High: math.MaxInt64, Step: 1}, []float64{-(1 << 63), 0, 1 << 62}, []float64{1 << 63, math.Inf(-1)}},
		{IntDistribution{Low: 0, High: 10}, nil, []float64{0, 5}}, // invalid step 0: no panic, nothing contained
		{CategoricalDistribution{Choices: []Value{String("a"), String("b")}}, []float64{0, 1}, []float64{-1, 2, 0.5, math.NaN()}},
	}
	for _, tt := range tests {
		for _, x := range tt.in {
			if !tt.d.Contains(x) {
				t.Errorf("%#v: Contains(%v) = false", tt.d, x)
			}
		}
		for _, x := range tt.notIn {
			if tt.d.Contains(x) {
				t.Errorf("%#v: Contains(%v) = true", tt.d, x)
			}
		}
	}
}

func TestSingle(t *testing.T) {
	tests := []struct {
		d    Distribution
		want bool
	}{
		{FloatDistribution{Low: 0.5, High: 0.5}, true},
		{FloatDistribution{Low: 0, High: 1e-300}, false},
		{FloatDistribution{Low: 0, High: 0.05, Step: 0.1}, true},
		// 0.3-0.1 < 0.2 in floating point, but Optuna compares decimals: two values.
		{FloatDistribution{Low: 0.1, High: 0.3, Step: 0.2}, false},
		{FloatDistribution{Low: 0.1, High: 0.29, Step: 0.2}, true},
		{IntDistribution{Low: 3, High: 3, Step: 1}, true},
		{IntDistribution{Low: 0, High: 2, Step: 3}, true},
		{IntDistribution{Low: 0, High: 3, Step: 3}, false},
		{IntDistribution{Low: 1, High: 2, Step: 1, Log: true}, false},
		// High-Low overflows int64 here; the answer must still be "many values".
		{IntDistribution{Low: math.MinInt64, High: math.MaxInt64, Step: 1}, false},
		{CategoricalDistribution{Choices: []Value{Int(1)}}, true},
		{CategoricalDistribution{Choices: []Value{Int(1), Int(2)}}, false},
	}
	for _, tt := range tests {
		if got := tt.d.Single(); got != tt.want {
			t.Errorf("%#v: Single() = %v, want %v", tt.d, got, tt.want)
		}
	}
}

func TestInternalExternalRoundTrip(t *testing.T) {
	cat := CategoricalDistribution{Choices: []Value{String("a"), Int(2), Float(2.5), Bool(false), None()}}
	for i, c := range cat.Choices {
		if got := cat.ToExternal(float64(i)); got != c {
			t.Errorf("categorical ToExternal(%d) = %s, want %s", i, got, c)
		}
		x, err := cat.ToInternal(c)
		if err != nil || x != float64(i) {
			t.Errorf("categorical ToInternal(%s) = %v, %v; want %d", c, x, err, i)
		}
	}
	// Python equality: 2.0 is the choice 2, but true is not 1 and 0 is not false.
	if x, err := cat.ToInternal(Float(2)); err != nil || x != 1 {
		t.Errorf("ToInternal(2.0) = %v, %v; want index 1", x, err)
	}
	if got := cat.ToExternal(5); got.Kind() != KindNone {
		t.Errorf("ToExternal out of range = %s, want the zero Value", got)
	}
	fl := FloatDistribution{Low: -2, High: 2}
	for _, x := range []float64{-2, -0.125, 1.9999999} {
		v := fl.ToExternal(x)
		if back, err := fl.ToInternal(v); v.Kind() != KindFloat || err != nil || back != x {
			t.Errorf("float round trip of %v: %s -> %v, %v", x, v, back, err)
		}
	}
	in := IntDistribution{Low: -5, High: 1 << 40, Step: 1}
	for _, x := range []float64{-5, 0, 1 << 40} {
		v := in.ToExternal(x)
		if back, err := in.ToInternal(v); v.Kind() != KindInt || err != nil || back != x {
			t.Errorf("int round trip of %v: %s -> %v, %v", x, v, back, err)
		}
	}
	if v := in.ToExternal(2.9999999999); v != Int(3) {
		t.Errorf("int ToExternal rounds: got %s, want 3", v)
	}
	bad := []struct {
		d Distribution
		v Value
	}{
		{fl, String("1")}, {fl, Bool(true)}, {fl, None()},
		{in, Float(1.5)}, {in, String("3")}, {in, Bool(false)},
		{cat, Bool(true)}, {cat, Int(0)}, {cat, String("b")},
	}
	for _, b := range bad {
		if x, err := b.d.ToInternal(b.v); err == nil {
			t.Errorf("%s.ToInternal(%s) = %v, want an error", b.d.Name(), b.v, x)
		}
	}
	if x, err := in.ToInternal(Float(4)); err != nil || x != 4 {
		t.Errorf("int ToInternal(4.0) = %v, %v; want 4", x, err)
	}
}

func TestValueAccessorsAndEqual(t *testing.T) {
	if v := Int(7); v.Kind() != KindInt || v.Int() != 7 || v.Float() != 7 || v.String() != "7" {
		t.Errorf("Int(7): %#v", v)
	}
	if v := Float(2.75); v.Kind() != KindFloat || v.Int() != 2 || v.Float() != 2.75 || v.String() != "2.75" {
		t.Errorf("Float(2.75): %#v", v)
	}
	if v := String("x"); v.Kind() != KindString || v.Str() != "x" || v.String() != `"x"` {
		t.Errorf(`String("x"): %#v`, v)
	}
	if v := Bool(true); v.Kind() != KindBool || !v.Bool() || v.String() != "true" {
		t.Errorf("Bool(true): %#v", v)
	}
	if v := None(); v.Kind() != KindNone || v != (Value{}) || v.String() != "null" {
		t.Errorf("None(): %#v", v)
	}
	if _, ok := Bool(true).Number(); ok {
		t.Error("a bool is not a number")
	}
	equal := [][2]Value{{Int(1), Float(1)}, {None(), None()}, {String("a"), String("a")}, {Bool(false), Bool(false)}}
	unequal := [][2]Value{{Int(1), Bool(true)}, {Int(0), Bool(false)}, {String("1"), Int(1)}, {None(), Int(0)}, {Float(math.NaN()), Float(math.NaN())}}
	for _, p := range equal {
		if !p[0].Equal(p[1]) || !p[1].Equal(p[0]) {
			t.Errorf("%s and %s should be equal", p[0], p[1])
		}
	}
	for _, p := range unequal {
		if p[0].Equal(p[1]) || p[1].Equal(p[0]) {
			t.Errorf("%s and %s should differ", p[0], p[1])
		}
	}
}
