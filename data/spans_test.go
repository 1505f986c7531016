package data

import "testing"

func TestTokenSpan(t *testing.T) {
	// [CLS] crit [SEP] I | can't | sleep | . | Fine | . [SEP]
	// post: "I can't sleep. Fine." — "I"=0-1 "can't"=2-7 "sleep"=8-13 "."=13-14 "Fine"=15-19 "."=19-20
	offsets := [][2]int{{0, 0}, {0, 4}, {0, 0}, {0, 1}, {2, 7}, {8, 13}, {13, 14}, {15, 19}, {19, 20}, {0, 0}}
	inPost := []bool{false, false, false, true, true, true, true, true, true, false}
	tests := []struct {
		span       Span
		start, end int
		ok         bool
	}{
		{Span{0, 14}, 3, 6, true},  // the first sentence
		{Span{15, 20}, 7, 8, true}, // the second
		{Span{3, 10}, 4, 5, true},  // a span inside tokens widens to them
		{Span{20, 30}, -1, -1, false},
	}
	for _, tc := range tests {
		s, e, ok := TokenSpan(offsets, inPost, tc.span)
		if s != tc.start || e != tc.end || ok != tc.ok {
			t.Errorf("TokenSpan(%v) = %d, %d, %v; want %d, %d, %v", tc.span, s, e, ok, tc.start, tc.end, tc.ok)
		}
	}
	// Truncation: only the first three post tokens survive.
	if _, _, ok := TokenSpan(offsets[:6], inPost[:6], Span{15, 20}); ok {
		t.Error("a truncated answer was found")
	}
}
