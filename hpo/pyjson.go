package hpo

import (
	"fmt"
	"math"
	"math/big"
	"strconv"
	"unicode/utf8"
)

// This file writes JSON exactly as Python's json.dumps does with its default
// settings (", " and ": " separators, ensure_ascii, float repr), which is how
// Optuna writes distribution_json. Byte-identical output lets tests compare
// our distribution JSON with Optuna's and keeps the ledger indistinguishable
// from one Optuna wrote.

// appendPyFloat appends f as Python's repr would write it: the shortest
// digits that round-trip, positional for exponents -4..15 (always with a
// fraction, "1.0"), scientific otherwise ("1e-05", "1e+16").
func appendPyFloat(b []byte, f float64) ([]byte, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return nil, fmt.Errorf("value %v cannot be written as JSON", f)
	}
	if f == 0 || (math.Abs(f) >= 1e-4 && math.Abs(f) < 1e16) {
		s := strconv.FormatFloat(f, 'f', -1, 64)
		b = append(b, s...)
		for i := 0; i < len(s); i++ {
			if s[i] == '.' {
				return b, nil
			}
		}
		return append(b, ".0"...), nil
	}
	return strconv.AppendFloat(b, f, 'e', -1, 64), nil
}

// appendPyString appends s as a JSON string the way Python's json.dumps
// does with ensure_ascii: every character outside printable ASCII is
// escaped, as \uXXXX (lower-case hex, surrogate pairs above U+FFFF). Callers
// check that s is valid UTF-8; invalid bytes would be written as U+FFFD.
func appendPyString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	u4 := func(b []byte, r rune) []byte {
		return append(b, '\\', 'u', hex[r>>12&0xf], hex[r>>8&0xf], hex[r>>4&0xf], hex[r&0xf])
	}
	b = append(b, '"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b = append(b, '\\', byte(r))
		case r == '\n':
			b = append(b, '\\', 'n')
		case r == '\r':
			b = append(b, '\\', 'r')
		case r == '\t':
			b = append(b, '\\', 't')
		case r == '\b':
			b = append(b, '\\', 'b')
		case r == '\f':
			b = append(b, '\\', 'f')
		case r >= 0x20 && r <= 0x7e:
			b = append(b, byte(r))
		case r > 0xffff:
			r -= 0x10000
			b = u4(u4(b, 0xd800+(r>>10)), 0xdc00+(r&0x3ff))
		default:
			b = u4(b, r)
		}
	}
	return append(b, '"')
}

// appendPyValue appends v as Python's json.dumps writes the same value.
func appendPyValue(b []byte, v Value) ([]byte, error) {
	switch v.kind {
	case KindString:
		if !utf8.ValidString(v.s) {
			return nil, fmt.Errorf("string %q is not valid UTF-8, which JSON cannot hold", v.s)
		}
		return appendPyString(b, v.s), nil
	case KindInt:
		return strconv.AppendInt(b, v.i, 10), nil
	case KindBool:
		return strconv.AppendBool(b, v.b), nil
	case KindFloat:
		return appendPyFloat(b, v.f)
	}
	return append(b, "null"...), nil
}

// decimalRat returns the exact value of f's shortest decimal form, the
// number Python's decimal.Decimal(str(f)) holds; Optuna does its step
// arithmetic on those.
func decimalRat(f float64) *big.Rat {
	r, _ := new(big.Rat).SetString(strconv.FormatFloat(f, 'g', -1, 64))
	return r
}

// adjustFloatHigh moves high down onto the step grid from low, as Optuna's
// FloatDistribution does (_adjust_discrete_uniform_high, in decimal
// arithmetic). When the grid point has no float whose shortest decimal form
// is exactly that point (steps with more than ~17 significant digits), high
// is left as given, so that parsing the written JSON again gives the same
// distribution.
func adjustFloatHigh(low, high, step float64) float64 {
	l, h, s := decimalRat(low), decimalRat(high), decimalRat(step)
	r := new(big.Rat).Sub(h, l)
	// k = floor(r / s); r and s are positive, so truncation is the floor.
	q := new(big.Rat).Quo(r, s)
	k := new(big.Int).Quo(q.Num(), q.Denom())
	grid := new(big.Rat).Add(new(big.Rat).Mul(new(big.Rat).SetInt(k), s), l)
	if grid.Cmp(h) == 0 {
		return high
	}
	adjusted, _ := grid.Float64()
	if decimalRat(adjusted).Cmp(grid) != 0 {
		return high
	}
	return adjusted
}

// adjustIntHigh moves high down onto the step grid from low, as Optuna's
// IntDistribution does (_adjust_int_uniform_high). It needs low <= high and
// step >= 1, and is exact over the whole int64 range.
func adjustIntHigh(low, high, step int64) int64 {
	r := uint64(high) - uint64(low)
	return int64(uint64(low) + r - r%uint64(step))
}
